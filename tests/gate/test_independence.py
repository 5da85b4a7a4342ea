"""Who wrote a PR, as `approvals.independence_of` reads it from the PR's commits (pure: no forge)."""

from __future__ import annotations

import datetime as dt

from ftgov.gate.approval_count import MAX_LISTED_COMMITS, independence_of
from ftgov.gate.forge import PullCommit, PullRequest

PR = PullRequest(7, "Bob", "main", "a" * 40, "b" * 40, dt.datetime(2026, 1, 2, tzinfo=dt.UTC), "c" * 40, "closed")


def commit(
    message: str = "Change", author: str | None = "bob", committer: str | None = "bob", email: str = "bob@example.com"
) -> PullCommit:
    return PullCommit("d" * 40, author, email, committer, email if committer != "web-flow" else "noreply@github.com", message)


def test_the_opener_authors_committers_and_co_authors_are_excluded() -> None:
    message = (
        "Change\n\nCo-authored-by: Tom <1001+tom@users.noreply.github.com>\n"
        "co-authored-by:   Ann <ann@users.noreply.github.com>\n"
        "Co-authored-by: Actions <41898282+github-actions[bot]@users.noreply.github.com>\n"
    )
    found = independence_of(PR, [commit(message, author="Alice", committer="web-flow")])
    assert found.doubts == ()
    assert set(found.excluded) == {"bob", "alice", "web-flow", "tom", "ann", "github-actions[bot]"}
    assert found.excluded["bob"] == "is the PR author"  # logins compare without case, as on GitHub


def test_a_co_author_email_another_commit_links_resolves_to_that_login() -> None:
    first = commit(author="carol", committer="carol", email="carol@corp.example")
    second = commit("Fix\n\nCo-authored-by: Carol <CAROL@corp.example>\n")
    found = independence_of(PR, [first, second])
    assert found.doubts == () and "carol" in found.excluded


def test_what_cannot_be_linked_is_a_doubt_not_a_pass() -> None:
    unlinked = commit(author=None, committer=None, email="someone@elsewhere.example")
    private = commit("Change\n\nCo-authored-by: Tom <tom.private@elsewhere.example>\n")
    found = independence_of(PR, [unlinked, private])
    assert len(found.doubts) == 3  # author and committer of the first, the co-author of the second
    assert all("cannot be shown" in doubt for doubt in found.doubts)


def test_a_pr_longer_than_github_lists_is_unprovable() -> None:
    found = independence_of(PR, [commit()] * MAX_LISTED_COMMITS)
    assert found.doubts and "lists no more" in found.doubts[0]
