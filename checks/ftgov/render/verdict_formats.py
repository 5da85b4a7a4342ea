"""The evaluation report's formats: a report (Evaluation.to_json()) in, text out."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ftgov.render import verdict_html, verdict_markdown, verdict_text

VerdictRenderer = Callable[[Mapping[str, Any]], str]


def _json(report: Mapping[str, Any]) -> str:
    return json.dumps(report, indent=2) + "\n"


VERDICT_FORMATS: dict[str, VerdictRenderer] = {
    "text": verdict_text.render,
    "json": _json,
    "markdown": verdict_markdown.render,
    "html": verdict_html.render,
}
