"""FTG9xx: the cumulative register (registers/<model>.yaml) agrees with the objectives, the files it pins and itself.

The register is the model's memory (4.3-4.6, tests 8.4 and 8.6): which rounds ran in which
order, what each one actually trained, what it achieved, and what later rounds inherit.
These rules read the objectives and artefacts the register names through `RegisterFiles`,
so they stay free of I/O themselves and run the same on a checkout or a test's files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ftgov.documents import paths
from ftgov.documents.access import mapping, sequence, text, zoned_time
from ftgov.documents.blocking import blocking_criteria
from ftgov.documents.corrected import corrected, last_correction
from ftgov.documents.deviations import beyond, differences, tolerances, unverified
from ftgov.documents.deviations import flatten as _flatten
from ftgov.documents.deviations import same as _same
from ftgov.documents.document import Document
from ftgov.documents.findings import Finding, Pointer, Rule, Severity
from ftgov.documents.lifecycle import DEAD, DECIDED, RANK, WITHDRAWN
from ftgov.documents.policy import Policy
from ftgov.documents.rules.data import recorded as data_evidence
from ftgov.documents.stack import RoundRecord, ancestry, build_stack, judge

E = Severity.ERROR
_DRIFT = "docs/why.md#drift-across-rounds"
_UNDOCUMENTED = "docs/why.md#undocumented-fine-tunes"

MISPLACED = Rule(
    "FTG901",
    "register-misplaced",
    E,
    f"""
The register is not at registers/<model>.yaml for the model it names.

Why this matters: the gate, `ftgov register show` and every later round find a model's
history at exactly that path; a register elsewhere is a history nobody reads, and two
files for one model split it ({_UNDOCUMENTED}).

Example: registers/support.yaml says `model: support-agent`.

Fix: rename the file (git mv) to registers/<model>.yaml, or correct `model`.
""",
    waivable=False,
)

OBJECTIVE_MISSING = Rule(
    "FTG902",
    "round-objective-missing",
    E,
    f"""
A round names an objective that is not at objectives/<model>/<id>.yaml.

Why this matters: AG-341 4.5 requires the objective of every round to outlive the people
who wrote it; a round without its objective cannot say what it was meant to do, or what
later rounds inherit from it ({_UNDOCUMENTED}).

Example: `- objective: support-agent-r2` with no objectives/support-agent/support-agent-r2.yaml.

Fix: restore the objective from git history, or correct the id.
""",
    waivable=False,
)

OTHER_MODEL = Rule(
    "FTG903",
    "round-objective-other-model",
    E,
    f"""
A round's objective belongs to another model, or starts from another base checkpoint, than the register.

Why this matters: one register is one model's capability stack; a round of another
model, or of another base, mixes two histories and anchors inherited criteria on values
measured on a different model ({_DRIFT}).

Example: registers/support-agent.yaml lists claims-router-r1, or its base is
meta-llama/Llama-3.1-8B-Instruct@0e9e39f while the objective says @5206a32.

Fix: move the round to its own model's register, or make model.name and model.base agree.
""",
)

CHAIN = Rule(
    "FTG904",
    "round-parent-chain",
    E,
    f"""
The rounds do not follow the parent chain.

Why this matters: inheritance walks model.parent from the latest round back to round 1
(4.6, test 8.4). Round i's objective must name round i-1's objective as parent (skipping
only rounds that were rejected, abandoned or rolled back), and only the first round may
have none; otherwise the stack inherits from the wrong rounds or from none ({_DRIFT}).

Example: rounds r1, r2, r3 where r3's objective says `parent: support-agent-r1`.

Fix: list the rounds in parent order, or correct model.parent in the new round's objective.
""",
)

SHA_MISMATCH = Rule(
    "FTG905",
    "objective-sha256-mismatch",
    E,
    f"""
From `approved` on, a round's objective_sha256 is missing or differs from the objective file's bytes.

Why this matters: the register pins the objective exactly as it was approved; an objective
edited after approval describes a fine-tune nobody reviewed (test 8.6). An amendment is a
new objective id, never an edit ({_UNDOCUMENTED}).

Example: `objective_sha256: 3f0c...` while `sha256sum objectives/support-agent/support-agent-r1.yaml` prints another value.

Fix: restore the approved file from git history; to change an approved objective, write a
new round. For a round just approved, record the sha256 of the merged file.
""",
    waivable=False,
)

STATUS = Rule(
    "FTG906",
    "round-status-inconsistent",
    E,
    f"""
A round's status does not match what it records.

Why this matters: the status machine (proposed -> approved -> training -> trained ->
evaluated -> deployed -> retired; rejected or abandoned before deployment; rolled-back
after it) is what the gate and reviewers read; a `deployed` round without an evaluation, or
a run recorded on a round still `approved`, makes the history say two things ({_UNDOCUMENTED}).

Example: `status: deployed` with no `evaluation`, or with `verdict: fail`; `status: approved`
with a `run` section; `decision: {{action: reject}}` on a round whose status is deployed.

Fix: move the status forward to match what was recorded (run needs training or later,
run.finished_at trained or later, evaluation evaluated or later, decision a status it
decides), or record what the status claims.
""",
)

SEQUENCE = Rule(
    "FTG907",
    "round-builds-on-unfinished",
    E,
    f"""
A round builds on a parent round that was not evaluated, or that was rejected or abandoned.

Why this matters: a later round inherits its parent's criteria anchored at the values the
parent achieved; until the parent is evaluated there is nothing to anchor on, and a
rejected or abandoned model is not a starting point ({_DRIFT}).

