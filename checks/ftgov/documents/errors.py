"""The one error contract: every error ftgov raises on purpose carries the exit code it means.

The command line has one handler at its top (ftgov.cli): an `FtgovError` prints its one-line
message and exits with its `exit_code`; anything else is a bug in ftgov, printed with its
traceback and exit code `INTERNAL_ERROR`, which no caller can mistake for a verdict.

    0  passed / allowed              1  refused: findings at error level, verdict fail, gate denied
    2  usage or input error          3  could not decide (forge unreachable, rate-limited)
    70 internal error (a bug)

Pure Python, no ftgov imports: every pillar imports it.
"""

from __future__ import annotations

REFUSED = 1
USAGE = 2
UNDECIDED = 3
INTERNAL_ERROR = 70  # EX_SOFTWARE in sysexits.h: not 0-3, so never read as a verdict


class FtgovError(Exception):
    """An error ftgov raises on purpose; the message is one line and says what to do."""

    exit_code: int = USAGE


class InputError(FtgovError):
    """A problem with what the user asked for or gave (a bad argument, an unreadable or malformed file)."""

    exit_code = USAGE


class Refusal(FtgovError):
    """The request was understood and refused: the policy, the status machine or the gate says no."""

    exit_code = REFUSED


class Undecided(FtgovError):
    """Nothing could be decided (the forge could not answer): a deny for the gate, never an allow."""

    exit_code = UNDECIDED
