"""Fill a launcher manifest's ${FTGOV_...}, ${TRAIN_...} and ${SERVE_...} placeholders from the environment.

    FTGOV_REPO=OWNER/NAME FTGOV_OBJECTIVE=ID ... python render.py kubernetes-job.yaml | kubectl apply -f -

Only `${NAME}` with NAME starting FTGOV_, TRAIN_ or SERVE_ is a placeholder; the shell in the
manifests (`"$OBJECTIVE"`, `$(date ...)`) is left alone. Every placeholder must be set and
non-empty: a missing one is exit 2, naming each, and nothing is printed (an empty repository
or objective would reach the cluster as a Job that can only fail later, less clearly).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

PLACEHOLDER = re.compile(r"\$\{((?:FTGOV|TRAIN|SERVE)_[A-Z0-9_]+)\}")


def render(text: str, environ: dict[str, str]) -> tuple[str, list[str]]:
    """The text with each placeholder replaced, and the names the environment lacks (in order of first use)."""
    missing = [name for name in dict.fromkeys(PLACEHOLDER.findall(text)) if not environ.get(name)]
    return PLACEHOLDER.sub(lambda m: environ.get(m.group(1), ""), text), missing


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: render.py MANIFEST (its ${FTGOV_...}, ${TRAIN_...}, ${SERVE_...} come from the environment)", file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        print(f"render.py: {path}: {error.strerror}", file=sys.stderr)
        return 2
    rendered, missing = render(text, dict(os.environ))
    if missing:
        print(f"render.py: {path}: not set: {', '.join(missing)}", file=sys.stderr)
        return 2
    sys.stdout.write(rendered)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
