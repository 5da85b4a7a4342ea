"""Validate documents: load, schema, rules, cross-document rules, waivers, then place findings.

The orchestration only; each step lives in its own module. Work per model (its
objectives and its register, which reads them) is independent, so large runs use every
core and parse each document once; cross-document rules and waivers run once on the
collected results.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import itertools
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftgov.documents.document import Document
from ftgov.documents.findings import Finding, Severity
from ftgov.documents.loader import load_document, read_text
from ftgov.documents.paths import model_of
from ftgov.documents.policy import Policy, Waiver
from ftgov.documents.repository import DocumentCache, Repository
from ftgov.documents.rules import ALL_RULES, completeness, criteria, data, domain, register, repository, schema, waivers
from ftgov.documents.rules import document as document_rules
from ftgov.documents.schemas import Gate, Schema, load_schema

ObjectiveCheck = Callable[[Document, Policy | None], Iterator[Finding]]
OBJECTIVE_CHECKS: tuple[ObjectiveCheck, ...] = (completeness.check, criteria.check, data.check, domain.check)
PARALLEL_FROM = 64  # below this, forking workers costs more than it saves
MAX_FINDINGS_PER_FILE = 100
_LOADER_CODES = frozenset(rule.code for rule in document_rules.RULES)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ValidationResult:
    findings: tuple[Finding, ...]
    paths: tuple[str, ...]
    waived: tuple[tuple[Finding, Waiver], ...] = field(default=())

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def exit_code(self) -> int:
        """2 when a file could not be read as a document, 1 for other errors, else 0."""
        errors = [f for f in self.findings if f.severity is Severity.ERROR]
        if any(f.rule in _LOADER_CODES for f in errors):
            return 2
        return 1 if errors else 0

    def summary(self) -> dict[str, Any]:
        return {
            "files": len(self.paths),
            "errors": self.count(Severity.ERROR),
            "warnings": self.count(Severity.WARNING),
            "info": self.count(Severity.INFO),
            "waived": len(self.waived),
            "exit_code": self.exit_code,
        }


@dataclass(frozen=True)
class FileOutcome:
    path: str
    findings: tuple[Finding, ...]
    objective: repository.ObjectiveSummary | None


@dataclass(frozen=True)
class FileChecker:
    """Checks one file at a time against schemas and the policy; shared by all workers."""

    objective_schema: Schema
    policy_schema: Schema
    policy: Policy | None
    objective_gate: Gate | None = None  # fast "is it schema-valid?"; None: always ask jsonschema
    register_schema: Schema | None = None  # None: registers are only screened by the loader
    files: RegisterFiles | None = None  # what register rules read (objectives, reports); None: no register rules
    register_gate: Gate | None = None

    def check(self, file: Path, path: str) -> FileOutcome:
        # Through the register rules' cache when there is one: a register then finds its objectives parsed.
        loaded = self.files.documents.load(file, path) if self.files is not None else load_document(file, path)
        if isinstance(loaded, Finding):
            return FileOutcome(path, (loaded,), None)
        return self.check_document(loaded)

    def check_together(self, items: Sequence[tuple[Path, str]]) -> list[FileOutcome]:
        """Files that read one another (a model's objectives and its register): parsed once, dropped after."""
        try:
            return [self.check(file, path) for file, path in items]
        finally:
            if self.files is not None:
                self.files.documents.clear()

    def check_document(self, loaded: Document) -> FileOutcome:
        path = loaded.path
        sources: list[Iterable[Finding]] = []
        summary = None
        if loaded.kind == "FineTuneObjective":
            if self.objective_gate is None or not self.objective_gate(loaded.data):
                sources.append(schema.findings_for(path, loaded.data, self.objective_schema.validator))
            sources.extend(check(loaded, self.policy) for check in OBJECTIVE_CHECKS)
            summary = repository.ObjectiveSummary.of(path, loaded.data)
        elif loaded.kind == "Policy":
            sources.append(schema.findings_for(path, loaded.data, self.policy_schema.validator))
        elif loaded.kind == "CumulativeRegister" and self.register_schema is not None:
            if self.register_gate is None or not self.register_gate(loaded.data):
                sources.append(schema.findings_for(path, loaded.data, self.register_schema.validator))
            if self.files is not None:
                sources.append(register.check(loaded, self.policy, self.files))
        return FileOutcome(path, _capped(path, sources), summary)


@dataclass(frozen=True)
class RegisterFiles:
    """The repository's files as register rules read them: bytes, and objectives parsed by the loader.

    Each holds its own DocumentCache, so one made per run (as `validate` does) reads and parses
    each document once for the file checks and the register rules together.
    """

    repo: Repository
    documents: DocumentCache = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "documents", DocumentCache(self.repo))

    def read_bytes(self, path: str) -> bytes | None:
        return self.documents.read_bytes(path)

    def parse(self, raw: bytes, path: str) -> Document | None:
        parsed = self.documents.parse(raw, path)
        return parsed if isinstance(parsed, Document) else None


