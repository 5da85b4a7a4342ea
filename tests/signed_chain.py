"""A chain of signed statements for ledger-r3 (approval → run → evaluation → decision), built as ftgov builds it.

The deploy gate's attacks replace one link of `valid_links()`; the evaluate and decide
tests sign a run statement as record-run signs it, and evaluate a round 3 that
`trained_ledger` leaves trained into CHECKPOINT, as record-run would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftgov.attest import approval, chain
from ftgov.attest.statement import Statement, Subject, sha256

from .repository import FIXTURES, build_ledger_repo
from .signing import OrgKey, gate_answer

OBJECTIVE_ID = "ledger-r3"
OBJECTIVE_PATH = "objectives/ledger/ledger-r3.yaml"
OBJECTIVE_TEXT = (FIXTURES / "register" / "objectives" / "ledger" / "ledger-r3.yaml").read_bytes()
CHECKPOINT = "s3://models/ledger/r3@sha256:" + "9" * 64


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# -- the chain, built one statement at a time -------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """The four statements' contents; a test replaces the one it attacks."""

    approval: Statement
    run: Statement
    evaluation: Statement
    decision: Statement


def approval_statement(**answer: Any) -> Statement:
    return approval.statement(gate_answer(OBJECTIVE_ID, OBJECTIVE_PATH, **answer), OBJECTIVE_PATH, {OBJECTIVE_PATH: OBJECTIVE_TEXT})


def run_statement(approval_digest: str, *, checkpoint: str = CHECKPOINT, objective: bytes = OBJECTIVE_TEXT) -> Statement:
    run = {"started_at": "2026-03-03T08:00:00Z", "finished_at": "2026-03-03T12:00:00Z", "checkpoint": checkpoint}
    config = Subject("registers/ledger/ledger-r3/adapter_config.json", "c" * 64)
    return chain.run_statement(OBJECTIVE_ID, Subject(OBJECTIVE_PATH, sha256(objective)), run, (config,), approval_digest)


def evaluation_statement(run_digest: str, *, verdict: str = "pass", objective_id: str = OBJECTIVE_ID) -> Statement:
    return chain.evaluation_statement(
        objective_id, Subject(OBJECTIVE_PATH, sha256(OBJECTIVE_TEXT)), verdict, [("sc-accuracy", "pass" if verdict == "pass" else "fail")],
        (Subject("out/r3/results.json", "d" * 64),), run_digest, reports=(Subject("registers/ledger/ledger-r3.evaluation.json", "e" * 64),),
    )  # fmt: skip


def decision_statement(evaluation_digest: str | None, *, action: str = "deploy", issued: dt.datetime | None = None) -> Statement:
    moment = issued or now()
    record = {"action": action, "by": "raj-risk", "at": iso(moment), "reason": "every criterion met"}
    return chain.decision_statement(
        OBJECTIVE_ID, Subject(OBJECTIVE_PATH, sha256(OBJECTIVE_TEXT)), record, evaluation_digest, issued_at=iso(moment)
    )


def valid_links() -> Links:
    approved = approval_statement()
    run = run_statement(approved.digest())
    evaluation = evaluation_statement(run.digest())
    return Links(approved, run, evaluation, decision_statement(evaluation.digest()))


def sign(links: Links, directory: Path, key: OrgKey, **keys: OrgKey) -> list[Path]:
    """Each statement signed into `directory` (by `key`, or by the key `keys` names for that link): the four files."""
    directory.mkdir(parents=True, exist_ok=True)
    return [
        keys.get(name, key).sign(getattr(links, name), directory / f"{name}.dsse.json")
        for name in ("approval", "run", "evaluation", "decision")
    ]


RESULTS = FIXTURES / "evaluate" / "results"
REGISTER = "registers/ledger.yaml"
R3_APPROVED = """    objective_sha256: c1f598b08b7ba056ba1e3ec6c3ad3d98bf919e863c59bda8048794d357ea6f41
    status: approved
"""
R3_TRAINED = f"""    objective_sha256: c1f598b08b7ba056ba1e3ec6c3ad3d98bf919e863c59bda8048794d357ea6f41
    status: trained
    approval:
      pull_request: 9
      merged_at: 2026-03-02T10:00:00Z
      commit: c3d4e5f60718293a4b5c6d7e8f9012345678a1b2
    run:
      started_at: 2026-03-03T08:00:00Z
      finished_at: 2026-03-03T12:00:00Z
      checkpoint: {CHECKPOINT}
      configuration:
        method: lora
        learning_rate: 1.0e-4
        epochs: 2
        batch_size: 32
        lora: {{rank: 8, alpha: 16, dropout: 0.05}}
        regularisation: [weight_decay=0.01]
      deviations: []
"""


def trained_ledger(root: Path) -> Path:
    """The ledger fixture with round 3 trained into CHECKPOINT, as record-run leaves it."""
    repo = build_ledger_repo(root)
    register = repo / REGISTER
    text = register.read_text()
    assert R3_APPROVED in text
    register.write_text(text.replace(R3_APPROVED, R3_TRAINED))
    return repo


def evaluate_args(repo: Path) -> list[str]:
    """`ftgov evaluate` of round 3 on results that meet its whole stack."""
    results = ["--candidate", str(RESULTS / "r3-good"), "--baseline", str(RESULTS / "base"), "--parent", str(RESULTS / "r2")]
    return ["evaluate", OBJECTIVE_ID, *results, "--repo-root", str(repo)]
