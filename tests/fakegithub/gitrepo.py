"""A thin wrapper over a real, bare git repository driven with ``git`` subprocess calls.

Everything the fake GitHub serves about history (commit lists, blobs, diffs) comes from
here, so the answers are what real git says. Commits on branches are written with plumbing
(a temporary index, ``commit-tree``, ``update-ref``); merges, squashes and rebases run in a
throw-away worktree so conflicts behave like real git.

The environment is scrubbed (no global or system config, no inherited ``GIT_*`` variables,
no signing) so the fake behaves the same on a developer laptop, inside a git hook and on CI.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
ZERO_SHA = "0" * 40

Identity = tuple[str, str]


class GitError(RuntimeError):
    """A git command failed; the message carries the command and its stderr."""


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: str  # ISO 8601, UTC, "Z"
    committer_name: str
    committer_email: str
    committer_date: str
    message: str  # without the trailing newline, as GitHub shows it


@dataclass(frozen=True)
class FileChange:
    path: str
    status: str  # added | removed | modified
    old_blob: str | None
    new_blob: str | None
    additions: int
    deletions: int


@dataclass(frozen=True)
class TreeEntry:
    path: str
    name: str
    type: str  # file | dir | symlink | submodule
    sha: str
    size: int


@dataclass(frozen=True)
class GitTreeEntry:
    """One entry of a recursive tree listing (git's own names: blob, tree, commit)."""

    path: str
    mode: str
    kind: str
    sha: str
    size: int


def iso_to_git_date(iso: str) -> str:
    """``2026-01-01T00:00:00Z`` → ``@1767225600 +0000`` (git's unambiguous raw date format)."""
    return f"@{int(parse_iso(iso).timestamp())} +0000"


def parse_iso(iso: str) -> datetime:
    dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        raise ValueError(f"timestamp needs a timezone: {iso!r}")
    return dt.astimezone(UTC)


def to_iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def blob_sha(data: bytes) -> str:
    """The git blob sha of ``data`` (what GitHub reports as a file's ``sha``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


_FIELD = "%x1f"
_RECORD = "%x1e"
_SHOW_FORMAT = _FIELD.join(["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"]) + _RECORD


class GitRepo:
    """One bare repository at ``path`` with default branch ``default_branch``."""

    def __init__(self, path: Path, default_branch: str = "main") -> None:
        self.path = Path(path)
        self.default_branch = default_branch
        self._scratch = self.path.parent / (self.path.name + ".scratch")
        self._counter = itertools.count(1)
        self._info_cache: dict[str, CommitInfo] = {}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._scratch.mkdir(parents=True, exist_ok=True)
        self._env = self._base_env()
        self._git_cmd(
            ["-c", f"init.defaultBranch={default_branch}", "init", "-q", "--bare", str(self.path)], cwd=self.path.parent, git_dir=False
        )

    # ------------------------------------------------------------------ plumbing
    def _base_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        home = self._scratch / "home"
        home.mkdir(exist_ok=True)
        env.update(
            {
                "HOME": str(home),
                "XDG_CONFIG_HOME": str(home),
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": os.devnull,
                "GIT_TERMINAL_PROMPT": "0",
                "LC_ALL": "C",
                "GIT_AUTHOR_NAME": "Fake Dev",
                "GIT_AUTHOR_EMAIL": "dev@example.com",
                "GIT_COMMITTER_NAME": "Fake Dev",
                "GIT_COMMITTER_EMAIL": "dev@example.com",
            }
        )
        return env

    _CONFIG: Sequence[str] = (
        "-c", "init.defaultBranch=main",
        "-c", "commit.gpgsign=false",
        "-c", "tag.gpgsign=false",
        "-c", "core.quotePath=false",
        "-c", "core.autocrlf=false",
        "-c", "merge.ff=true",
        "-c", "advice.detachedHead=false",
        "-c", "gc.auto=0",
        "-c", "maintenance.auto=false",
        "-c", "user.useConfigOnly=false",
    )  # fmt: skip

    def _git_cmd(
        self,
        args: Sequence[str],
        *,
        cwd: Path | None = None,
        git_dir: bool = True,
        env: Mapping[str, str] | None = None,
        input: bytes | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        cmd = ["git", *self._CONFIG]
        if git_dir:
            cmd.append(f"--git-dir={self.path}")
        cmd.extend(args)
        full_env = dict(self._env)
        if env:
            full_env.update(env)
        proc = subprocess.run(cmd, cwd=cwd or self.path, env=full_env, input=input, capture_output=True, check=False)
        if check and proc.returncode != 0:
            raise GitError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode(errors='replace').strip()}")
        return proc

    def git(self, *args: str, env: Mapping[str, str] | None = None, input: bytes | None = None) -> str:
        """Run a git command against the repository and return stdout as text (stripped)."""
        return self._git_cmd(args, env=env, input=input).stdout.decode().strip()

    def git_bytes(self, *args: str) -> bytes:
        return self._git_cmd(args).stdout

    @staticmethod
    def identity_env(author: Identity, author_date: str, committer: Identity, committer_date: str) -> dict[str, str]:
        return {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_AUTHOR_DATE": iso_to_git_date(author_date),
            "GIT_COMMITTER_NAME": committer[0],
            "GIT_COMMITTER_EMAIL": committer[1],
            "GIT_COMMITTER_DATE": iso_to_git_date(committer_date),
        }

    # ------------------------------------------------------------------ refs
    def resolve(self, ref: str) -> str | None:
        """The commit sha that ``ref`` (branch, full ref, sha or abbreviated sha) names, or None."""
        if not ref or ref.startswith("-"):
            return None
        candidates = [ref] if ref.startswith("refs/") else [f"refs/heads/{ref}", f"refs/tags/{ref}", ref]
        for cand in candidates:
            proc = self._git_cmd(["rev-parse", "--verify", "-q", "--end-of-options", f"{cand}^{{commit}}"], check=False)
            if proc.returncode == 0:
                return proc.stdout.decode().strip()
        return None

    def branch_sha(self, name: str) -> str | None:
        proc = self._git_cmd(["rev-parse", "--verify", "-q", f"refs/heads/{name}^{{commit}}"], check=False)
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    def branches(self) -> dict[str, str]:
        out = self.git("for-each-ref", "--format=%(refname:lstrip=2) %(objectname)", "refs/heads/")
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def set_ref(self, ref: str, sha: str) -> None:
        self.git("update-ref", ref, sha)

    def delete_ref(self, ref: str) -> None:
        self.git("update-ref", "-d", ref)

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self._git_cmd(["merge-base", "--is-ancestor", ancestor, descendant], check=False).returncode == 0

    def merge_base(self, a: str, b: str) -> str | None:
        proc = self._git_cmd(["merge-base", a, b], check=False)
        if proc.returncode != 0:
            return None
        return proc.stdout.decode().strip() or None

    def rev_list(self, include: str, exclude: str | None = None, *, no_merges: bool = False, reverse: bool = False) -> list[str]:
        args = ["rev-list"]
        if no_merges:
            args.append("--no-merges")
        if reverse:
            args.append("--reverse")
        args.append(include)
        if exclude:
            args.append(f"^{exclude}")
        return self.git(*args).split()

    # ------------------------------------------------------------------ history
    def log(self, start: str, path: str | None = None, *, since: str | None = None, until: str | None = None) -> list[str]:
        """Shas like ``git log <start> -- <path>``: newest first, default history simplification."""
        args = ["log", "--format=%H"]
        if since:
            args.append(f"--since={iso_to_git_date(since)}")
        if until:
            args.append(f"--until={iso_to_git_date(until)}")
        args.append(start)
        if path:
            args.extend(["--", path])
        return self.git(*args).split()

    def commit_info(self, sha: str) -> CommitInfo:
        return self.commit_infos([sha])[0]

    def commit_infos(self, shas: Sequence[str]) -> list[CommitInfo]:
        missing = [s for s in dict.fromkeys(shas) if s not in self._info_cache]
        if missing:
            out = self._git_cmd(["show", "-s", "--no-color", f"--format={_SHOW_FORMAT}", *missing]).stdout.decode()
            for record in out.split("\x1e"):
                record = record.lstrip("\n")
                if not record:
                    continue
                f = record.split("\x1f")
                info = CommitInfo(
                    sha=f[0],
                    tree=f[1],
                    parents=tuple(f[2].split()),
                    author_name=f[3],
                    author_email=f[4],
                    author_date=to_iso(parse_iso(f[5])),
                    committer_name=f[6],
                    committer_email=f[7],
                    committer_date=to_iso(parse_iso(f[8])),
                    message=f[9].rstrip("\n"),
                )
                self._info_cache[info.sha] = info
        return [self._info_cache[s] for s in shas]

    def changes(self, old: str | None, new: str) -> list[FileChange]:
        """Files changed between ``old`` (None: the empty tree) and ``new``, sorted by path."""
        base = old or EMPTY_TREE
        raw = self._git_cmd(["diff", "--raw", "-z", "--no-renames", "--no-abbrev", base, new]).stdout.decode()
        num = self._git_cmd(["diff", "--numstat", "-z", "--no-renames", base, new]).stdout.decode()
        counts: dict[str, tuple[int, int]] = {}
        parts = num.split("\0")
        for item in parts:
            if not item:
                continue
            added, deleted, path = item.split("\t", 2)
            counts[path] = (int(added) if added != "-" else 0, int(deleted) if deleted != "-" else 0)
        result: list[FileChange] = []
        fields = raw.split("\0")
        i = 0
        while i < len(fields) - 1:
            meta, path = fields[i], fields[i + 1]
            i += 2
            if not meta.startswith(":"):
                continue
            _old_mode, _new_mode, old_sha, new_sha, letter = meta[1:].split(" ")
            status = {"A": "added", "D": "removed"}.get(letter[0], "modified")
            add, dele = counts.get(path, (0, 0))
            result.append(
                FileChange(
                    path=path,
                    status=status,
                    old_blob=None if old_sha == ZERO_SHA else old_sha,
                    new_blob=None if new_sha == ZERO_SHA else new_sha,
                    additions=add,
                    deletions=dele,
                )
            )
        return sorted(result, key=lambda c: c.path)

    # ------------------------------------------------------------------ trees and blobs
    def entry(self, commit: str, path: str) -> TreeEntry | None:
        """The tree entry at ``path`` in ``commit`` (``""`` is the root directory)."""
        path = path.strip("/")
        if not path:
            return TreeEntry(path="", name="", type="dir", sha=self.git("rev-parse", f"{commit}^{{tree}}"), size=0)
        out = self._git_cmd(["ls-tree", "-l", "-z", "--full-tree", commit, "--", path]).stdout.decode()
        for item in out.split("\0"):
            if not item:
                continue
            meta, name = item.split("\t", 1)
            if name == path:
                return self._entry(meta, name)
        return None

    def list_dir(self, commit: str, path: str) -> list[TreeEntry]:
        path = path.strip("/")
        treeish = f"{commit}:{path}" if path else f"{commit}^{{tree}}"
        out = self._git_cmd(["ls-tree", "-l", "-z", treeish]).stdout.decode()
        entries = []
        for item in out.split("\0"):
            if item:
                meta, name = item.split("\t", 1)
                entries.append(self._entry(meta, f"{path}/{name}" if path else name))
        return entries

    @staticmethod
    def _entry(meta: str, path: str) -> TreeEntry:
        mode, otype, sha, size = meta.split()
        kind = {"tree": "dir", "commit": "submodule"}.get(otype, "symlink" if mode == "120000" else "file")
        return TreeEntry(path=path, name=path.rsplit("/", 1)[-1], type=kind, sha=sha, size=int(size) if size != "-" else 0)

    def tree_entries(self, commit: str) -> list[GitTreeEntry]:
        """Every entry below the commit's root tree, as `git ls-tree -r -t` lists them."""
        out = self._git_cmd(["ls-tree", "-r", "-t", "-l", "-z", "--full-tree", commit]).stdout.decode()
        entries = []
        for item in out.split("\0"):
            if item:
                meta, name = item.split("\t", 1)
                mode, kind, sha, size = meta.split()
                entries.append(GitTreeEntry(path=name, mode=mode, kind=kind, sha=sha, size=int(size) if size != "-" else 0))
        return entries

    def object_type(self, sha: str) -> str | None:
        done = self._git_cmd(["cat-file", "-t", sha], check=False)
        return done.stdout.decode().strip() if done.returncode == 0 else None

    def read_blob(self, sha: str) -> bytes:
        return self.git_bytes("cat-file", "blob", sha)

    # ------------------------------------------------------------------ writing
    def commit_files(
        self,
        branch: str,
        files: Mapping[str, bytes | str | None],
        message: str,
        *,
        author: Identity,
        author_date: str,
        committer: Identity,
        committer_date: str,
        parent: str | None = None,
    ) -> str:
        """Write one commit on ``branch`` changing ``files`` (None deletes) on top of ``parent``.

        ``parent`` defaults to the branch head; a missing branch starts from the default branch
        (or as a root commit in an empty repository).
        """
        old = self.branch_sha(branch)
        if parent is None:
            parent = old or self.branch_sha(self.default_branch)
        index = self._scratch / f"index-{next(self._counter)}"
        env = {"GIT_INDEX_FILE": str(index)}
        try:
            if parent:
                self.git("read-tree", parent, env=env)
            else:
                self.git("read-tree", "--empty", env=env)
            lines = []
            for path, data in files.items():
                clean = path.strip("/")
                if data is None:
                    lines.append(f"0 {ZERO_SHA}\t{clean}")
                else:
                    raw = data.encode() if isinstance(data, str) else data
                    sha = self.git("hash-object", "-w", "--stdin", input=raw)
                    lines.append(f"100644 {sha}\t{clean}")
            if lines:
                self.git("update-index", "--index-info", env=env, input=("\n".join(lines) + "\n").encode())
            tree = self.git("write-tree", env=env)
        finally:
            with contextlib.suppress(FileNotFoundError):
                index.unlink()
        args = ["commit-tree", tree]
        if parent:
            args += ["-p", parent]
        args += ["-F", "-"]
        sha = self.git(*args, env=self.identity_env(author, author_date, committer, committer_date), input=_message(message))
        self.set_ref(f"refs/heads/{branch}", sha)
        return sha

    @contextlib.contextmanager
    def _worktree(self, start: str) -> Iterator[Path]:
        wt = self._scratch / f"wt-{next(self._counter)}"
        self._git_cmd(["worktree", "add", "--detach", "-q", str(wt), start])
        try:
            yield wt
        finally:
            self._git_cmd(["worktree", "remove", "--force", str(wt)], check=False)
            shutil.rmtree(wt, ignore_errors=True)
            self._git_cmd(["worktree", "prune"], check=False)

    def _wt(self, wt: Path, args: Sequence[str], env: Mapping[str, str] | None = None, input: bytes | None = None) -> str:
        proc = self._git_cmd(["-C", str(wt), *args], git_dir=False, env=env, input=input, check=False)
        if proc.returncode != 0:
            raise GitError(
                f"git {' '.join(args)} failed ({proc.returncode}): "
                f"{proc.stdout.decode(errors='replace')}{proc.stderr.decode(errors='replace')}".strip()
            )
        return proc.stdout.decode().strip()

    def merge_no_ff(self, base: str, head: str, message: str, *, author: Identity, committer: Identity, date: str) -> str:
        """A true merge commit (parents: base, head), like GitHub's "Create a merge commit"."""
        env = self.identity_env(author, date, committer, date)
        msg_file = self._scratch / f"msg-{next(self._counter)}"
        msg_file.write_bytes(_message(message))
        try:
            with self._worktree(base) as wt:
                self._wt(wt, ["merge", "--no-ff", "--no-edit", "-q", "-F", str(msg_file), head], env=env)
                return self._wt(wt, ["rev-parse", "HEAD"])
        finally:
            msg_file.unlink(missing_ok=True)

    def squash(self, base: str, head: str, message: str, *, author: Identity, committer: Identity, date: str) -> str:
        """One new commit on ``base`` with the combined changes of ``head`` ("Squash and merge")."""
        env = self.identity_env(author, date, committer, date)
        with self._worktree(base) as wt:
            self._wt(wt, ["merge", "--squash", "-q", head], env=env)
            self._wt(wt, ["commit", "-q", "--allow-empty", "--no-verify", "-F", "-"], env=env, input=_message(message))
            return self._wt(wt, ["rev-parse", "HEAD"])

    def rebase(self, base: str, head: str, *, committer: Identity, date: str) -> list[str]:
        """Replay ``base..head`` (no merges) on ``base`` with a new committer ("Rebase and merge").

        Authors and author dates are kept; every commit gets a new sha even when a fast-forward
        would have been possible, as on GitHub. Returns the new shas, oldest first.
        """
        commits = self.rev_list(head, base, no_merges=True, reverse=True)
        if not commits:
            return []
        env = {
            "GIT_COMMITTER_NAME": committer[0],
            "GIT_COMMITTER_EMAIL": committer[1],
            "GIT_COMMITTER_DATE": iso_to_git_date(date),
        }
        with self._worktree(base) as wt:
            self._wt(wt, ["cherry-pick", "--allow-empty", "--keep-redundant-commits", *commits], env=env)
            new_head = self._wt(wt, ["rev-parse", "HEAD"])
        return self.rev_list(new_head, base, reverse=True)


def _message(message: str) -> bytes:
    return (message.rstrip("\n") + "\n").encode()