def _capped(path: str, sources: list[Iterable[Finding]]) -> tuple[Finding, ...]:
    """At most MAX_FINDINGS_PER_FILE findings: a file with 100,000 errors needs fixing, not listing.

    The checks are generators, so a huge broken file stops costing time once the cap is hit.
    """
    found = list(itertools.islice(itertools.chain.from_iterable(sources), MAX_FINDINGS_PER_FILE + 1))
    if len(found) <= MAX_FINDINGS_PER_FILE:
        return tuple(found)
    last = found[MAX_FINDINGS_PER_FILE - 1]
    note = Finding(
        last.rule, last.severity, path, None, None, (), f"more than {MAX_FINDINGS_PER_FILE} findings in this file; fix these first"
    )
    return (*found[: MAX_FINDINGS_PER_FILE - 1], note)


def _load_policy(repo: Repository, policy_schema: Schema) -> tuple[Policy | None, list[Finding]]:
    path = repo.display(repo.policy_file)
    loaded = load_document(repo.policy_file, path)
    if isinstance(loaded, Finding):
        return None, [loaded]
    problems = list(schema.findings_for(path, loaded.data, policy_schema.validator))
    if loaded.kind != "Policy":
        problems.append(document_rules.UNKNOWN_KIND.at(path, ("kind",), f"{path} must be kind: Policy"))
    if problems:
        return None, problems
    policy = Policy.from_data(loaded.data, path)
    return policy, list(domain.check_policy(policy))


# Set in each worker process by _init_worker; the parent never reads it.
_worker_checker: FileChecker | None = None


def _init_worker(checker: FileChecker) -> None:
    global _worker_checker
    _worker_checker = checker


def _check_in_worker(items: list[tuple[Path, str]]) -> list[FileOutcome]:
    assert _worker_checker is not None
    return _worker_checker.check_together(items)


def _run(checker: FileChecker, items: list[tuple[Path, str]], jobs: int, progress: Progress | None) -> list[FileOutcome]:
    """Every file's outcome, in the order of `items`; a model's files go to one worker together.

    A register reads its model's objectives through the checker's DocumentCache, which is per
    process and emptied after each model: so a register finds its objectives already parsed by
    the same process, and no process ever holds more than one model's documents.
    """
    groups = _by_model(items)
    outcomes: dict[int, FileOutcome] = {}
    if jobs <= 1 or len(items) < PARALLEL_FROM:
        for group in groups:
            outcomes.update(zip(group, checker.check_together([items[i] for i in group]), strict=True))
            if progress:
                progress(len(outcomes), len(items))
        return [outcomes[i] for i in range(len(items))]
    # fork: workers inherit the compiled validators instead of unpickling them.
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(groups) // (jobs * 8))
    with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=(checker,)) as pool:
        work = ([items[i] for i in group] for group in groups)
        for done, (group, checked) in enumerate(zip(groups, pool.map(_check_in_worker, work, chunksize=chunk), strict=True), 1):
            outcomes.update(zip(group, checked, strict=True))
            if progress and (done % chunk == 0 or done == len(groups)):
                progress(len(outcomes), len(items))
    return [outcomes[i] for i in range(len(items))]


def _by_model(items: list[tuple[Path, str]]) -> list[list[int]]:
    """Indexes of `items` grouped so a register (registers/<model>.yaml) comes with the objectives it reads (objectives/<model>/).

    Anything else is a group of its own. A misplaced register is still judged in full, only its objectives are parsed twice.
    """
    by_key: dict[str, list[int]] = {}
    groups: list[list[int]] = []
    for index, (_, path) in enumerate(items):
        model = model_of(path)
        if model is None:
            groups.append([index])
        elif model in by_key:
            by_key[model].append(index)
        else:
            by_key[model] = [index]
            groups.append(by_key[model])
    return groups


