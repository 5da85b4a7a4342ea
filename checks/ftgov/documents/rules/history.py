"""FTG95x: what changed since a git REF (`ftgov check --base REF`) may not rewrite the history.

The register and the objectives it pins are append-only (AG-341 4.5, test 8.6): an approved
objective is never edited, a recorded field of a round never changes, statuses only move
forward along the status machine, and nothing is removed within the policy's retention.
These rules compare two parsed versions of a document; reading them from git is
`ftgov.history`'s job, so the rules stay free of I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ftgov.documents.access import mapping, sequence, text, zoned_time
from ftgov.documents.findings import Finding, Pointer, Rule, Severity, dotted
from ftgov.documents.lifecycle import ENDED, FORWARD, WITHDRAWN

E = Severity.ERROR
_DRIFT = "docs/why.md#drift-across-rounds"
_UNDOCUMENTED = "docs/why.md#undocumented-fine-tunes"

APPROVED_EDITED = Rule(
    "FTG951",
    "approved-objective-edited",
    E,
    f"""
An objective whose round is approved or later in the register was edited.

Why this matters: reviewers approved exactly these bytes, the gate let training start on
them and the register pinned their sha256 (test 8.6). An edit afterwards describes a
fine-tune nobody reviewed, and later rounds would inherit criteria that were never the
ones trained against ({_UNDOCUMENTED}).

Example: support-agent-r2 is `deployed` in registers/support-agent.yaml and a PR changes
its `max_drop: 0.01` to `max_drop: 0.03`.

Fix: restore the file as approved (`git checkout <base> -- objectives/<model>/<id>.yaml`).
To amend an approved objective, write a new objective id with `supersedes: <id>` and take
it through review like any new round.
""",
    waivable=False,
)

HISTORY_REWRITTEN = Rule(
    "FTG952",
    "register-history-rewritten",
    E,
    f"""
A field the register had already recorded was changed or removed.

Why this matters: the register is append-only: new rounds, forward status moves and new
sections only. A changed merged_at, measured value, verdict or pinned sha256 rewrites what
an auditor relies on to show that a round was approved before it trained and evaluated
after (test 8.6), and what later rounds anchor their inherited criteria on ({_DRIFT}).

Example: the base commit's register records r1's `candidate: 0.81` for fin_struct and the
PR changes it to `candidate: 0.84`; or it drops r1's `run.evidence`.

Fix: restore the recorded field. A mistyped time, login or reason is corrected by an
appended correction (`ftgov correct ID --field run.finished_at --value T --reason TEXT`);
anything else recorded wrongly by a new record (a new round, a re-evaluation in a new
report, a withdrawal), never by an edit.
""",
    waivable=False,
)

STATUS_MOVE = Rule(
    "FTG953",
    "status-move-invalid",
    E,
    f"""
A round's status moved backwards, out of a final state, or past a step without recording it.

Why this matters: the status machine runs forward only: proposed -> approved -> training ->
trained -> evaluated -> deployed -> retired; rejected or abandoned from any state before
deployed; rolled-back from deployed. A status moved back (deployed -> evaluated) hides a
decision; a step passed over without its record (approved -> evaluated with no run) claims
an evaluation of a training nobody recorded ({_UNDOCUMENTED}).

Example: the base commit has `status: deployed`, the PR says `status: evaluated`; or the base
has `status: approved` and the PR `status: evaluated` with an evaluation but no `run`.

Fix: keep the status and record what happened next with `ftgov record-run`, `ftgov evaluate
--record` or `ftgov decide` (a withdrawn deployment is `decide --action rollback|retire`).
""",
    waivable=False,
)

REMOVED = Rule(
    "FTG954",
    "removed-within-retention",
    E,
    f"""
An objective, a register round or a register was removed within the policy's retention.

Why this matters: AG-341 4.5 requires the documents behind a model to outlive the people who
wrote them: a regulator asking in five years why the model behaves as it does reads them.
The policy's `retention.years_after_retirement` (default 7) counts from the decision that
ended a round (retired, rolled back, rejected, abandoned); a round still live, or ended
more recently, must stay ({_UNDOCUMENTED}).

