"""Fail closed: every forge fault is a deny with exit 3 and a reason; the cache never lies."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ftgov.gate.gate import decide

from ..conftest import run_ftgov, run_ftgov_process
from ..fakegithub import FakeGitHub
from .test_gate import TOKEN, approved, fake, forge, run, url  # noqa: F401 - pytest fixtures

pytestmark = pytest.mark.usefixtures("url")


@pytest.fixture
def merged(fake: FakeGitHub) -> FakeGitHub:  # noqa: F811
    approved(fake).merge("merge")
    return fake


def test_a_transient_5xx_is_retried(merged: FakeGitHub, url: str, tmp_path: Path) -> None:  # noqa: F811
    merged.inject(r"/pulls/2/reviews$", 502, times=2)
    attestation = run(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons
    assert len(merged.calls("GET", r"/pulls/2/reviews$")) == 3


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("server-error", "HTTP 503"),
        ("rate-limit-403", "rate limited by GitHub (HTTP 403); the limit resets at"),
        ("rate-limit-429", "rate limited by GitHub (HTTP 429)"),
        ("malformed-json", "not the JSON expected"),
        ("incomplete", "malformed response from GitHub (missing 'sha')"),
        ("timeout", "cannot reach GitHub"),
        ("ghost-pr-author", "malformed pull request"),
        ("unauthorised", "HTTP 401"),
    ],
)
def test_faults_deny_with_exit_3(merged: FakeGitHub, url: str, tmp_path: Path, fault: str, expected: str) -> None:  # noqa: F811
    options: dict[str, object] = {}
    if fault == "server-error":
        merged.inject(r"/commits/[0-9a-f]+/pulls$", 503, times=None)
    elif fault == "rate-limit-403":
        merged.rate_limited(r"/branches/main$", 403)
    elif fault == "rate-limit-429":
        merged.rate_limited(r"/memberships/", 429)
    elif fault == "malformed-json":
        merged.malformed_json(r"/git/trees/")
    elif fault == "incomplete":
        merged.incomplete(r"/branches/main$", "commit.sha")
    elif fault == "timeout":
        merged.delayed(r"/pulls/\d+/reviews$", 3.0, times=None)
        options["timeout"] = 0.5
        options["retries"] = 1
    elif fault == "ghost-pr-author":
        merged.incomplete(r"/commits/[0-9a-f]+/pulls$", "user")
    elif fault == "unauthorised":
        merged.token = "another-token"
    attestation = decide(forge(url, tmp_path, **options), "support-agent-r4")
    assert attestation.decision == "deny"
    assert attestation.exit_code == 3 and attestation.undecided
    assert attestation.reasons[0].startswith("could not decide: ")
    assert expected in attestation.reasons[0], attestation.reasons
    assert TOKEN not in json.dumps(attestation.to_json())


def test_an_unreachable_forge_prints_the_deny_object(tmp_path: Path) -> None:
    gate = ("gate", "support-agent-r4", "--repo", "acme/governance", "--github-url", "http://127.0.0.1:9", "--format", "json")
    done = run_ftgov(*gate, env={"GITHUB_TOKEN": TOKEN, "XDG_CACHE_HOME": str(tmp_path)})
    assert done.returncode == 3
    payload = json.loads(done.stdout)
    assert payload["decision"] == "deny" and payload["reasons"][0].startswith("could not decide: ")
    assert TOKEN not in done.stdout + done.stderr


def test_a_deleted_reviewer_does_not_crash_the_gate(merged: FakeGitHub, url: str, tmp_path: Path) -> None:  # noqa: F811
    merged.pull(2).review(None)  # PR #1 adopted ftgov; #2 added the objective  # a review by an account deleted since
    attestation = run(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons


def _entries(cache: Path) -> list[Path]:
    return [p for p in cache.iterdir() if not p.name.startswith(".")]


def test_corrupt_or_tampered_cache_entries_are_ignored(merged: FakeGitHub, url: str, tmp_path: Path) -> None:  # noqa: F811
    assert run(url, tmp_path).decision == "allow"
    cache = tmp_path / "cache"
    entries = _entries(cache)
    assert entries
    for i, entry in enumerate(entries):
        if i % 3 == 0:
            entry.write_text("{ not json")
        elif i % 3 == 1:
            data = json.loads(entry.read_text())
            data["body"] = data["body"][:-8] + "AAAAAAA="  # a forged body keeps its old seal
            entry.write_text(json.dumps(data))
        else:
            entry.write_bytes(entry.read_bytes()[: len(entry.read_bytes()) // 2])
    before = len(merged.requests)
    again = run(url, tmp_path)
    assert again.decision == "allow", again.reasons
    assert again.stats is not None and again.stats.served_from_cache == 0
    assert len(merged.requests) - before == again.stats.requests


def test_a_tampered_review_list_cannot_turn_a_deny_into_an_allow(fake: FakeGitHub, url: str, tmp_path: Path) -> None:  # noqa: F811
    pr = approved(fake, "alice")  # risk never approves
    pr.merge("merge")
    assert run(url, tmp_path).decision == "deny"
    for entry in _entries(tmp_path / "cache"):
        data = json.loads(entry.read_text())
        if "/reviews" in data["url"]:
            reviews = json.loads(base64.b64decode(data["body"]))
            reviews.append({**reviews[0], "user": {**reviews[0]["user"], "login": "rita"}})
            data["body"] = base64.b64encode(json.dumps(reviews).encode()).decode()
            entry.write_text(json.dumps(data))
    assert run(url, tmp_path).decision == "deny"


def test_twenty_concurrent_launchers_share_one_cache(merged: FakeGitHub, url: str, tmp_path: Path) -> None:  # noqa: F811
    command = (
        "gate",
        "support-agent-r4",
        "--repo",
        "acme/governance",
        "--github-url",
        url,
        "--cache-dir",
        str(tmp_path / "shared"),
        "--format",
        "json",
    )

    def launch(_: int) -> tuple[int, str]:
        done = run_ftgov_process(*command, env={"GITHUB_TOKEN": TOKEN}, timeout=180)  # twenty processes, as launchers are
        return done.returncode, done.stdout

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(launch, range(20)))
    assert [code for code, _ in results] == [0] * 20, results[0]
    assert {json.loads(out)["blob_sha"] for _, out in results} == {run(url, tmp_path).blob_sha}
    assert not [p for p in (tmp_path / "shared").iterdir() if p.name.endswith(".tmp")]
    for entry in _entries(tmp_path / "shared"):
        json.loads(entry.read_text())  # every entry is whole: writes are atomic renames
