"""`ftgov evaluate`: a candidate's results against its objective and its whole history.

    results files --adapters--> MetricTable --+
    objective + register stack + policy ------+--compare--> Verdict --> Evaluation
    Evaluation --render--> text | json | markdown | html
    Evaluation --record--> registers/<model>/<id>.evaluation.json, pinned in the register round

Where --baseline or --parent is omitted, the reference values come from the register:
the base model's values as earlier rounds recorded them (round 1's `--record` keeps
them), and the parent's values as the parent round's own evaluation measured its
candidate. A criterion whose reference is nowhere is `missing`, which never passes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ftgov.documents import paths
from ftgov.documents.atomic import write_atomically
from ftgov.documents.errors import InputError
from ftgov.documents.policy import Policy
from ftgov.documents.repository import Repository
from ftgov.documents.stack import RoundRecord, ancestry, build_stack
from ftgov.evaluation.compare import RECORDED_FORMAT, Verdict, build_criteria, compare
from ftgov.evaluation.results import Measurement, MetricTable, Provenance, ResultsError, Settings, load
from ftgov.evaluation.results.table import NO_FILTER
from ftgov.register import ops as register_ops
from ftgov.register.yaml_append import Flow, Time, add_keys, replace_scalar

Progress = Callable[[str, int, int], None]  # (what, done, total)
REGISTER_FORMAT = RECORDED_FORMAT
_ROLES = ("base", "parent")


@dataclass(frozen=True)
class Evaluation:
    """A verdict with what it was judged against: the report every renderer and --record reads."""

    verdict: Verdict
    model: str
    chain: tuple[str, ...]  # the rounds whose criteria apply, round 1 first
    references: Mapping[str, str]  # base | parent -> where its values came from
    measured: Mapping[str, Mapping[str, Any]]  # metric key -> {base, parent, candidate, settings}: what the register pins
    objective_sha256: str | None = None  # the objective file's bytes as judged; `ftgov check` binds it to the round's pin (FTG917)

    @property
    def passed(self) -> bool:
        return self.verdict.verdict == "pass"

    def to_json(self) -> dict[str, Any]:
        judged = self.verdict.to_json()
        report = {"objective": judged.pop("objective"), "objective_sha256": self.objective_sha256, **judged}
        report["model"] = self.model
        report["stack"] = list(self.chain)
        report["references"] = dict(self.references)
        report["measured"] = {key: dict(values) for key, values in self.measured.items()}
        return report

    def render_json(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"


@dataclass(frozen=True)
class _Context:
    repo: Repository
    model: str
    objective: dict[str, Any]
    objective_raw: bytes
    policy: Policy
    register: register_ops.LoadedRegister | None
    records: list[RoundRecord] = field(default_factory=list)


def evaluate(
    repo: Repository,
    objective_id: str,
    candidate: Sequence[Path],
    baseline: Sequence[Path] = (),
    parent: Sequence[Path] = (),
    *,
    progress: Progress | None = None,
    resamples: int | None = None,
) -> Evaluation:
    """Judge the candidate's results; InputError or ResultsError for anything the user pointed at that cannot be read."""
    ctx = _context(repo, objective_id)
    tables = _load_tables({"candidate": candidate, "base": baseline, "parent": parent}, progress)
    chain = ancestry(ctx.records, objective_id)
    stack = build_stack(chain, ctx.policy.defaults.inherited_max_drop)
    earlier = [r for r in chain if r.objective_id != objective_id]
    references: dict[str, str] = {}
    reference_tables: dict[str, MetricTable | None] = {}
    for role in _ROLES:
        given = tables.get(role)
        if given is not None:
            reference_tables[role] = given
            references[role] = "given: " + ", ".join(portable(repo, p) for p in (baseline if role == "base" else parent))
            continue
        recorded = _recorded(ctx, earlier, role)
        reference_tables[role] = recorded
        references[role] = (
            f"recorded in {paths.register_path(ctx.model)} ({_recorded_from(earlier, role)})" if recorded is not None else "none"
        )
    settings = _recorded_settings(ctx)
    criteria = [
        replace(c, recorded_settings=settings.get((c.origin, c.key))) if c.kind == "inherited" else c
        for c in build_criteria(ctx.objective, ctx.policy, stack)
    ]
    options: dict[str, Any] = {"inconclusive": ctx.policy.defaults.inconclusive, "point_estimates": ctx.policy.defaults.point_estimates}
    if resamples is not None:
        options["resamples"] = resamples
    verdict = compare(
        objective_id,
        criteria,
        tables["candidate"],
        reference_tables["base"],
        reference_tables["parent"],
        progress=(lambda done, total: progress("judged", done, total)) if progress is not None else None,
        **options,
    )
    inputs = tuple(i if i.get("format") == REGISTER_FORMAT else {**i, "path": portable(repo, Path(i["path"]))} for i in verdict.inputs)
    verdict = replace(verdict, inputs=inputs)
    measured = _measured(verdict, tables["candidate"], reference_tables)
    return Evaluation(verdict, ctx.model, stack.chain, references, measured, hashlib.sha256(ctx.objective_raw).hexdigest())