Example: a PR deletes objectives/support-agent/support-agent-r1.yaml while r1 is deployed,
or removes r1's entry from registers/support-agent.yaml.

Fix: restore the file or entry from the base commit. To stop using a model, record it
(`ftgov decide ID --action retire`); the documents stay until the retention has passed.
""",
    waivable=False,
)

EVIDENCE_CHANGED = Rule(
    "FTG955",
    "pinned-evidence-changed",
    E,
    f"""
A file a register pins as run evidence was changed or removed, so its sha256 no longer matches.

Why this matters: run.evidence pins the files that show what was actually trained (AG-341
4.3), such as adapter_config.json or trainer_state.json kept beside the register. Changed
bytes under an old pin are a record nobody can verify; objective and report pins are
checked on every `ftgov check` (FTG905, FTG909) ({_UNDOCUMENTED}).

Example: registers/ledger/ledger-r1.adapter_config.json is pinned by ledger-r1's
run.evidence and a PR edits it.

Fix: restore the file from the base commit. New evidence is a new file, pinned when the run
is recorded.
""",
    waivable=False,
)

GATE_CHANGED = Rule(
    "FTG956",
    "gate-changed-with-documents",
    Severity.WARNING,
    f"""
The change touches the policy or the checks together with objectives or registers.

Why this matters: a pull request is judged by the policy and the checks it contains. One
that loosens a threshold in policies/ or a rule in checks/ while adding a round judges that
round by the rules it just weakened: a PR must not weaken its own gate ({_DRIFT}).

Example: a PR raises `standing_safety_suite[0].max_drop` in policies/policy.yaml and adds
objectives/support-agent/support-agent-r4.yaml.

Fix: split the change: merge the policy or checks change on its own, reviewed by its owners,
then the objectives and registers against it.
""",
)

SEALED = Rule(
    "FTG957",
    "decided-round-changed",
    E,
    f"""
A round that had a decision at the base commit was changed other than by a withdrawal or an appended correction.

Why this matters: a decision (deploy, reject, abandon) closes a round: reviewers, the gate
and every later round rely on what it recorded when it was decided. Elsewhere the register
may grow (a section added as the round moves on), but a decided round is sealed: a list
that grows (another approver), a mapping that gains a key (another measured metric) or a
new key (a late retirement) rewrites what was decided as surely as a changed value
({_DRIFT}). Only the status machine adds to it (`withdrawal` when a deployed round is
rolled back or retired), and `corrections` are appended to fix a mistyped value.

Example: ledger-r1 is deployed at the base and the PR adds `{{login: someone, role: risk}}`
to its approval.approvers, or changes its measured `candidate: 0.69` to `0.71`.

Fix: restore the round as the base commit has it. A mistyped time, login or reason:
`ftgov correct ID --field decision.at --value T --reason TEXT` appends a reviewed
correction; a withdrawal: `ftgov decide ID --action rollback|retire`; anything else is a
new round.
""",
    waivable=False,
)

LATE_RETIREMENT = Rule(
    "FTG958",
    "retirement-after-approval",
    E,
    f"""
A retired_criteria entry was added to a round that was already approved (or later) at the base commit.

Why this matters: a retirement removes an inherited criterion from the stack a round is
judged against. It belongs to the round's objective review: written while the round is
`proposed`, approved with it by the model's highest tier, before anything is trained or
measured. Added afterwards, it lets a round that failed its stack pass by dropping the
criterion it failed, reviewed by nobody who approved the round ({_DRIFT}).

Example: ledger-r2 is deployed at the base and the PR appends `{{criterion:
ledger-r1/reconcile, rationale: ..., approved_by: [risk]}}` to its retired_criteria; or
the drift candidate ledger-r3, evaluated with verdict fail, gains a retirement of the
criterion it failed.

