"""A parsed governance document, as every later step sees it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Document:
    """A file's values (plain dicts, lists and scalars), its kind and its text."""

    path: str  # as shown to users: relative to the repository root, '/'-separated
    file: Path | None  # None when read from a forge rather than from disk
    kind: str
    data: dict[str, Any]
    text: str
