"""`ftgov decide`: record a decision on a round and move its status along the status machine.

deploy:   evaluated with evaluation.verdict pass -> deployed (records `decision`); never a round
          approved unreviewed through a local clone (`approval.unreviewed`, the local sandbox)
reject:   any status before deployed -> rejected (records `decision`)
abandon:  any status before deployed -> abandoned (records `decision`)
rollback: deployed -> rolled-back (records `withdrawal`)
retire:   deployed -> retired (records `withdrawal`)

A deployed round already holds the decision that deployed it; the register is append-only,
so taking the model out of service is a second record, `withdrawal`, beside it instead of
an edit of the first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ftgov.documents.access import mapping, text
from ftgov.documents.errors import InputError
from ftgov.documents.findings import Severity
from ftgov.documents.lifecycle import DECIDED
from ftgov.documents.repository import Repository
from ftgov.register import ops
from ftgov.register.yaml_append import Time, add_keys, replace_scalar

ACTIONS = ("deploy", "reject", "abandon", "rollback", "retire")
TARGET = {action: status for status, action in DECIDED.items()}  # the status each decision moves a round to
WITHDRAWALS = ("rollback", "retire")


@dataclass(frozen=True)
class DecisionEdit:
    path: str
    file_text: str
    summary: str
    record: dict[str, str]  # the decision or withdrawal as appended ({action, by, at, reason}): what a decision statement signs


def decide(
    repo: Repository, objective_id: str, action: str, reason: str, by: str | None, at: dt.datetime | None
) -> tuple[ops.LoadedRegister, DecisionEdit]:
    if action not in ACTIONS:
        raise InputError(f"--action {action!r}: one of {', '.join(ACTIONS)}")
    reason = " ".join(reason.split())
    if not reason:
        raise InputError("--reason is empty; say why, in a sentence")
    if by is None:
        raise InputError("--by LOGIN is required (the GitHub login of who decided); GITHUB_ACTOR sets it in GitHub Actions")
    if not ops.LOGIN.fullmatch(by):
        raise InputError(f"--by {by!r} is not a GitHub login")
    model = ops.model_of(repo, objective_id)
    register = ops.load_register(repo, model)
    policy = ops.load_policy(repo)
    index, entry = register.round_of(objective_id)
    status = str(entry.get("status"))
    target = TARGET[action]
    _check_move(objective_id, status, action, entry)
    if action == "deploy":
        _refuse_failing_check(repo, register, objective_id)
    moment = at or ops.now()
    ops.refuse_before(entry, moment, "--at", objective_id)
    record = {"action": action, "by": by, "at": Time(ops.iso(moment)), "reason": reason}
    key = "withdrawal" if action in WITHDRAWALS else "decision"
    new_text = add_keys(register.text, ops.round_pointer(index), {key: record})
    new_text = replace_scalar(new_text, ops.round_pointer(index, "status"), target)
    expected = {**entry, key: {**record, "at": str(record["at"])}, "status": target}
    ops.expect_change(register, new_text, index, expected)
    fresh = ops.new_findings(register, new_text, policy)
    if fresh:
        raise ops.PolicyRefusal(
            "\n".join(["the decision would leave the register failing `ftgov check`; nothing was written:", *ops.finding_lines(fresh)])
        )
    summary = f"{objective_id}: {status} -> {target} ({action} by {by} at {ops.iso(moment)})"
    return register, DecisionEdit(register.path, new_text, summary, {**record, "at": str(record["at"])})


def _refuse_failing_check(repo: Repository, register: ops.LoadedRegister, objective_id: str) -> None:
    """Deploy nothing `ftgov check` fails: every error it reports for the register, not only those the decision would add.

    The register is the evidence the deployment rests on (the verdict bound to its report,
    the stack, the timeline); a round deployed from a register that already fails the check
    would be deployed on evidence nobody can vouch for. Waived findings are not errors.
    """
    from ftgov.documents.validate import validate

    result = validate(repo, [register.file], jobs=1)
    errors = [f for f in result.findings if f.severity is Severity.ERROR and f.path == register.path]
    if errors:
        raise ops.PolicyRefusal(
            "\n".join(
                [
                    f"{objective_id} cannot be deployed: `ftgov check` reports {len(errors)} error(s) in {register.path}; "
                    "nothing was written. Fix them first (a wrong verdict or value is restored from the pinned report):",
                    *ops.finding_lines(errors),
                ]
            )
        )


def _check_move(objective_id: str, status: str, action: str, entry: dict[str, object]) -> None:
    target = TARGET[action]
    if action == "deploy":
        verdict = text(mapping(entry, "evaluation"), "verdict")
        if mapping(entry, "approval").get("unreviewed") is True:
            raise ops.PolicyRefusal(
                f"{objective_id} cannot move from {status} to {target}: it was approved unreviewed, through a local clone "
                "(gate.allow_unreviewed_local), a sandbox round for practice that is never deployed (FTG926); "
                "reject or abandon it, and deploy a round approved through a reviewed PR"
            )
        if status != "evaluated":
            raise ops.PolicyRefusal(f"{objective_id} cannot move from {status} to {target}: deploy needs an evaluated round")
        if verdict != "pass":
            raise ops.PolicyRefusal(
                f"{objective_id} cannot move from {status} to {target}: its evaluation verdict is {verdict}, deploy needs pass"
            )
    elif action in ("reject", "abandon"):
        if status not in ops.BEFORE_DEPLOYMENT:
            raise ops.PolicyRefusal(
                f"{objective_id} cannot move from {status} to {target}: {action} is for a round before deployment "
                f"({', '.join(ops.BEFORE_DEPLOYMENT)})"
            )
    elif status != "deployed":
        raise ops.PolicyRefusal(f"{objective_id} cannot move from {status} to {target}: {action} is for a deployed round")
