"""Renderers: a ValidationResult in, text out. They know nothing of rules' logic."""

from __future__ import annotations

from collections.abc import Callable

from ftgov.documents.validate import ValidationResult
from ftgov.render import github, junit, machine, sarif, text

Renderer = Callable[[ValidationResult], str]

FINDING_FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": machine.render,
    "github": github.render,
    "sarif": sarif.render,
    "junit": junit.render,
}
