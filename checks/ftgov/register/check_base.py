"""`ftgov check --base REF`: what changed since REF, read from git, judged by the FTG95x rules.

Only what changed is read from git: one `git diff --name-status` against the working tree
lists the changed paths, and one `git cat-file --batch` reads the old versions of the few
documents the comparison needs (the changed objectives and registers, and the registers
of the models whose objectives changed). The real `git` is used through its plumbing, so
the answer is git's own, whatever the repository's layout or configuration.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ftgov.documents import paths
from ftgov.documents.access import mapping, sequence, text
from ftgov.documents.document import Document
from ftgov.documents.errors import InputError
from ftgov.documents.findings import Finding
from ftgov.documents.loader import decode, parse_document
from ftgov.documents.repository import Repository
from ftgov.documents.rules import history as rules
from ftgov.documents.validate import ValidationResult, locate

DEFAULT_RETENTION_YEARS = 7
_GATE_DIRS = ("policies/", "checks/")


@dataclass(frozen=True)
class ChangedPath:
    """One entry of `git diff --name-status`: a path added (A), modified (M) or deleted (D)."""

    status: str
    path: str


@dataclass(frozen=True)
class GitBase:
    """The repository at REF, as git has it."""

    root: Path
    ref: str
    commit: str

    @classmethod
    def open(cls, root: Path, ref: str) -> GitBase:
        """REF resolved to a commit, or an InputError naming REF (exit 2)."""
        if not ref or ref.startswith("-") or "\n" in ref or "\0" in ref:
            raise InputError(f"--base {ref!r}: not a git revision")
        try:
            inside = _git(root, "rev-parse", "--is-inside-work-tree")
        except FileNotFoundError as exc:
            raise InputError(f"--base {ref}: the git command is not installed") from exc
        if inside.returncode != 0 or inside.stdout.strip() != b"true":
            raise InputError(f"--base {ref}: {root} is not in a git working tree")
        resolved = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
        if resolved.returncode != 0:
            raise InputError(f"--base {ref}: no such commit in the git repository at {root}")
        return cls(root, ref, resolved.stdout.decode().strip())

    def changes(self) -> list[ChangedPath]:
        """Paths (relative to the governance root) that differ between REF and the working tree.

        A rename is a removal and an addition: the old path is gone, and removing an objective
        or register is what retention is about.
        """
        listed = _git(self.root, "diff", "--no-ext-diff", "--no-textconv", "--name-status", "-z", "--find-renames", "--relative",
                      self.commit, "--")  # fmt: skip
        if listed.returncode != 0:
            raise InputError(f"--base {self.ref}: git diff failed: {_first_line(listed.stderr)}")
        parts = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
        changes: list[ChangedPath] = []
        i = 0
        while i < len(parts) and parts[i]:
            status = parts[i][:1]
            if status in ("R", "C"):
                old, new = parts[i + 1], parts[i + 2]
                if status == "R":
                    changes.append(ChangedPath("D", old))
                changes.append(ChangedPath("A", new))
                i += 3
            else:
                changes.append(ChangedPath("D" if status == "D" else "A" if status == "A" else "M", parts[i + 1]))
                i += 2
        return changes

    def read(self, paths: Iterable[str]) -> dict[str, bytes]:
        """The bytes of each path at REF that exists there, in one `git cat-file --batch`."""
        wanted = sorted({p for p in paths if "\n" not in p})
        if not wanted:
            return {}
        request = "".join(f"{self.commit}:./{p}\n" for p in wanted).encode("utf-8", "surrogateescape")
        answer = _git(self.root, "cat-file", "--batch", stdin=request)
        if answer.returncode != 0:
            raise InputError(f"--base {self.ref}: git cat-file failed: {_first_line(answer.stderr)}")
        out, found, at = answer.stdout, {}, 0
        for path in wanted:
            end = out.index(b"\n", at)
            header = out[at:end].split()
            at = end + 1
            if len(header) != 3 or header[1] != b"blob":
                continue  # "<name> missing", or a tree where a file is now
            size = int(header[2])
            found[path] = out[at : at + size]
            at += size + 1
        return found


def _git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    # No pager, no prompts, no replacement objects: the repository's history as it is.
    command = ["git", "--no-pager", "--no-replace-objects", "-c", "core.quotepath=off", "-C", str(root), *args]
    return subprocess.run(command, input=stdin, capture_output=True, check=False)


def _first_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else "no message"


@dataclass(frozen=True)
class _Version:
    document: Document
    text: str


def _parse(raw: bytes | None, path: str) -> _Version | None:
    """A readable document, or None: an unreadable one is the plain check's finding (FTG0xx)."""
    if raw is None:
        return None
    decoded = decode(raw, path)
    if isinstance(decoded, Finding):
        return None
    loaded = parse_document(decoded, path)
    return _Version(loaded, decoded) if isinstance(loaded, Document) else None


def _retention(repo: Repository, now: dt.datetime) -> rules.Retention:
    """The policy's retention; the default when the policy is unreadable (the plain check reports that)."""
    policy = _parse(repo.read_bytes(paths.POLICY), paths.POLICY)
    years = mapping(policy.document.data, "retention").get("years_after_retirement") if policy else None
    valid = isinstance(years, int) and not isinstance(years, bool) and years >= 0
    return rules.Retention(years if valid and isinstance(years, int) else DEFAULT_RETENTION_YEARS, now)


def _round(register: _Version | None, objective_id: str) -> dict[str, Any] | None:
    if register is None:
        return None
    for entry in sequence(register.document.data, "rounds"):
        if isinstance(entry, dict) and text(entry, "objective") == objective_id:
            return entry
    return None


