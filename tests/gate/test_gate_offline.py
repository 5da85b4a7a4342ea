"""`ftgov gate --forge git`: a local clone sees merges but not reviews."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ftgov.gate.forge.git import LocalGitForge
from ftgov.gate.gate import decide_offline

from ..conftest import REPO_FIXTURE, run_ftgov
from ..fakegithub import FakeGitHub
from .test_gate import R4, R4_TEXT, approved, fake  # noqa: F401 - pytest fixture

ALLOW_LOCAL = (
    (REPO_FIXTURE / "policies" / "policy.yaml").read_bytes().replace(b"waivers: []", b"waivers: []\ngate:\n  allow_unreviewed_local: true")
)


def _clone(fake: FakeGitHub, tmp_path: Path) -> Path:  # noqa: F811
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(fake.git.path), str(target)], check=True, capture_output=True)
    return target


def _gate(clone: Path) -> tuple[int, dict[str, object]]:
    done = run_ftgov(
        "gate", "support-agent-r4", "--forge", "git", "--git-dir", str(clone), "--format", "json"
    )  # no token: offline needs none
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_denies_by_default_because_reviews_are_invisible(fake: FakeGitHub, tmp_path: Path) -> None:  # noqa: F811
    approved(fake).merge("merge")
    code, payload = _gate(_clone(fake, tmp_path))
    assert code == 1
    assert payload["approvals"] == "unverified"
    assert any("cannot show reviews" in r for r in payload["reasons"])  # type: ignore[union-attr]
    assert any("gate.allow_unreviewed_local" in r for r in payload["reasons"])  # type: ignore[union-attr]


def test_policy_may_allow_unreviewed_local_use(fake: FakeGitHub, tmp_path: Path) -> None:  # noqa: F811
    fake.commit("main", {"policies/policy.yaml": ALLOW_LOCAL}, "development policy")
    approved(fake).merge("merge")
    code, payload = _gate(_clone(fake, tmp_path))
    assert code == 0, payload
    assert payload["decision"] == "allow" and payload["approvals"] == "unverified"
    assert payload["blob_sha"] is not None and payload["head_sha"] is not None


@pytest.mark.parametrize("how", ["squash", "direct-push", "changed-after-merge"])
def test_anything_but_an_untouched_merge_is_denied(fake: FakeGitHub, tmp_path: Path, how: str) -> None:  # noqa: F811
    fake.commit("main", {"policies/policy.yaml": ALLOW_LOCAL}, "development policy")
    if how == "squash":
        approved(fake).merge("squash")
    elif how == "direct-push":
        fake.commit("main", {R4: R4_TEXT}, "direct")
    else:
        approved(fake).merge("merge")
        fake.commit("main", {R4: R4_TEXT.replace(b"epochs: 2", b"epochs: 9")}, "tweak after merge")
    forge = LocalGitForge(_clone(fake, tmp_path))
    attestation = decide_offline(forge, "support-agent-r4")
    assert attestation.decision == "deny"
    assert "is not a merge commit" in attestation.reasons[0]
    assert not attestation.approvals_verified


def test_a_merge_commit_that_edits_the_objective_is_denied(fake: FakeGitHub, tmp_path: Path) -> None:  # noqa: F811
    fake.commit("main", {"policies/policy.yaml": ALLOW_LOCAL}, "development policy")
    approved(fake).merge("merge")
    clone = _clone(fake, tmp_path)
    git = ["git", "-C", str(clone), "-c", "user.name=x", "-c", "user.email=x@example.com"]
    # Redo the merge by hand and change the objective inside the merge commit itself.
    subprocess.run([*git, "reset", "-q", "--hard", "HEAD^1"], check=True)
    subprocess.run([*git, "merge", "-q", "--no-ff", "--no-commit", "origin/add-r4"], check=True)
    (clone / R4).write_bytes(R4_TEXT.replace(b"epochs: 2", b"epochs: 7"))
    subprocess.run([*git, "commit", "-qam", "merge with an edit"], check=True)
    attestation = decide_offline(LocalGitForge(clone), "support-agent-r4")
    assert attestation.decision == "deny"
    assert "was changed by the merge commit" in attestation.reasons[0]
