"""`ftgov evaluate --record --statement-out`: the evaluation statement, signed after the run statement it follows.

On the `ledger` fixture repository with round 3 trained (as record-run leaves it, checkpoint
included); the run statement is signed with a key made in the test, as record-run signs it.
Every refusal is checked to leave the register, the report and the statement file unwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from ftgov.attest import chain
from ftgov.attest.statement import APPROVAL, TEST_RESULT, Statement, Subject, sha256
from ftgov.attest.verify import trusted_signers, verify_file

from ..conftest import FIXTURES, run_ftgov
from ..signed_chain import CHECKPOINT, OBJECTIVE_ID, OBJECTIVE_PATH, evaluate_args, run_statement, trained_ledger
from ..signing import OrgKey, org_key

REGISTER = "registers/ledger.yaml"
REPORT = "registers/ledger/ledger-r3.evaluation.json"
RESULTS = FIXTURES / "evaluate" / "results"


@pytest.fixture
def key(tmp_path: Path) -> OrgKey:
    return org_key(tmp_path / "keys")


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return trained_ledger(tmp_path / "repo")


def signed_run(key: OrgKey, out: Path, statement: Statement | None = None) -> Path:
    return key.sign(statement or run_statement("a" * 64), out)


def evaluate(repo: Path, key: OrgKey, *extra: str, candidate: str = "r3-good") -> tuple[int, str, str]:
    args = evaluate_args(repo)
    args[args.index("--candidate") + 1] = str(RESULTS / candidate)
    done = run_ftgov(*args, "--trusted-key", str(key.public), *extra)
    return done.returncode, done.stdout, done.stderr


def signing(key: OrgKey, statement_out: Path, previous: Path) -> list[str]:
    return ["--record", "--statement-out", str(statement_out), "--previous-statement", str(previous), "--signing-key", str(key.private)]


def test_the_statement_is_a_test_result_of_what_the_register_records(ledger: Path, tmp_path: Path, key: OrgKey) -> None:
    run = signed_run(key, tmp_path / "run.dsse.json")
    run_digest = verify_file(run, trusted_signers((key.public,))).digest
    out, html = tmp_path / "r3.evaluation.dsse.json", tmp_path / "r3.html"
    code, _, err = evaluate(ledger, key, *signing(key, out, run), "--format", "html", "--out", str(html))
    assert code == 0, err
    assert f"ftgov: evaluation statement {out} (sha256 " in err

    verified = verify_file(out, trusted_signers((key.public,)))
    statement = verified.statement
    assert statement.predicate_type == TEST_RESULT and verified.signer_kind == "key"
    assert chain.previous_digest(statement) == run_digest
    assert chain.result_of(statement) == "PASSED"
    assert chain.objective_of(statement) == OBJECTIVE_ID
    assert chain.objective_digest(statement, OBJECTIVE_ID) == sha256((ledger / OBJECTIVE_PATH).read_bytes())

    report = json.loads((ledger / REPORT).read_text())
    recorded = yaml.safe_load((ledger / REGISTER).read_text())["rounds"][2]["evaluation"]
    # Subjects: each candidate results file as read, the report the register pins, and the --out report.
    candidates = [i for i in report["inputs"] if i["role"] == "candidate"]
    assert candidates and all(statement.subject(i["path"]) == Subject(i["path"], i["sha256"]) for i in candidates)
    assert statement.subject(REPORT) == Subject(REPORT, recorded["report_sha256"])
    assert recorded["report_sha256"] == hashlib.sha256((ledger / REPORT).read_bytes()).hexdigest()
    assert statement.subject("r3.html") == Subject("r3.html", sha256(html.read_bytes()))
    assert len(statement.subjects) == len(candidates) + 2
    # Each criterion is a test, and none is lost: an id several rounds declared is named with the round.
    predicate = statement.predicate
    tests = predicate["passedTests"] + predicate["warnedTests"] + predicate["failedTests"]
    ids = Counter(c["id"] for c in report["criteria"])
    assert ids["general-knowledge"] == 3  # round 1's, round 2's and round 3's own, each its own test
    expected = [c["id"] if ids[c["id"]] == 1 else f"{c['origin']}:{c['id']}" for c in report["criteria"]]
    assert sorted(tests) == sorted(expected) and len(set(tests)) == len(tests) and predicate["failedTests"] == []
    assert "ledger-r1:general-knowledge" in tests and "short" in tests
    annotations = next(i for i in predicate["configuration"] if i["name"] == "objective")["annotations"]
    assert dt.datetime.fromisoformat(annotations["evaluated_at"]) == recorded["evaluated_at"]  # one moment, both places
    assert annotations["verdict"] == recorded["verdict"] == "pass"


def test_a_failing_evaluation_is_recorded_and_signed_as_failed(ledger: Path, tmp_path: Path, key: OrgKey) -> None:
    out = tmp_path / "r3.evaluation.dsse.json"
    code, _, err = evaluate(ledger, key, *signing(key, out, signed_run(key, tmp_path / "run.dsse.json")), candidate="r3-drift")
    assert code == 1, err
    statement = verify_file(out, trusted_signers((key.public,))).statement
    assert chain.result_of(statement) == "FAILED" and statement.predicate["failedTests"]
    assert yaml.safe_load((ledger / REGISTER).read_text())["rounds"][2]["evaluation"]["verdict"] == "fail"


def _nothing_written(ledger: Path, before: bytes, out: Path) -> None:
    assert (ledger / REGISTER).read_bytes() == before
    assert not (ledger / REPORT).exists() and not out.exists()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        ("untrusted", "--previous-statement {run}: "),
        ("unsigned", "--previous-statement {run}: neither a DSSE envelope nor a Sigstore bundle"),
        ("approval", f"it is a {APPROVAL} statement, not the run statement"),
        ("other-objective", "the run statement is for objective 'ledger-r2', not ledger-r3"),
        ("other-bytes", "the run statement names objective sha256 "),
        ("other-checkpoint", "the run statement records checkpoint s3://models/ledger/r2, the register's round " + CHECKPOINT),
    ],
)
def test_a_previous_statement_that_is_not_this_rounds_run_is_refused_and_nothing_is_written(
    ledger: Path, tmp_path: Path, key: OrgKey, make: str, expected: str
) -> None:
    run = tmp_path / "run.dsse.json"
    if make == "untrusted":
        signed_run(org_key(tmp_path / "stranger", name="stranger"), run)
    elif make == "unsigned":
        run.write_bytes(run_statement("a" * 64).to_bytes())
    elif make == "approval":
        key.sign(Statement((Subject(OBJECTIVE_PATH, "1" * 64),), APPROVAL, {"objective": OBJECTIVE_ID}), run)
    elif make == "other-objective":
        statement = run_statement("a" * 64)
        signed_run(key, run, Statement(statement.subjects, statement.predicate_type, {**statement.predicate, "objective": "ledger-r2"}))
    elif make == "other-bytes":
        signed_run(key, run, run_statement("a" * 64, objective=b"an objective edited after approval\n"))
    else:
        signed_run(key, run, run_statement("a" * 64, checkpoint="s3://models/ledger/r2"))
    before = (ledger / REGISTER).read_bytes()
    out = tmp_path / "r3.evaluation.dsse.json"
    code, _, err = evaluate(ledger, key, *signing(key, out, run))
    assert code == 2, err
    assert expected.format(run=run) in err and len(err.strip().splitlines()) == 1
    _nothing_written(ledger, before, out)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--statement-out", "{out}", "--signing-key", "{key}", "--previous-statement", "{run}"], "add --record"),
        (["--record", "--statement-out", "{out}", "--signing-key", "{key}"], "--statement-out needs --previous-statement RUN_BUNDLE"),
        (["--record", "--statement-out", "{out}", "--previous-statement", "{run}"], "--statement-out needs a signer"),
        (["--record", "--signing-key", "{key}"], "--signing-key: read only with --statement-out FILE"),
        (["--record", "--previous-statement", "{run}"], "--previous-statement: read only with --statement-out FILE"),
        (["--record", "--statement-out", "{tmp}", "--signing-key", "{key}", "--previous-statement", "{run}"], "a directory"),
        (["--record", "--statement-out", "{out}", "--previous-statement", "{run}", "--max-age", "1d"], "No such option '--max-age'"),
    ],
)
def test_options_that_make_no_statement_are_usage_errors(ledger: Path, tmp_path: Path, key: OrgKey, args: list[str], expected: str) -> None:
    run = signed_run(key, tmp_path / "run.dsse.json")
    out = tmp_path / "r3.evaluation.dsse.json"
    before = (ledger / REGISTER).read_bytes()
    filled = [a.format(out=out, key=key.private, run=run, tmp=tmp_path) for a in args]
    code, _, err = evaluate(ledger, key, *filled)
    assert code == 2 and expected in err, err
    _nothing_written(ledger, before, out)


def test_a_round_the_register_refuses_gets_no_statement(ledger: Path, tmp_path: Path, key: OrgKey) -> None:
    """Signed before the register is written, but written only after: a refused record leaves no statement behind."""
    run = signed_run(key, tmp_path / "run.dsse.json")
    out = tmp_path / "r3.evaluation.dsse.json"
    assert evaluate(ledger, key, "--record")[0] == 0  # round 3 is evaluated now
    before = (ledger / REGISTER).read_bytes()
    code, _, err = evaluate(ledger, key, *signing(key, out, run))
    assert code == 1 and "already records an evaluation" in err
    assert (ledger / REGISTER).read_bytes() == before and not out.exists()
