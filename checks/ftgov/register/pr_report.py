"""`ftgov report pr --base REF`: what a reviewer reads first on a pull request, offline.

From the local git checkout, against REF (the PR's base), in the order a reviewer asks:

* which rounds the PR touches and how their status moves (base -> head);
* what it weakens: criteria added, loosened (a threshold made more permissive, a boundary no
  longer `safety: true`, a calibration bound raised) or retired (a `retired_criteria` entry
  added, or a criterion removed), called out before anything else;
* a semantic diff of each changed objective, register and policy, field by field (list
  items matched by their id, so a criterion inserted in the middle is one addition, not a
  change to every criterion after it);
* the cumulative stack each touched round is judged against (`ftgov register show`'s view);
* the recorded evaluation reports the PR adds or changes, rendered as `ftgov evaluate` does;
* the findings `ftgov check --base REF` reports.

Reading git is `ftgov.history`'s job and comparing two documents `rules.history.differences`;
this module only decides what to call out and collects it. Findings are shown, not an exit
code: `ftgov check` is the gate.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ftgov.documents import paths
from ftgov.documents.access import mapping, sequence, text
from ftgov.documents.errors import InputError
from ftgov.documents.repository import Repository
from ftgov.documents.rules.history import differences
from ftgov.documents.stack import THRESHOLD_KINDS
from ftgov.documents.validate import ValidationResult
from ftgov.register.check_base import ChangedPath, GitBase, _parse
from ftgov.register.view import RegisterView, show

_SCHEMAS = {paths.schema_path(kind): kind for kind in ("objective", "policy", "register")}
_EVALUATION = re.compile(r"registers/([^/]+)/([^/]+)\.evaluation\.json")
# List items are matched by the first of these keys all of them carry, distinct: criteria by
# id, register rounds by objective, retirements by criterion, data sources by name.
_ITEM_KEYS = ("id", "objective", "criterion", "name")
# A reviewer reads a diff, not a dump: more than this many field changes in one file are counted.
MAX_FIELDS_PER_FILE = 60
_DROPS = ("max_drop", "max_relative_drop")


@dataclass(frozen=True)
class RoundMove:
    """A register round the PR adds, removes or moves: status at the base -> status at the head."""

    model: str
    objective: str
    before: str | None  # None: the round is new
    after: str | None  # None: the round was removed

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "objective": self.objective, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Callout:
    """One thing the PR does to what a round is judged against."""

    kind: str  # added | loosened | retired | tightened | changed
    path: str
    criterion: str  # <objective>/<criterion id>, or calibration
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "criterion": self.criterion, "detail": self.detail}


@dataclass(frozen=True)
class DocumentDiff:
    """A changed objective, register or policy, field by field."""

    path: str
    status: str  # A added, M modified, D deleted
    fields: tuple[str, ...]  # one line per changed field, e.g. "success_criteria[short].min_improvement was 0.1, now 0.05"
    more: int = 0  # field changes beyond MAX_FIELDS_PER_FILE

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "status": self.status, "fields": list(self.fields), "more_fields": self.more}


@dataclass(frozen=True)
class RoundStack:
    model: str
    objective: str
    view: RegisterView | None
    problem: str | None  # why the stack cannot be shown (`ftgov check` reports the cause)

    def to_json(self) -> dict[str, Any]:
        stack = self.view.to_json() if self.view else None
        return {"model": self.model, "objective": self.objective, "stack": stack, "problem": self.problem}


@dataclass(frozen=True)
class RecordedEvaluation:
    """An evaluation report the PR adds or changes under registers/<model>/."""

    path: str
    sha256: str
    report: dict[str, Any] | None
    pinned_by: str | None  # the round whose evaluation.report_sha256 is this file's sha256
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        verdict = self.report.get("verdict") if self.report else None
        return {"path": self.path, "sha256": self.sha256, "verdict": verdict, "pinned_by": self.pinned_by, "problem": self.problem}


@dataclass(frozen=True)
class MissingApprovals:
    """What `ftgov approvals` says about the PR: the roles still missing, or why it could not tell."""

    pull_request: int
    state: str  # success | failure | unknown
    description: str
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"pull_request": self.pull_request, "state": self.state, "description": self.description, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class PrReport:
    base_ref: str
    base_commit: str
    changed: tuple[ChangedPath, ...]
    rounds: tuple[RoundMove, ...]
    callouts: tuple[Callout, ...]
    diffs: tuple[DocumentDiff, ...]
    stacks: tuple[RoundStack, ...]
    evaluations: tuple[RecordedEvaluation, ...]
    findings: ValidationResult
    approvals: MissingApprovals | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "base": {"ref": self.base_ref, "commit": self.base_commit},
            "changed": [{"status": c.status, "path": c.path} for c in self.changed],
            "rounds": [r.to_json() for r in self.rounds],
            "callouts": [c.to_json() for c in self.callouts],
            "diffs": [d.to_json() for d in self.diffs],
            "stacks": [s.to_json() for s in self.stacks],
            "evaluations": [e.to_json() for e in self.evaluations],
            "findings": [f.to_json() for f in self.findings.findings],
            "check_exit_code": self.findings.exit_code,
            "approvals": self.approvals.to_json() if self.approvals else None,
        }


@dataclass
class _Collected:
    rounds: list[RoundMove] = field(default_factory=list)
    callouts: list[Callout] = field(default_factory=list)
    diffs: list[DocumentDiff] = field(default_factory=list)
    touched: dict[tuple[str, str], None] = field(default_factory=dict)  # (model, objective), in order of appearance


def build(repo: Repository, base: GitBase, findings: ValidationResult, approvals: MissingApprovals | None = None) -> PrReport:
    """The report for the working tree against `base`; `findings` is what `ftgov check --base` found."""
    changes = [c for c in base.changes() if c.path.startswith(("objectives/", "registers/", "policies/"))]
    documents = [c for c in changes if paths.is_objective_path(c.path) or paths.is_register_path(c.path) or c.path == paths.POLICY]
    schemas = [c for c in changes if c.path in _SCHEMAS]
    old = base.read(c.path for c in [*documents, *schemas] if c.status != "A")
    out = _Collected()
    for change in documents:
        before = _data(old.get(change.path), change.path) if change.status != "A" else None
        after = _data(repo.read_bytes(change.path), change.path) if change.status != "D" else None
        model = paths.model_of(change.path)
        if model is not None and paths.is_objective_path(change.path):
            objective_id = PurePosixPath(change.path).stem
            out.callouts.extend(_objective_callouts(repo, change.path, model, before, after))
            if after is not None:
                out.touched.setdefault((model, objective_id))
        elif model is not None and paths.is_register_path(change.path):
            _register_moves(out, model, change.path, before, after)
        elif before is not None and after is not None:
            out.callouts.extend(_policy_callouts(change.path, before, after))
        out.diffs.append(_diff(change, before, after))
    for change in schemas:
        # A schema validates every document of its kind: a relaxed one weakens every round at once.
        before = _json(old.get(change.path)) if change.status != "A" else None
        after = _json(repo.read_bytes(change.path)) if change.status != "D" else None
        kind = _SCHEMAS[change.path]
        detail = f"the JSON Schema every {kind} document is validated by changed; read its diff"
        out.callouts.append(Callout("changed", change.path, f"{kind} schema", detail))
        out.diffs.append(_diff(change, before, after))
    stacks = tuple(_stack(repo, model, objective_id) for model, objective_id in out.touched)
    evaluations = tuple(_evaluation(repo, c.path) for c in changes if c.status != "D" and _EVALUATION.fullmatch(c.path))
    order = {"loosened": 0, "retired": 1, "added": 2, "changed": 3, "tightened": 4}
    return PrReport(
        base_ref=base.ref,
        base_commit=base.commit,
        changed=tuple(changes),
        rounds=tuple(out.rounds),
        callouts=tuple(sorted(out.callouts, key=lambda c: order.get(c.kind, 9))),
        diffs=tuple(out.diffs),
        stacks=stacks,
        evaluations=evaluations,
        findings=findings,
        approvals=approvals,
    )


def _json(raw: bytes | None) -> dict[str, Any] | None:
    try:
        loaded = json.loads(raw) if raw is not None else None
    except (ValueError, UnicodeDecodeError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _data(raw: bytes | None, path: str) -> dict[str, Any] | None:
    """A readable document's data, or None: an unreadable one is `ftgov check`'s finding."""
    version = _parse(raw, path)
    return version.document.data if version is not None and isinstance(version.document.data, dict) else None


# -- the field-by-field diff ------------------------------------------------------------------


def keyed(value: Any) -> Any:
    """Lists of mappings that all carry a distinct id (or objective, criterion, name) as mappings keyed by it.

    `differences` then matches a criterion by its id, not by its place in the list.
    """
    if isinstance(value, dict):
        return {k: keyed(v) for k, v in value.items()}
    if isinstance(value, list):
        for key in _ITEM_KEYS:
            names = [item.get(key) if isinstance(item, dict) else None for item in value]
            if value and all(isinstance(n, str) for n in names) and len(set(names)) == len(names):
                return {f"[{n}]": keyed(item) for n, item in zip(names, value, strict=True)}
        return [keyed(item) for item in value]
    return value


def _diff(change: ChangedPath, before: dict[str, Any] | None, after: dict[str, Any] | None) -> DocumentDiff:
    if change.status == "A":
        return DocumentDiff(change.path, "A", ("new file",) if after is not None else ("new file, unreadable (`ftgov check` says why)",))
    if change.status == "D":
        return DocumentDiff(change.path, "D", ("removed",))
    if before is None or after is None:
        side = "at the base" if before is None else "now"
        return DocumentDiff(change.path, "M", (f"unreadable {side}; no field-by-field diff (`ftgov check` says why)",))
    lines = [_readable(what) for _, _, what in differences(keyed(before), keyed(after))]
    if not lines:
        lines = ["no field changed (formatting or comments only)"]
    return DocumentDiff(change.path, "M", tuple(lines[:MAX_FIELDS_PER_FILE]), max(0, len(lines) - MAX_FIELDS_PER_FILE))


def _readable(what: str) -> str:
    # A keyed item reads success_criteria[short], as a list index would.
    return what.replace(".[", "[")


# -- objectives: criteria added, loosened, retired -------------------------------------------


def _criteria(objective: Mapping[str, Any] | None) -> dict[tuple[str, str], Mapping[str, Any]]:
    """(kind, id) -> entry for every success criterion and regression boundary."""
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for kind, key in (("success criterion", "success_criteria"), ("boundary", "regression_boundaries")):
        for entry in sequence(objective, key):
            criterion_id = text(entry, "id")
            if criterion_id is not None:
                found[(kind, criterion_id)] = entry
    return found


def _objective_callouts(
    repo: Repository, path: str, model: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> Iterator[Callout]:
    objective_id = path.rsplit("/", 1)[-1].removesuffix(".yaml")
    if after is None:
        return  # a removed objective is a diff entry and, within retention, an FTG954 finding
    old, new = _criteria(before), _criteria(after)
    for (kind, criterion_id), entry in new.items():
        ref = f"{objective_id}/{criterion_id}"
        if (kind, criterion_id) not in old:
            yield Callout("added", path, ref, f"{kind} on `{_metric(entry)}`: {_threshold_text(entry)}")
        else:
            yield from _compare(path, ref, kind, old[(kind, criterion_id)], entry, "")
    for (kind, criterion_id), entry in old.items():
        if (kind, criterion_id) not in new:
            was = _threshold_text(entry)
            yield Callout("retired", path, f"{objective_id}/{criterion_id}", f"{kind} removed from the objective (was {was})")
    yield from _calibration(path, objective_id, mapping(before, "calibration"), mapping(after, "calibration"), "")
    if before is None:
        # A new round: its boundaries against the same boundaries of the round it continues.
        parent_id = text(mapping(after, "model"), "parent")
        parent_path = paths.objective_path(model, parent_id) if parent_id else None
        parent = _data(repo.read_bytes(parent_path), parent_path) if parent_path else None
        if parent is not None:
            since = f" (compared with the parent round {parent_id})"
            inherited = _criteria(parent)
            for key, entry in new.items():
                if key in inherited:
                    yield from _compare(path, f"{objective_id}/{key[1]}", key[0], inherited[key], entry, since)
            yield from _calibration(path, objective_id, mapping(parent, "calibration"), mapping(after, "calibration"), since)


def _compare(path: str, ref: str, kind: str, old: Mapping[str, Any], new: Mapping[str, Any], since: str) -> Iterator[Callout]:
    """Loosened, tightened or changed: one criterion's two versions, direction taken into account."""
    old_metric, new_metric = _metric(old), _metric(new)
    if old_metric != new_metric:
        yield Callout("changed", path, ref, f"{kind} now measures `{new_metric}`, was `{old_metric}`{since}")
    higher_old, higher_new = _higher_is_better(old), _higher_is_better(new)
    if higher_old != higher_new:
        yield Callout("changed", path, ref, f"higher_is_better is now {str(higher_new).lower()}, was {str(higher_old).lower()}{since}")
    for key in (*THRESHOLD_KINDS, "inherited_max_drop"):
        was, now = _number(old.get(key)), _number(new.get(key))
        if was == now:
            continue
        if now is None:
            yield Callout("loosened", path, ref, f"{key} {was:g} was removed{since}")
            continue
        if was is None:
            yield Callout("tightened", path, ref, f"{key} {now:g} was added{since}")
            continue
        looser = _looser(key, was, now, higher_new)
        yield Callout("loosened" if looser else "tightened", path, ref, f"{key} {was:g} -> {now:g}{_why(key, looser, higher_new)}{since}")
    if old.get("safety") is True and new.get("safety") is not True:
        yield Callout("loosened", path, ref, f"`safety: true` was removed: the boundary no longer counts as a safety property{since}")
    if old.get("compare_to") != new.get("compare_to"):
        was_to, now_to = old.get("compare_to") or "the default", new.get("compare_to") or "the default"
        yield Callout("changed", path, ref, f"compare_to {was_to} -> {now_to}{since}")


