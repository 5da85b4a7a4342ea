"""record-run takes the Sigstore root from the reviewed policy, never from its operator.

The policy fixes which workflow identities may sign approvals, but the trusted root decides
who can obtain a certificate for one: a root of the operator's making (their own certificate
authority and log keys) could certify the attest workflow's identity. So record-run has no
--sigstore-root and reads neither FTGOV_SIGSTORE_ROOT; a private Sigstore instance's root is
a file in the repository named by gate.approval_signers.sigstore_root.

The bundle is a real one (tests/fixtures/sigstore, staging), signed by a public test
workflow: it is no ftgov approval, so the most it can reach is that refusal, and how far it
gets shows which root verified it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ruamel.yaml import YAML

from ..conftest import FIXTURES
from ..repository import build_ledger_repo
from ..signing import trust_in_policy
from .test_record_run_signed import CLEAN_ENV, REGISTER, start

SIGSTORE = FIXTURES / "sigstore"
BUNDLE = SIGSTORE / "staging-dsse.sigstore.json"
IDENTITY = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/"
    "extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
SIGNATURE_REFUSED = "does not verify for the trusted identity"
NOT_AN_APPROVAL = "not an ftgov approval"


def _repo(tmp_path: Path, *, policy_root: bool) -> Path:
    repo = build_ledger_repo(tmp_path / "repo")
    trust_in_policy(repo, identities=(IDENTITY,))
    if policy_root:
        shutil.copy(SIGSTORE / "staging-trusted_root.json", repo / "policies" / "sigstore-trusted-root.json")
        yaml = YAML()
        path = repo / "policies" / "policy.yaml"
        policy = yaml.load(path.read_text(encoding="utf-8"))
        policy["gate"]["approval_signers"]["sigstore_root"] = "policies/sigstore-trusted-root.json"
        with path.open("w", encoding="utf-8") as handle:
            yaml.dump(policy, handle)
    return repo


def test_the_root_the_policy_names_verifies_the_bundle(tmp_path: Path) -> None:
    repo = _repo(tmp_path, policy_root=True)
    before = (repo / REGISTER).read_bytes()
    code, _, err = start(repo, BUNDLE, env=CLEAN_ENV)
    assert code == 2 and NOT_AN_APPROVAL in err and SIGNATURE_REFUSED not in err, err  # verified, then judged
    assert (repo / REGISTER).read_bytes() == before


def test_without_one_the_production_root_refuses_a_staging_bundle_whatever_the_environment_says(tmp_path: Path) -> None:
    repo = _repo(tmp_path, policy_root=False)
    operator_root = tmp_path / "operator-root.json"
    shutil.copy(SIGSTORE / "staging-trusted_root.json", operator_root)  # the operator's root: would verify the bundle
    code, _, err = start(repo, BUNDLE, env={**CLEAN_ENV, "FTGOV_SIGSTORE_ROOT": str(operator_root)})
    assert code == 2 and SIGNATURE_REFUSED in err, err
    code, _, err = start(repo, BUNDLE, "--sigstore-root", operator_root, env=CLEAN_ENV)
    assert code == 2 and "No such option '--sigstore-root'" in err, err
