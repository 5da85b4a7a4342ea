"""`ftgov data check`: measure a round's data files against what its objective declared.

An objective declares its data (`dataset.sources`, `dataset.validation`); the files are what
the round will train and validate on. This module reads the files, streaming, and measures
what seed 001's preparation failures are made of:

- records per file against the declared count (48,000 declared, 31,000 present);
- contamination: exact and near copies of the validation records, and of each evaluation set
  given with `--eval`, among all the training records (train and replay sources together), and
  with an id field, validation documents that also occur in training (document-level separation);
- inter-annotator agreement (Krippendorff's alpha) in any file whose records carry several labels;
- the collection date range, and how many records predate the task definition in force.

The measurements become the round's `data` mapping (`Evidence.recorded`), which the FTG5xx rules
judge against the policy's `data` thresholds: the command and `ftgov check` give one answer,
because the command judges exactly what it would record. Every file is pinned by its sha256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftgov.data.agreement import Agreement, LabelTally
from ftgov.data.dates import DateRange, measure_dates
from ftgov.data.engines import DataFile, measure_between, require
from ftgov.data.overlap import OverlapResult, OverlapSettings
from ftgov.data.readers import Record, detect_format, read_records
from ftgov.documents import paths
from ftgov.documents.access import mapping, sequence, text, zoned_time
from ftgov.documents.corrected import corrected
from ftgov.documents.digests import file_sha256
from ftgov.documents.document import Document
from ftgov.documents.errors import InputError
from ftgov.documents.findings import Finding
from ftgov.documents.loader import decode, parse_document
from ftgov.documents.policy import Policy
from ftgov.documents.repository import Repository
from ftgov.documents.rules import ALL_RULES, waivers
from ftgov.documents.rules import data as data_rules
from ftgov.register import ops

# (what is being read, records read since the last call): drives the command's progress line.
Progress = Callable[[str, int], None]
_PROGRESS_EVERY = 10_000
_METHOD = "minhash-lsh"


@dataclass(frozen=True)
class Given:
    """One `NAME=PATH` of --source or --eval."""

    name: str
    path: Path


@dataclass(frozen=True)
class Fields:
    """Which fields of a record hold its text, document id, labels and collection date."""

    text: str = "text"
    id: str | None = None
    labels: str = "labels"
    label_level: str = "nominal"
    date: str | None = None

    def recorded(self) -> dict[str, str]:
        named = {"text": self.text, "id": self.id, "labels": self.labels, "date": self.date}
        return {key: value for key, value in named.items() if value is not None}


@dataclass(frozen=True)
class MeasuredFile:
    """One file as measured: the source it belongs to, its role, its pin and its record count."""

    name: str
    role: str  # train | replay | validation | eval
    path: Path
    sha256: str
    records: int
    declared: int | None  # the objective's count for the source (None for an evaluation set)


@dataclass(frozen=True)
class Contamination:
    """The training records against one other set (the validation source or an evaluation set)."""

    name: str
    result: OverlapResult


@dataclass(frozen=True)
class Evidence:
    """What `ftgov data check` measured for one round."""

    objective_id: str
    model: str
    measured_at: dt.datetime
    engine: str
    settings: OverlapSettings
    fields: Fields
    files: tuple[MeasuredFile, ...]
    train_validation: Contamination | None
    train_eval: tuple[Contamination, ...]
    agreement: tuple[tuple[str, Agreement], ...] = ()
    dates: tuple[tuple[str, DateRange], ...] = ()
    boundary: tuple[str, dt.datetime] | None = None  # (what it is, when) records should not predate
    not_given: tuple[str, ...] = field(default=())  # declared sources no file was given for

    def recorded(self) -> dict[str, Any]:
        """The round's `data` mapping, as `--record` writes it and the FTG5xx rules read it."""
        data: dict[str, Any] = {
            "measured_at": ops.iso(self.measured_at),
            "engine": self.engine,
            "fields": self.fields.recorded(),
            "sources": [_file_entry(f) for f in self.files],
        }
        overlap: dict[str, Any] = {}
        if self.train_validation is not None or self.train_eval:
            s = self.settings
            overlap["method"] = {"name": _METHOD, "ngram": s.ngram, "threshold": s.threshold, "num_perm": s.num_perm, "seed": s.seed}
        if self.train_validation is not None:
            overlap["train_validation"] = _overlap_entry(self.train_validation)
        if self.train_eval:
            overlap["train_eval"] = {c.name: _overlap_entry(c) for c in self.train_eval}
        if overlap:
            data["overlap"] = overlap
        if self.agreement:
            data["agreement"] = [
                {"source": name, "level": a.level, "alpha": round(a.alpha, 4), "items": a.items, "annotators": a.annotators}
                for name, a in self.agreement
            ]
        if self.dates:
            data["dates"] = [_dates_entry(name, d) for name, d in self.dates]
        return data