def locate(findings: list[Finding], read: Callable[[str], str | None]) -> list[Finding]:
    """Give every finding a 1-based line and column, parsing each affected text once."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    placed: list[Finding] = []
    for finding in findings:
        (placed if finding.line is not None else by_path[finding.path]).append(finding)
    if not by_path:
        return placed
    # ruamel's round-trip loader is imported only when some finding needs a position.
    from ftgov.documents.positions import index_for, node_index_for

    for path, pending in by_path.items():
        text = read(path)
        index = index_for(text, path) if text is not None else None
        if isinstance(index, Finding) and text is not None:
            index = node_index_for(text, path)  # ruamel refused what libyaml read (e.g. a tab after a colon)
        for finding in pending:
            line, column = (1, 1) if index is None or isinstance(index, Finding) else index.locate(finding.pointer, at_key=finding.at_key)
            placed.append(
                Finding(finding.rule, finding.severity, finding.path, line, column, finding.pointer, finding.message, finding.at_key)
            )
    return placed


def _reader(repo: Repository) -> Callable[[str], str | None]:
    def read(path: str) -> str | None:
        file = Path(path) if Path(path).is_absolute() else repo.root / path
        text = read_text(file, path)
        return text if isinstance(text, str) else None

    return read


def validate(
    repo: Repository,
    paths: Sequence[Path] | None = None,
    *,
    today: dt.date | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> ValidationResult:
    """Validate the named files (all documents of the repository when None)."""
    today = today or dt.datetime.now(dt.UTC).date()
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    objective_schema = load_schema(repo.schema_file("objective"))
    policy_schema = load_schema(repo.schema_file("policy"))
    policy, findings = _load_policy(repo, policy_schema)

    full_run = paths is None
    files = repo.documents() if paths is None else repo.expand(paths)
    policy_path = repo.display(repo.policy_file)
    shown = [(file, repo.display(file)) for file in files]
    items = [(file, path) for file, path in shown if path != policy_path]
    # Compiling the fast gate costs ~50 ms: worth it only for many files.
    gate = objective_schema.fast_gate() if len(items) >= PARALLEL_FROM else None
    register_schema = load_schema(repo.schema_file("register"))
    register_gate = register_schema.fast_gate() if len(items) >= PARALLEL_FROM else None
    checker = FileChecker(objective_schema, policy_schema, policy, gate, register_schema, RegisterFiles(repo), register_gate)
    outcomes = _run(checker, items, jobs, progress)
    for outcome in outcomes:
        findings.extend(outcome.findings)

    targets = [o.objective for o in outcomes if o.objective is not None]
    lookup = None if full_run else _objective_lookup(repo, {t.path for t in targets})
    findings.extend(repository.check(targets, repository.ObjectiveIndex(targets, lookup)))

    waived: list[tuple[Finding, Waiver]] = []
    if policy is not None and policy.waivers:
        catalogue = {rule.code: rule for rule in ALL_RULES}
        waiver_outcome = waivers.apply(findings, policy, catalogue, today, check_unused=full_run)
        findings = waiver_outcome.kept + waiver_outcome.problems
        waived = waiver_outcome.waived

    located = sorted(locate(findings, _reader(repo)), key=Finding.sort_key)
    checked = ((policy_path,) if full_run or any(path == policy_path for _, path in shown) else ()) + tuple(p for _, p in items)
    return ValidationResult(tuple(located), checked, tuple(waived))


def _objective_lookup(repo: Repository, known: set[str]) -> Callable[[str], list[repository.ObjectiveSummary]]:
    """Find objectives by id among files not already checked, reading only candidates.

    One listing of objectives/ maps file stems to files; a lookup reads just the files
    named <id>.yaml that were not among the checked ones.
    """
    by_stem: dict[str, list[Path]] = defaultdict(list)
    listed = False

    def lookup(objective_id: str) -> list[repository.ObjectiveSummary]:
        nonlocal listed
        if not listed:
            for file in repo.objectives():
                by_stem[file.stem].append(file)
            listed = True
        found = []
        for file in by_stem.get(objective_id, []):
            path = repo.display(file)
            if path in known:
                continue
            loaded = load_document(file, path)
            if isinstance(loaded, Document) and loaded.kind == "FineTuneObjective":
                found.append(repository.ObjectiveSummary.of(path, loaded.data))
        return found

    return lookup