def _looser(key: str, was: float, now: float, higher_is_better: bool) -> bool:
    if key == "min_value":
        # For a metric where lower is better, min_value is the worst acceptable value from above.
        return now < was if higher_is_better else now > was
    if key == "min_improvement":
        return now < was
    return now > was  # max_drop, max_relative_drop, inherited_max_drop: a larger allowed drop


def _why(key: str, looser: bool, higher_is_better: bool) -> str:
    if key == "min_value" and not higher_is_better:
        return " (lower is better: a higher min_value allows worse)" if looser else " (lower is better)"
    if key in ("min_improvement",):
        return " (less improvement required)" if looser else ""
    if key in (*_DROPS, "inherited_max_drop"):
        return " (a larger drop allowed)" if looser else ""
    return ""


def _calibration(path: str, objective_id: str, old: Mapping[str, Any], new: Mapping[str, Any], since: str) -> Iterator[Callout]:
    was, now = _number(old.get("max_ece_increase")), _number(new.get("max_ece_increase"))
    ref = f"{objective_id}/calibration"
    if was is not None and now is None:
        yield Callout("loosened", path, ref, f"max_ece_increase {was:g} was removed: the policy's default applies{since}")
    elif was is not None and now is not None and was != now:
        looser = now > was
        yield Callout("loosened" if looser else "tightened", path, ref, f"max_ece_increase {was:g} -> {now:g}{since}")


