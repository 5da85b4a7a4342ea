"""The `ftgov` command line: parse arguments, call the library, render, exit.

Exit codes (every command): 0 passed, 1 policy failure, 2 usage or input error,
3 could not decide, 70 internal error (a bug: the traceback is printed).

One module of commands per pillar: documents (validate, check, rules), register (new,
record-run, correct, decide, register show, report pr), evaluation (evaluate) and gate (gate,
approvals, audit-repo, comment); options holds what they share. A command imports its
pillar when it runs, so `ftgov validate` never loads the forge or the statistics.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Iterator
from typing import Any, NoReturn

import click

from ftgov import __version__
from ftgov.cli import attest, data, documents, evaluation, gate, register


def _fail_input(message: str) -> NoReturn:
    click.echo(f"ftgov: error: {message}", err=True)
    sys.exit(2)


class _Commands(click.Group):
    """The one error handler of every command (ftgov.documents.errors has the contract).

    Usage errors print as one line, like every other input error, instead of click's usage
    block; a group called without a command still prints its help (click's NoArgsIsHelpError).
    """

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any) -> click.Context:
        with _error_contract():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> object:
        with _error_contract():
            return super().invoke(ctx)


@contextlib.contextmanager
def _error_contract() -> Iterator[None]:
    """An FtgovError exits with its code and its one line; any other exception is a bug: traceback, exit 70."""
    from ftgov.documents.errors import INTERNAL_ERROR, FtgovError

    try:
        yield
    except (click.exceptions.NoArgsIsHelpError, click.exceptions.Exit, click.Abort):
        raise
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "ftgov"
        _fail_input(f"{exc.format_message()} (`{where} --help` lists the options)")
    except click.ClickException:
        raise
    except FtgovError as exc:
        click.echo(f"ftgov: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception:
        traceback.print_exc()
        click.echo(f"ftgov: internal error: a bug in ftgov {__version__}; please report it with the traceback above", err=True)
        sys.exit(INTERNAL_ERROR)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ftgov")
def main() -> None:
    """Fine-tune objective governance as code.

    A fine-tune may only train once a documented objective for it has been reviewed and
    merged, and only deploy once its evaluation meets every criterion that objective and
    every earlier round of the model set (AG-341).

    \b
    Exit codes: 0 passed, 1 policy failure (findings at error level),
    2 usage or input error, 3 could not decide, 70 internal error (a bug in
    ftgov: the traceback is printed; report it).
    """


for _pillar in (documents, register, data, evaluation, gate, attest):
    for _command in _pillar.COMMANDS:
        main.add_command(_command)
