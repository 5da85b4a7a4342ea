"""A parsed governance document, as every later step sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Document:
    """A document's values (plain dicts, lists and scalars) and its kind."""

    path: str  # as shown to users: relative to the repository root, '/'-separated
    kind: str
    data: dict[str, Any]