def history_findings(repo: Repository, base: GitBase, now: dt.datetime | None = None) -> list[Finding]:
    """Every FTG95x finding for the working tree against REF, located."""
    now = now or dt.datetime.now(dt.UTC)
    changes = [c for c in base.changes() if c.path.startswith(("objectives/", "registers/", *_GATE_DIRS))]
    objectives = [c for c in changes if paths.is_objective_path(c.path)]
    registers = [c for c in changes if paths.is_register_path(c.path)]
    artefacts = [c for c in changes if c.path.startswith("registers/") and c.path.count("/") >= 2]
    if not objectives and not registers and not artefacts:
        return []
    model_by_path = {c.path: model for c in (*objectives, *registers, *artefacts) if (model := paths.model_of(c.path)) is not None}
    models = set(model_by_path.values())
    wanted = [c.path for c in objectives if c.status != "A"] + [paths.register_path(model) for model in models]
    old = base.read(wanted)
    new_registers = {model: _parse(repo.read_bytes(paths.register_path(model)), paths.register_path(model)) for model in models}
    old_registers = {model: _parse(old.get(paths.register_path(model)), paths.register_path(model)) for model in models}
    retention = _retention(repo, now)

    in_new: list[Finding] = []
    placed: list[Finding] = []
    for change in objectives:
        model, objective_id = model_by_path[change.path], PurePosixPath(change.path).stem
        register_path = paths.register_path(model)
        if change.status == "M":
            in_new.extend(_objective_edit(repo, change.path, old.get(change.path), old_registers[model], register_path))
        elif change.status == "D":
            entry = _round(new_registers[model], objective_id) or _round(old_registers[model], objective_id)
            placed.extend(rules.objective_removed(change.path, entry, register_path, retention))
    for change in registers:
        model = model_by_path[change.path]
        before, after = old_registers[model], new_registers[model]
        if before is None:
            continue
        if change.status == "D":
            placed.extend(rules.register_removed(change.path, before.document.data, retention))
        elif after is not None:
            compared = rules.register_changed(change.path, before.document.data, after.document.data, retention)
            in_new.extend(compared.in_new)
            placed.extend(locate(list(compared.in_old), _fixed(before.text)))
    for model in models:
        in_new.extend(_evidence(repo, new_registers[model], artefacts, model))
    placed.extend(_gate_warning(changes))
    return sorted(locate(in_new, _reader(repo)) + placed, key=Finding.sort_key)


def _objective_edit(repo: Repository, path: str, raw: bytes | None, register: _Version | None, register_path: str) -> Iterator[Finding]:
    before = _parse(raw, path)
    after = _parse(repo.read_bytes(path), path)
    if before is None or after is None:
        return
    objective_id = path.rsplit("/", 1)[-1].removesuffix(".yaml")
    entry = _round(register, objective_id)
    status = text(entry, "status") if entry is not None else None
    if status is None or status == "proposed":
        return  # not approved when REF was made: the PR under review may still change it
    yield from rules.objective_edited(path, before.document.data, after.document.data, status, register_path)


def _evidence(repo: Repository, register: _Version | None, artefacts: list[ChangedPath], model: str) -> Iterator[Finding]:
    """FTG955: changed files under registers/<model>/ that a round pins as run evidence."""
    if register is None or not artefacts:
        return
    changed = {c.path for c in artefacts}
    for i, entry in enumerate(sequence(register.document.data, "rounds")):
        for k, pin in enumerate(sequence(mapping(entry, "run"), "evidence")):
            named, pinned = text(pin, "path"), text(pin, "sha256")
            if named is None or pinned is None:
                continue
            for candidate in (named, f"{paths.register_dir(model)}/{named}"):
                if candidate not in changed:
                    continue
                raw = repo.read_bytes(candidate)
                actual = hashlib.sha256(raw).hexdigest() if raw is not None else None
                if actual != pinned:
                    now = f"has sha256 {actual}" if actual else "was removed"
                    yield rules.EVIDENCE_CHANGED.at(
                        register.document.path,
                        ("rounds", i, "run", "evidence", k, "sha256"),
                        f"{candidate} {now}; {text(entry, 'objective')}'s run pinned {pinned}",
                    )


def _gate_warning(changes: list[ChangedPath]) -> Iterator[Finding]:
    gate = [c.path for c in changes if c.path.startswith(_GATE_DIRS)]
    documents = [c.path for c in changes if paths.is_objective_path(c.path) or paths.is_register_path(c.path)]
    if gate and documents:
        others = f" and {len(gate) - 1} more" if len(gate) > 1 else ""
        yield rules.GATE_CHANGED.at_line(
            gate[0],
            1,
            1,
            f"this change edits {gate[0]}{others} together with {len(documents)} objective or register file(s) "
            f"({documents[0]}); a PR must not weaken its own gate: merge the policy or checks change first",
        )


def _fixed(content: str) -> Callable[[str], str | None]:
    return lambda _: content


def _reader(repo: Repository) -> Callable[[str], str | None]:
    def read(path: str) -> str | None:
        raw = repo.read_bytes(path)
        decoded = decode(raw, path) if raw is not None else None
        return decoded if isinstance(decoded, str) else None

    return read


def check_since(repo: Repository, base: GitBase, result: ValidationResult, now: dt.datetime | None = None) -> ValidationResult:
    """The plain check's result with what changed since REF added."""
    found = history_findings(repo, base, now)
    if not found:
        return result
    return ValidationResult(tuple(sorted((*result.findings, *found), key=Finding.sort_key)), result.paths, result.waived)