Fix: remove the entry. Retire the criterion in the next round: `ftgov new MODEL`, write
the retirement in its proposed register entry, and take it through review.
""",
    waivable=False,
)

RULES = (APPROVED_EDITED, HISTORY_REWRITTEN, STATUS_MOVE, REMOVED, EVIDENCE_CHANGED, GATE_CHANGED, SEALED, LATE_RETIREMENT)

_DEPLOYED = FORWARD.index("deployed")
# What a round records at each step: passing a step without it is a skipped step.
_RECORDS: dict[str, tuple[str, ...]] = {
    "approved": ("objective_sha256",),
    "training": ("run", "started_at"),
    "trained": ("run", "finished_at"),
    "evaluated": ("evaluation",),
    "deployed": ("decision",),
}
MAX_CHANGES_PER_FILE = 10


@dataclass(frozen=True)
class Retention:
    years: int
    now: dt.datetime

    def removable(self, entry: dict[str, Any]) -> str | None:
        """None when a round may go; else why it must stay."""
        status = text(entry, "status")
        if status not in ENDED:
            return f"it is {status or 'without a status'}; only a round retired, rolled back, rejected or abandoned may ever be removed"
        ended = zoned_time(mapping(entry, "withdrawal").get("at")) or zoned_time(mapping(entry, "decision").get("at"))
        if ended is None:
            return f"it is {status} but records no decision time to count the retention from"
        until = _add_years(ended, self.years)
        if self.now < until:
            kept = f"the policy keeps it {self.years} years, until {until.date().isoformat()}"
            return f"it was {status} on {ended.date().isoformat()}; {kept}"
        return None


@dataclass(frozen=True)
class RegisterChange:
    """Findings of one register's comparison: in the new file, and at places of the old file."""

    in_new: tuple[Finding, ...]
    in_old: tuple[Finding, ...]


def objective_edited(path: str, old: dict[str, Any], new: dict[str, Any], status: str, register: str) -> Iterator[Finding]:
    """FTG951 at each changed key of an objective whose round is approved or later."""
    objective_id = text(old, "id") or path.rsplit("/", 1)[-1].removesuffix(".yaml")
    for count, (pointer, at_key, what) in enumerate(differences(old, new)):
        if count == MAX_CHANGES_PER_FILE:
            yield APPROVED_EDITED.at(path, (), f"more than {MAX_CHANGES_PER_FILE} changes to approved objective {objective_id}")
            return
        yield APPROVED_EDITED.at(
            path,
            pointer,
            f"{what}, but {objective_id} is {status} in {register}; an approved objective is never edited: "
            "write a new objective with `supersedes: " + objective_id + "`",
            at_key=at_key,
        )


def register_changed(path: str, old: dict[str, Any], new: dict[str, Any], retention: Retention) -> RegisterChange:
    """FTG952-954 for a register present in both versions."""
    in_new: list[Finding] = []
    in_old: list[Finding] = []
    for key, value in old.items():
        if key == "rounds":
            continue
        for pointer, what in _rewrites(value, new.get(key, _ABSENT), (key,), new):
            in_new.append(HISTORY_REWRITTEN.at(path, pointer, what, at_key=True))
    new_rounds = sequence(new, "rounds")
    where = {text(entry, "objective"): j for j, entry in enumerate(new_rounds) if isinstance(entry, dict)}
    last = -1
    for i, entry in enumerate(sequence(old, "rounds")):
        objective_id = text(entry, "objective")
        if not isinstance(entry, dict) or objective_id is None:
            continue
        j = where.get(objective_id)
        if j is None:
            why = retention.removable(entry)
            if why is not None:
                in_old.append(REMOVED.at(path, ("rounds", i), f"the round of {objective_id} was removed; {why} (the base commit's {path})"))
            continue
        current = new_rounds[j]
        at: Pointer = ("rounds", j)
        if j < last:
            in_new.append(HISTORY_REWRITTEN.at(path, (*at, "objective"), f"the round of {objective_id} moved before an earlier round"))
        last = max(last, j)
        if isinstance(entry.get("decision"), dict) and isinstance(current, dict):
            in_new.extend(_sealed(path, objective_id, entry, current, at))
        else:
            for pointer, what in _rewrites({k: v for k, v in entry.items() if k != "status"}, current, at, new):
                in_new.append(HISTORY_REWRITTEN.at(path, pointer, f"{objective_id}: {what}", at_key=True))
        in_new.extend(_late_retirements(path, objective_id, entry, current, at))
        problem = status_move(text(entry, "status"), text(current, "status"), current)
        if problem is not None:
            in_new.append(STATUS_MOVE.at(path, (*at, "status"), f"{objective_id}: {problem}"))
    return RegisterChange(tuple(in_new[: MAX_CHANGES_PER_FILE * 4]), tuple(in_old))


