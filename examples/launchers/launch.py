"""A Python launcher that asks ftgov before it starts a training run.

    GITHUB_TOKEN=... python launch.py support-agent-r3

Exit codes are the gate's: 0 trained, 1 denied, 2 misconfigured (no objective id, no
token), 3 GitHub could not answer.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

from ftgov.gate import GateDenied, GateUsageError, require_approved

USAGE = "usage: launch.py OBJECTIVE_ID   (with GITHUB_TOKEN set to a token that can read the governance repository)"


def main(objective_id: str) -> int:
    started_at = dt.datetime.now(dt.UTC)
    try:
        attestation = require_approved(objective_id, repo="acme/governance", started_at=started_at)
    except GateDenied as denied:
        undecided = denied.attestation.undecided
        print(("could not decide" if undecided else "denied") + f": {objective_id}", file=sys.stderr)
        for reason in denied.attestation.reasons:
            print(f"  - {reason}", file=sys.stderr)
        return 3 if undecided else 1
    except GateUsageError as error:
        print(f"launcher misconfigured: {error}", file=sys.stderr)
        return 2
    # The run itself, and anything it starts, has no business with the governance token.
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        os.environ.pop(name, None)
    run_dir = Path("runs") / started_at.strftime("%Y%m%dT%H%M%SZ")
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "ftgov-attestation.json").write_text(json.dumps(attestation.to_json(), indent=2))
    # Start training here, pinned to attestation.head_sha and attestation.blob_sha.
    print(f"training {objective_id}: approved by PR #{attestation.pull_request} at {attestation.head_sha}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] in (["-h"], ["--help"]):
        print(USAGE)
        sys.exit(0)
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        print(USAGE, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
