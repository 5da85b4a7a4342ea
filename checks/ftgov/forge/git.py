"""The offline forge: a local clone. It sees commits and merges, never reviews.

"Merged" here means: the last first-parent commit on the branch that changed the
objective is a merge commit, and the objective's content is the same in that merge as at
the tip of the branch it merged (so nothing changed it during or after the merge).
A squash merge and a direct push look the same in a clone, so both are refused.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ftgov.forge import ForgeError, ForgeStats


class LocalGitForge:
    def __init__(self, git_dir: Path) -> None:
        self._git_dir = git_dir
        self._calls = 0

    def describe(self) -> str:
        return f"git {self._git_dir}"

    def stats(self) -> ForgeStats:
        return ForgeStats(self._calls, 0, 0)

    def _git(self, *args: str) -> bytes:
        self._calls += 1
        try:
            done = subprocess.run(["git", "-C", str(self._git_dir), *args], capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ForgeError(f"git {args[0]}: {exc}") from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ForgeError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
        return done.stdout

    def branch_head(self, branch: str) -> str:
        return self._git("rev-parse", "--verify", f"refs/heads/{branch}^{{commit}}").decode().strip()

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