def portable(repo: Repository, path: Path) -> str:
    """A results path as the report keeps it: relative to the repository root when inside it, else its name.

    The report is committed and read on other machines, where a local path such as
    /tmp/run-42/results.json means nothing; each input is pinned by sha256 beside its name.
    """
    absolute = path.resolve()
    try:
        return absolute.relative_to(repo.root.resolve()).as_posix()
    except ValueError:
        return absolute.name


def _context(repo: Repository, objective_id: str) -> _Context:
    model = register_ops.model_of(repo, objective_id)
    raw, objective = register_ops.load_objective(repo, model, objective_id)
    policy = register_ops.load_policy(repo)
    register = None
    if (repo.root / paths.register_path(model)).is_file():
        register = register_ops.load_register(repo, model)
    records: list[RoundRecord] = []
    for entry in register.rounds if register is not None else []:
        other = str(entry.get("objective", ""))
        if other == objective_id:
            records.append(RoundRecord.of(objective, entry))
            continue
        try:
            _, data = register_ops.load_objective(repo, model, other)
        except InputError:
            continue  # a round whose objective is gone: `ftgov check` reports it; its criteria cannot be read
        records.append(RoundRecord.of(data, entry))
    if not any(r.objective_id == objective_id for r in records):
        records.append(RoundRecord.of(objective, {"objective": objective_id}))
    return _Context(repo, model, objective, raw, policy, register, records)


def _load_tables(paths: Mapping[str, Sequence[Path]], progress: Progress | None) -> dict[str, MetricTable]:
    total = sum(len(p) for p in paths.values())
    done = 0
    tables: dict[str, MetricTable] = {}
    for role, given in paths.items():
        loaded = []
        for path in given:
            loaded.extend(_load_path(path))
            done += 1
            if progress is not None:
                progress("read", done, total)
        if loaded:
            tables[role] = MetricTable.merge(loaded)
    return tables


_RESULT_SUFFIXES = (".json", ".yaml", ".yml", ".eval", ".md")


def _load_path(path: Path) -> list[MetricTable]:
    """A results file, an lm-eval output directory, or a directory of results files (one per suite).

    A directory of results files may also hold one lm-eval output directory (a model's whole
    run: lm-eval/, safety.json, an Inspect log); its files are never skipped for it.
    """
    if not path.is_dir() or any(path.glob("results_*.json")):
        return [load(path)]
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in _RESULT_SUFFIXES and not p.name.startswith("."))
    holders = sorted(d for d in path.iterdir() if d.is_dir() and any(d.glob("results_*.json")))
    if holders and (not files or len(holders) > 1):
        return [load(path)]  # lm-eval's --output_path: one model's subdirectory, or the error naming several
    if not files:
        raise ResultsError(path, "empty directory: no results files (lm-eval output, Inspect logs, model cards or ftgov JSON/YAML)")
    return [load(p) for p in files] + [load(d) for d in holders]


def _recorded(ctx: _Context, earlier: Sequence[RoundRecord], role: str) -> MetricTable | None:
    """The register's values for a reference the user did not give, as a table without uncertainty."""
    values: dict[str, tuple[float, Settings]] = {}
    settings = _recorded_settings(ctx)
    if role == "base":
        for record in earlier:  # later rounds' records of the base override earlier ones (they should agree)
            found = settings.get
            values.update(
                {key: (m.base, found((record.objective_id, key), Settings())) for key, m in record.measured.items() if m.base is not None}
            )
    elif earlier:
        last = earlier[-1]
        values = {
            key: (m.candidate, settings.get((last.objective_id, key), Settings()))
            for key, m in last.measured.items()
            if m.candidate is not None
        }
    if not values or ctx.register is None:
        return None
    source = Provenance(ctx.register.path, hashlib.sha256(ctx.register.text.encode()).hexdigest(), REGISTER_FORMAT)
    return MetricTable(tuple(_synthetic(key, value, found, source) for key, (value, found) in sorted(values.items())), (source,))


