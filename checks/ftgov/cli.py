"""The `ftgov` command line: parse arguments, call the library, render, exit.

Exit codes (every command): 0 passed, 1 policy failure, 2 usage or input error,
3 could not decide.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from ftgov import __version__

FORMATS = ("text", "json", "github", "sarif", "junit")

repo_root_option = click.option(
    "--repo-root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Governance repository root. Default: the nearest parent holding policies/policy.yaml.",
)


class _Progress:
    """'validated 120/2000' on a terminal's stderr; silent when piped."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.enabled and total >= 20:
            end = "\n" if done == total else ""
            click.echo(f"\rvalidated {done}/{total} files", err=True, nl=False)
            if end:
                click.echo("\r" + " " * 40 + "\r", err=True, nl=False)


def _fail_input(message: str) -> None:
    click.echo(f"ftgov: error: {message}", err=True)
    sys.exit(2)


def _run_validation(repo_root: Path | None, paths: Sequence[Path] | None, fmt: str, jobs: int | None, out: Path | None) -> None:
    from ftgov.render import FINDING_FORMATS
    from ftgov.repo import InputError, Repository
    from ftgov.validate import validate

    try:
        repo = Repository.discover(repo_root, start=paths[0].parent if paths else None)
        result = validate(repo, paths, jobs=jobs, progress=_Progress())
    except InputError as exc:
        _fail_input(str(exc))
        return
    rendered = FINDING_FORMATS[fmt](result)
    if out is not None:
        _write_atomically(out, rendered)
    else:
        click.echo(rendered, nl=False)
    sys.exit(result.exit_code)


def _write_atomically(target: Path, content: str) -> None:
    """Never leave a half-written report: write beside it, then rename over it."""
    import os
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ftgov")
def main() -> None:
    """Fine-tune objective governance as code.

    A fine-tune may only train once a documented objective for it has been reviewed and
    merged, and only deploy once its evaluation meets every criterion that objective and
    every earlier round of the model set (AG-341).

    \b
    Exit codes: 0 passed, 1 policy failure (findings at error level),
    2 usage or input error, 3 could not decide.
    """


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text: path:line:col: CODE message; json: one object for machines; github: workflow "
    "annotations; sarif: SARIF 2.1.0 for code scanning; junit: JUnit XML.",
)
jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for large runs. Default: one per core.",
)
out_option = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE (atomically) instead of stdout.",
)


@main.command()
@repo_root_option
@format_option
@jobs_option
@out_option
def check(repo_root: Path | None, fmt: str, jobs: int | None, out: Path | None) -> None:
    """Check the whole repository offline: every objective, register and policy.

    Runs the same rules as `ftgov validate` over objectives/, registers/ and policies/,
    including the cross-document rules (unique ids, parents, rollback targets) and
    waiver expiry. This is the job CI and the README's first command run.
    """
    _run_validation(repo_root, None, fmt, jobs, out)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@repo_root_option
@format_option
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
    _run_validation(repo_root, list(paths) if paths else None, fmt, jobs, out)


@main.command()
@click.argument("code", required=False)
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
def rules(code: str | None, fmt: str) -> None:
    """List every rule, or show one rule's documentation (why it matters, example, fix).

    CODE is a rule code such as FTG201 or its name such as placeholder-text.
    """
    import json

    from ftgov.rules import ALL_RULES, by_code

    if code is None:
        if fmt == "json":
            click.echo(
                json.dumps(
                    [{"code": r.code, "name": r.name, "severity": r.severity.value, "summary": r.summary} for r in ALL_RULES], indent=2
                )
            )
        else:
            for r in ALL_RULES:
                click.echo(f"{r.code}  {r.name:<38} {r.severity.value:<8} {r.summary}")
        return
    rule = by_code(code)
    if rule is None:
        _fail_input(f"unknown rule {code!r}; `ftgov rules` lists them")
        return
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "code": rule.code,
                    "name": rule.name,
                    "severity": rule.severity.value,
                    "summary": rule.summary,
                    "doc": rule.doc.strip(),
                    "waivable": rule.waivable,
                },
                indent=2,
            )
        )
        return
    waivable = "" if rule.waivable else ", cannot be waived"
    click.echo(f"{rule.code} {rule.name} ({rule.severity.value}{waivable})\n")
    click.echo(rule.doc.strip())
