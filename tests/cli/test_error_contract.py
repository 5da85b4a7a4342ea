"""One error contract: every library error carries its exit code, one handler at the top of the CLI maps it.

Run in-process with click's runner (check-jsonschema's style), so a library function can be
made to fail the way a bug or a refusal would.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from ftgov.cli import main
from ftgov.documents import errors, validate
from ftgov.documents.atomic import TempFileError
from ftgov.documents.errors import INTERNAL_ERROR, FtgovError, InputError, Refusal, Undecided
from ftgov.documents.times import TimeError
from ftgov.evaluation.results import ResultsError
from ftgov.gate.forge import ForgeError, UnknownRef
from ftgov.gate.forge.comment import MarkerError
from ftgov.gate.gate import GateDenied, GateUsageError
from ftgov.gate.provenance import Denied
from ftgov.register.ops import PolicyRefusal
from ftgov.register.runconfig.reading import ConfigError
from ftgov.register.yaml_append import EditError

from ..conftest import REPO_FIXTURE


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputError, 2), (ResultsError, 2), (UnknownRef, 2), (MarkerError, 2), (GateUsageError, 2), (ConfigError, 2),
        (EditError, 2), (TimeError, 2), (TempFileError, 2),
        (Refusal, 1), (GateDenied, 1), (Denied, 1), (PolicyRefusal, 1),
        (ForgeError, 3), (Undecided, 3),
    ],
)  # fmt: skip
def test_every_library_error_carries_its_exit_code(error: type[FtgovError], code: int) -> None:
    assert issubclass(error, FtgovError) and error.exit_code == code


def _check_failing_with(monkeypatch: pytest.MonkeyPatch, exc: Exception) -> tuple[int, str]:
    def broken(*args: object, **kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(validate, "validate", broken)
    done = CliRunner().invoke(main, ["check", "--repo-root", str(REPO_FIXTURE)])
    return done.exit_code, done.output


def test_an_unexpected_exception_is_a_bug_with_a_traceback_and_exit_70(monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _check_failing_with(monkeypatch, KeyError("rounds"))
    assert code == INTERNAL_ERROR == 70
    assert "Traceback (most recent call last)" in output and "KeyError: 'rounds'" in output
    assert "ftgov: internal error: a bug in ftgov" in output
    assert code not in (0, 1, 2, 3)  # never read as a verdict


@pytest.mark.parametrize(
    ("exc", "code"), [(InputError("x.yaml: no such file"), 2), (Refusal("the policy says no"), 1), (Undecided("GitHub did not answer"), 3)]
)
def test_a_library_error_leaving_a_command_exits_with_its_code_in_one_line(
    monkeypatch: pytest.MonkeyPatch, exc: FtgovError, code: int
) -> None:
    got, output = _check_failing_with(monkeypatch, exc)
    assert got == code and output == f"ftgov: error: {exc}\n"


def test_the_exit_codes_are_documented_where_users_read_them() -> None:
    done = CliRunner().invoke(main, ["--help"])
    assert "70 internal error" in " ".join(done.output.split())
    assert errors.__doc__ is not None and "70 internal error (a bug)" in errors.__doc__
