"""The documents' commands: validate, check, rules. They read the files as they are (and git, for `check --base`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ftgov.cli.options import TEXT_OR_JSON, emit, findings_format_option, format_option, jobs_option, out_option, repo_root_option
from ftgov.documents.errors import InputError

if TYPE_CHECKING:
    from ftgov.documents.repository import Repository


class ValidationProgress:
    """'validated 120/2000' on a terminal's stderr; silent when piped."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.enabled and total >= 20:
            end = "\n" if done == total else ""
            click.echo(f"\rvalidated {done}/{total} files", err=True, nl=False)
            if end:
                click.echo("\r" + " " * 40 + "\r", err=True, nl=False)


def _discover_for(repo_root: Path | None, paths: Sequence[Path] | None) -> Repository:
    """--repo-root, else the repository around the current directory (README, "Commands"); only outside any, the first PATH's."""
    from ftgov.documents.repository import Repository

    try:
        return Repository.discover(repo_root)
    except InputError:
        if repo_root is not None or not paths:
            raise
        return Repository.discover(None, start=paths[0].parent)


def _validate(
    repo_root: Path | None, paths: Sequence[Path] | None, fmt: str, jobs: int | None, out: Path | None, base: str | None = None
) -> None:
    from ftgov.documents.validate import validate
    from ftgov.render import FINDING_FORMATS

    repo = _discover_for(repo_root, paths)
    since = None
    if base is not None:
        from ftgov.register.check_base import GitBase, check_since

        since = GitBase.open(repo.root, base)  # an unknown REF is exit 2 before any work
    result = validate(repo, paths, jobs=jobs, progress=ValidationProgress())
    if since is not None:
        result = check_since(repo, since, result)
    emit(FINDING_FORMATS[fmt](result), out)
    sys.exit(result.exit_code)


@click.command()
@repo_root_option
@findings_format_option
@jobs_option
@out_option
@click.option(
    "--base",
    metavar="REF",
    default=None,
    help="Also check what changed since git REF (e.g. origin/main): approved objectives unedited, registers only "
    "appended to, statuses forward only, nothing removed within the retention (FTG95x).",
)
def check(repo_root: Path | None, fmt: str, jobs: int | None, out: Path | None, base: str | None) -> None:
    """Check the whole repository offline: every objective, register and policy.

    Runs the same rules as `ftgov validate` over objectives/, registers/ and policies/,
    including the cross-document rules (unique ids, parents, rollback targets) and
    waiver expiry. This is the job CI and the README's first command run. Without --base it
    reads nothing but the files as they are; with --base REF it also asks git what changed.
    """
    _validate(repo_root, None, fmt, jobs, out, base)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@repo_root_option
@findings_format_option
@jobs_option
@out_option
def validate(paths: tuple[Path, ...], repo_root: Path | None, fmt: str, jobs: int | None, out: Path | None) -> None:
    """Validate documents against their schema and the policy's rules.

    PATHS are files or directories (default: every document in the repository). Each
    finding names its rule code, file, line and column; `ftgov rules CODE` explains it.
    Cross-document rules (unique ids, parent and rollback links) always consider every
    objective in the repository but report only on the PATHS given.

    \b
    Examples:
      ftgov validate objectives/support-agent/support-agent-r3.yaml
      ftgov validate --format github          # in GitHub Actions
      ftgov validate --format sarif --out ftgov.sarif
    """
    _validate(repo_root, list(paths) if paths else None, fmt, jobs, out)


@click.command()
@click.argument("code", required=False)
@format_option(TEXT_OR_JSON)
def rules(code: str | None, fmt: str) -> None:
    """List every rule, or show one rule's documentation (why it matters, example, fix).

    CODE is a rule code such as FTG201 or its name such as placeholder-text.
    """
    import json

    from ftgov.documents.rules import ALL_RULES, by_code

    if code is None:
        if fmt == "json":
            listed = [{"code": r.code, "name": r.name, "severity": r.severity.value, "summary": r.summary} for r in ALL_RULES]
            click.echo(json.dumps(listed, indent=2))
        else:
            for r in ALL_RULES:
                click.echo(f"{r.code}  {r.name:<38} {r.severity.value:<8} {r.summary}")
        return
    rule = by_code(code)
    if rule is None:
        raise InputError(f"unknown rule {code!r}; `ftgov rules` lists them")
    if fmt == "json":
        shown = {
            "code": rule.code,
            "name": rule.name,
            "severity": rule.severity.value,
            "summary": rule.summary,
            "doc": rule.doc.strip(),
            "waivable": rule.waivable,
        }
        click.echo(json.dumps(shown, indent=2))
        return
    waivable = "" if rule.waivable else ", cannot be waived"
    click.echo(f"{rule.code} {rule.name} ({rule.severity.value}{waivable})\n")
    click.echo(rule.doc.strip())


COMMANDS = (check, validate, rules)
