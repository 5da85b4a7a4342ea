"""ONE PR comment updated in place (`ftgov comment`, `pr_comment.upsert_comment`), against the loopback GitHub."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ftgov.gate.forge.comment import MAX_BODY, upsert_comment

from ..conftest import run_ftgov
from ..fakegithub import FakeGitHub
from ..fakegithub.server import PullRequest

TOKEN = "ghs_test_comment_token"
REPO = "acme/governance"
MARKER = "<!-- ftgov:report -->"


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeGitHub]:
    github = FakeGitHub(tmp_path / "github", REPO, token=TOKEN, initial_files={"README.md": b"# governance\n"})
    with github.serve():
        yield github


@pytest.fixture
def pr(fake: FakeGitHub) -> PullRequest:
    fake.commit("add-r4", {"objectives/ledger/ledger-r4.yaml": b"id: ledger-r4\n"}, "Add ledger-r4")
    return fake.open_pr("add-r4", title="ledger-r4")


def bodies(fake: FakeGitHub, number: int) -> list[tuple[str, str]]:
    """(author, body) of each comment on the PR, oldest first, as the server holds them."""
    return [(record["user"]["login"], record["body"]) for on, record in fake.repo.comments.values() if on == number]


def post(fake: FakeGitHub, number: int, body_file: Path, *extra: str) -> tuple[int, str, str]:
    done = run_ftgov(
        "comment", "--repo", REPO, "--pr", str(number), "--body-file", str(body_file), "--github-url", fake.url, *extra,
        env={"GITHUB_TOKEN": TOKEN},
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def test_three_pushes_leave_one_comment_with_the_latest_report(fake: FakeGitHub, pr: PullRequest, tmp_path: Path) -> None:
    # Someone else's comment quoting the marker is never the one edited.
    fake.repo.comment(pr.number, "alice", f"why does the bot write {MARKER}?")
    report = tmp_path / "report.md"
    actions = []
    for push in range(3):
        head = fake.commit("add-r4", {"objectives/ledger/ledger-r4.yaml": f"id: ledger-r4\npush: {push}\n".encode()})
        report.write_text(f"## ftgov report\n\nfor {head}\n")
        code, out, err = post(fake, pr.number, report, "--author", fake.token_login)
        assert code == 0, err
        actions.append(out.split()[0])
    assert actions == ["created", "updated", "updated"]
    ours = [body for author, body in bodies(fake, pr.number) if author == fake.token_login]
    assert ours == [f"{MARKER}\n## ftgov report\n\nfor {pr.head_sha}\n"]
    assert bodies(fake, pr.number)[0] == ("alice", f"why does the bot write {MARKER}?")
    # One POST, then edits of that comment: nothing deleted and re-created.
    assert len(fake.calls("POST", r"/issues/\d+/comments$")) == 1
    assert len(fake.calls("PATCH", r"/issues/comments/\d+$")) == 2


def test_upsert_creates_then_edits_and_keeps_one_marker(fake: FakeGitHub, pr: PullRequest) -> None:
    first = upsert_comment(REPO, pr.number, "first", "ftgov:report", TOKEN, fake.url)
    second = upsert_comment(REPO, pr.number, f"second, quoting {MARKER} itself", "ftgov:report", TOKEN, fake.url)
    assert (first.action, second.action) == ("created", "updated")
    assert first.comment_id == second.comment_id
    assert second.url.endswith(f"/pull/{pr.number}#issuecomment-{first.comment_id}")
    (only,) = bodies(fake, pr.number)
    assert only[1] == f"{MARKER}\nsecond, quoting  itself" and only[1].count(MARKER) == 1


def test_a_different_marker_is_a_different_comment(fake: FakeGitHub, pr: PullRequest) -> None:
    upsert_comment(REPO, pr.number, "report", "ftgov:report", TOKEN, fake.url)
    upsert_comment(REPO, pr.number, "evaluation", "ftgov:evaluation", TOKEN, fake.url)
    assert [body.splitlines()[0] for _, body in bodies(fake, pr.number)] == [MARKER, "<!-- ftgov:evaluation -->"]


def test_a_body_longer_than_github_accepts_is_cut_with_a_note(fake: FakeGitHub, pr: PullRequest) -> None:
    upsert_comment(REPO, pr.number, "x" * (MAX_BODY + 10), "ftgov:report", TOKEN, fake.url)
    ((_, body),) = bodies(fake, pr.number)
    assert len(body) == MAX_BODY and body.rstrip().endswith("job summary and artifact)")


def test_usage_errors_are_one_line_exit_2(fake: FakeGitHub, pr: PullRequest, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    report.write_text("hi\n")
    code, _, err = post(fake, pr.number, report, "--marker", "--><script>")
    assert code == 2 and err.count("\n") == 1 and "--marker" in err
    code, _, err = post(fake, pr.number, tmp_path / "missing.md")
    assert code == 2 and err.count("\n") == 1 and "missing.md" in err and "Traceback" not in err
    done = run_ftgov("comment", "--repo", REPO, "--pr", str(pr.number), "--body-file", str(report), "--github-url", fake.url)
    assert done.returncode == 2 and "GITHUB_TOKEN" in done.stderr
    assert bodies(fake, pr.number) == []


def test_github_refusing_is_exit_3(fake: FakeGitHub, pr: PullRequest, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    report.write_text("hi\n")
    fake.inject(r"/issues/\d+/comments$", 500, times=None, method="POST")
    code, _, err = post(fake, pr.number, report)
    assert code == 3 and "could not post" in err and "HTTP 500" in err
