"""`ftgov data check --record`: the measurements appended to the round as its `data`.

The evidence goes in before approval (the PR's reviewers read it) or with the run, never
after: a round already trained, evaluated or decided has had its data judged by what it
produced, and a measurement added then could only excuse it. A round records its data once;
the register is append-only (`check --base`, FTG953), so a second measurement of the same round
is refused rather than silently replacing the first.

Contamination above the policy's threshold is recorded all the same (it is the evidence the
rules block on); only findings of other rules that the change would add refuse the write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ftgov.data.check import Evidence
from ftgov.documents.repository import Repository
from ftgov.documents.rules import data as data_rules
from ftgov.register import ops
from ftgov.register.yaml_append import Flow, Time, add_keys

RECORDABLE = ("proposed", "approved", "training", "trained")


@dataclass(frozen=True)
class Recorded:
    path: str
    before: str
    file_text: str


def record(repo: Repository, evidence: Evidence) -> Recorded:
    """The register with the round's `data` added, checked for any new finding but the data rules', not yet written."""
    register = ops.load_register(repo, evidence.model)
    index, entry = register.round_of(evidence.objective_id)
    status = entry.get("status")
    if status not in RECORDABLE:
        raise ops.PolicyRefusal(
            f"{evidence.objective_id} is {status}: data evidence is recorded before approval or with the run "
            f"(status {', '.join(RECORDABLE)}), not after; measure the next round's data instead"
        )
    if "data" in entry:
        measured = entry["data"].get("measured_at") if isinstance(entry["data"], dict) else None
        raise ops.PolicyRefusal(
            f"{register.path}: {evidence.objective_id} already records data measured at {measured}; a round's data is "
            "recorded once (the register is append-only, FTG953). If that record was never merged, delete its `data:` "
            "section by hand and run again"
        )
    recorded = evidence.recorded()
    new_text = add_keys(register.text, ops.round_pointer(index), {"data": _as_written(recorded)})
    ops.expect_change(register, new_text, index, {**entry, "data": recorded})
    fresh = ops.new_findings(register, new_text, ops.load_policy(repo), ignore=data_rules.RECORDED_CODES)
    if fresh:
        raise ops.PolicyRefusal(
            "\n".join(
                ["recording the data would leave the register failing `ftgov check`; nothing was written:", *ops.finding_lines(fresh)]
            )
        )
    return Recorded(register.path, register.text, new_text)


def _as_written(recorded: dict[str, Any]) -> dict[str, Any]:
    """Small records on one line each, as the register writes them; the time unquoted."""
    written: dict[str, Any] = {
        **recorded,
        "measured_at": Time(recorded["measured_at"]),
        "fields": Flow(recorded["fields"]),
        "sources": [Flow(s) for s in recorded["sources"]],
    }
    if "overlap" in recorded:
        overlap = recorded["overlap"]
        written["overlap"] = {
            key: (Flow(value) if key != "train_eval" else {name: Flow(entry) for name, entry in value.items()})
            for key, value in overlap.items()
        }
    for key in ("agreement", "dates"):
        if key in recorded:
            written[key] = [Flow(_timed(item)) for item in recorded[key]]
    return written


def _timed(item: dict[str, Any]) -> dict[str, Any]:
    return {k: Time(v) if k in ("earliest", "latest") else v for k, v in item.items()}