def _metric(entry: Mapping[str, Any]) -> str:
    metric = mapping(entry, "metric")
    return "/".join(str(metric[k]) for k in ("suite", "task", "name") if isinstance(metric.get(k), str)) or "?"


def _higher_is_better(entry: Mapping[str, Any]) -> bool:
    return mapping(entry, "metric").get("higher_is_better") is not False


def _threshold_text(entry: Mapping[str, Any]) -> str:
    parts = [f"{key} {value:g}" for key in (*THRESHOLD_KINDS,) if (value := _number(entry.get(key))) is not None]
    if entry.get("safety") is True:
        parts.append("safety")
    return ", ".join(parts) or "no threshold"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


# -- the policy: what every round is judged by -------------------------------------------------

# Defaults whose larger value allows more; (key, the default the policy module applies).
_LOOSER_WHEN_RAISED = (
    ("general_capability_max_relative_drop", 0.10),
    ("tail_max_relative_drop", 0.15),
    ("max_ece_increase", 0.05),
    ("inherited_max_drop", 0.01),
)
# The policy's data thresholds (`ftgov data check`): (key path under `data`, default, looser when raised).
_DATA_THRESHOLDS = (
    (("max_train_validation_overlap",), 0.01, True),
    (("max_train_eval_overlap",), 0.01, True),
    (("records_tolerance",), 0.05, True),
    (("near_duplicate", "threshold"), 0.7, True),
    (("min_label_agreement",), 0.667, False),
)
# Choices whose first value is the strict one.
_STRICT_CHOICE = (("defaults", "inconclusive", "block"), ("defaults", "point_estimates", "inconclusive"))


