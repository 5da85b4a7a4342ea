"""The gate and a round's recorded data evidence: contamination above the policy denies, naming the round; a waiver allows.

Scenarios as in test_gate_register: real commits, PRs and reviews in the loopback GitHub,
decided through github3.py. The register's r4 round records `data` as `ftgov data check
--record` writes it; what the gate reads is the register at the pinned commit.
"""

# ruff: noqa: F811 - the fake and url fixtures come from test_gate and are parameters here by design
from __future__ import annotations

from pathlib import Path

import pytest

from ..fakegithub import FakeGitHub
from .test_gate import fake, run, url  # noqa: F401 - pytest fixtures
from .test_gate_provenance import EVERY_ROLE, POLICY, POLICY_TEXT, change
from .test_gate_register import REGISTER, land, register_text

SHA = "a" * 64


def with_data(contaminated: int, *, threshold: float = 0.7) -> bytes:
    """The register with r4 approved and its data: 400 validation records of which `contaminated` have a copy in training."""
    data = (
        "    data:\n"
        "      measured_at: 2026-12-01T10:00:00Z\n"
        "      engine: local\n"
        "      fields: {text: text}\n"
        "      sources:\n"
        f"        - {{name: fees-2027-qa, role: train, path: data/train.jsonl, sha256: {SHA}, records: 4000, declared: 4000}}\n"
        f"        - {{name: fees-2027-holdout, role: validation, path: data/holdout.jsonl, sha256: {SHA}, records: 400, declared: 400}}\n"
        "      overlap:\n"
        f"        method: {{name: minhash-lsh, ngram: 3, threshold: {threshold}, num_perm: 128, seed: 1}}\n"
        f"        train_validation: {{source: fees-2027-holdout, records: 400, exact: {contaminated}, near: 0, "
        f"contaminated: {contaminated}}}\n"
    )
    return register_text("approved") + data.encode()


def test_a_round_whose_validation_set_is_in_its_training_set_does_not_train(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    land(fake, with_data(contaminated=20))
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny" and attestation.exit_code == 1
    assert attestation.reasons == (
        f"{REGISTER}:27:103: FTG504 round support-agent-r4: 20 of 400 validation records (5.0%) of fees-2027-holdout have a copy "
        "or near-copy in the training data; the policy allows 1.0% (data.max_train_validation_overlap)",
    )


def test_a_measurement_made_looser_than_the_policy_does_not_train(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    """What a writer could edit: the recorded near-duplicate threshold raised so fewer near copies would have been found."""
    land(fake, with_data(contaminated=0, threshold=0.99))
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny"
    assert any("FTG504" in reason and "0.99" in reason for reason in attestation.reasons)


def test_contamination_within_the_policy_trains(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    land(fake, with_data(contaminated=4))  # 1.0%: the policy's default maximum, not above it
    attestation = run(url, tmp_path)
    assert attestation.decision == "allow", attestation.reasons


@pytest.mark.parametrize(
    ("expires", "decision"),
    [("2099-12-31", "allow"), ("2020-01-31", "deny")],
    ids=["a-reviewed-waiver-lets-the-round-train", "an-expired-waiver-excuses-nothing"],
)
def test_a_waiver_in_the_policy(fake: FakeGitHub, url: str, tmp_path: Path, expires: str, decision: str) -> None:
    waiver = (
        b"waivers:\n  - {rule: FTG504, path: registers/support-agent.yaml, reason: holdout shares templated greetings with training,"
        b" approved_by: risk-lead, expires: " + expires.encode() + b"}\n"
    )
    change(fake, {POLICY: POLICY_TEXT.replace(b"waivers: []\n", waiver)}, "waive-ftg504", *EVERY_ROLE)
    land(fake, with_data(contaminated=20))
    attestation = run(url, tmp_path)
    assert attestation.decision == decision, attestation.reasons
    if decision == "deny":
        assert any("FTG504" in reason for reason in attestation.reasons)