def _sealed(path: str, objective_id: str, old: dict[str, Any], new: dict[str, Any], at: Pointer) -> Iterator[Finding]:
    """FTG957: every change to a decided round but its status, a withdrawal the status machine adds, appended corrections
    and appended retirements (FTG958's)."""
    before = {k: v for k, v in old.items() if k != "status"}
    after = {k: v for k, v in new.items() if k != "status"}
    if "withdrawal" not in old and text(old, "status") == "deployed" and text(new, "status") in WITHDRAWN:
        after.pop("withdrawal", None)
    for key in ("corrections", "retired_criteria"):
        kept, grown = sequence(old, key), after.get(key)
        if isinstance(grown, list) and len(grown) > len(kept):
            if key in old:
                after[key] = grown[: len(kept)]
            else:
                del after[key]
    decision = mapping(old, "decision")
    decided = f"{text(decision, 'action') or 'a decision'} at {decision.get('at')}"
    for count, (pointer, at_key, what) in enumerate(differences(before, after, at)):
        if count == MAX_CHANGES_PER_FILE:
            yield SEALED.at(path, at, f"more than {MAX_CHANGES_PER_FILE} changes to decided round {objective_id}")
            return
        yield SEALED.at(
            path,
            pointer,
            f"{objective_id} was decided ({decided}) and is sealed, but {what}; only a withdrawal and appended corrections "
            "(`ftgov correct`) change a decided round",
            at_key=at_key,
        )


def _late_retirements(path: str, objective_id: str, old: dict[str, Any], new: Any, at: Pointer) -> Iterator[Finding]:
    """FTG958: retired_criteria entries appended to a round that was not proposed at the base."""
    status = text(old, "status")
    if status in (None, "proposed"):
        return
    kept, grown = sequence(old, "retired_criteria"), sequence(new, "retired_criteria")
    for k in range(len(kept), len(grown)):
        named = text(grown[k], "criterion") or "a criterion"
        yield LATE_RETIREMENT.at(
            path,
            (*at, "retired_criteria", k),
            f"{objective_id} retires {named}, but it was already {status} at the base; a criterion is retired only in a round "
            "still proposed, reviewed with its objective (`ftgov new` starts the next round)",
        )


def register_removed(path: str, old: dict[str, Any], retention: Retention) -> Iterator[Finding]:
    """FTG954 at line 1 of a removed register that still holds a round within retention."""
    kept = []
    for entry in sequence(old, "rounds"):
        if isinstance(entry, dict):
            why = retention.removable(entry)
            if why is not None:
                kept.append(f"{text(entry, 'objective')} ({why})")
    if kept:
        more = f" and {len(kept) - 1} more" if len(kept) > 1 else ""
        yield REMOVED.at_line(path, 1, 1, f"register {path} was removed while it must keep {kept[0]}{more}")


def objective_removed(path: str, entry: dict[str, Any] | None, register: str, retention: Retention) -> Iterator[Finding]:
    """FTG954 at line 1 of a removed objective whose round is within retention (or unknown to the register)."""
    if entry is None:
        yield REMOVED.at_line(path, 1, 1, f"objective {path} was removed but {register} records no round for it ended beyond the retention")
        return
    why = retention.removable(entry)
    if why is not None:
        yield REMOVED.at_line(path, 1, 1, f"objective {path} was removed; {why}")


