"""The deploy gate offline: the signed chain approval → run → evaluation → decision, verified with zero requests.

Attacks first: each test builds a chain that is valid but for one link and shows the gate
denies it, naming that link. Statements are signed with keys made in the test (the
organisation-key path); the end-to-end tests at the bottom make the run, evaluation and
decision statements with the real commands (record-run, evaluate --record, decide) on a
temporary governance repository, then verify them with the repository deleted. The
offline decisions that claim zero requests run under a socket guard: nothing may try to
connect anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ftgov.attest import chain
from ftgov.attest.statement import Statement, Subject, sha256
from ftgov.attest.verify import trusted_signers, verify_file
from ftgov.gate.gate import GateDenied, GateUsageError, require_deployable
from ftgov.gate.signed import SignedAnswer

from ..conftest import FIXTURES, run_ftgov
from ..repository import build_ledger_repo
from ..signed_chain import (
    CHECKPOINT,
    OBJECTIVE_ID,
    OBJECTIVE_PATH,
    OBJECTIVE_TEXT,
    Links,
    approval_statement,
    decision_statement,
    evaluate_args,
    evaluation_statement,
    iso,
    now,
    run_statement,
    sign,
    valid_links,
)
from ..signing import OrgKey, gate_answer, org_key, sign_approval, trust_in_policy


@pytest.fixture
def key(tmp_path: Path) -> OrgKey:
    return org_key(tmp_path / "keys")


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every connect attempt is refused and recorded: the offline gate must make none."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError(f"the offline deploy gate tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def offline(files: list[Path], key: OrgKey, *extra: str, checkpoint: str = CHECKPOINT) -> tuple[int, dict[str, Any], str]:
    args = ["gate", OBJECTIVE_ID, "--stage", "deploy", "--checkpoint", checkpoint, "--format", "json", "--trusted-key", str(key.public)]
    for path in files:
        args += ["--attestation", str(path)]
    done = run_ftgov(*args, *extra)
    return done.returncode, json.loads(done.stdout) if done.stdout else {}, done.stderr


def denied(files: list[Path], key: OrgKey, *extra: str, checkpoint: str = CHECKPOINT) -> list[str]:
    code, answer, err = offline(files, key, *extra, checkpoint=checkpoint)
    assert (code, answer.get("decision")) == (1, "deny"), err
    assert answer["api_calls"]["requests"] == 0 and answer["stage"] == "deploy"
    return list(answer["reasons"])


# -- the happy path, then every link broken in turn --------------------------------------------------


def test_a_valid_chain_allows_the_checkpoint_with_zero_requests(tmp_path: Path, key: OrgKey, no_network: list[object]) -> None:
    files = sign(valid_links(), tmp_path / "chain", key)
    shuffled = [files[2], files[0], files[3], files[1]]  # the order of the options is free
    code, answer, err = offline(shuffled, key)
    assert (code, answer["decision"], answer["reasons"]) == (0, "allow", []), err
    assert answer["checkpoint"] == CHECKPOINT and answer["objective"] == OBJECTIVE_ID
    assert [s["path"] for s in answer["statements"]] == [str(f) for f in files]  # reported in chain order
    assert answer["pull_request"] == 7 and answer["objective_path"] == OBJECTIVE_PATH  # from the approval's predicate
    assert answer["signed_at"] is not None  # the decision's: what --max-age bounded
    assert no_network == []

    text = run_ftgov(*_args(shuffled, key))
    assert text.returncode == 0
    assert "ALLOW: objective ledger-r3, from signed statements (offline, no requests)" in text.stdout
    assert "a rollback or retirement recorded after it was signed is invisible here" in text.stdout


def _args(files: list[Path], key: OrgKey) -> list[str]:
    args = ["gate", OBJECTIVE_ID, "--stage", "deploy", "--checkpoint", CHECKPOINT, "--trusted-key", str(key.public)]
    for path in files:
        args += ["--attestation", str(path)]
    return args


def test_a_run_pointing_at_another_approval_denies(tmp_path: Path, key: OrgKey) -> None:
    """Two approvals of the same objective, both valid: the run was made under the other one."""
    links = valid_links()
    other = approval_statement(checked_at=iso(now() - dt.timedelta(days=1)), pull_request=8)
    run = run_statement(other.digest())
    evaluation = evaluation_statement(run.digest())
    attacked = Links(links.approval, run, evaluation, decision_statement(evaluation.digest()))
    reasons = denied(sign(attacked, tmp_path, key), key)
    assert len(reasons) == 1
    assert f"points at statement sha256 {other.digest()}, not at the approval statement given" in reasons[0]
    assert "the chain is broken between approval and run" in reasons[0]


def test_a_run_of_another_checkpoint_denies(tmp_path: Path, key: OrgKey) -> None:
    r2 = "s3://models/ledger/r2@sha256:" + "1" * 64
    reasons = denied(sign(valid_links(), tmp_path, key), key, checkpoint=r2)
    assert reasons == [f"run statement ({tmp_path / 'run.dsse.json'}): the run trained checkpoint {CHECKPOINT}, not {r2}"]


@pytest.mark.parametrize("spelling", [CHECKPOINT.replace("s3://", "S3://"), CHECKPOINT.replace("/r3@", "/./r3@"), "s3://models/ledger/r3/"])
def test_a_respelled_checkpoint_is_compared_exactly_as_the_online_gate_compares_it(tmp_path: Path, key: OrgKey, spelling: str) -> None:
    """gate/deploy.py normalises spellings only to find a checkpoint another round recorded; the round's own
    run.checkpoint must be the URI exactly (online: "records checkpoint X ... not Y"). Offline agrees, and says why."""
    links = valid_links()
    recorded = "s3://models/ledger/r3" if spelling.endswith("/") else CHECKPOINT
    run = run_statement(links.approval.digest(), checkpoint=recorded)
    evaluation = evaluation_statement(run.digest())
    attacked = Links(links.approval, run, evaluation, decision_statement(evaluation.digest()))
    [reason] = denied(sign(attacked, tmp_path, key), key, checkpoint=spelling)
    assert f"the run trained {recorded}, which {spelling} only respells; the checkpoint is compared exactly" in reason


def test_a_run_of_other_objective_bytes_denies(tmp_path: Path, key: OrgKey) -> None:
    """The run trained an objective edited after its approval; everything after it follows that run faithfully."""
    links = valid_links()
    edited = OBJECTIVE_TEXT + b"# edited after approval\n"
    run = run_statement(links.approval.digest(), objective=edited)
    evaluation = evaluation_statement(run.digest())
    [reason] = denied(sign(Links(links.approval, run, evaluation, decision_statement(evaluation.digest())), tmp_path, key), key)
    assert reason == (
        f"run statement ({tmp_path / 'run.dsse.json'}): the run statement names objective sha256 {sha256(edited)}, "
        f"not {sha256(OBJECTIVE_TEXT)}"
    )


@pytest.mark.parametrize(("verdict", "result"), [("fail", "FAILED"), ("undecided", "WARNED")])
def test_an_evaluation_that_did_not_pass_denies(tmp_path: Path, key: OrgKey, verdict: str, result: str) -> None:
    links = valid_links()
    evaluation = evaluation_statement(links.run.digest(), verdict=verdict)
    attacked = Links(links.approval, links.run, evaluation, decision_statement(evaluation.digest()))
    [reason] = denied(sign(attacked, tmp_path, key), key)
    assert reason == (
        f"evaluation statement ({tmp_path / 'evaluation.dsse.json'}): the result is {result}, not PASSED: "
        "only a round that passed is deployed"
    )


@pytest.mark.parametrize("action", ["reject", "rollback", "retire", "abandon"])
def test_a_decision_other_than_deploy_denies(tmp_path: Path, key: OrgKey, action: str) -> None:
    links = valid_links()
    attacked = replace(links, decision=decision_statement(links.evaluation.digest(), action=action))
    [reason] = denied(sign(attacked, tmp_path, key), key)
    assert reason == f"decision statement ({tmp_path / 'decision.dsse.json'}): the decision is {action}, not deploy"


def test_a_decision_pointing_at_another_evaluation_denies(tmp_path: Path, key: OrgKey) -> None:
    """The decision was made on a different evaluation of the same run (one that is not among the statements given)."""
    links = valid_links()
    other = chain.evaluation_statement(
        OBJECTIVE_ID, Subject(OBJECTIVE_PATH, sha256(OBJECTIVE_TEXT)), "pass", [("sc-accuracy", "pass")],
        (Subject("out/r3-rerun/results.json", "7" * 64),), links.run.digest(),
    )  # fmt: skip
    attacked = replace(links, decision=decision_statement(other.digest()))
    [reason] = denied(sign(attacked, tmp_path, key), key)
    assert f"decision statement ({tmp_path / 'decision.dsse.json'}): points at statement sha256 {other.digest()}" in reason
    assert "the chain is broken between evaluation and decision" in reason


def test_a_decision_pointing_at_no_evaluation_denies(tmp_path: Path, key: OrgKey) -> None:
    links = valid_links()
    [reason] = denied(sign(replace(links, decision=decision_statement(None)), tmp_path, key), key)
    assert "points at statement sha256 None, not at the evaluation statement given" in reason


@pytest.mark.parametrize("link", ["approval", "run", "evaluation", "decision"])
def test_one_statement_signed_by_an_untrusted_key_denies(tmp_path: Path, key: OrgKey, link: str) -> None:
    """An otherwise valid chain in which one statement is signed by a key the launcher does not trust."""
    stranger = org_key(tmp_path / "stranger", name="stranger")
    files = sign(valid_links(), tmp_path / "chain", key, **{link: stranger})
    refusal, missing = denied(files, key)
    assert refusal.startswith(f"{tmp_path / 'chain' / f'{link}.dsse.json'}: ") and "signature" in refusal, refusal
    assert missing.startswith(f"no verified {link} statement among --attestation")


@pytest.mark.parametrize("missing", [0, 1, 2, 3])
def test_a_missing_link_denies(tmp_path: Path, key: OrgKey, missing: int) -> None:
    files = sign(valid_links(), tmp_path, key)
    name = ("approval", "run", "evaluation", "decision")[missing]
    del files[missing]
    [reason] = denied(files, key)
    assert reason.startswith(f"no verified {name} statement among --attestation: the chain to deployment is approval, run")


def test_two_decisions_deny_even_when_one_is_a_deploy(tmp_path: Path, key: OrgKey) -> None:
    """The deploy decision and the rollback after it: the launcher was handed both, and does not pick one."""
    links = valid_links()
    files = sign(links, tmp_path, key)
    rollback = key.sign(decision_statement(links.evaluation.digest(), action="rollback"), tmp_path / "rollback.dsse.json")
    [reason] = denied([*files, rollback], key)
    assert reason.startswith(f"2 decision statements ({files[3]}, {rollback}): the chain holds exactly one of each")


def test_the_same_statement_given_twice_denies(tmp_path: Path, key: OrgKey) -> None:
    files = sign(valid_links(), tmp_path, key)
    [reason] = denied([*files, files[1]], key)
    assert reason.startswith("2 run statements")


def test_a_stale_decision_denies_and_max_age_widens_the_window(tmp_path: Path, key: OrgKey) -> None:
    links = valid_links()
    stale = replace(links, decision=decision_statement(links.evaluation.digest(), issued=now() - dt.timedelta(days=8)))
    files = sign(stale, tmp_path, key)
    [reason] = denied(files, key)
    assert reason.startswith(f"decision statement ({files[3]}): the decision statement was signed at ")
    assert "more than 7 days ago" in reason and "a rollback recorded since would be invisible offline" in reason
    code, answer, err = offline(files, key, "--max-age", "30d")
    assert (code, answer["decision"]) == (0, "allow"), err


def test_a_decision_from_the_future_denies(tmp_path: Path, key: OrgKey) -> None:
    links = valid_links()
    files = sign(replace(links, decision=decision_statement(links.evaluation.digest(), issued=now() + dt.timedelta(days=1))), tmp_path, key)
    [reason] = denied(files, key)
    assert "after now" in reason


def test_an_approval_months_old_still_anchors_a_deployment(tmp_path: Path, key: OrgKey) -> None:
    """The approval's age is not the deploy gate's question: training started under it long ago."""
    old = now() - dt.timedelta(days=120)
    approved = approval_statement(checked_at=iso(old), merged_at=iso(old - dt.timedelta(hours=2)))
    run = run_statement(approved.digest())
    evaluation = evaluation_statement(run.digest())
    code, answer, err = offline(sign(Links(approved, run, evaluation, decision_statement(evaluation.digest())), tmp_path, key), key)
    assert (code, answer["decision"]) == (0, "allow"), err


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"decision": "deny"}, "the signed gate answer is 'deny', not allow"),
        ({"objective": "ledger-r2"}, "the approval is for objective 'ledger-r2', not ledger-r3"),
        ({"approvals": "unverified"}, "the signed answer came from a local clone (approvals unverified)"),
    ],
)
def test_an_approval_that_does_not_allow_the_objective_denies(tmp_path: Path, key: OrgKey, answer: dict[str, Any], expected: str) -> None:
    approved = approval_statement(**answer)
    run = run_statement(approved.digest())
    evaluation = evaluation_statement(run.digest())
    reasons = denied(sign(Links(approved, run, evaluation, decision_statement(evaluation.digest())), tmp_path, key), key)
    assert any(r.startswith(f"approval statement ({tmp_path / 'approval.dsse.json'}): ") and expected in r for r in reasons), reasons


def test_a_chain_for_another_objective_denies(tmp_path: Path, key: OrgKey) -> None:
    links = valid_links()
    evaluation = evaluation_statement(links.run.digest(), objective_id="ledger-r2")
    attacked = Links(links.approval, links.run, evaluation, decision_statement(evaluation.digest()))
    reasons = denied(sign(attacked, tmp_path, key), key)
    assert reasons == [
        f"evaluation statement ({tmp_path / 'evaluation.dsse.json'}): the evaluation statement is for objective 'ledger-r2', not ledger-r3"
    ]


def test_a_forged_unsigned_json_among_the_statements_denies(tmp_path: Path, key: OrgKey) -> None:
    files = sign(valid_links(), tmp_path, key)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({"decision": "allow", "objective": OBJECTIVE_ID, "stage": "deploy", "checkpoint": CHECKPOINT}))
    [reason] = denied([*files, forged], key)
    assert reason.startswith(f"{forged}: an unsigned gate answer, which anyone can write")


def test_an_unsigned_statement_in_place_of_a_link_denies(tmp_path: Path, key: OrgKey) -> None:
    """The decision's statement written as plain JSON, the right bytes but no signature."""
    links = valid_links()
    files = sign(links, tmp_path, key)
    files[3].write_bytes(links.decision.to_bytes())
    reasons = denied(files, key)
    assert reasons[0].startswith(f"{files[3]}: neither a DSSE envelope nor a Sigstore bundle")
    assert reasons[1].startswith("no verified decision statement")


