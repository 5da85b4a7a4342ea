"""`ftgov report pr` and the data evidence: recorded facts shown beside the round's stack, loosened data thresholds called out.

On the ledger register fixture committed as the base (test_check_base's `ledger`); each test
makes the change a pull request would make, as text, and runs the command as a user does.
"""

from __future__ import annotations

from pathlib import Path

from . import test_check_base
from .test_check_base import REGISTER, commit
from .test_report_pr import markdown, report

ledger = test_check_base.ledger
SHA = "b" * 64
DATA = f"""    data:
      measured_at: 2026-12-01T10:00:00Z
      engine: local
      fields: {{text: text}}
      sources:
        - {{name: ledger-r3-train, role: train, path: data/train.jsonl, sha256: {SHA}, records: 5000, declared: 5000}}
        - {{name: ledger-r3-holdout, role: validation, path: data/holdout.jsonl, sha256: {SHA}, records: 500, declared: 500}}
      overlap:
        method: {{name: minhash-lsh, ngram: 3, threshold: 0.7, num_perm: 128, seed: 1}}
        train_validation: {{source: ledger-r3-holdout, records: 500, exact: 1, near: 2, contaminated: 3, shared_ids: 0}}
"""


def test_recorded_data_evidence_touches_the_round_and_is_shown_under_its_stack(ledger: Path) -> None:
    register = ledger / REGISTER
    register.write_text(register.read_text() + DATA)
    commit(ledger, "data evidence for ledger-r3")
    data = report(ledger)
    (stack,) = data["stacks"]
    assert stack["objective"] == "ledger-r3"
    (r3,) = [r for r in stack["stack"]["rounds"] if r["objective"] == "ledger-r3"]
    assert r3["data"]["overlap"] == [
        {"against": "validation", "source": "ledger-r3-holdout", "records": 500, "exact": 1, "near": 2, "contaminated": 3, "shared_ids": 0}
    ]
    page = markdown(ledger)
    assert "Data evidence, measured 2026-12-01T10:00:00Z" in page
    assert "validation set ledger-r3-holdout: 3 of 500 (0.60%) records copied in training (1 exact, 2 near), 0 of 500 (0.0%)" in page


def test_a_policy_that_allows_more_contamination_is_called_out(ledger: Path) -> None:
    policy = ledger / "policies" / "policy.yaml"
    policy.write_text(
        policy.read_text()
        + "data:\n  max_train_validation_overlap: 0.05\n  min_label_agreement: 0.5\n  near_duplicate: {ngram: 3, threshold: 0.9}\n"
    )
    commit(ledger, "relax the data thresholds")
    details = {(c["kind"], c["criterion"]): c["detail"] for c in report(ledger)["callouts"]}
    assert details[("loosened", "data.max_train_validation_overlap")] == "0.01 -> 0.05"
    assert details[("loosened", "data.min_label_agreement")] == "0.667 -> 0.5"
    assert details[("loosened", "data.near_duplicate.threshold")] == "0.7 -> 0.9"
    assert ("loosened", "data.max_train_eval_overlap") not in details  # unchanged: the default on both sides


def test_a_policy_that_tightens_is_not_loosened(ledger: Path) -> None:
    policy = ledger / "policies" / "policy.yaml"
    policy.write_text(policy.read_text() + "data:\n  max_train_eval_overlap: 0.0\n  required: true\n")
    commit(ledger, "tighten the data thresholds")
    details = {(c["kind"], c["criterion"]): c["detail"] for c in report(ledger)["callouts"]}
    assert details == {("tightened", "data.max_train_eval_overlap"): "0.01 -> 0"}
