"""`ftgov decide --statement-out`: the decision statement, the chain's last link, after the evaluation statement.

On the `ledger` fixture repository with round 3 trained and then evaluated by the real
`evaluate --record --statement-out`; keys are made in the test. A refusal leaves the register
and the statement file unwritten.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ftgov.attest import chain
from ftgov.attest.statement import DECISION, Statement, Subject, sha256
from ftgov.attest.verify import trusted_signers, verify_file

from ..conftest import run_ftgov
from ..signed_chain import OBJECTIVE_ID, OBJECTIVE_PATH, evaluate_args, run_statement, trained_ledger
from ..signing import OrgKey, org_key

REGISTER = "registers/ledger.yaml"
REPORT = "registers/ledger/ledger-r3.evaluation.json"


@pytest.fixture
def key(tmp_path: Path) -> OrgKey:
    return org_key(tmp_path / "keys")


@pytest.fixture
def evaluated(tmp_path: Path, key: OrgKey) -> tuple[Path, Path]:
    """Round 3 evaluated with a pass, and the evaluation statement `evaluate --record --statement-out` signed."""
    repo = trained_ledger(tmp_path / "repo")
    run = key.sign(run_statement("a" * 64), tmp_path / "run.dsse.json")
    statement = tmp_path / "r3.evaluation.dsse.json"
    done = run_ftgov(
        *evaluate_args(repo), "--record", "--statement-out", str(statement), "--previous-statement", str(run),
        "--trusted-key", str(key.public), "--signing-key", str(key.private),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return repo, statement


def decide(repo: Path, key: OrgKey, action: str, *extra: str) -> tuple[int, str, str]:
    done = run_ftgov(
        "decide", OBJECTIVE_ID, "--action", action, "--reason", f"{action}: as the evidence says", "--by", "raj-risk",
        "--repo-root", str(repo), "--trusted-key", str(key.public), *extra,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def signing(key: OrgKey, out: Path, previous: Path | None = None) -> list[str]:
    args = ["--statement-out", str(out), "--signing-key", str(key.private)]
    return [*args, "--previous-statement", str(previous)] if previous is not None else args


def test_a_deploy_decision_is_signed_as_recorded_pointing_at_the_evaluation(
    evaluated: tuple[Path, Path], key: OrgKey, tmp_path: Path
) -> None:
    repo, evaluation = evaluated
    out = tmp_path / "r3.decision.dsse.json"
    code, stdout, err = decide(repo, key, "deploy", *signing(key, out, evaluation))
    assert code == 0, err
    signers = trusted_signers((key.public,))
    evaluation_digest = verify_file(evaluation, signers).digest
    assert f"decision statement: {out} (sha256 " in stdout and f"previous: evaluation statement {evaluation_digest}" in stdout

    statement = verify_file(out, signers).statement
    assert statement.predicate_type == DECISION
    assert chain.previous_digest(statement) == evaluation_digest
    assert chain.action_of(statement) == "deploy" and chain.objective_of(statement) == OBJECTIVE_ID
    assert statement.subjects == (Subject(OBJECTIVE_PATH, sha256((repo / OBJECTIVE_PATH).read_bytes())),)
    recorded = yaml.safe_load((repo / REGISTER).read_text())["rounds"][2]
    assert recorded["status"] == "deployed"
    signed = statement.predicate["decision"]
    assert {k: signed[k] for k in ("action", "by", "reason")} == {k: recorded["decision"][k] for k in ("action", "by", "reason")}
    assert signed["at"] == recorded["decision"]["at"].isoformat().replace("+00:00", "Z")  # the moment the register holds
    assert statement.predicate["issued_at"] >= signed["at"]


def test_a_reject_needs_no_evaluation_statement(evaluated: tuple[Path, Path], key: OrgKey, tmp_path: Path) -> None:
    repo, _ = evaluated
    out = tmp_path / "r3.decision.dsse.json"
    code, _, err = decide(repo, key, "reject", *signing(key, out))
    assert code == 0, err
    statement = verify_file(out, trusted_signers((key.public,))).statement
    assert chain.action_of(statement) == "reject" and chain.previous_digest(statement) is None


def test_a_rollback_may_point_at_the_evaluation_and_is_signed_as_a_withdrawal(
    evaluated: tuple[Path, Path], key: OrgKey, tmp_path: Path
) -> None:
    repo, evaluation = evaluated
    assert decide(repo, key, "deploy")[0] == 0  # no statement asked for: the command as before
    out = tmp_path / "r3.rollback.dsse.json"
    code, _, err = decide(repo, key, "rollback", *signing(key, out, evaluation))
    assert code == 0, err
    statement = verify_file(out, trusted_signers((key.public,))).statement
    assert chain.action_of(statement) == "rollback"
    assert statement.predicate["decision"]["reason"] == yaml.safe_load((repo / REGISTER).read_text())["rounds"][2]["withdrawal"]["reason"]


def _forged_evaluation(repo: Path, key: OrgKey, out: Path, *, verdict: str = "pass", report_sha256: str | None = None) -> Path:
    """A Test Result signed by the trusted key, for round 3, otherwise as the test says."""
    objective = Subject(OBJECTIVE_PATH, sha256((repo / OBJECTIVE_PATH).read_bytes()))
    report = Subject(REPORT, report_sha256 or sha256((repo / REPORT).read_bytes()))
    statement = chain.evaluation_statement(OBJECTIVE_ID, objective, verdict, [("short", "fail")], (), "b" * 64, reports=(report,))
    return key.sign(statement, out)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        ("none", "--statement-out with --action deploy needs --previous-statement EVAL_BUNDLE"),
        ("failed", "its result is FAILED, and a deploy decision follows only a PASSED evaluation"),
        ("other-report", f"registers/ledger.yaml pins {REPORT} with sha256 "),
        ("run", "not the evaluation statement (https://in-toto.io/attestation/test-result/v0.1)"),
        ("untrusted", "--previous-statement "),
        ("other-objective", "the evaluation statement is for objective 'ledger-r2', not ledger-r3"),
    ],
)
def test_a_deploy_on_anything_but_this_rounds_passed_evaluation_is_refused(
    evaluated: tuple[Path, Path], key: OrgKey, tmp_path: Path, make: str, expected: str
) -> None:
    repo, evaluation = evaluated
    previous: Path | None = tmp_path / "previous.dsse.json"
    if make == "none":
        previous = None
    elif make == "failed":
        _forged_evaluation(repo, key, tmp_path / "previous.dsse.json", verdict="fail")
    elif make == "other-report":
        _forged_evaluation(repo, key, tmp_path / "previous.dsse.json", report_sha256="0" * 64)
    elif make == "run":
        key.sign(run_statement("a" * 64), tmp_path / "previous.dsse.json")
    elif make == "untrusted":
        org_key(tmp_path / "stranger", name="stranger").sign(
            verify_file(evaluation, trusted_signers((key.public,))).statement, tmp_path / "previous.dsse.json"
        )
    else:
        good = verify_file(evaluation, trusted_signers((key.public,))).statement
        configuration = [
            {**item, "annotations": {**item["annotations"], "objective": "ledger-r2"}} if item["name"] == "objective" else item
            for item in good.predicate["configuration"]
        ]
        key.sign(
            Statement(good.subjects, good.predicate_type, {**good.predicate, "configuration": configuration}),
            tmp_path / "previous.dsse.json",
        )
    before = (repo / REGISTER).read_bytes()
    out = tmp_path / "r3.decision.dsse.json"
    code, _, err = decide(repo, key, "deploy", *signing(key, out, previous))
    assert code == 2 and expected in err, err
    assert len(err.strip().splitlines()) == 1
    assert (repo / REGISTER).read_bytes() == before and not out.exists()


def test_a_decision_the_status_machine_refuses_gets_no_statement(evaluated: tuple[Path, Path], key: OrgKey, tmp_path: Path) -> None:
    repo, evaluation = evaluated
    out = tmp_path / "r3.decision.dsse.json"
    code, _, err = decide(repo, key, "rollback", *signing(key, out, evaluation))  # round 3 is evaluated, not deployed
    assert code == 1 and "rollback is for a deployed round" in err
    assert not out.exists()


def test_statement_options_without_statement_out_are_usage_errors(evaluated: tuple[Path, Path], key: OrgKey) -> None:
    repo, evaluation = evaluated
    before = (repo / REGISTER).read_bytes()
    code, _, err = decide(repo, key, "deploy", "--previous-statement", str(evaluation))
    assert code == 2 and "--previous-statement: read only with --statement-out FILE" in err
    assert (repo / REGISTER).read_bytes() == before
