"""What several commands share: --repo-root, --out (and where a report goes), --format, --jobs, --github-url.

Each --format offers exactly the keys of the registry its renderers live in
(ftgov.render.FINDING_FORMATS, ...), read the first time click needs them: the registries import
their renderers, and a command that renders nothing (the one-file pre-commit `validate` among
them) should not pay for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ftgov.documents.atomic import write_report

Decorated = TypeVar("Decorated", bound=Callable[..., Any])

if TYPE_CHECKING:
    _StrChoice = click.Choice[str]
else:
    _StrChoice = click.Choice  # generic only from click 8.4; the floor is 8.1


class _Registry(_StrChoice):
    """The choices of a --format: the keys of a renderers' registry, loaded when first asked for."""

    def __init__(self, registry: Callable[[], Mapping[str, object]]) -> None:
        # Choice.__init__ would read the choices now; the registry is read on first use instead.
        self._registry = registry
        self._names: tuple[str, ...] | None = None
        self.case_sensitive = True

    @property
    def choices(self) -> tuple[str, ...]:
        if self._names is None:
            self._names = tuple(self._registry())
        return self._names

    @choices.setter
    def choices(self, names: Iterable[str]) -> None:
        self._names = tuple(names)


def _finding_renderers() -> Mapping[str, object]:
    from ftgov.render import FINDING_FORMATS

    return FINDING_FORMATS


def _verdict_renderers() -> Mapping[str, object]:
    from ftgov.render.verdict_formats import VERDICT_FORMATS

    return VERDICT_FORMATS


def _register_renderers() -> Mapping[str, object]:
    from ftgov.render.register import RENDERERS

    return RENDERERS


def _pr_report_renderers() -> Mapping[str, object]:
    from ftgov.render.report_pr import RENDERERS

    return RENDERERS


FINDINGS: click.Choice[str] = _Registry(_finding_renderers)
"""check, validate, audit-repo: a ValidationResult."""
VERDICT: click.Choice[str] = _Registry(_verdict_renderers)
"""evaluate: the evaluation report."""
REGISTER: click.Choice[str] = _Registry(_register_renderers)
"""register show: the register's view."""
PR_REPORT: click.Choice[str] = _Registry(_pr_report_renderers)
"""report pr: the reviewer's report."""
TEXT_OR_JSON: click.Choice[str] = click.Choice(("text", "json"))
"""rules, gate, approvals: each renders its own one line or JSON object."""


def format_option(formats: click.Choice[str], *, default: str = "text", help: str | None = None) -> Callable[[Decorated], Decorated]:
    return click.option("--format", "fmt", type=formats, default=default, show_default=True, help=help)


findings_format_option = format_option(
    FINDINGS,
    help="text: path:line:col: CODE message; json: one object for machines; github: workflow "
    "annotations; sarif: SARIF 2.1.0 for code scanning; junit: JUnit XML.",
)
repo_root_option = click.option(
    "--repo-root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Governance repository root. Default: the nearest parent holding policies/policy.yaml.",
)
out_option = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE (atomically) instead of stdout.",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for large runs. Default: one per core.",
)
github_url_option = click.option(
    "--github-url",
    default=None,
    metavar="URL",
    help="GitHub Enterprise base URL, e.g. https://github.example.com (omit for github.com).",
)


def emit(report: str, out: Path | None) -> None:
    """The report to --out FILE, written atomically (an InputError naming what is wrong with FILE), else to stdout."""
    if out is not None:
        write_report(out, report)
    else:
        click.echo(report, nl=False)
