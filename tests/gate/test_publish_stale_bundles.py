"""ftgov attest removes stale bundles with a glob built from the objective id: an objective file named as a
glob pattern withdraws another objective's freshly signed bundle."""

from __future__ import annotations

import json
from pathlib import Path

from ..conftest import run_ftgov
from ..fakegithub import FakeGitHub
from ..signing import org_key
from .test_gate import R4_TEXT, TOKEN, approved, fake, url  # noqa: F401 - pytest fixtures


def test_an_objective_named_like_a_glob_does_not_remove_another_objectives_bundle(
    fake: FakeGitHub,  # noqa: F811
    url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """A merged objectives/support-agent/support-agent-r?.yaml (sorted after -r4, denied: an invalid id) globbed away -r4's bundle."""
    key = org_key(tmp_path / "keys")
    approved(fake).merge("squash")
    fake.commit("glob", {"objectives/support-agent/support-agent-r?.yaml": R4_TEXT}, "a file named as a glob", author="bob")
    fake.open_pr("glob", author_login="bob", title="glob").merge("squash")
    out_dir = tmp_path / "published"
    done = run_ftgov(
        "attest", "--repo", "acme/governance", "--github-url", url, "--signing-key", str(key.private),
        "--out-dir", str(out_dir), "--format", "json",
        env={"GITHUB_TOKEN": TOKEN, "XDG_CACHE_HOME": str(tmp_path / "xdg")},
    )  # fmt: skip
    entries = {e["objective"]: e for e in json.loads(done.stdout)["objectives"]}
    assert "support-agent-r?" in entries and entries["support-agent-r?"]["decision"] == "deny"
    r4 = entries["support-agent-r4"]
    # The index says support-agent-r4 is allowed and names its bundle: the bundle must be there to publish.
    assert r4["decision"] == "allow", r4
    assert (out_dir / r4["bundle"]).is_file(), "support-agent-r4's signed bundle was removed by another objective's glob"