Example: support-agent-r3 is `approved` while its parent support-agent-r2 is `trained`.

Fix: record the parent's evaluation first, or base the round on the last evaluated round.
""",
)

TIMELINE = Rule(
    "FTG908",
    "timestamps-out-of-order",
    E,
    f"""
A round's timestamps are out of order.

Why this matters: test 8.6 requires that the record shows the objective approved before
training started and the evaluation after training finished: approval.merged_at <=
run.started_at <= run.finished_at <= evaluation.evaluated_at <= decision.at, and a round
starts training only after its parent's training finished ({_UNDOCUMENTED}).

Example: `merged_at: 2026-03-02T10:04:11Z` and `started_at: 2026-03-01T08:00:00Z`.

Fix: record the times as they happened (RFC 3339 with a time zone). A run that started
before approval is a finding to escalate, not to edit away.
""",
    waivable=False,
)

REPORT = Rule(
    "FTG909",
    "evaluation-report-mismatch",
    E,
    f"""
An evaluated round's report is missing from the repository or does not match report_sha256.

Why this matters: AG-341 4.4 requires the evaluation to persist as an artefact linked to
the objective; a report that is gone or changed after the decision no longer shows why the
model was deployed ({_UNDOCUMENTED}).

Example: `report: registers/support-agent/support-agent-r1.evaluation.json` that does not
exist, or whose sha256 differs from `report_sha256`.

Fix: restore the report from git history. A re-run evaluation is recorded in a new report.
""",
    waivable=False,
)

REPORT_VERDICT = Rule(
    "FTG915",
    "verdict-differs-from-report",
    E,
    f"""
A round's evaluation.verdict is not what its pinned report says, or the report's verdict contradicts its own criteria.

Why this matters: the register's verdict is what `ftgov decide` and every reader trust,
and the report (AG-341 4.4) is the evidence for it. A verdict typed into the register, or a
report whose `verdict` was edited while its criteria still fail, turns a failing model into
a deployable one without a new evaluation ({_UNDOCUMENTED}).

