"""The sha256 of a file, read in blocks: how every pin in a register (reports, run evidence, data files) is computed."""

from __future__ import annotations

import hashlib
from pathlib import Path

_BLOCK = 1 << 20  # 1 MiB: a multi-GB data file is hashed in constant memory


def file_sha256(path: Path) -> str:
    """Hex sha256 of the file's bytes; an OSError (missing, a directory, no permission) is the caller's to word."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()
