"""A Python launcher that asks ftgov before it starts a training run.

    GITHUB_TOKEN=... python launch.py support-agent-r3
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from ftgov.gate import GateDenied, GateUsageError, require_approved


def main(objective_id: str) -> int:
    started_at = dt.datetime.now(dt.timezone.utc)
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
    run_dir = Path("runs") / started_at.strftime("%Y%m%dT%H%M%SZ")
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "ftgov-attestation.json").write_text(json.dumps(attestation.to_json(), indent=2))
    # Start training here, pinned to attestation.head_sha and attestation.blob_sha.
    print(f"training {objective_id}: approved by PR #{attestation.pull_request} at {attestation.head_sha}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