def test_a_statement_outside_the_chain_denies(tmp_path: Path, key: OrgKey) -> None:
    files = sign(valid_links(), tmp_path, key)
    stray = key.sign(
        Statement((Subject(OBJECTIVE_PATH, sha256(OBJECTIVE_TEXT)),), "https://example.com/other/v1", {}), tmp_path / "x.dsse.json"
    )
    [reason] = denied([*files, stray], key)
    assert reason == (
        f"{stray}: a https://example.com/other/v1 statement, not one of the chain to deployment "
        "(approval, run, evaluation, decision: one of each)"
    )


# -- usage, and the Python entry point ----------------------------------------------------------------


def test_deploy_offline_needs_a_checkpoint_and_takes_no_objective_file(tmp_path: Path, key: OrgKey) -> None:
    files = sign(valid_links(), tmp_path, key)
    attestations = [arg for path in files for arg in ("--attestation", str(path))]
    done = run_ftgov("gate", OBJECTIVE_ID, "--stage", "deploy", "--trusted-key", str(key.public), *attestations)
    assert done.returncode == 2 and "--stage deploy needs --checkpoint URI" in done.stderr
    objective = tmp_path / "r3.yaml"
    objective.write_bytes(OBJECTIVE_TEXT)
    done = run_ftgov(*_args(files, key), "--objective", str(objective))
    assert done.returncode == 2 and "--objective and --write-objective are read by --stage train" in done.stderr
    done = run_ftgov(*_args(files, key), "--repo", "acme/governance")
    assert done.returncode == 2 and "drop --repo" in done.stderr