Example: the report says `"verdict": "fail"` (round 1's reconcile criterion failed) and the
register says `verdict: pass`.

Fix: record what the evaluation found: restore the verdict from the report (git history).
A new evaluation is a new round with its own report (`ftgov evaluate --record`).
""",
    waivable=False,
)

REPORT_MEASURED = Rule(
    "FTG916",
    "measured-differs-from-report",
    E,
    f"""
A round's evaluation.measured is not what its pinned report measured: a value, a setting, or a metric differs.

Why this matters: later rounds anchor inherited criteria on the values this round recorded,
and FTG913 judges the verdict from them; a value edited in the register, or one the report
never measured, moves every later round's floor and hides drift ({_DRIFT}).

Example: the report measured `lm-eval/reconcile/acc` candidate 0.66; the register says
`{{candidate: 0.7, ...}}`.

Fix: copy the report's `measured` entries exactly (values and settings), or restore them
from git history; the register keeps only what the report measured.
""",
    waivable=False,
)

REPORT_OBJECTIVE = Rule(
    "FTG917",
    "report-not-this-rounds",
    E,
    f"""
A round's pinned report cannot be read as an evaluation report, or names another objective or another objective_sha256.

Why this matters: the report must be the evaluation of this round's objective exactly as it
was approved; a report of another round, of an objective edited after approval, or a file
that is not a report at all, pins evidence that says nothing about this round ({_UNDOCUMENTED}).

Example: registers/ledger/ledger-r3.evaluation.json says `"objective": "ledger-r2"`, or its
`objective_sha256` is not the round's `objective_sha256`, or it is not JSON.

Fix: pin the report `ftgov evaluate ID --record` wrote for this round (restore it from git
history); evaluate the approved objective, never an edited copy.
""",
    waivable=False,
)

RETIREMENT = Rule(
    "FTG910",
    "retirement-invalid",
    E,
    f"""
A retired_criteria entry names no criterion of an earlier round.

Why this matters: retiring an inherited criterion removes it from every later round's
stack; it must name exactly what it removes (<origin-objective-id>/<criterion-id> of an
earlier round in the parent chain) and who, in a policy role, approved it. A retirement
of something that never existed hides a typo that leaves the real criterion in force, or
a criterion removed without review ({_DRIFT}). Who approved it is FTG920.

Example: `{{criterion: support-agent-r1/structured-financ, rationale: ..., approved_by: [risk]}}`.

Fix: use the id as the declaring objective writes it.
""",
)

DEVIATIONS = Rule(
    "FTG911",
    "deviations-disagree",
    E,
    f"""
run.deviations does not list exactly the fields where run.configuration differs from the configuration_plan.

Why this matters: AG-341 4.3 requires the actual configuration beside the objective; a
reviewer reads `deviations` to see what changed from what was approved. An unlisted change
hides it; a listed one that did not happen, or with other values than the documents, is
a false record ({_UNDOCUMENTED}).

Example: plan `learning_rate: 2.0e-4`, run `learning_rate: 3.0e-4`, `deviations: []`.

Fix: list each differing field as {{field, planned, actual}} with the values the objective
and run.configuration hold (null where one is silent), and remove entries that do not differ.
Regularisation is compared per setting (regularisation.weight_decay); a value stated as off
(0) is a difference. Where run.unverified is recorded, it names exactly the planned fields
run.configuration does not state.
""",
)

MEASUREMENT_MISSING = Rule(
    "FTG912",
    "measurement-missing",
    E,
    f"""
An evaluated round recorded no measured value for a criterion of its cumulative stack.

Why this matters: test 8.4 evaluates every round against the whole stack, and later rounds
anchor inherited success criteria on the value this round achieved; a metric that was not
measured cannot be compared with anything, now or later ({_DRIFT}).

Example: support-agent-r2's evaluation.measured has no `lm-eval/fin_struct/acc`, which
support-agent-r1 declared.

Fix: evaluate the round on every metric of its stack (`ftgov register show MODEL` lists
them) and record each under evaluation.measured as suite/task/name.
""",
)

VERDICT = Rule(
    "FTG913",
    "verdict-contradicts-stack",
    E,
    f"""
A round's recorded verdict is pass, but its measured values fail a criterion of its cumulative stack.

Why this matters: five rounds, each judged only against its own objective, can each cost
round 1 a little until it has lost points of accuracy that no single evaluation showed.
An inherited success criterion may fall
at most inherited_max_drop below what its declaring round achieved ({_DRIFT}).

Example: r1 achieved 0.88 on fin_struct; r3 records 0.85 with the default 0.01 tolerance
and `verdict: pass`.

Fix: the verdict is fail: record it, and decide (reject, or a new round that recovers the
capability). Retiring the criterion needs a reviewed retired_criteria entry.
""",
    waivable=False,
)

UNACKNOWLEDGED = Rule(
    "FTG914",
    "deviation-unacknowledged",
    E,
    f"""
A run deviates from the approved configuration_plan beyond the policy's tolerance, and no reviewed change acknowledged it.

Why this matters: reviewers approved the plan (AG-341 4.1, 4.3); a run at twice the
learning rate, another method or another adapter rank is a different fine-tune from the one
they approved. Small differences are expected (defaults.deviation_tolerance: relative, per
field; 25% for learning_rate and batch_size, 10% for epochs unless the policy says
otherwise); anything else, and any change of method, lora settings or regularisation, needs
someone in a policy role to accept it in a reviewed PR ({_UNDOCUMENTED}).

Example: plan `learning_rate: 1.0e-4`, run `learning_rate: 3.0e-4`, and the deviation
`{{field: learning_rate, planned: 1.0e-4, actual: 3.0e-4}}` has no `acknowledged_by`.

Fix: in a PR reviewed like the objective, add `acknowledged_by: <role>` (a key of
approvals.teams) and a `reason` to the deviation; or reject the round and train as planned.
""",
)

UNREVIEWED = Rule(
    "FTG925",
    "round-approved-unreviewed",
    Severity.WARNING,
    f"""
A round was approved unreviewed, through a local clone: a local sandbox round.

Why this matters: `ftgov gate --forge git` sees merges but not reviews; where the policy
sets gate.allow_unreviewed_local it allows a round nobody approved, so that a team can
practise the chain (record-run, evaluate --record, decide) offline. Such a round is
recorded as `approval: {{unreviewed: true, forge: git, commit}}`; it may be trained and
evaluated for practice, but it was never reviewed and is never deployed (FTG926) ({_UNDOCUMENTED}).

Example: `approval: {{unreviewed: true, forge: git, commit: 71c151d3...}}` in
registers/support-agent.yaml.

Fix: nothing, in a sandbox. For a real round, merge the objective through a reviewed PR and
record the approval from `ftgov gate` against GitHub, as a new round; never copy a sandbox
register into the governance repository.
""",
)

UNREVIEWED_DEPLOYED = Rule(
    "FTG926",
    "unreviewed-round-deployed",
    E,
    f"""
A round approved unreviewed (through a local clone) is recorded as deployed.

Why this matters: an unreviewed approval (FTG925) comes from a clone that shows no reviews:
nobody in a policy role approved the objective, so the model it trained must never serve
users. `ftgov decide --action deploy` refuses such a round; a register that says it was
deployed anyway (status deployed, retired or rolled-back, or a deploy decision) records a
deployment no review allowed ({_UNDOCUMENTED}).

Example: `status: deployed` and `decision: {{action: deploy, ...}}` on a round whose
`approval` says `unreviewed: true`.

Fix: take the model out of service, and record the round as it is (reject or abandon it
before deployment); train the change again as a new, reviewed round.
""",
    waivable=False,
)

RETIREMENT_APPROVERS = Rule(
    "FTG920",
    "retirement-approvers-invalid",
    E,
    f"""
A retired_criteria entry names no role that approved it, or a role the policy does not have.

Why this matters: retiring an inherited criterion removes it from every later round's
stack, so the drift it guarded against is no longer measured. The entry must say which
policy roles (keys of approvals.teams) approved it, so an auditor can match them to the
approvals of the PR that wrote it; a name, a team or free text (`approved_by: Jane, risk
lead`) proves nothing and passes no review the gate can count ({_DRIFT}).

Example: `{{criterion: ledger-r1/reconcile, rationale: ..., approved_by: the risk team}}`, or
`approved_by: []`, or `approved_by: [technical, cfo]` when the policy has no role cfo.

Fix: list the roles that approved the retirement, as approvals.teams names them:
`approved_by: [technical, risk]`; the PR that writes it needs the model's highest tier.
""",
)

RULES = (
    MISPLACED,
    OBJECTIVE_MISSING,
    OTHER_MODEL,
    CHAIN,
    SHA_MISMATCH,
    STATUS,
    SEQUENCE,
    TIMELINE,
    REPORT,
    REPORT_VERDICT,
    REPORT_MEASURED,
    REPORT_OBJECTIVE,
    RETIREMENT,
    DEVIATIONS,
    MEASUREMENT_MISSING,
    VERDICT,
    UNACKNOWLEDGED,
    RETIREMENT_APPROVERS,
    UNREVIEWED,
    UNREVIEWED_DEPLOYED,
)

# The status machine, as ranks along the forward path; rejected and abandoned leave it.
# The status machine is ftgov.lifecycle's (RANK, DEAD, DECIDED, WITHDRAWN), shared with the commands and the gate.


class RegisterFiles(Protocol):
    """What the register rules read: repository files by relative path."""

    def read_bytes(self, path: str) -> bytes | None: ...

    def parse(self, raw: bytes, path: str) -> Document | None: ...


@dataclass(frozen=True)
class _Round:
    index: int
    data: dict[str, Any]
    objective_id: str | None
    status: str | None
    objective: Document | None  # its objective file, parsed, when it exists
    objective_bytes: bytes | None

    @property
    def pointer(self) -> Pointer:
        return ("rounds", self.index)

    @property
    def rank(self) -> int:
        """How far along the forward path the round got (rejected/abandoned: from what it recorded)."""
        if self.status in RANK:
            return RANK[self.status]
        if "evaluation" in self.data:
            return RANK["evaluated"]
        run = mapping(self.data, "run")
        if run:
            return RANK["trained"] if "finished_at" in run else RANK["training"]
        return RANK["approved"] if "approval" in self.data or "objective_sha256" in self.data else RANK["proposed"]

    @property
    def parent(self) -> str | None:
        return text(mapping(self.objective.data, "model"), "parent") if self.objective is not None else None


def check(register: Document, policy: Policy | None, files: RegisterFiles) -> Iterator[Finding]:
    """Every FTG9xx finding for one register document."""
    path, data = register.path, register.data
    model = text(data, "model")
    if model is not None and path != paths.register_path(model):
        yield MISPLACED.at(path, ("model",), f"the register of model {model} must be at {paths.register_path(model)}")
    rounds = [_load_round(i, entry, model, files) for i, entry in enumerate(sequence(data, "rounds")) if isinstance(entry, dict)]
    for current in rounds:
        yield from _objective_findings(path, data, model, current)
        yield from _sections(path, current)
        yield from _timeline(path, current)
        yield from _report(path, current, files)
        yield from _deviations(path, current)
        yield from _unacknowledged(path, current, policy)
        yield from _unreviewed(path, current)
        yield from data_evidence(path, current.index, current.data, current.objective, policy, sequence(data, "rounds"))
    yield from _chain(path, rounds)
    yield from _stack_findings(path, rounds, policy)


def _load_round(index: int, data: dict[str, Any], model: str | None, files: RegisterFiles) -> _Round:
    objective_id = text(data, "objective")
    status = text(data, "status")
    if model is None or objective_id is None:
        return _Round(index, data, objective_id, status, None, None)
    objective_path = paths.objective_path(model, objective_id)
    raw = files.read_bytes(objective_path)
    document = files.parse(raw, objective_path) if raw is not None else None
    return _Round(index, data, objective_id, status, document, raw)


def _objective_findings(path: str, register: dict[str, Any], model: str | None, current: _Round) -> Iterator[Finding]:
    if model is None or current.objective_id is None:
        return
    where = (*current.pointer, "objective")
    objective_path = paths.objective_path(model, current.objective_id)
    if current.objective_bytes is None:
        yield OBJECTIVE_MISSING.at(path, where, f"objective {current.objective_id} is not at {objective_path}")
        return
    document = current.objective
    if document is None or document.kind != "FineTuneObjective" or text(document.data, "id") != current.objective_id:
        yield OBJECTIVE_MISSING.at(
            path, where, f"{objective_path} is not a readable FineTuneObjective with id {current.objective_id}; `ftgov validate` it"
        )
    else:
        objective_model = mapping(document.data, "model")
        name, base = text(objective_model, "name"), text(objective_model, "base")
        if name != model:
            yield OTHER_MODEL.at(path, where, f"objective {current.objective_id} is of model {name}, not {model}")
        elif base is not None and text(register, "base") is not None and base != text(register, "base"):
            yield OTHER_MODEL.at(
                path, where, f"objective {current.objective_id} starts from {base}, the register from {text(register, 'base')}"
            )
    pinned = text(current.data, "objective_sha256")
    actual = hashlib.sha256(current.objective_bytes).hexdigest()
    if pinned is not None and pinned != actual:
        yield SHA_MISMATCH.at(
            path, (*current.pointer, "objective_sha256"), f"{objective_path} has sha256 {actual}; the register pinned {pinned} at approval"
        )
    elif pinned is None and current.rank >= RANK["approved"]:
        yield SHA_MISMATCH.at(
            path,
            (*current.pointer, "status"),
            f"round {current.objective_id} is {current.status} but pins no objective_sha256 (now {actual})",
        )


def _sections(path: str, current: _Round) -> Iterator[Finding]:
    """The sections a round records agree with its status: run and evaluation, withdrawal, decision, verdict."""
    status, data, at = current.status, current.data, current.pointer
    if status not in RANK and status not in DECIDED:
        return  # unknown status: the schema reports it
    if status in RANK:
        yield from _forward_sections(path, current, RANK[status])
        yield from _run_finish(path, current, RANK[status])
    elif "evaluation" in data and "finished_at" not in mapping(data, "run"):
        yield STATUS.at(path, (*at, "evaluation"), "an evaluation is recorded but no finished training run", at_key=True)
    yield from _withdrawal_section(path, current)
    yield from _decision_section(path, current)
    verdict = text(mapping(data, "evaluation"), "verdict")
    if status in ("deployed", "retired", "rolled-back") and verdict not in (None, "pass"):
        yield STATUS.at(path, (*at, "evaluation", "verdict"), f"the round is {status} although its evaluation verdict is {verdict}")


def _forward_sections(path: str, current: _Round, rank: int) -> Iterator[Finding]:
    """A round on the forward path records its run from training on and its evaluation from evaluated on, not before."""
    status, data, at = current.status, current.data, current.pointer
    absent = []
    for section, needs, label in (("run", 2, "training"), ("evaluation", 4, "evaluated")):
        if section in data and rank < needs:
            yield STATUS.at(
                path, (*at, section), f"{section} is recorded but the round is {status}; {section} needs {label} or later", at_key=True
            )
        elif section not in data and rank >= needs:
            absent.append(section)
    if absent:
        yield STATUS.at(path, (*at, "status"), f"the round is {status} but records no {' and no '.join(absent)}")


def _run_finish(path: str, current: _Round, rank: int) -> Iterator[Finding]:
    """A run's finished_at and the round's status agree on whether training is over."""
    status, at = current.status, current.pointer
    run = mapping(current.data, "run")
    if run and "finished_at" in run and rank < RANK["trained"]:
        yield STATUS.at(
            path, (*at, "run", "finished_at"), f"training finished but the round is still {status}; move it to trained", at_key=True
        )
    elif run and "finished_at" not in run and rank >= RANK["trained"]:
        yield STATUS.at(path, (*at, "run"), f"the round is {status} but run records no finished_at", at_key=True)


def _withdrawal_section(path: str, current: _Round) -> Iterator[Finding]:
    """A withdrawal only on a round taken out of service, and one that makes it what its status says."""
    status, data, at = current.status, current.data, current.pointer
    decision = data.get("decision")
    withdrawal = data.get("withdrawal")
    if status in WITHDRAWN and isinstance(withdrawal, dict):
        # Taken out of service: `decision` keeps the deployment, `withdrawal` records the exit.
        if text(decision, "action") not in (None, "deploy") and isinstance(decision, dict):
            yield STATUS.at(
                path, (*at, "decision", "action"), f"decision {text(decision, 'action')} beside a withdrawal; it records the deployment"
            )
        if text(withdrawal, "action") not in (None, DECIDED[status]):
            yield STATUS.at(path, (*at, "withdrawal", "action"), f"withdrawal {text(withdrawal, 'action')} does not make a round {status}")
    elif withdrawal is not None:
        yield STATUS.at(path, (*at, "withdrawal"), f"a withdrawal is recorded but the round is {status}", at_key=True)


def _decision_section(path: str, current: _Round) -> Iterator[Finding]:
    """A decided round records its decision, and one that makes it what its status says; an undecided round records none."""
    status, data, at = current.status, current.data, current.pointer
    decision = data.get("decision")
    withdrawal = data.get("withdrawal")
    if status in DECIDED:
        if not isinstance(decision, dict):
            yield STATUS.at(path, (*at, "status"), f"the round is {status} but records no decision")
        elif text(decision, "action") not in (None, DECIDED[status]) and not (status in WITHDRAWN and isinstance(withdrawal, dict)):
            yield STATUS.at(path, (*at, "decision", "action"), f"decision {text(decision, 'action')} does not make a round {status}")
    elif decision is not None:
        yield STATUS.at(path, (*at, "decision"), f"a decision is recorded but the round is {status}", at_key=True)


def _chain(path: str, rounds: list[_Round]) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for position, current in enumerate(rounds):
        where = (*current.pointer, "objective")
        if current.objective_id is not None and current.objective_id in seen:
            yield CHAIN.at(path, where, f"{current.objective_id} is already round {seen[current.objective_id] + 1}")
            continue
        if current.objective_id is not None:
            seen[current.objective_id] = position
        if current.objective is None:
            continue
        allowed = _allowed(rounds, position)
        parent = current.parent or ""
        if parent in allowed:
            pass
        elif parent == "":
            yield CHAIN.at(path, where, f"{current.objective_id} has no model.parent, but round {position} ({allowed[0]}) comes before it")
        elif parent not in seen:
            yield CHAIN.at(path, where, f"{current.objective_id}'s parent {parent} is not an earlier round of this register")
        else:
            expected = " or ".join(a or "no parent" for a in allowed)
            yield CHAIN.at(path, where, f"{current.objective_id}'s parent is {parent}; the parent chain needs {expected}")
        parent_round = next((r for r in rounds[:position] if parent and r.objective_id == parent), None)
        if parent_round is not None:
            yield from _sequence(path, current, parent_round)


def _allowed(rounds: list[_Round], position: int) -> list[str]:
    """Parents round `position` may name: the previous round, or an earlier one when every round
    between went nowhere; "" (no parent) when every earlier round went nowhere."""
    allowed: list[str] = []
    for earlier in reversed(rounds[:position]):
        if earlier.objective_id is not None:
            allowed.append(earlier.objective_id)
        if earlier.status not in DEAD:
            return allowed
    return [*allowed, ""]


def _sequence(path: str, current: _Round, parent: _Round) -> Iterator[Finding]:
    where = (*current.pointer, "objective")
    if parent.status in ("rejected", "abandoned"):
        yield SEQUENCE.at(path, where, f"{current.objective_id} builds on {parent.objective_id}, which was {parent.status}")
    elif current.rank >= RANK["approved"] and parent.rank < RANK["evaluated"]:
        yield SEQUENCE.at(
            path,
            where,
            f"{current.objective_id} is {current.status} but its parent {parent.objective_id} is only {parent.status}; "
            "evaluate the parent first",
        )


# The schema's shape of an RFC 3339 time with a zone; fromisoformat decides whether it exists.
_TIME_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})")


def _timeline(path: str, current: _Round) -> Iterator[Finding]:
    data, at = corrected(current.data), current.pointer
    steps = (
        (("approval", "merged_at"), "approval.merged_at"),
        (("run", "started_at"), "run.started_at"),
        (("run", "finished_at"), "run.finished_at"),
        (("evaluation", "evaluated_at"), "evaluation.evaluated_at"),
        (("decision", "at"), "decision.at"),
        (("withdrawal", "at"), "withdrawal.at"),
    )
    latest: tuple[dt.datetime, str] | None = None
    for (section, key), label in steps:
        value = mapping(data, section).get(key)
        moment = zoned_time(value)
        fixed = last_correction(current.data, label)  # a corrected time is found at its correction
        where: Pointer = (*at, "corrections", fixed, "value") if fixed is not None else (*at, section, key)
        if moment is None:
            if isinstance(value, str) and _TIME_SHAPE.fullmatch(value):
                yield TIMELINE.at(path, where, f"{label} {value} is not a real time")
            continue
        if latest is not None and moment < latest[0]:
            yield TIMELINE.at(path, where, f"{label} {_iso(moment)} is before {latest[1]} {_iso(latest[0])}")
        if latest is None or moment >= latest[0]:
            latest = (moment, label)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _cross_round_timeline(path: str, current: _Round, parent: _Round) -> Iterator[Finding]:
    started = zoned_time(mapping(corrected(current.data), "run").get("started_at"))
    finished = zoned_time(mapping(corrected(parent.data), "run").get("finished_at"))
    if started is not None and finished is not None and started < finished:
        yield TIMELINE.at(
            path,
            (*current.pointer, "run", "started_at"),
            f"run.started_at {_iso(started)} is before the parent {parent.objective_id} finished training ({_iso(finished)})",
        )


def _report(path: str, current: _Round, files: RegisterFiles) -> Iterator[Finding]:
    evaluation = mapping(current.data, "evaluation")
    report = text(evaluation, "report")
    if report is None:
        return
    raw = files.read_bytes(report)
    at = (*current.pointer, "evaluation")
    if raw is None:
        yield REPORT.at(path, (*at, "report"), f"evaluation report {report} is not in the repository")
        return
    pinned = text(evaluation, "report_sha256")
    actual = hashlib.sha256(raw).hexdigest()
    if pinned is not None and pinned != actual:
        yield REPORT.at(path, (*at, "report_sha256"), f"{report} has sha256 {actual}; the register pinned {pinned}")
    elif pinned is not None:
        yield from _bound(path, current, report, raw)


_ABSENT = object()


def _bound(path: str, current: _Round, report: str, raw: bytes) -> Iterator[Finding]:
    """FTG915-917: the pinned report is this round's evaluation, and the register says what it says.

    Only a report whose bytes match its pin is read: one that does not is FTG909's finding,
    and nothing it says is evidence.
    """
    evaluation = mapping(current.data, "evaluation")
    at = (*current.pointer, "evaluation")
    try:
        loaded = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        why = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else "not JSON"
        yield REPORT_OBJECTIVE.at(path, (*at, "report"), f"{report} is {why}; pin the report `ftgov evaluate --record` wrote")
        return
    if not isinstance(loaded, dict) or not isinstance(loaded.get("verdict"), str):
        yield REPORT_OBJECTIVE.at(
            path, (*at, "report"), f"{report} is not an evaluation report (no verdict); pin the report `ftgov evaluate --record` wrote"
        )
        return
    named = loaded.get("objective")
    if named != current.objective_id:
        other = named if isinstance(named, str) else _show(named)
        yield REPORT_OBJECTIVE.at(path, (*at, "report"), f"{report} is the report of {other}, not of {current.objective_id}")
    approved = text(current.data, "objective_sha256")
    judged = loaded.get("objective_sha256")
    if not isinstance(judged, str):
        yield REPORT_OBJECTIVE.at(
            path, (*at, "report"), f"{report} names no objective_sha256: nothing shows it judged {current.objective_id} as approved"
        )
    elif approved is not None and judged != approved:
        yield REPORT_OBJECTIVE.at(
            path, (*at, "report"), f"{report} judged objective_sha256 {judged}; the round approved {approved}"
        )
    yield from _verdict_bound(path, at, evaluation, loaded, report)
    yield from _measured_bound(path, at, evaluation, loaded, report)


def _verdict_bound(path: str, at: Pointer, evaluation: dict[str, Any], loaded: dict[str, Any], report: str) -> Iterator[Finding]:
    recorded, said = text(evaluation, "verdict"), loaded["verdict"]
    if recorded is not None and recorded != said:
        yield REPORT_VERDICT.at(path, (*at, "verdict"), f"verdict {recorded}, but the pinned report {report} says {said}")
        return
    criteria = loaded.get("criteria")
    if not isinstance(criteria, list):
        return
    blockers = [f"{c.get('origin')}/{c.get('id')} {c.get('status')}" for c in blocking_criteria(loaded)]
    if said == "pass" and blockers:
        yield REPORT_VERDICT.at(
            path, (*at, "verdict"), f"the pinned report {report} says pass, but its own criteria fail: {', '.join(blockers)}"
        )
    elif said == "fail" and not blockers and all(isinstance(c, dict) and c.get("status") == "pass" for c in criteria) and criteria:
        yield REPORT_VERDICT.at(path, (*at, "verdict"), f"the pinned report {report} says fail, but every one of its criteria passes")


def _measured_bound(path: str, at: Pointer, evaluation: dict[str, Any], loaded: dict[str, Any], report: str) -> Iterator[Finding]:
    recorded = evaluation.get("measured")
    if not isinstance(recorded, dict):
        return  # the schema requires it
    reported = loaded.get("measured")
    where = (*at, "measured")
    if not isinstance(reported, dict):
        yield REPORT_MEASURED.at(path, where, f"the pinned report {report} records no measured values", at_key=True)
        return
    for key, values in recorded.items():
        if key not in reported:
            yield REPORT_MEASURED.at(path, (*where, key), f"{key}: the pinned report {report} measured no such metric", at_key=True)
            continue
        yield from _differences(path, (*where, key), str(key), values, reported[key], report)
    unrecorded = [str(k) for k in reported if k not in recorded]
    if unrecorded:
        yield REPORT_MEASURED.at(
            path, where, f"the pinned report {report} measured {', '.join(unrecorded)}; the register does not record it", at_key=True
        )


def _differences(path: str, where: Pointer, label: str, ours: Any, theirs: Any, report: str) -> Iterator[Finding]:
    """One FTG916 per value that differs, at the value in the register (at its mapping's key when the register lacks it)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for name in [*ours, *(k for k in theirs if k not in ours)]:
            mine, other = ours.get(name, _ABSENT), theirs.get(name, _ABSENT)
            if mine is _ABSENT:
                yield REPORT_MEASURED.at(
                    path, where, f"{label}: {name} is not recorded here; the pinned report {report} says {_show(other)}", at_key=True
                )
            else:
                yield from _differences(path, (*where, name), f"{label} {name}", mine, other, report)
        return
    if not _equal(ours, theirs):
        said = "has no such value" if theirs is _ABSENT else f"says {_show(theirs)}"
        yield REPORT_MEASURED.at(path, where, f"{label} is {_show(ours)} here; the pinned report {report} {said}")


def _equal(a: Any, b: Any) -> bool:
    """Equal as values, and of the same kind: 1 and 1.0 are equal, true and 1 are not, nor 0.7 and '0.7'."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _show(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)



def _deviations(path: str, current: _Round) -> Iterator[Finding]:
    run = mapping(current.data, "run")
    if not run or current.objective is None:
        return
    plan = _flatten(mapping(current.objective.data, "configuration_plan"))
    configuration = mapping(run, "configuration")
    actual = _flatten(configuration)
    listed: dict[str, int] = {}
    for k, entry in enumerate(sequence(run, "deviations")):
        name = text(entry, "field")
        if name is None:
            continue
        where = (*current.pointer, "run", "deviations", k)
        if name in listed:
            yield DEVIATIONS.at(path, where, f"{name} is listed twice")
            continue
        listed[name] = k
        planned, recorded = plan.get(name), actual.get(name)
        if _same(planned, recorded):
            yield DEVIATIONS.at(path, where, f"{name} does not differ: plan and run both say {planned!r}")
        elif not _same(entry.get("planned"), planned) or not _same(entry.get("actual"), recorded):
            yield DEVIATIONS.at(
                path,
                where,
                f"{name}: plan {planned!r} and run.configuration {recorded!r}, not {entry.get('planned')!r} -> {entry.get('actual')!r}",
            )
    for deviation in differences(mapping(current.objective.data, "configuration_plan"), configuration):
        name = deviation.field
        if name not in listed:
            head, _, tail = name.partition(".")
            where = (*current.pointer, "run", "configuration", head, *((tail,) if tail and head == "lora" else ()))
            yield DEVIATIONS.at(
                path, where, f"{name} is {deviation.actual!r}, planned {deviation.planned!r}; list it in run.deviations"
            )
    if "unverified" in run:  # registers recorded before run.unverified existed have none
        expected = unverified(mapping(current.objective.data, "configuration_plan"), configuration)
        said = [str(name) for name in sequence(run, "unverified")]
        wrong = [name for name in said if name not in expected]
        unsaid = [name for name in expected if name not in said]
        if wrong or unsaid:
            detail = "; ".join(
                [f"run.configuration states {', '.join(wrong)}"] * bool(wrong) + [f"no file states {', '.join(unsaid)}"] * bool(unsaid)
            )
            where = (*current.pointer, "run", "unverified")
            yield DEVIATIONS.at(path, where, f"run.unverified is not the planned fields no file states: {detail}")



def _stack_findings(path: str, rounds: list[_Round], policy: Policy | None) -> Iterator[Finding]:
    """Parent-chain order, retirements, and each evaluated round against its cumulative stack."""
    first: dict[str, _Round] = {}
    for r in rounds:  # a round listed twice is FTG904's finding; the stack reads its first entry
        if r.objective_id is not None and r.objective is not None:
            first.setdefault(r.objective_id, r)
    rounds = list(first.values())
    records = [RoundRecord.of(r.objective.data, r.data) for r in rounds if r.objective is not None]
    default = policy.defaults.inherited_max_drop if policy is not None else 0.01
    roles = set(policy.teams) if policy is not None else None
    by_id = {r.objective_id: r for r in rounds}
    for current in rounds:
        if current.objective is None or current.objective_id is None:
            continue
        chain = ancestry(records, current.objective_id)
        stack = build_stack(chain, default)
        if len(chain) > 1:
            parent = by_id.get(chain[-2].objective_id)
            if parent is not None:
                yield from _cross_round_timeline(path, current, parent)
        for k, entry in enumerate(sequence(current.data, "retired_criteria")):
            where = (*current.pointer, "retired_criteria", k)
            named = text(entry, "criterion")
            if named is not None and any(u.criterion == named and u.retired_in == current.objective_id for u in stack.unknown_retirements):
                earlier = ", ".join(r.objective_id for r in chain[:-1]) or "none"
                yield RETIREMENT.at(
                    path, (*where, "criterion"), f"{named} is not a criterion of an earlier round in the chain (earlier: {earlier})"
                )
            yield from _approvers(path, where, entry, roles)
        evaluation = mapping(current.data, "evaluation")
        if not evaluation or chain[-1].objective_id != current.objective_id:
            continue
        measured = chain[-1].measured
        absent = [c for c in stack.criteria if c.metric.key not in measured]
        for criterion in absent:
            yield MEASUREMENT_MISSING.at(
                path,
                (*current.pointer, "evaluation", "measured"),
                f"no value for {criterion.metric.key} ({criterion.ref}{', inherited' if criterion.inherited else ''})",
                at_key=True,
            )
        if text(evaluation, "verdict") == "pass":
            failed = [j for j in judge(stack, measured) if j.status == "fail"]
            if failed:
                detail = "; ".join(f"{j.criterion.ref}: {j.reason}" for j in failed)
                yield VERDICT.at(path, (*current.pointer, "evaluation", "verdict"), f"verdict pass, but the stack fails: {detail}")


def _approvers(path: str, where: Pointer, entry: Any, roles: set[str] | None) -> Iterator[Finding]:
    """FTG920: a retirement names the policy roles that approved it (a lone string: an older register's one role)."""
    if not isinstance(entry, dict) or "approved_by" not in entry:
        return  # the schema requires it
    named = entry["approved_by"]
    listed = [(named, (*where, "approved_by"))] if isinstance(named, str) else []
    if isinstance(named, list):
        listed = [(role, (*where, "approved_by", i)) for i, role in enumerate(named) if isinstance(role, str)]
        if not named:
            yield RETIREMENT_APPROVERS.at(path, (*where, "approved_by"), "approved_by names no role; list the roles that approved it")
    known = f" ({', '.join(sorted(roles))})" if roles else ""
    for role, at in listed:
        if roles is not None and role not in roles:
            yield RETIREMENT_APPROVERS.at(path, at, f"{role!r} is not a policy role{known}; name the roles that approved the retirement")


def _unacknowledged(path: str, current: _Round, policy: Policy | None) -> Iterator[Finding]:
    """FTG914: each listed deviation beyond the tolerance carries acknowledged_by (a policy role) and a reason."""
    run = mapping(current.data, "run")
    if not run or current.objective is None:
        return
    expected = {d.field: d for d in differences(mapping(current.objective.data, "configuration_plan"), mapping(run, "configuration"))}
    allowed = tolerances(policy.defaults.deviation_tolerance if policy is not None else None)
    roles = set(policy.teams) if policy is not None else None
    for k, entry in enumerate(sequence(run, "deviations")):
        name = text(entry, "field")
        if name is None or name not in expected:
            continue  # FTG911's finding, not this one
        why = beyond(expected[name], allowed)
        if why is None:
            continue
        where = (*current.pointer, "run", "deviations", k)
        role = text(entry, "acknowledged_by")
        if role is None:
            yield UNACKNOWLEDGED.at(path, where, f"{why}; add acknowledged_by: <role> and a reason in a reviewed PR")
        elif roles is not None and role not in roles:
            yield UNACKNOWLEDGED.at(path, (*where, "acknowledged_by"), f"{role} is not a policy role ({', '.join(sorted(roles))})")
        elif text(entry, "reason") is None:
            yield UNACKNOWLEDGED.at(path, where, f"{why}; acknowledged by {role} without a reason", at_key=True)

def _unreviewed(path: str, current: _Round) -> Iterator[Finding]:
    """FTG925: a round approved unreviewed (local sandbox); FTG926: such a round recorded as deployed."""
    approval = mapping(current.data, "approval")
    if approval.get("unreviewed") is not True:
        return
    yield UNREVIEWED.at(
        path,
        (*current.pointer, "approval", "unreviewed"),
        f"round {current.objective_id} was approved unreviewed, through a local clone (gate.allow_unreviewed_local): "
        "a local sandbox round, for practice only; it is never deployed",
    )
    deploy = text(mapping(current.data, "decision"), "action") == "deploy"
    if current.status in ("deployed", *WITHDRAWN):
        where: Pointer = (*current.pointer, "status")
    elif deploy:
        where = (*current.pointer, "decision", "action")
    else:
        return
    yield UNREVIEWED_DEPLOYED.at(
        path,
        where,
        f"round {current.objective_id} is {current.status}, but its approval is unreviewed (a local clone); it was never deployable",
    )