def _file_entry(measured: MeasuredFile) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": measured.name,
        "role": measured.role,
        "path": str(measured.path),
        "sha256": measured.sha256,
        "records": measured.records,
    }
    if measured.declared is not None:
        entry["declared"] = measured.declared
    return entry


def _overlap_entry(contamination: Contamination) -> dict[str, Any]:
    result = contamination.result
    entry: dict[str, Any] = {
        "source": contamination.name,
        "records": result.validation_records,
        "exact": result.exact_matches,
        "near": result.near_matches,
        "contaminated": result.contaminated_validation,
    }
    if result.shared_ids is not None:
        entry["shared_ids"] = result.shared_ids
    return entry


def _dates_entry(name: str, dates: DateRange) -> dict[str, Any]:
    entry: dict[str, Any] = {"source": name, "field": dates.field}
    if dates.earliest is not None and dates.latest is not None:
        entry["earliest"] = ops.iso(dates.earliest)
        entry["latest"] = ops.iso(dates.latest)
    entry["undated"] = dates.undated
    return entry


def parse_given(values: Sequence[str], option: str) -> list[Given]:
    """`NAME=PATH` pairs, or an InputError naming the option and the value."""
    given = []
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise InputError(f"{option} {value!r}: give NAME=PATH, e.g. {option} support-transcripts-2026=data/train.jsonl")
        given.append(Given(name.strip(), Path(path.strip())))
    return given


@dataclass(frozen=True)
class _Declared:
    training: dict[str, tuple[str, int | None]]  # name -> (split, declared records)
    validation: tuple[str, int | None] | None


def _declared(objective: Mapping[str, Any]) -> _Declared:
    dataset = mapping(objective, "dataset")
    training: dict[str, tuple[str, int | None]] = {}
    for source in sequence(dataset, "sources"):
        name = text(source, "name") if isinstance(source, dict) else None
        if name is not None:
            records = source.get("records")
            training[name] = (text(source, "split") or "train", records if isinstance(records, int) else None)
    validation = mapping(dataset, "validation")
    name = text(validation, "source")
    count = validation.get("records")
    return _Declared(training, (name, count if isinstance(count, int) else None) if name is not None else None)