def status_move(old: str | None, new: str | None, entry: dict[str, Any]) -> str | None:
    """Why the move old -> new breaks the status machine, or None."""
    if old == new or old is None or new is None:
        return None
    if old in ENDED:
        return f"status moved from {old} to {new}; {old} is final"
    if old not in FORWARD or new not in (*FORWARD, *ENDED):
        return None  # an unknown status is the schema's finding
    start = FORWARD.index(old)
    if new in ("rejected", "abandoned"):
        return None if start < _DEPLOYED else f"status moved from {old} to {new}; after deployment a round is rolled back or retired"
    if new == "rolled-back":
        return None if old == "deployed" else f"status moved from {old} to rolled-back; only a deployed round is rolled back"
    end = FORWARD.index(new)
    if end < start:
        return f"status moved back from {old} to {new}; the status machine runs forward only"
    skipped = [step for step in FORWARD[start + 1 : end] if not _recorded(entry, _RECORDS.get(step, ()))]
    if skipped:
        return f"status moved from {old} to {new} past {', '.join(skipped)} without recording it ({_what(skipped[0])})"
    return None


def _recorded(entry: dict[str, Any], keys: tuple[str, ...]) -> bool:
    value: Any = entry
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return False
        value = value[key]
    return True


def _what(step: str) -> str:
    return "no " + ".".join(_RECORDS[step])


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT: Any = _Absent()


def _rewrites(old: Any, new: Any, at: Pointer, root: dict[str, Any]) -> Iterator[tuple[Pointer, str]]:
    """Where `new` does not keep what `old` recorded: mappings may gain keys and lists items at the end."""
    if new is _ABSENT:
        yield _present(root, at[:-1]), f"{dotted(at)} was removed"
    elif isinstance(old, dict) and isinstance(new, dict):
        for key, value in old.items():
            yield from _rewrites(value, new.get(key, _ABSENT), (*at, key), root)
    elif isinstance(old, list) and isinstance(new, list):
        for i, value in enumerate(old):
            yield from _rewrites(value, new[i] if i < len(new) else _ABSENT, (*at, i), root)
    elif not _same(old, new):
        yield at, f"{dotted(at)} was {_show(old)}, now {_show(new)}"


def differences(old: Any, new: Any, at: Pointer = ()) -> Iterator[tuple[Pointer, bool, str]]:
    """Every place where two versions differ, as (pointer into `new`, at the key?, description)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key, value in new.items():
            if key not in old:
                yield (*at, key), True, f"{dotted((*at, key))} was added"
            else:
                yield from differences(old[key], value, (*at, key))
        for key in old:
            if key not in new:
                yield at, bool(at), f"{dotted((*at, key))} was removed"
    elif isinstance(old, list) and isinstance(new, list):
        for i, value in enumerate(new):
            if i >= len(old):
                yield (*at, i), False, f"{dotted((*at, i))} was added"
            else:
                yield from differences(old[i], value, (*at, i))
        if len(old) > len(new):
            yield at, True, f"{dotted((*at, len(new)))} was removed"
    elif not _same(old, new):
        yield at, False, f"{dotted(at)} was {_show(old)}, now {_show(new)}"


def _present(root: Any, pointer: Pointer) -> Pointer:
    """The longest prefix of pointer that exists in root: where to point at something removed."""
    node, kept = root, []
    for part in pointer:
        inside = part in node if isinstance(node, dict) else isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not inside:
            break
        node = node[part]
        kept.append(part)
    return tuple(kept)


def _same(a: Any, b: Any) -> bool:
    """Equal values of the same kind: 1 is not true, '1' is not 1; 1 and 1.0 are the same number."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and bool(a == b)


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _add_years(moment: dt.datetime, years: int) -> dt.datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a year without one
        return moment.replace(year=moment.year + years, day=28)
