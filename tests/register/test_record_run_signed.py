"""`ftgov record-run --gate-attestation` accepts only a verified approval, and signs the run statement (issue 17).

An independent review handed record-run a hand-written JSON naming an invented PR and
approvers, and it was recorded. Each attack here is a file someone could hand record-run
instead of the bundle `ftgov attest` publishes: unsigned, signed by a key nobody trusts,
signed by the trusted key for something else, or too old when the run started. None of
them may change the register. The valid bundle (signed in the test with a key made in the
test, tests/signing.py) records the approval from its signed predicate, names its signer
and digest above it, and with --signing-key and --statement-out the run statement signed
after the register was written points at that bundle's digest.

Whom record-run trusts is the reviewed policy's word (gate.approval_signers): the `ledger`
fixture names the test's organisation key there, as an adopting team does once. The same
review signed its forged approval with a key of its own and passed `--trusted-key` for it;
the options may only narrow the policy's signers, never add one.

The times are fixed: the approval is judged against the run's start, never against the
clock of the machine that records it, so a run recorded weeks after training is judged as
it was when it started.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from ftgov.attest import chain, statement
from ftgov.attest.verify import HOW_TO_SIGN, Verified, trusted_signers, verify_file
from ftgov.documents.findings import Finding
from ftgov.documents.loader import parse_document

from ..conftest import FIXTURES, run_ftgov
from ..repository import build_ledger_repo
from ..signing import OrgKey, gate_answer, org_key, sign_approval, trust_in_policy

REGISTER = "registers/ledger.yaml"
OBJECTIVE = "objectives/ledger/ledger-r3.yaml"
POLICY = "policies/policy.yaml"
CONFIGS = FIXTURES / "runconfig"
AXOLOTL, DEVICES = CONFIGS / "axolotl.yaml", CONFIGS / "devices.yaml"
MERGED = "2026-02-09T10:00:00Z"
SIGNED = "2026-02-09T11:00:00Z"  # the gate's checked_at: when `ftgov attest` judged and signed
STARTED, FINISHED = "2026-02-10T08:00:00Z", "2026-02-10T12:00:00Z"
COMMIT = "c3d4e5f60718293a4b5c6d7e8f9012345678a1b2"
CHECKPOINT = "s3://models/ledger/r3@sha256:" + "ab" * 32
APPROVERS = [
    {"login": "dana-ml", "role": "technical", "team": "acme/ml", "submitted_at": "2026-02-09T09:00:00Z"},
    {"login": "raj-risk", "role": "risk", "team": "acme/risk", "submitted_at": "2026-02-09T09:30:00Z"},
]
# No signer or signing key from the host reaches a run: each test says whom it trusts.
CLEAN_ENV = {"FTGOV_TRUSTED_KEY": "", "FTGOV_TRUSTED_IDENTITY": "", "FTGOV_SIGNING_KEY": "", "FTGOV_SIGNING_KEY_FILE": ""}


@pytest.fixture
def key(tmp_path: Path) -> OrgKey:
    return org_key(tmp_path / "keys")


@pytest.fixture
def ledger(tmp_path: Path, key: OrgKey) -> Path:
    """The register fixture whose policy names `key` its approval signer (before any approval is signed: it is a subject)."""
    repo = build_ledger_repo(tmp_path / "repo")
    trust_in_policy(repo, key)
    return repo


def approval_bundle(repo: Path, key: OrgKey, out: Path, objective: str = OBJECTIVE, **overrides: Any) -> Path:
    """The bundle `ftgov attest` would publish for ledger-r3's merge, signed with `key`; `overrides` change the gate's answer."""
    answer = gate_answer(
        Path(objective).stem, objective, pull_request=9, merged_at=MERGED, checked_at=SIGNED, head_sha=COMMIT, approvals=APPROVERS
    )
    answer.update(overrides)
    files = {path: (repo / path).read_bytes() for path in (objective, POLICY, REGISTER)}
    return sign_approval(key, out, answer, objective, files)


def record(repo: Path, *args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    done = run_ftgov("record-run", "ledger-r3", *map(str, args), "--repo-root", str(repo), env={**CLEAN_ENV, **(env or {})})
    return done.returncode, done.stdout, done.stderr


def start(repo: Path, bundle: Path, *args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    return record(repo, "--config", AXOLOTL, "--config", DEVICES, "--gate-attestation", bundle, "--started-at", STARTED, *args, env=env)


def r3(repo: Path) -> dict[str, Any]:
    loaded = parse_document((repo / REGISTER).read_text(), REGISTER)
    assert not isinstance(loaded, Finding)
    found: dict[str, Any] = loaded.data["rounds"][2]
    return found


def verified(bundle: Path, key: OrgKey) -> Verified:
    return verify_file(bundle, trusted_signers((key.public,)))


def refused(repo: Path, before: bytes, code: int, out: str, err: str, *expected: str) -> None:
    """Exit 2, one line naming what is wrong, and the register as it was."""
    assert code == 2, err
    assert out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for part in expected:
        assert part in err, err
    assert (repo / REGISTER).read_bytes() == before


NOT_A_POLICY_SIGNER = f"not among the approval signers {POLICY} gate.approval_signers names; the options may only narrow them"


# -- the policy names who may sign an approval; the options only narrow it ----------------------------


@pytest.mark.parametrize("how", ["--trusted-key", "FTGOV_TRUSTED_KEY"])
def test_an_approval_signed_with_ones_own_key_and_trusted_by_option_is_refused(ledger: Path, key: OrgKey, tmp_path: Path, how: str) -> None:
    """The review's attack: mallory signs an approval for PR #4242 by invented approvers with her key, and names it trusted."""
    mallory = org_key(tmp_path / "mallory", name="mallory")
    invented = [{"login": "mallory", "role": "technical", "team": "acme/ml"}, {"login": "mallory2", "role": "risk", "team": "acme/risk"}]
    bundle = approval_bundle(ledger, mallory, tmp_path / "ledger-r3.approval.dsse.json", pull_request=4242, approvals=invented)
    assert verified(bundle, mallory).statement.predicate["pull_request"] == 4242  # a good signature, by the wrong signer
    before = (ledger / REGISTER).read_bytes()
    option: tuple[str | Path, ...] = ("--trusted-key", mallory.public) if how == "--trusted-key" else ()
    env = {"FTGOV_TRUSTED_KEY": str(mallory.public)} if how == "FTGOV_TRUSTED_KEY" else None
    code, out, err = start(ledger, bundle, *option, env=env)
    refused(ledger, before, code, out, err, f"({mallory.public})", NOT_A_POLICY_SIGNER)
    assert "mallory" not in (ledger / REGISTER).read_text() and "4242" not in (ledger / REGISTER).read_text()


