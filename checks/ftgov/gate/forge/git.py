"""The offline forge: a local clone. It sees commits and merges, never reviews.

"Merged" here means: the last first-parent commit on the branch that changed the
objective is a merge commit, and the objective's content is the same in that merge as at
the tip of the branch it merged (so nothing changed it during or after the merge).
A squash merge and a direct push look the same in a clone, so both are refused.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ftgov.gate.forge import ForgeError, ForgeIdentity, ForgeStats, UnknownRef


class LocalGitForge:
    """Raises ValueError (a usage error) when git_dir is not a git repository."""

    def __init__(self, git_dir: Path) -> None:
        self._git_dir = git_dir
        self._calls = 0
        self._check_repository()

    def _check_repository(self) -> None:
        where = f"--git-dir {self._git_dir}"
        if not self._git_dir.exists():
            raise ValueError(f"{where}: no such directory")
        if not self._git_dir.is_dir():
            raise ValueError(f"{where} is a file; give the directory of a clone of the governance repository")
        # The ceiling stops git from walking up: a plain directory inside some other
        # checkout is not a clone of the governance repository.
        ceiling = {**os.environ, "GIT_CEILING_DIRECTORIES": str(self._git_dir.resolve().parent)}
        try:
            done = subprocess.run(
                ["git", "-C", str(self._git_dir), "rev-parse", "--git-dir"], capture_output=True, timeout=60, check=False, env=ceiling
            )
        except (OSError, subprocess.TimeoutExpired):
            return  # git itself is unavailable: the first real question reports it as "could not decide"
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = f" ({said[-1]})" if said and "not a git repository" not in said[-1] else ""
            raise ValueError(f"{where} is not a git repository{detail}; give the directory of a clone of the governance repository")

    def describe(self) -> ForgeIdentity:
        return ForgeIdentity(kind="git", path=str(self._git_dir.resolve()))

    def stats(self) -> ForgeStats:
        return ForgeStats(self._calls, 0, 0)

    def _run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        self._calls += 1
        try:
            return subprocess.run(["git", "-C", str(self._git_dir), *args], capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ForgeError(f"git {args[0]}: {exc}") from exc

    def _git(self, *args: str) -> bytes:
        done = self._run(*args)
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ForgeError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
        return done.stdout

    def branch_head(self, branch: str) -> str:
        done = self._run("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}")
        if done.returncode == 0:
            return done.stdout.decode().strip()
        if done.stderr.strip():
            raise ForgeError(f"git rev-parse: {done.stderr.decode('utf-8', 'replace').strip().splitlines()[-1]}")
        branches = self._git("for-each-ref", "--format=%(refname:short)", "--count=6", "refs/heads/").decode().split()
        listed = (", ".join(branches[:5]) + (", ..." if len(branches) > 5 else "")) if branches else "none"
        raise UnknownRef(f"branch {branch!r} does not exist in the clone {self._git_dir} (its branches: {listed})")

    def tree(self, commit: str) -> dict[str, str]:
        listing = self._git("ls-tree", "-r", "-z", "--full-tree", commit).split(b"\0")
        files: dict[str, str] = {}
        for entry in listing:
            if not entry:
                continue
            meta, _, path = entry.partition(b"\t")
            _mode, kind, sha = meta.decode().split()
            if kind == "blob":
                files[path.decode("utf-8", "replace")] = sha
        return files

    def blob(self, sha: str) -> bytes:
        return self._git("cat-file", "blob", sha)

    def blob_sha_at(self, path: str, commit: str) -> str | None:
        try:
            return self._git("rev-parse", "--verify", f"{commit}:{path}").decode().strip()
        except ForgeError:
            return None

    def merge_evidence(self, path: str, head: str, branch: str) -> tuple[list[str], str | None]:
        """Problems with how the objective reached the branch (empty when merged), and the merge commit."""
        changed = self._git("log", "--first-parent", "-1", "--format=%H %P", head, "--", path).decode().split()
        if not changed:
            return [f"no commit on {branch} changes {path}"], None
        commit, parents = changed[0], changed[1:]
        if len(parents) < 2:
            return [
                f"the last change to {path} on {branch} ({commit[:12]}) is not a merge commit: a direct push or a squash "
                "merge, which a local clone cannot tell apart"
            ], None
        merged_tip = parents[1]
        in_merge = self.blob_sha_at(path, commit)
        at_tip = self.blob_sha_at(path, merged_tip)
        if in_merge != at_tip:
            return [
                f"{path} was changed by the merge commit {commit[:12]} itself (it differs from the merged branch {merged_tip[:12]})"
            ], commit
        return [], commit
