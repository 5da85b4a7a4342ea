"""Where the governance repository is and which files in it are documents."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ftgov.documents.errors import InputError

POLICY_FILE = Path("policies") / "policy.yaml"
DOCUMENT_DIRS = ("objectives", "registers", "policies")
YAML_SUFFIXES = (".yaml", ".yml")


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
        from ftgov.documents.schemas import packaged_schema_file  # schemas imports InputError from here

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
            found.extend(_yaml_under(self.root / folder, self.root))
        return sorted(found)

    def objectives(self) -> list[Path]:
        return sorted(_yaml_under(self.root / "objectives", self.root))

    def expand(self, paths: Sequence[Path]) -> list[Path]:
        """Files named on the command line; directories stand for the YAML files under them."""
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                files.extend(sorted(_yaml_under(path, self.root)))
            elif path.exists():
                files.append(path)
            else:
                raise InputError(f"{path}: no such file or directory")
        return _unique(files)


def _yaml_under(folder: Path, root: Path) -> list[Path]:
    """The YAML documents under `folder`, or an InputError for what must not be skipped silently.

    A directory named like a document (`registers/m.yaml/`) would otherwise vanish from the
    check, and a symbolic link inside the repository that resolves outside it would make
    `ftgov check` read (and echo) a file the repository does not hold.
    """
    if not folder.is_dir():
        return []
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        for name in dirnames:
            if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                raise InputError(f"{_shown(here / name, root)}/: a directory where a document is expected; rename or remove it")
        for name in filenames:
            if name.endswith(YAML_SUFFIXES) and not name.startswith("."):
                file = here / name
                _refuse_escaping_link(file, root)
                found.append(file)
    return found


def _refuse_escaping_link(file: Path, root: Path) -> None:
    if not file.is_symlink() or not _inside(file.parent.resolve(), root):
        return
    target = file.resolve()
    if not _inside(target, root):
        raise InputError(
            f"{_shown(file, root)}: a symbolic link to {target}, outside the repository; ftgov reads only the repository's files"
        )


def _inside(path: Path, root: Path) -> bool:
    return path.is_relative_to(root.resolve())


def _shown(path: Path, root: Path) -> str:
    try:
        return path.parent.resolve().relative_to(root.resolve()).joinpath(path.name).as_posix()
    except ValueError:
        return path.as_posix()


def _unique(files: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    out: list[Path] = []
    for file in files:
        key = file.resolve()
        if key not in seen:
            seen.add(key)
            out.append(file)
    return out
