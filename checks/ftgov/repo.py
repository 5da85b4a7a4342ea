"""Where the governance repository is and which files in it are documents."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

POLICY_FILE = Path("policies") / "policy.yaml"
DOCUMENT_DIRS = ("objectives", "registers", "policies")
YAML_SUFFIXES = (".yaml", ".yml")


class InputError(Exception):
    """A problem with what the user asked for (exit code 2); the message is one line."""


@dataclass(frozen=True)
class Repository:
    root: Path

    @classmethod
    def discover(cls, repo_root: Path | None, start: Path | None = None) -> Repository:
        """The given root, or the nearest parent of `start` holding policies/policy.yaml."""
        if repo_root is not None:
            root = repo_root.resolve()
            if not (root / POLICY_FILE).is_file():
                raise InputError(f"{root}: no {POLICY_FILE.as_posix()} here; --repo-root must point at a governance repository")
            return cls(root)
        here = (start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / POLICY_FILE).is_file():
                return cls(candidate)
        raise InputError(f"no {POLICY_FILE.as_posix()} in {here} or any parent; run inside a governance repository or pass --repo-root")

    @property
    def policy_file(self) -> Path:
        return self.root / POLICY_FILE

    def schema_file(self, name: str) -> Path:
        """policies/<name>.schema.json when the repository has one, else the schema ftgov shipped with.

        An organisation's repository need not copy the schemas: the package carries them. When
        the repository does hold one, it is the authority (it may be stricter), even if broken.
        """
        own = self.root / "policies" / f"{name}.schema.json"
        if own.exists() or own.is_symlink():
            return own
        from ftgov.schemas import packaged_schema_file  # schemas imports InputError from here

        return packaged_schema_file(name) or own

    def read_bytes(self, relative: str) -> bytes | None:
        """A file the repository holds, by its '/'-separated path; None if absent, unreadable or outside the root.

        The path comes from a document (a register's report), so it may not climb out of the repository.
        """
        if not relative or relative.startswith("/") or "\\" in relative or ".." in relative.split("/"):
            return None
        file = self.root / relative
        try:
            if not file.resolve().is_relative_to(self.root.resolve()) or not file.is_file():
                return None
            return file.read_bytes()
        except OSError:
            return None

    def display(self, file: Path) -> str:
        """A path as findings show it: relative to the root with '/', else as absolute."""
        absolute = file.resolve()
        try:
            return absolute.relative_to(self.root).as_posix()
        except ValueError:
            return absolute.as_posix()

    def documents(self) -> list[Path]:
        """Every YAML document of the repository, in a stable order."""
        found: list[Path] = []
        for folder in DOCUMENT_DIRS:
            found.extend(_yaml_under(self.root / folder))
        return sorted(found)

    def objectives(self) -> list[Path]:
        return sorted(_yaml_under(self.root / "objectives"))

    def expand(self, paths: Sequence[Path]) -> list[Path]:
        """Files named on the command line; directories stand for the YAML files under them."""
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files.extend(sorted(_yaml_under(path)))
            elif path.exists():
                files.append(path)
            else:
                raise InputError(f"{path}: no such file or directory")
        return _unique(files)


def _yaml_under(folder: Path) -> Iterable[Path]:
    if not folder.is_dir():
        return []
    return (
        Path(dirpath) / name
        for dirpath, dirnames, filenames in os.walk(folder)
        for name in filenames
        if name.endswith(YAML_SUFFIXES) and not name.startswith(".")
    )


def _unique(files: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    out: list[Path] = []
    for file in files:
        key = file.resolve()
        if key not in seen:
            seen.add(key)
            out.append(file)
    return out
