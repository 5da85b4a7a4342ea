"""Where the governance repository is and which files in it are documents."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ftgov.documents.document import Document
from ftgov.documents.errors import InputError
from ftgov.documents.findings import Finding
from ftgov.documents.paths import POLICY, schema_path

DOCUMENT_DIRS = ("objectives", "registers", "policies")
YAML_SUFFIXES = (".yaml", ".yml")
# A run's document cache holds one model's files at a time (see DocumentCache); these caps bound it
# even for a model of thousands of rounds. An objective is a few KiB of YAML and ~5x that parsed.
MAX_CACHED_DOCUMENTS = 1024
MAX_CACHED_BYTES = 16 << 20


@dataclass(frozen=True)
class Repository:
    root: Path

    @classmethod
    def discover(cls, repo_root: Path | None, start: Path | None = None) -> Repository:
        """The given root, or the nearest parent of `start` holding policies/policy.yaml."""
        if repo_root is not None:
            root = repo_root.resolve()
            if not (root / POLICY).is_file():
                raise InputError(f"{root}: no {POLICY} here; --repo-root must point at a governance repository")
            return cls(root)
        here = (start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / POLICY).is_file():
                return cls(candidate)
        raise InputError(f"no {POLICY} in {here} or any parent; run inside a governance repository or pass --repo-root")

    @property
    def policy_file(self) -> Path:
        return self.root / POLICY

    def schema_file(self, name: str) -> Path:
        """policies/<name>.schema.json when the repository has one, else the schema ftgov shipped with.

        An organisation's repository need not copy the schemas: the package carries them. When
        the repository does hold one, it is the authority (it may be stricter), even if broken.
        """
        own = self.root / schema_path(name)
        if own.exists() or own.is_symlink():
            return own
        from ftgov.documents.schemas import packaged_schema_file  # schemas imports InputError from here

        return packaged_schema_file(name) or own

    def read_bytes(self, relative: str) -> bytes | None:
        """A file the repository holds, by its '/'-separated path; None if absent, unreadable or outside the root.

        The path comes from a document (a register's report), so it may not climb out of the repository.
        """
        if not _plainly_relative(relative):
            return None
        try:
            file = (self.root / relative).resolve()
            if not file.is_relative_to(self._resolved_root) or not file.is_file():
                return None
            return file.read_bytes()
        except OSError:
            return None

    @cached_property
    def _resolved_root(self) -> Path:
        # The register rules read thousands of files; resolving the root once saves a realpath walk for each.
        return self.root.resolve()

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


@dataclass(frozen=True)
class _Parsed:
    raw: bytes
    document: Document | Finding


@dataclass(eq=False)
class DocumentCache:
    """One run's documents, each read and parsed once, by whichever reader asks first.

    The file checks load every document; the register rules then ask for the objectives each
    register names, which the file checks have just read. Both ask here, so an objective is
    neither read nor parsed a second time, and both see the same bytes.

    Keyed by the path findings show: the same string names the same file, because display paths
    are resolved and register paths are refused if they climb out (`Repository.read_bytes`). An
    entry keeps the bytes it was parsed from: a caller bringing other bytes for a path (from a
    forge, or a file rewritten during the run) gets those parsed, never a document of other bytes.

    Memory: `validate` hands it one model's files at a time (a register reads only its own model's
    objectives) and empties it after each; within a model, beyond MAX_CACHED_DOCUMENTS entries or
    MAX_CACHED_BYTES of source the oldest entries go. A document dropped is read and parsed again.
    """

    repo: Repository
    max_documents: int = MAX_CACHED_DOCUMENTS
    max_bytes: int = MAX_CACHED_BYTES
    _entries: dict[str, _Parsed] = field(default_factory=dict, repr=False)
    _held: int = field(default=0, repr=False)

    def load(self, file: Path, path: str) -> Document | Finding:
        """The document in `file` (shown as `path`, its display path), read from disk only if no reader had it."""
        cached = self._entries.get(path)
        if cached is not None:
            return cached.document
        # Imported here: the loader brings PyYAML and every rule, which finding the repository does not need.
        from ftgov.documents.loader import read_raw

        raw = read_raw(file, path)
        return raw if isinstance(raw, Finding) else self.parse(raw, path)

    def read_bytes(self, relative: str) -> bytes | None:
        """A repository file's bytes, as `Repository.read_bytes`; a document already loaded is not read again."""
        cached = self._entries.get(relative) if _plainly_relative(relative) else None
        return cached.raw if cached is not None else self.repo.read_bytes(relative)

    def parse(self, raw: bytes, path: str) -> Document | Finding:
        """`raw` screened and parsed as the document at `path`; parsed once however often it is asked for."""
        cached = self._entries.get(path)
        if cached is not None and (cached.raw is raw or cached.raw == raw):
            return cached.document
        from ftgov.documents.loader import decode, parse_document

        text = decode(raw, path)
        document = parse_document(text, path) if isinstance(text, str) else text
        self._keep(path, _Parsed(raw, document))
        return document

    def clear(self) -> None:
        self._entries.clear()
        self._held = 0

    def __len__(self) -> int:
        return len(self._entries)

    def _keep(self, path: str, parsed: _Parsed) -> None:
        from ftgov.documents.loader import MAX_BYTES

        if len(parsed.raw) > MAX_BYTES:
            return  # refused unparsed; holding its bytes would only cost memory
        replaced = self._entries.pop(path, None)
        if replaced is not None:
            self._held -= len(replaced.raw)
        self._entries[path] = parsed
        self._held += len(parsed.raw)
        while len(self._entries) > self.max_documents or self._held > self.max_bytes:
            oldest = next(iter(self._entries))
            self._held -= len(self._entries.pop(oldest).raw)


def _plainly_relative(relative: str) -> bool:
    """A '/'-separated path that cannot climb out of the repository by its text alone."""
    return bool(relative) and not relative.startswith("/") and "\\" not in relative and ".." not in relative.split("/")


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