_SETTING_KEYS = ("n_shot", "version", "task_hash", "limit", "split", "config")


def _recorded_settings(ctx: _Context) -> dict[tuple[str, str], Settings]:
    """(objective id, metric key) -> the settings the register recorded beside that round's measured values."""
    found: dict[tuple[str, str], Settings] = {}
    for entry in ctx.register.rounds if ctx.register is not None else []:
        evaluation = entry.get("evaluation")
        measured = evaluation.get("measured") if isinstance(evaluation, Mapping) else None
        for key, values in measured.items() if isinstance(measured, Mapping) else ():
            raw = values.get("settings") if isinstance(values, Mapping) else None
            if isinstance(raw, Mapping):
                found[(str(entry.get("objective")), str(key))] = _settings_from(raw)
    return found


def _settings_from(raw: Mapping[str, Any]) -> Settings:
    n_shot, version, task_hash, limit, split, config = (raw.get(k) for k in _SETTING_KEYS)
    return Settings(
        n_shot=n_shot if isinstance(n_shot, int) and not isinstance(n_shot, bool) else None,
        version=None if version is None else str(version),
        task_hash=None if task_hash is None else str(task_hash),
        limit=float(limit) if isinstance(limit, (int, float)) and not isinstance(limit, bool) else None,
        split=None if split is None else str(split),
        config=None if config is None else str(config),
    )


def _settings_entry(settings: Settings) -> dict[str, Any]:
    """The settings as the register keeps them: only what the run recorded (an absent limit is the whole set)."""
    values = {
        "n_shot": settings.n_shot,
        "version": settings.version,
        "task_hash": settings.task_hash,
        "limit": settings.limit,
        "split": settings.split,
        "config": settings.config,
    }
    return {k: v for k, v in values.items() if v is not None}


def _recorded_from(earlier: Sequence[RoundRecord], role: str) -> str:
    if role == "base":
        return "the base values recorded by " + ", ".join(r.objective_id for r in earlier)
    return f"{earlier[-1].objective_id}'s measured candidate values"


def _synthetic(key: str, value: float, settings: Settings, source: Provenance) -> Measurement:
    parts = key.split("/")
    suite, name = parts[0], parts[-1]
    task = "/".join(parts[1:-1]) or None
    metric, _, filter_ = name.partition(",")
    return Measurement(suite, task, metric, filter_ or NO_FILTER, value, None, None, None, settings, source, None, not filter_)


def _measured(verdict: Verdict, candidate: MetricTable, references: Mapping[str, MetricTable | None]) -> dict[str, dict[str, Any]]:
    """Per criterion metric: the base, parent and candidate values this evaluation saw (what later rounds anchor on).

    A reference value measured with other settings than the candidate's is left out: the
    entry's settings are the candidate's, and every value beside them was measured with them.
    """
    measured: dict[str, dict[str, Any]] = {}
    for result in verdict.criteria:
        c = result.criterion
        if c.metric is None or c.kind == "calibration":
            continue
        found, _ = candidate.find(*c.metric)
        if found is None:
            continue
        values: dict[str, Any] = {}
        for role in _ROLES:
            table = references.get(role)
            ref = table.find(*c.metric)[0] if table is not None else None
            if ref is not None and not ref.settings.differences(found.settings):
                values[role] = ref.value
        values["candidate"] = found.value
        recorded = _settings_entry(found.settings)
        if recorded:
            values["settings"] = recorded
        measured.setdefault(c.key, values)
    return measured


# --record


@dataclass(frozen=True)
class RecordOutcome:
    report: str  # the report's repository path
    register: str
    findings: tuple[str, ...]  # what `ftgov check` will now report about the register, one line each


# What a round still needs before its evaluation can be recorded, by status: --record
# moves only a `trained` round to `evaluated` (the status machine FTG906 checks), so any
# earlier status is a refusal naming the next step rather than a register `check` rejects.
_NEXT_STEP = {
    "proposed": "its approval (merge the objective's pull request, then `ftgov record-run --gate-attestation ...`) "
    "and its finished training run (`ftgov record-run --finished-at ...`)",
    "approved": "its finished training run (`ftgov record-run --config ... --started-at ... --finished-at ...`)",
    "training": "the end of its training run (`ftgov record-run --finished-at ...`)",
}
_ABSENT = (
    "the round itself (`ftgov new`), its approval (`ftgov record-run --gate-attestation ...`) "
    "and its finished training run (`ftgov record-run --finished-at ...`)"
)


