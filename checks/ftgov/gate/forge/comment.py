"""ONE comment on a pull request, updated in place: found by a hidden marker, edited, else created.

Later pushes edit the same comment rather than stacking a new one per run, so the PR shows
the report for its current head and nothing older. The comment is found by an HTML comment
(`<!-- ftgov:report -->`) that markdown does not render; with `author`, only a comment that
account wrote counts, so a comment anyone else wrote quoting the marker is never edited.

Through `ftgov.forge.github`'s session: the same single origin, error mapping and bounded
retries of reads as every other GitHub call (a failure is ForgeError: exit 3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ftgov.documents.errors import InputError
from ftgov.gate.forge import ForgeError
from ftgov.gate.forge.github import GitHubForge

# GitHub refuses an issue comment longer than 65,536 characters.
MAX_BODY = 65536
_MARKER = re.compile(r"[a-z0-9][a-z0-9:._-]{0,63}")
# A PR with more comments than this is not searched further (100 pages of 100).
MAX_PAGES = 100


class MarkerError(InputError, ValueError):
    """A marker that could not stay hidden inside an HTML comment."""


@dataclass(frozen=True)
class Posted:
    action: str  # created | updated
    comment_id: int
    url: str


def marker_comment(marker: str) -> str:
    if not _MARKER.fullmatch(marker):
        raise MarkerError(f"--marker {marker!r}: use lowercase letters, digits and : . _ - (at most 64), e.g. ftgov:report")
    return f"<!-- {marker} -->"


def with_marker(body: str, marker: str) -> str:
    """The body as posted: the marker first, then the text, cut to what GitHub accepts."""
    hidden = marker_comment(marker)
    text = body.replace(hidden, "")  # a body quoting the marker must not make a second match
    posted = f"{hidden}\n{text}"
    if len(posted) > MAX_BODY:
        note = "\n\n… (cut: the full report is in the workflow run's job summary and artifact)\n"
        posted = posted[: MAX_BODY - len(note)] + note
    return posted


class CommentForge(GitHubForge):
    """The three issue-comment calls: list a PR's comments, create one, edit one."""

    def comments(self, number: int) -> list[dict[str, Any]]:
        items = self._pages(f"comments of #{number}", self._repo_url("issues", str(number), "comments"), max_pages=MAX_PAGES)
        return [item for item in items if isinstance(item, dict)]

    def create_comment(self, number: int, body: str) -> dict[str, Any]:
        url = self._repo_url("issues", str(number), "comments")
        return self._answer(f"new comment on #{number}", lambda: self._gh._json(self._gh._post(url, data={"body": body}), 201))

    def edit_comment(self, comment_id: int, body: str) -> dict[str, Any]:
        url = self._repo_url("issues", "comments", str(comment_id))
        return self._answer(f"comment {comment_id}", lambda: self._gh._json(self._gh._patch(url, json={"body": body}), 200))

    def _answer(self, what: str, send: Any) -> dict[str, Any]:
        data = self._call(what, send)
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            raise ForgeError(f"{what}: expected a comment object from GitHub")
        return data


def upsert_comment(
    repo: str,
    pr_number: int,
    body: str,
    marker: str,
    token: str,
    github_url: str | None = None,
    *,
    author: str | None = None,
) -> Posted:
    """Edit the PR's comment carrying the marker (the latest one, if several), else create it."""
    hidden = marker_comment(marker)
    posted = with_marker(body, marker)
    forge = CommentForge(repo, token, github_url=github_url, cache_dir=None)
    ours = [
        c
        for c in forge.comments(pr_number)
        if hidden in str(c.get("body") or "") and (author is None or (isinstance(c.get("user"), dict) and c["user"].get("login") == author))
    ]
    if ours:
        data = forge.edit_comment(int(ours[-1]["id"]), posted)
        return Posted("updated", int(data["id"]), str(data.get("html_url") or ""))
    data = forge.create_comment(pr_number, posted)
    return Posted("created", int(data["id"]), str(data.get("html_url") or ""))
