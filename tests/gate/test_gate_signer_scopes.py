"""Whom each link of the chain may be signed by: a pipeline's key never stands in for the reviewers.

An independent review showed that with one trusted set for every link, the key record-run
holds in every training job (it signs the run statement) could sign an approval nobody
merged, an evaluation nobody ran and a deploy decision nobody took, and the offline gates
allowed them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ftgov.attest.verify import trusted_signers
from ftgov.gate.signed import decide_deploy, decide_train

from ..signed_chain import CHECKPOINT, OBJECTIVE_ID, OBJECTIVE_TEXT, sign, valid_links
from ..signing import org_key

WEEK = dt.timedelta(days=7)


def test_a_chain_signed_entirely_by_the_launchers_key_does_not_deploy(tmp_path: Path) -> None:
    attest = org_key(tmp_path / "attest", name="org")  # held by the default-branch workflow's environment only
    launcher = org_key(tmp_path / "launcher", name="launcher")  # held by the recorder in every training job
    forged = sign(valid_links(), tmp_path / "forged", launcher)
    governance, pipeline = trusted_signers((attest.public,)), trusted_signers((launcher.public,))
    answer = decide_deploy(OBJECTIVE_ID, forged, governance, checkpoint=CHECKPOINT, max_age=WEEK, pipeline=pipeline)
    assert answer.decision == "deny"
    assert any("approval statement signed by" in r and "pipeline signer" in r for r in answer.reasons), answer.reasons
    assert any("decision statement signed by" in r and "pipeline signer" in r for r in answer.reasons), answer.reasons
    genuine = sign(valid_links(), tmp_path / "genuine", attest, run=launcher, evaluation=launcher)
    allowed = decide_deploy(OBJECTIVE_ID, genuine, governance, checkpoint=CHECKPOINT, max_age=WEEK, pipeline=pipeline)
    assert (allowed.decision, allowed.reasons) == ("allow", ())


def test_the_train_gate_trusts_only_the_governance_signer(tmp_path: Path) -> None:
    attest = org_key(tmp_path / "attest", name="org")
    launcher = org_key(tmp_path / "launcher", name="launcher")
    [approval, *_] = sign(valid_links(), tmp_path / "chain", launcher)
    objective = tmp_path / "objective.yaml"
    objective.write_bytes(OBJECTIVE_TEXT)
    answer = decide_train(OBJECTIVE_ID, approval, trusted_signers((attest.public,)), max_age=WEEK, objective_file=objective)
    assert answer.decision == "deny" and "no signature verifies under a trusted key" in answer.reasons[0]