def _policy_callouts(path: str, before: dict[str, Any], after: dict[str, Any]) -> Iterator[Callout]:
    """The policy's own loosening: defaults raised, standing safety boundaries weakened, fewer roles, more waivers."""
    old_defaults, new_defaults = mapping(before, "defaults"), mapping(after, "defaults")
    for key, default in _LOOSER_WHEN_RAISED:
        was, now = _number(old_defaults.get(key)), _number(new_defaults.get(key))
        was, now = default if was is None else was, default if now is None else now
        if was != now:
            yield Callout("loosened" if now > was else "tightened", path, f"defaults.{key}", f"{was:g} -> {now:g}")
    for section, key, strict in _STRICT_CHOICE:
        was, now = mapping(before, section).get(key, strict), mapping(after, section).get(key, strict)
        if was != now:
            yield Callout("loosened" if was == strict else "changed", path, f"{section}.{key}", f"{was} -> {now}")
    yield from _data_callouts(path, mapping(before, "data"), mapping(after, "data"))
    old_suite = {text(e, "id"): e for e in sequence(before, "standing_safety_suite") if text(e, "id")}
    new_suite = {text(e, "id"): e for e in sequence(after, "standing_safety_suite") if text(e, "id")}
    for boundary_id, entry in new_suite.items():
        ref = f"standing_safety_suite/{boundary_id}"
        if boundary_id not in old_suite:
            yield Callout("added", path, ref, f"standing safety boundary on `{_metric(entry)}`: {_threshold_text(entry)}")
        else:
            yield from _compare(path, ref, "standing safety boundary", old_suite[boundary_id], entry, "")
    for boundary_id in old_suite.keys() - new_suite.keys():
        yield Callout("retired", path, f"standing_safety_suite/{boundary_id}", "standing safety boundary removed from the policy")
    old_required, new_required = mapping(mapping(before, "approvals"), "required"), mapping(mapping(after, "approvals"), "required")
    for tier, roles in old_required.items():
        dropped = [str(r) for r in roles if r not in (new_required.get(tier) or [])] if isinstance(roles, list) else []
        if dropped:
            yield Callout("loosened", path, f"approvals.required.{tier}", f"no longer requires {', '.join(dropped)}")
    old_paths = {p for p in sequence(mapping(before, "approvals"), "ungoverned_paths") if isinstance(p, str)}
    for added in [p for p in sequence(mapping(after, "approvals"), "ungoverned_paths") if isinstance(p, str) and p not in old_paths]:
        yield Callout("loosened", path, "approvals.ungoverned_paths", f"{added} needs no governance approval any more")
    if mapping(after, "gate").get("allow_unreviewed_local") is True and mapping(before, "gate").get("allow_unreviewed_local") is not True:
        yield Callout("loosened", path, "gate.allow_unreviewed_local", "the gate may allow a round nobody reviewed (local sandbox)")
    old_waivers = {(text(w, "rule"), text(w, "path")) for w in sequence(before, "waivers")}
    for waiver in sequence(after, "waivers"):
        if isinstance(waiver, dict) and (text(waiver, "rule"), text(waiver, "path")) not in old_waivers:
            until = f"{text(waiver, 'path')} until {waiver.get('expires')}"
            yield Callout("loosened", path, f"waiver {text(waiver, 'rule')}", f"waives it for {until}")