def test_a_workflow_identity_the_policy_does_not_name_is_refused_too(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    """Keyless, the same attack is a workflow of one's own fork: an identity the policy does not name adds no signer."""
    fork = "https://github.com/mallory/governance/.github/workflows/attest.yml@refs/heads/main"
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json")
    before = (ledger / REGISTER).read_bytes()
    code, out, err = start(ledger, bundle, "--trusted-identity", fork)
    refused(ledger, before, code, out, err, fork, NOT_A_POLICY_SIGNER)


@pytest.mark.parametrize("trust", ["no option", "--trusted-key", "FTGOV_TRUSTED_KEY"])
def test_a_policy_naming_no_approval_signer_records_no_signed_approval(key: OrgKey, tmp_path: Path, trust: str) -> None:
    """Until the reviewed policy names a signer, no option can stand in for it: exit 2 naming gate.approval_signers."""
    repo = build_ledger_repo(tmp_path / "repo")  # the fixture's policy as it ships: no approval_signers
    assert "approval_signers" not in (repo / POLICY).read_text()
    bundle = approval_bundle(repo, key, tmp_path / "b.dsse.json")
    before = (repo / REGISTER).read_bytes()
    option: tuple[str | Path, ...] = ("--trusted-key", key.public) if trust == "--trusted-key" else ()
    env = {"FTGOV_TRUSTED_KEY": str(key.public)} if trust == "FTGOV_TRUSTED_KEY" else None
    code, out, err = start(repo, bundle, *option, env=env)
    refused(repo, before, code, out, err, "the policy names no approval signer", f"{POLICY} gate.approval_signers: keys or identities")


def test_the_options_narrow_the_policys_signers_to_the_ones_they_name(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    """Mid-rotation the policy names the old and the new key; a launcher given only the new one accepts only its signature."""
    new = org_key(tmp_path / "new", kind="ecdsa", name="org2")
    trust_in_policy(ledger, key, new)
    by_old = approval_bundle(ledger, key, tmp_path / "old.dsse.json")
    by_new = approval_bundle(ledger, new, tmp_path / "new.dsse.json")
    before = (ledger / REGISTER).read_bytes()
    code, out, err = start(ledger, by_old, "--trusted-key", new.public)
    refused(ledger, before, code, out, err, f"--gate-attestation {by_old}: no signature verifies under a trusted key")
    code, out, err = start(ledger, by_new, "--trusted-key", new.public)
    assert (code, err) == (0, ""), err
    assert verified(by_new, new).signer in out
    assert r3(ledger)["approval"]["pull_request"] == 9


@pytest.mark.parametrize(
    ("pem", "expected"),
    [
        # PEM-shaped, so the schema passes it; its body is no key
        (
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            (f"{POLICY} gate.approval_signers.keys[0]: not a PEM public key",),
        ),
        # not even PEM-shaped: the policy's schema refuses it before any key is read, at its line
        ("mallory's key", (f"{POLICY}:", 'gate.approval_signers.keys[0] is "mallory\'s key"; it must match the pattern', "ftgov check")),
    ],
    ids=["no key inside the PEM", "not PEM"],
)
def test_a_malformed_key_in_the_policy_is_exit_2_naming_it(
    ledger: Path, key: OrgKey, tmp_path: Path, pem: str, expected: tuple[str, ...]
) -> None:
    policy = ledger / POLICY
    text = policy.read_text()
    start_of_keys = text.index("    keys:\n")  # the policy's last lines: trust_in_policy appended the gate section
    policy.write_text(text[:start_of_keys] + f"    keys:\n      - {json.dumps(pem)}\n")
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json")
    before = (ledger / REGISTER).read_bytes()
    code, out, err = start(ledger, bundle, "--trusted-key", key.public)
    refused(ledger, before, code, out, err, *expected)


# -- attacks: nothing but a verified approval for this objective is recorded -----------------------


@pytest.mark.parametrize("forge", [{"kind": "github", "url": "https://api.github.com", "repository": "acme/governance"}, None])
def test_a_forged_unsigned_answer_naming_an_invented_pr_and_approvers_is_refused(
    ledger: Path, key: OrgKey, tmp_path: Path, forge: dict[str, str] | None
) -> None:
    objective = (ledger / OBJECTIVE).read_bytes()
    forged: dict[str, Any] = {
        "decision": "allow", "objective": "ledger-r3", "reasons": [], "pull_request": 4242, "merged_at": MERGED,
        "approvals": [{"login": "mallory", "role": "technical"}, {"login": "mallory2", "role": "risk"}],
        "blob_sha": hashlib.sha1(b"blob %d\x00" % len(objective) + objective).hexdigest(), "branch": "main", "head_sha": COMMIT,
        "objective_path": OBJECTIVE, "checked_at": SIGNED,
    }  # fmt: skip
    if forge is not None:
        forged["forge"] = forge
    file = tmp_path / "attestation.json"
    file.write_text(json.dumps(forged))
    before = (ledger / REGISTER).read_bytes()
    # Refused whoever is trusted: an unsigned answer is no one's word.
    for trust in ((), ("--trusted-key", key.public)):
        code, out, err = start(ledger, file, *trust)
        refused(ledger, before, code, out, err, f"--gate-attestation {file}: an unsigned gate answer", HOW_TO_SIGN)
    assert "mallory" not in (ledger / REGISTER).read_text()


def test_a_statement_signed_by_a_key_nobody_trusts_is_refused(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    """The policy names the organisation key: whether --trusted-key names it or no option is given, the stranger's fails."""
    stranger = org_key(tmp_path / "stranger", name="stranger")
    bundle = approval_bundle(ledger, stranger, tmp_path / "ledger-r3.approval.dsse.json")
    before = (ledger / REGISTER).read_bytes()
    for trust in (("--trusted-key", key.public), ()):
        code, out, err = start(ledger, bundle, *trust)
        refused(ledger, before, code, out, err, f"--gate-attestation {bundle}: no signature verifies under a trusted key")
    # and trusting the stranger by option adds no signer the policy does not name
    code, out, err = start(ledger, bundle, "--trusted-key", stranger.public)
    refused(ledger, before, code, out, err, f"({stranger.public})", NOT_A_POLICY_SIGNER)


def test_an_ecdsa_key_nobody_trusts_is_refused_too(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    """Whom the operator trusts is a key, not a kind of key: a P-256 stranger fares as an Ed25519 one."""
    stranger = org_key(tmp_path / "stranger", kind="ecdsa", name="stranger")
    bundle = approval_bundle(ledger, stranger, tmp_path / "b.dsse.json")
    before = (ledger / REGISTER).read_bytes()
    code, out, err = start(ledger, bundle, "--trusted-key", key.public)
    refused(ledger, before, code, out, err, "no signature verifies under a trusted key")
    code, out, err = start(ledger, bundle, "--trusted-key", key.public, "--trusted-key", stranger.public)
    refused(ledger, before, code, out, err, f"({stranger.public})", NOT_A_POLICY_SIGNER)


def _another_objective(repo: Path, key: OrgKey, out: Path) -> Path:
    return approval_bundle(repo, key, out, objective="objectives/ledger/ledger-r2.yaml")


def _denied(repo: Path, key: OrgKey, out: Path) -> Path:
    return approval_bundle(repo, key, out, decision="deny", reasons=["no risk approval"])


def _unverified(repo: Path, key: OrgKey, out: Path) -> Path:
    # the offline gate's answer, signed: a local clone shows no reviews, so it never allows a launch
    return approval_bundle(repo, key, out, approvals="unverified", forge={"kind": "git", "path": "/tmp/clone"})


def _a_run_statement(repo: Path, key: OrgKey, out: Path) -> Path:
    objective = statement.Subject(OBJECTIVE, statement.sha256((repo / OBJECTIVE).read_bytes()))
    return key.sign(chain.run_statement("ledger-r3", objective, {"started_at": STARTED}, (), "0" * 64), out)


@pytest.mark.parametrize(
    ("bundle_for", "expected"),
    [
        (_another_objective, "the approval is for objective 'ledger-r2', not ledger-r3"),
        (_denied, "the signed gate answer is 'deny', not allow"),
        (_unverified, "approvals unverified"),
        (_a_run_statement, f"is a {statement.RUN} statement, not an ftgov approval"),
    ],
    ids=["another objective", "a deny", "the offline gate's answer, signed", "not an approval"],
)
def test_a_trusted_signature_over_anything_but_this_objectives_allow_is_refused(
    ledger: Path, key: OrgKey, tmp_path: Path, bundle_for: Any, expected: str
) -> None:
    bundle = bundle_for(ledger, key, tmp_path / "b.dsse.json")
    assert verified(bundle, key)  # the signature itself is good: what it says is what is refused
    before = (ledger / REGISTER).read_bytes()
    code, out, err = start(ledger, bundle, "--trusted-key", key.public)
    refused(ledger, before, code, out, err, f"--gate-attestation {bundle}: ", expected)


def test_an_objective_edited_after_its_approval_is_refused(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json")
    objective = ledger / OBJECTIVE
    objective.write_text(objective.read_text().replace("epochs: 2", "epochs: 3"))
    edited = hashlib.sha256(objective.read_bytes()).hexdigest()
    register = ledger / REGISTER  # the round pins the edited file, as someone covering their tracks would
    register.write_text(register.read_text().replace(verified(bundle, key).statement.subjects[0].sha256, edited))
    before = register.read_bytes()
    code, out, err = start(ledger, bundle, "--trusted-key", key.public)
    refused(ledger, before, code, out, err, f"the objective to train has sha256 {edited}, but the approval is for {OBJECTIVE}")


@pytest.mark.parametrize(
    ("signed", "max_age", "expected"),
    [
        ("2026-02-01T08:00:00Z", "7d", "more than 7d before the run started (2026-02-10T08:00:00Z)"),
        ("2026-02-10T09:00:00Z", "7d", "after the run started (2026-02-10T08:00:00Z)"),
    ],
    ids=["stale when the run started", "signed after the run started"],
)
def test_an_approval_that_was_not_current_when_the_run_started_is_refused(
    ledger: Path, key: OrgKey, tmp_path: Path, signed: str, max_age: str, expected: str
) -> None:
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json", checked_at=signed, merged_at="2026-01-30T10:00:00Z")
    before = (ledger / REGISTER).read_bytes()
    code, out, err = start(ledger, bundle, "--trusted-key", key.public, "--max-age", max_age)
    refused(ledger, before, code, out, err, f"--gate-attestation {bundle}: the approval was signed at {signed}", expected)


def test_age_is_judged_at_the_runs_start_not_at_the_time_of_recording(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    """Signed nine days before a run recorded months later: --max-age 10d accepts it, because the run started within 10 days."""
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json", checked_at="2026-02-01T08:00:00Z", merged_at="2026-01-30T10:00:00Z")
    code, _, err = start(ledger, bundle, "--trusted-key", key.public, "--max-age", "10d")
    assert (code, err) == (0, "")
    assert r3(ledger)["approval"]["pull_request"] == 9


def test_with_no_option_the_approval_is_verified_under_the_policys_signers(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    """No --trusted-key and nothing in the environment: the signers the reviewed policy names are the ones (a policy
    naming none is exit 2, test_a_policy_naming_no_approval_signer_records_no_signed_approval)."""
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json")
    code, out, err = start(ledger, bundle)
    assert (code, err) == (0, ""), err
    assert verified(bundle, key).signer in out
    assert r3(ledger)["approval"]["commit"] == COMMIT


def test_a_start_before_the_merge_is_still_the_policy_refusal(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    """Training before approval is exit 1 (FTG908), whatever else is wrong with the timing."""
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json")
    before = (ledger / REGISTER).read_bytes()
    code, out, err = record(
        ledger, "--config", AXOLOTL, "--config", DEVICES, "--gate-attestation", bundle, "--trusted-key", key.public,
        "--started-at", "2026-02-09T09:00:00Z",
    )  # fmt: skip
    assert code == 1 and out == ""
    assert f"--started-at 2026-02-09T09:00:00Z is before ledger-r3 was merged ({MERGED})" in err
    assert (ledger / REGISTER).read_bytes() == before


# -- the valid bundle ------------------------------------------------------------------------------


def test_a_verified_approval_is_recorded_from_its_signed_predicate_with_its_signer_and_digest(
    ledger: Path, key: OrgKey, tmp_path: Path
) -> None:
    bundle = approval_bundle(ledger, key, tmp_path / "ledger-r3.approval.dsse.json")
    good = verified(bundle, key)
    code, out, err = start(ledger, bundle, "--trusted-key", key.public)
    assert (code, err) == (0, ""), err
    assert r3(ledger)["approval"] == {
        "pull_request": 9,
        "merged_at": MERGED,
        "commit": COMMIT,
        "approvers": [{"login": "dana-ml", "role": "technical"}, {"login": "raj-risk", "role": "risk"}],
    }
    comment = next(line.strip() for line in (ledger / REGISTER).read_text().splitlines() if "approval statement" in line)
    assert comment.startswith("# from a signed approval statement")
    assert f"sha256 {good.digest}" in comment and good.signer in comment and good.signer.startswith("key ")
    assert "PR #9" in comment and "dana-ml (technical), raj-risk (risk)" in comment and "unsigned" not in comment
    assert good.signer in out
    assert run_ftgov("check", "--repo-root", str(ledger)).returncode == 0


def test_the_trusted_key_may_come_from_the_environment(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json")
    code, _, err = start(ledger, bundle, env={"FTGOV_TRUSTED_KEY": str(key.public)})
    assert (code, err) == (0, "")
    assert r3(ledger)["approval"]["commit"] == COMMIT


def test_a_rotated_key_is_trusted_beside_the_old_one(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    new = org_key(tmp_path / "new", kind="ecdsa", name="new")
    trust_in_policy(ledger, key, new)  # the rotation is a reviewed change to the policy
    bundle = approval_bundle(ledger, new, tmp_path / "b.dsse.json")
    for trust in (("--trusted-key", key.public, "--trusted-key", new.public), ()):
        before = (ledger / REGISTER).read_bytes()
        code, _, err = start(ledger, bundle, *trust)
        assert (code, err) == (0, ""), err
        assert r3(ledger)["approval"]["pull_request"] == 9
        (ledger / REGISTER).write_bytes(before)  # the round approved again, for the next way of trusting


# -- the run statement -----------------------------------------------------------------------------


def assert_run_statement(file: Path, key: OrgKey, approval: Verified, repo: Path, configs: tuple[Path, ...]) -> dict[str, Any]:
    """`file` verifies under the key, points at the approval's digest, and its subjects are the objective and configs."""
    run = verify_file(file, trusted_signers((key.public,)))
    assert run.statement.predicate_type == statement.RUN
    assert chain.previous_digest(run.statement) == approval.digest
    assert run.statement.predicate["previous"]["predicateType"] == statement.APPROVAL
    subjects = {s.name: s.sha256 for s in run.statement.subjects}
    assert subjects == {
        OBJECTIVE: hashlib.sha256((repo / OBJECTIVE).read_bytes()).hexdigest(),
        **{c.name: hashlib.sha256(c.read_bytes()).hexdigest() for c in configs},
    }
    assert run.statement.subjects[0].name == OBJECTIVE
    # read as the deploy gate reads a link of the chain: this objective, these bytes
    assert chain.link_reasons(run.statement, statement.RUN, "ledger-r3", subjects[OBJECTIVE]) == []
    assert chain.objective_digest(run.statement, "ledger-r3") == approval.statement.subjects[0].sha256
    predicate: dict[str, Any] = dict(run.statement.predicate)
    assert predicate["objective"] == "ledger-r3"
    return predicate


def test_a_run_recorded_trained_in_one_call_emits_the_signed_run_statement(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json")
    out_file = tmp_path / "out" / "ledger-r3.run.dsse.json"
    code, out, err = start(
        ledger, bundle, "--trusted-key", key.public, "--finished-at", FINISHED, "--checkpoint", CHECKPOINT,
        "--signing-key", key.private, "--statement-out", out_file,
    )  # fmt: skip
    assert (code, err) == (0, ""), err
    predicate = assert_run_statement(out_file, key, verified(bundle, key), ledger, (AXOLOTL, DEVICES))
    assert predicate["run"] == {
        "started_at": STARTED,
        "finished_at": FINISHED,
        "checkpoint": CHECKPOINT,
        "evidence": [{"path": c.name, "sha256": hashlib.sha256(c.read_bytes()).hexdigest()} for c in (AXOLOTL, DEVICES)],
    }
    assert chain.checkpoint_of(verify_file(out_file, trusted_signers((key.public,))).statement) == CHECKPOINT
    assert str(out_file) in out
    assert r3(ledger)["status"] == "trained"
    assert not [p for p in out_file.parent.iterdir() if p != out_file]  # no temporary file left beside it


def test_a_run_finished_in_a_second_call_is_signed_with_the_same_bundle(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json")
    code, _, err = start(ledger, bundle, "--trusted-key", key.public)
    assert (code, err) == (0, "")
    out_file = tmp_path / "run.dsse.json"
    finish = ("--finished-at", FINISHED, "--checkpoint", CHECKPOINT, "--signing-key", key.private, "--statement-out", out_file)
    code, _, err = record(ledger, *finish, "--gate-attestation", bundle, "--trusted-key", key.public)
    assert (code, err) == (0, ""), err
    predicate = assert_run_statement(out_file, key, verified(bundle, key), ledger, (AXOLOTL, DEVICES))
    assert (predicate["run"]["started_at"], predicate["run"]["finished_at"]) == (STARTED, FINISHED)
    assert r3(ledger)["status"] == "trained"


def test_finishing_with_another_approval_statement_than_the_one_recorded_is_refused(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    """The same approval re-signed later is another statement: the chain must point at the one the register recorded."""
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json")
    code, _, err = start(ledger, bundle, "--trusted-key", key.public)
    assert (code, err) == (0, "")
    resigned = approval_bundle(ledger, key, tmp_path / "resigned.dsse.json", checked_at="2026-02-09T12:00:00Z")
    out_file = tmp_path / "run.dsse.json"
    before = (ledger / REGISTER).read_bytes()
    code, out, err = record(
        ledger, "--finished-at", FINISHED, "--gate-attestation", resigned, "--trusted-key", key.public,
        "--signing-key", key.private, "--statement-out", out_file,
    )  # fmt: skip
    refused(ledger, before, code, out, err, f"--gate-attestation {resigned}", verified(bundle, key).digest)
    assert not out_file.exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--statement-out", "run.dsse.json"), "--statement-out needs a signer: --signing-key FILE or --keyless"),
        (("--signing-key", "KEY"), "--signing-key: read only with --statement-out FILE"),
        (("--signing-key", "KEY", "--statement-out", "run.dsse.json", "--no-finish"), "the run statement is signed when the run"),
    ],
    ids=["no signer", "no file", "the run not finished"],
)
def test_what_the_run_statement_needs_is_named(ledger: Path, key: OrgKey, tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json")
    finish = () if "--no-finish" in args else ("--finished-at", FINISHED)
    given = [str(key.private) if a == "KEY" else a for a in args if a != "--no-finish"]
    before = (ledger / REGISTER).read_bytes()
    code, out, err = start(ledger, bundle, "--trusted-key", key.public, *finish, *given)
    refused(ledger, before, code, out, err, expected)


def test_a_run_statement_needs_the_approval_statement_it_points_at(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    """r3 is approved in the fixture without a bundle: there is no digest for the run statement to point at."""
    before = (ledger / REGISTER).read_bytes()
    code, out, err = record(
        ledger, "--config", AXOLOTL, "--config", DEVICES, "--started-at", STARTED, "--finished-at", FINISHED,
        "--signing-key", key.private, "--statement-out", tmp_path / "run.dsse.json",
    )  # fmt: skip
    refused(ledger, before, code, out, err, "--statement-out", "--gate-attestation")
    assert not (tmp_path / "run.dsse.json").exists()


def test_no_run_statement_is_written_when_the_register_is_not(ledger: Path, key: OrgKey, tmp_path: Path) -> None:
    bundle = approval_bundle(ledger, key, tmp_path / "b.dsse.json")
    out_file = tmp_path / "run.dsse.json"
    code, _, err = record(
        ledger, "--config", AXOLOTL, "--config", DEVICES, "--gate-attestation", bundle, "--trusted-key", key.public,
        "--started-at", "2026-02-09T09:00:00Z", "--finished-at", FINISHED, "--signing-key", key.private, "--statement-out", out_file,
    )  # fmt: skip
    assert code == 1 and "before ledger-r3 was merged" in err
    assert not out_file.exists()