def test_require_deployable_decides_offline_from_the_chain(tmp_path: Path, key: OrgKey, no_network: list[object]) -> None:
    links = valid_links()
    files = sign(links, tmp_path, key)
    answer = require_deployable(OBJECTIVE_ID, checkpoint=CHECKPOINT, attestations=files, trusted_keys=(key.public,))
    assert isinstance(answer, SignedAnswer) and answer.allowed and answer.stage == "deploy"
    assert [v.digest for v in answer.verified] == [s.digest() for s in (links.approval, links.run, links.evaluation, links.decision)]

    with pytest.raises(GateDenied) as denial:
        require_deployable(OBJECTIVE_ID, checkpoint=CHECKPOINT + "x", attestations=files, trusted_keys=(key.public,))
    assert "run statement" in str(denial.value)
    with pytest.raises(GateDenied):
        require_deployable(OBJECTIVE_ID, checkpoint=CHECKPOINT, attestations=files[:3], trusted_keys=(key.public,))
    with pytest.raises(GateUsageError):
        require_deployable(OBJECTIVE_ID, checkpoint=CHECKPOINT, repo="acme/governance", attestations=files, trusted_keys=(key.public,))
    assert no_network == []


# -- end to end: the commands make the chain, the gate verifies it ------------------------------------