def measure(
    repo: Repository,
    objective_id: str,
    sources: Sequence[Given],
    evals: Sequence[Given] = (),
    fields: Fields = Fields(),
    engine: str = "local",
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> Evidence:
    """Read the files and measure them against OBJECTIVE_ID's declaration and the policy's settings."""
    model = ops.model_of(repo, objective_id)
    _, objective = ops.load_objective(repo, model, objective_id)
    policy = ops.load_policy(repo)
    declared = _declared(objective)
    training, validation, evaluation = _assign(sources, evals, declared)
    require(engine)
    for given in [*sources, *evals]:  # a typo in the last path is refused before hours of reading the first
        if not given.path.exists():
            raise InputError(f"{given.path}: no such file (--source/--eval {given.name})")
        detect_format(given.path)
    settings = settings_from(policy)
    register = _register_or_none(repo, model)
    boundary = date_boundary(register, objective_id, objective)
    files: list[MeasuredFile] = []
    agreement: list[tuple[str, Agreement]] = []
    dates: list[tuple[str, DateRange]] = []
    for given, role, count in [*training, *validation, *((g, "eval", None) for g in evaluation)]:
        measured, agreed, dated = _census(given, role, count, fields, boundary, progress)
        files.append(measured)
        if agreed is not None:
            agreement.append((given.name, agreed))
        if dated is not None:
            dates.append((given.name, dated))
    training_files = [_data_file(g, fields) for g, _, _ in training]
    train_validation = None
    if training_files and validation:
        other = validation[0][0]
        train_validation = Contamination(other.name, _between(training_files, other, fields, settings, engine, progress))
    train_eval = tuple(Contamination(g.name, _between(training_files, g, fields, settings, engine, progress)) for g in evaluation)
    given_names = {g.name for g in sources}
    not_given = [n for n in declared.training if n not in given_names]
    if declared.validation is not None and declared.validation[0] not in given_names:
        not_given.append(declared.validation[0])
    return Evidence(
        objective_id=objective_id,
        model=model,
        measured_at=now or ops.now(),
        engine=engine,
        settings=settings,
        fields=fields,
        files=tuple(files),
        train_validation=train_validation,
        train_eval=train_eval,
        agreement=tuple(agreement),
        dates=tuple(dates),
        boundary=boundary,
        not_given=tuple(not_given),
    )


def judge(repo: Repository, evidence: Evidence) -> tuple[list[Finding], list[Finding]]:
    """(findings, waived): the FTG5xx rules on the round as `--record` would leave it, the policy's waivers applied.

    The same rules `ftgov check` runs on the register, on the very mapping `--record` writes, so the
    command's answer before recording is the check's answer after.
    """
    policy = ops.load_policy(repo)
    register = _register_or_none(repo, evidence.model)
    path = paths.register_path(evidence.model)
    rounds: list[Any] = list(sequence(register.document.data, "rounds")) if register is not None else []
    index = next((i for i, r in enumerate(rounds) if isinstance(r, dict) and r.get("objective") == evidence.objective_id), None)
    if index is None:  # measured before `ftgov new` wrote the round: judged as the proposed round it will be
        rounds.append({"objective": evidence.objective_id, "status": "proposed"})
        index = len(rounds) - 1
    entry = {**rounds[index], "data": evidence.recorded()}
    rounds[index] = entry
    objective_path = paths.objective_path(evidence.model, evidence.objective_id)
    raw, _ = ops.load_objective(repo, evidence.model, evidence.objective_id)
    decoded = decode(raw, objective_path)
    objective = parse_document(decoded, objective_path) if isinstance(decoded, str) else None
    findings = list(data_rules.recorded(path, index, entry, objective if isinstance(objective, Document) else None, policy, rounds))
    if not policy.waivers or not findings:
        return findings, []
    catalogue = {rule.code: rule for rule in ALL_RULES}
    outcome = waivers.apply(findings, policy, catalogue, ops.now().date(), check_unused=False)
    return outcome.kept, [finding for finding, _ in outcome.waived]


def _assign(
    sources: Sequence[Given], evals: Sequence[Given], declared: _Declared
) -> tuple[list[tuple[Given, str, int | None]], list[tuple[Given, str, int | None]], list[Given]]:
    """Each --source to the declared source it names (training or validation), each --eval kept apart; refusals name the option."""
    if not sources:
        raise InputError("--source: give at least one NAME=PATH for a source the objective declares")
    known = [*declared.training, *([declared.validation[0]] if declared.validation else [])]
    training: list[tuple[Given, str, int | None]] = []
    validation: list[tuple[Given, str, int | None]] = []
    for given in sources:
        if declared.validation is not None and given.name == declared.validation[0]:
            validation.append((given, "validation", declared.validation[1]))
        elif given.name in declared.training:
            split, count = declared.training[given.name]
            training.append((given, split, count))
        else:
            raise InputError(f"--source {given.name}: the objective declares no source of that name (it declares {', '.join(known)})")
    if len(validation) > 1:
        raise InputError(f"--source {validation[0][0].name} is given {len(validation)} times; give the validation source as one file")
    names = [g.name for g in evals]
    for given in evals:
        if given.name in known:
            raise InputError(f"--eval {given.name}: that is a declared data source; an evaluation set has a name of its own")
        if names.count(given.name) > 1:
            raise InputError(f"--eval {given.name} is given more than once")
    return training, validation, list(evals)


def settings_from(policy: Policy) -> OverlapSettings:
    """The near-duplicate settings the policy asks for: what makes a measurement comparable with its thresholds."""
    near = policy.data.near_duplicate
    return OverlapSettings(ngram=near.ngram, threshold=near.threshold)


def _register_or_none(repo: Repository, model: str) -> ops.LoadedRegister | None:
    if not (repo.root / paths.register_path(model)).is_file():
        return None
    return ops.load_register(repo, model)


def date_boundary(register: ops.LoadedRegister | None, objective_id: str, objective: Mapping[str, Any]) -> tuple[str, dt.datetime] | None:
    """When the task definition in force took effect, for an objective that amends another (`supersedes`).

    Data collected before an amended definition took effect was collected under the one it
    replaced (seed 001: criteria changed mid-collection). The amendment takes effect when its
    own round merges; before that is known, the merge of the superseded round is a bound every
    record collected earlier certainly falls under. An objective that amends nothing has no
    such moment: data is usually collected before any round is approved.
    """
    superseded = text(objective, "supersedes")
    if register is None or superseded is None:
        return None
    merged = {text(r, "objective"): zoned_time(mapping(corrected(r), "approval").get("merged_at")) for r in register.rounds}
    own = merged.get(objective_id)
    if own is not None:
        return f"the merge of {objective_id}, which amends {superseded}", own
    earlier = merged.get(superseded)
    if earlier is not None:
        return f"the merge of {superseded}, which {objective_id} amends", earlier
    return None


def _data_file(given: Given, fields: Fields) -> DataFile:
    return DataFile(given.path, fields.text, fields.id)


def _between(
    training: list[DataFile], other: Given, fields: Fields, settings: OverlapSettings, engine: str, progress: Progress | None
) -> OverlapResult:
    report = (lambda n: progress(f"training against {other.name}", n)) if progress is not None else None
    return measure_between(training, _data_file(other, fields), settings, engine=engine, progress=report)


def _census(
    given: Given, role: str, declared: int | None, fields: Fields, boundary: tuple[str, dt.datetime] | None, progress: Progress | None
) -> tuple[MeasuredFile, Agreement | None, DateRange | None]:
    """One file's pin and record count, its labels' agreement and (when asked) its dates, in one pass over the records."""
    pin = sha256_of(given.path)
    counter = _Counter()
    labels = LabelTally.start(fields.labels, fields.label_level)
    # One pass: the records are counted and their labels tallied as they go by (to the dates, when asked).
    labelled = _tapped(
        _reported(read_records(given.path, fields.text, fields.id), f"reading {given.name}", progress), counter.add, labels.add
    )
    dated = None
    if fields.date is not None:
        dated = measure_dates(labelled, fields.date, boundary[1] if boundary else None)
    else:
        for _ in labelled:
            pass
    return MeasuredFile(given.name, role, given.path, pin, counter.count, declared), labels.result(), dated


def _tapped(records: Iterable[Record], *taps: Callable[[Record], None]) -> Iterator[Record]:
    for record in records:
        for tap in taps:
            tap(record)
        yield record


@dataclass
class _Counter:
    count: int = 0

    def add(self, record: Record) -> None:
        self.count += 1


def _reported(records: Iterable[Record], what: str, progress: Progress | None) -> Iterator[Record]:
    if progress is None:
        yield from records
        return
    pending = 0
    for record in records:
        pending += 1
        if pending == _PROGRESS_EVERY:
            progress(what, pending)
            pending = 0
        yield record
    progress(what, pending)


def sha256_of(path: Path) -> str:
    """A file's sha256; a saved dataset directory's is the sha256 of its `*.arrow` files' names and digests, in name order."""
    if path.is_dir():
        manifest = "".join(f"{p.name}\0{_file_sha256(p)}\n" for p in sorted(path.glob("*.arrow")))
        return hashlib.sha256(manifest.encode("utf-8")).hexdigest()
    return _file_sha256(path)


def _file_sha256(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