def _data_callouts(path: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> Iterator[Callout]:
    """A data threshold moved: more contamination or disagreement allowed is a loosening reviewers must see."""
    for keys, default, looser_when_raised in _DATA_THRESHOLDS:
        old, new = before, after
        for key in keys[:-1]:
            old, new = mapping(old, key), mapping(new, key)
        was, now = _number(old.get(keys[-1])), _number(new.get(keys[-1]))
        was, now = default if was is None else was, default if now is None else now
        if was != now:
            looser = (now > was) == looser_when_raised
            yield Callout("loosened" if looser else "tightened", path, "data." + ".".join(keys), f"{was:g} -> {now:g}")
    if before.get("required") is True and after.get("required") is not True:
        yield Callout("loosened", path, "data.required", "rounds no longer need recorded data evidence")


# -- registers: rounds added and moved, retirements -------------------------------------------


def _rounds(register: dict[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    return {objective_id: entry for entry in sequence(register, "rounds") if (objective_id := text(entry, "objective")) is not None}


def _register_moves(out: _Collected, model: str, path: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    old, new = _rounds(before), _rounds(after)
    for objective_id, entry in new.items():
        previous = old.get(objective_id)
        was, now = text(previous, "status") if previous is not None else None, text(entry, "status")
        if previous is None or was != now:
            out.rounds.append(RoundMove(model, objective_id, was, now))
            out.touched.setdefault((model, objective_id))
        elif entry.get("data") != previous.get("data"):  # data evidence recorded: reviewers read it beside the stack
            out.touched.setdefault((model, objective_id))
        kept = {text(r, "criterion") for r in sequence(previous, "retired_criteria")}
        for retirement in sequence(entry, "retired_criteria"):
            named = text(retirement, "criterion")
            if named is not None and named not in kept:
                roles = retirement.get("approved_by")
                approved = ", ".join(str(r) for r in roles) if isinstance(roles, list) else str(roles)
                rationale = text(retirement, "rationale") or "no rationale"
                out.callouts.append(Callout("retired", path, named, f"retired in {objective_id}, approved by {approved}: {rationale}"))
                out.touched.setdefault((model, objective_id))
    for objective_id, entry in old.items():
        if objective_id not in new:
            out.rounds.append(RoundMove(model, objective_id, text(entry, "status"), None))


def _stack(repo: Repository, model: str, objective_id: str) -> RoundStack:
    try:
        return RoundStack(model, objective_id, show(repo, model, objective_id), None)
    except InputError as exc:
        return RoundStack(model, objective_id, None, str(exc))


# -- recorded evaluation reports ------------------------------------------------------------------


def _evaluation(repo: Repository, path: str) -> RecordedEvaluation:
    raw = repo.read_bytes(path) or b""
    digest = hashlib.sha256(raw).hexdigest()
    model = path.split("/")[1]
    register = _data(repo.read_bytes(paths.register_path(model)), paths.register_path(model))
    pins = {objective_id: text(mapping(entry, "evaluation"), "report_sha256") for objective_id, entry in _rounds(register).items()}
    pinned = next((objective_id for objective_id, pin in pins.items() if pin == digest), None)
    try:
        report = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return RecordedEvaluation(path, digest, None, pinned, f"not JSON ({type(exc).__name__})")
    if not isinstance(report, dict):
        return RecordedEvaluation(path, digest, None, pinned, "not a JSON object")
    return RecordedEvaluation(path, digest, report, pinned)


def summary_counts(report: PrReport) -> dict[str, int]:
    """Callouts per kind, for the report's first line."""
    counts: dict[str, int] = {}
    for callout in report.callouts:
        counts[callout.kind] = counts.get(callout.kind, 0) + 1
    return counts