RUNCONFIG = FIXTURES / "runconfig"
STARTED, FINISHED = "2026-02-10T08:00:00Z", "2026-02-10T12:00:00Z"


def record_and_evaluate(repo: Path, key: OrgKey, out: Path) -> list[Path]:
    """Round 3 approved (a bundle `ftgov attest` would publish), then run and evaluated by the real commands, each signing
    its statement into `out`: the approval, run and evaluation statements. The repository's policy names `key` its
    approval signer, as record-run requires, before the approval (whose subjects include the policy) is signed."""
    out.mkdir(parents=True)
    trust_in_policy(repo, key)
    answer = gate_answer(
        OBJECTIVE_ID, OBJECTIVE_PATH, pull_request=9, merged_at="2026-02-09T10:00:00Z", checked_at="2026-02-09T11:00:00Z"
    )  # the approval is ten months old by now: the deploy gate does not age it
    files = {path: (repo / path).read_bytes() for path in (OBJECTIVE_PATH, "policies/policy.yaml", "registers/ledger.yaml")}
    approved = sign_approval(key, out / "ledger-r3.approval.dsse.json", answer, OBJECTIVE_PATH, files)
    trust, signing = ("--trusted-key", str(key.public)), ("--signing-key", str(key.private))
    recorded = run_ftgov(
        "record-run", OBJECTIVE_ID, "--config", str(RUNCONFIG / "axolotl.yaml"), "--config", str(RUNCONFIG / "devices.yaml"),
        "--gate-attestation", str(approved), "--started-at", STARTED, "--finished-at", FINISHED, "--checkpoint", CHECKPOINT,
        *trust, *signing, "--statement-out", str(out / "ledger-r3.run.dsse.json"), "--repo-root", str(repo),
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    evaluated = run_ftgov(
        *evaluate_args(repo), "--record", "--statement-out", str(out / "ledger-r3.evaluation.dsse.json"),
        "--previous-statement", str(out / "ledger-r3.run.dsse.json"), *trust, *signing,
    )  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr
    assert "evaluation statement" in evaluated.stderr
    return [out / f"ledger-r3.{link}.dsse.json" for link in ("approval", "run", "evaluation")]


def decide_signed(repo: Path, key: OrgKey, action: str, evaluation: Path, out: Path) -> Path:
    done = run_ftgov(
        "decide", OBJECTIVE_ID, "--action", action, "--reason", f"{action}: as the evidence says", "--by", "raj-risk",
        "--repo-root", str(repo), "--statement-out", str(out), "--previous-statement", str(evaluation),
        "--trusted-key", str(key.public), "--signing-key", str(key.private),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "decision statement:" in done.stdout
    return out


def test_end_to_end_record_run_evaluate_and_decide_sign_the_chain_the_offline_gate_allows(
    tmp_path: Path, key: OrgKey, no_network: list[object]
) -> None:
    repo = build_ledger_repo(tmp_path / "repo")
    published = tmp_path / "published"
    approved, run, evaluation = record_and_evaluate(repo, key, published)
    decision = decide_signed(repo, key, "deploy", evaluation, published / "ledger-r3.decision.dsse.json")
    assert run_ftgov("check", "--repo-root", str(repo)).returncode == 0
    # What the commands signed: each statement points at the one before it, and all four at one objective.
    signers = trusted_signers((key.public,))
    links = [verify_file(path, signers) for path in (approved, run, evaluation, decision)]
    assert [chain.previous_digest(v.statement) for v in links[1:]] == [v.digest for v in links[:-1]]
    assert {chain.objective_digest(v.statement, OBJECTIVE_ID) for v in links} == {sha256(OBJECTIVE_TEXT)}

    # The launcher: four files, one public key, and no network at all (the socket guard is on throughout).
    launcher = tmp_path / "launcher"
    shutil.copytree(published, launcher)
    shutil.rmtree(repo)  # nothing of the governance repository is read
    code, answer, err = offline(sorted(launcher.iterdir()), key)
    assert (code, answer["decision"], answer["reasons"]) == (0, "allow", []), err
    assert [s["predicate_type"] for s in answer["statements"]] == list(chain.CHAIN)
    assert answer["pull_request"] == 9 and answer["api_calls"]["requests"] == 0
    assert no_network == []


def test_end_to_end_a_rollback_signed_later_denies_when_the_launcher_is_handed_it(tmp_path: Path, key: OrgKey) -> None:
    """Handed the rollback instead of the deploy decision, the gate denies; handed both, too (two decisions)."""
    repo = build_ledger_repo(tmp_path / "repo")
    base = record_and_evaluate(repo, key, tmp_path / "published")
    deploy = decide_signed(repo, key, "deploy", base[2], tmp_path / "deploy.dsse.json")
    rollback = decide_signed(repo, key, "rollback", base[2], tmp_path / "rollback.dsse.json")
    assert offline([*base, deploy], key)[0] == 0
    [reason] = denied([*base, rollback], key)
    assert reason.endswith("the decision is rollback, not deploy")
    [reason] = denied([*base, deploy, rollback], key)
    assert reason.startswith("2 decision statements")


# -- two scopes of trust: the pipelines sign what they did, the reviewers' signer the rest -----------


def test_run_and_evaluation_signed_by_a_trusted_pipeline_key_allow(tmp_path: Path, key: OrgKey, no_network: list[object]) -> None:
    """The launcher and the evaluation job hold a pipeline key, never the key that signs approvals and decisions."""
    pipeline = org_key(tmp_path / "pipeline", name="pipeline")
    files = sign(valid_links(), tmp_path / "chain", key, run=pipeline, evaluation=pipeline)
    code, answer, err = offline(files, key, "--trusted-pipeline-key", str(pipeline.public))
    assert (code, answer["decision"]) == (0, "allow"), (answer, err)
    signers = {Path(s["path"]).stem.split(".")[0]: s["signer"] for s in answer["statements"]}
    assert signers["run"] == signers["evaluation"] != signers["approval"] == signers["decision"]
    assert no_network == []
    refused = denied(files, key)  # the same chain without the pipeline key trusted
    assert any("run.dsse.json" in r and "no signature verifies" in r for r in refused), refused


@pytest.mark.parametrize("link", ["approval", "decision"])
def test_an_approval_or_decision_signed_by_a_pipeline_key_denies(tmp_path: Path, key: OrgKey, link: str) -> None:
    """A launcher that holds a pipeline key signs its own approval or deploy decision: trusted for runs, not for those."""
    pipeline = org_key(tmp_path / "pipeline", name="pipeline")
    files = sign(valid_links(), tmp_path / "chain", key, **{link: pipeline})
    reasons = denied(files, key, "--trusted-pipeline-key", str(pipeline.public))
    assert any(f"{link}.dsse.json: a {link} statement signed by key" in r and "pipeline signers are trusted for run and evaluation" in r
               for r in reasons), reasons  # fmt: skip
    with pytest.raises(GateDenied):
        require_deployable(
            OBJECTIVE_ID, checkpoint=CHECKPOINT, attestations=files, trusted_keys=(key.public,), pipeline_keys=(pipeline.public,)
        )


def test_pipeline_signers_from_the_environment_and_refused_as_options_for_the_train_stage(
    tmp_path: Path, key: OrgKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = org_key(tmp_path / "pipeline", name="pipeline")
    files = sign(valid_links(), tmp_path / "chain", key, run=pipeline, evaluation=pipeline)
    monkeypatch.setenv("FTGOV_TRUSTED_PIPELINE_KEY", str(pipeline.public))
    code, answer, err = offline(files, key)
    assert (code, answer["decision"]) == (0, "allow"), (answer, err)
    train = run_ftgov("gate", OBJECTIVE_ID, "--attestation", str(files[0]), "--trusted-key", str(key.public))
    assert train.returncode == 0, train.stdout + train.stderr  # the environment's pipeline signers do not concern training
    trusted = ("--trusted-key", str(key.public), "--trusted-pipeline-key", str(pipeline.public))
    named = run_ftgov("gate", OBJECTIVE_ID, "--attestation", str(files[0]), *trusted)
    assert named.returncode == 2 and "only --stage deploy reads" in named.stderr