def record(repo: Repository, evaluation: Evaluation, objective_id: str, *, at: str | None = None) -> RecordOutcome:
    """Write the report and pin it in the `trained` register round, moving it to `evaluated`.

    Anything else is refused before a byte is written: a register or round that does not
    exist, or a round that is not yet trained, would be left `evaluated` with no run, which
    `ftgov check` rejects (FTG906) and `ftgov record-run` can no longer fix.

    Both files are written atomically (temporary file, fsync, rename), the report first, so a
    crash never leaves a register pinning a report that is not there. The register is changed
    as text (yaml_append): every byte outside the added lines and the status stays as it was.
    """
    model = register_ops.model_of(repo, objective_id)
    register_path = paths.register_path(model)
    report_path = paths.report_path(model, objective_id)
    # Checked before anything is written: os.replace onto a directory fails only after the
    # report is already in place.
    for path, what in ((register_path, "a regular file"), (paths.register_dir(model), "a directory"), (report_path, "a regular file")):
        where = repo.root / path
        if where.exists() and not (where.is_dir() if what == "a directory" else where.is_file()):
            raise InputError(f"{path}: not {what}; nothing written")
    ctx = _context(repo, objective_id)
    if ctx.register is None:
        raise register_ops.PolicyRefusal(f"{register_path} does not exist; {objective_id} first needs {_ABSENT}")
    index = next((i for i, r in enumerate(ctx.register.rounds) if r.get("objective") == objective_id), None)
    if index is None:
        raise register_ops.PolicyRefusal(f"{register_path} has no round for {objective_id}; it first needs {_ABSENT}")
    current = ctx.register.rounds[index]
    _may_evaluate(current, objective_id)
    moment = register_ops.parse_time(at, "--evaluated-at") if at is not None else register_ops.now()
    register_ops.refuse_before(current, moment, "evaluated_at", objective_id)
    report_text = evaluation.render_json()
    entry: dict[str, Any] = {
        "report": report_path,
        "report_sha256": hashlib.sha256(report_text.encode()).hexdigest(),
        "evaluated_at": Time(register_ops.iso(moment)),
        "verdict": evaluation.verdict.verdict,
        "measured": {key: _measured_entry(values) for key, values in evaluation.measured.items()},
    }
    after = next((k for k in ("run", "approval", "status") if k in current), None)
    new_text = add_keys(ctx.register.text, ("rounds", index), {"evaluation": entry}, after=after)
    new_text = replace_scalar(new_text, ("rounds", index, "status"), "evaluated")
    register_ops.reparsed(register_path, new_text)  # a change that does not parse is never written
    register_file = repo.root / register_path
    register_ops.refuse_concurrent_edit(register_file, register_path, ctx.register.text)  # before the report is written
    (repo.root / report_path).parent.mkdir(parents=True, exist_ok=True)
    write_atomically(repo.root / report_path, report_text)
    # Read with the report in place (the register pins it), before the register is written; a
    # failing verdict is no finding: it is the evidence, recorded either way.
    findings = register_ops.finding_lines(register_ops.new_findings(ctx.register, new_text, ctx.policy))
    register_ops.write_register(register_file, register_path, ctx.register.text, new_text)
    return RecordOutcome(report_path, register_path, tuple(findings))


def _measured_entry(values: Mapping[str, Any]) -> Flow:
    """One measured entry as the register keeps it: the values, and the settings as a nested flow mapping."""
    entry: dict[str, Any] = {}
    for key, value in values.items():
        entry[key] = Flow(dict(value)) if isinstance(value, Mapping) else value
    return Flow(entry)


def _may_evaluate(current: Mapping[str, Any], objective_id: str) -> None:
    if "evaluation" in current:
        raise register_ops.PolicyRefusal(
            f"{objective_id} already records an evaluation; the register is append-only, so a new evaluation is a new round"
        )
    status = current.get("status")
    if status in _NEXT_STEP:
        raise register_ops.PolicyRefusal(f"{objective_id} is {status}; before its evaluation is recorded it needs {_NEXT_STEP[status]}")
    if status != "trained":
        raise register_ops.PolicyRefusal(f"{objective_id} is {status}; only a trained round can be evaluated")


__all__ = ["Evaluation", "InputError", "RecordOutcome", "ResultsError", "evaluate", "record"]
