"""Writing a file so that a reader sees the old content or the new, never half of either.

Reports (`--out`), registers and scaffolded objectives are all written this way: a
temporary file beside the target, flushed to disk, then renamed over it (or linked, when
an existing file must never be overwritten), and the directory synced so the rename
survives a crash. The file gets the mode any new file gets under the umask (0644 under
022): a trainer running as another user reads the attestation an init container wrote.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ftgov.documents.errors import InputError


class TempFileError(InputError):
    """The temporary file beside the target could not be created (the directory refuses it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def write_atomically(target: Path, content: str, *, exclusive: bool = False) -> None:
    """Write content to target; with exclusive, fail (FileExistsError) rather than overwrite."""
    directory = target.parent
    temp = directory / f".{target.name[:100]}.{secrets.token_hex(6)}.tmp"  # fits NAME_MAX whatever the target's length
    try:
        # os.open applies the umask to 0o666, as for any new file (mkstemp would force 0600).
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise TempFileError(exc.strerror or type(exc).__name__) from exc
    try:
        # newline="": a register written with CRLF keeps its line endings byte for byte.
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temp, target)  # fails if someone created the file meanwhile; never overwrites
            temp.unlink()
        else:
            os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass  # some filesystems cannot sync a directory; the file itself is written
    finally:
        os.close(dir_fd)


def write_report(target: Path, content: str) -> None:
    """Write a report to target for `--out`, or raise InputError naming what is wrong with target.

    Missing parent directories are created; a failure leaves neither half a file nor a stray
    temporary file (write_atomically).
    """
    problem = unwritable(target)
    if problem is None:
        try:
            write_atomically(target, content)
            return
        except TempFileError as exc:
            problem = f"cannot create a file in {target.parent} ({exc.reason})"
        except OSError as exc:
            problem = f"cannot write it ({exc.strerror or type(exc).__name__})"
    raise InputError(f"--out {target}: {problem}")


def unwritable(target: Path) -> str | None:
    """What stops target from being written, if something already does; creates missing parents.

    Asked before any other write when target must follow it (a statement after the register):
    a directory that refuses files is said then, not after the first write has happened.
    """
    if target.is_dir():
        return "is a directory; name a file, e.g. " + str(target / "report.json")
    for ancestor in (target.parent, *target.parent.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                return f"{ancestor} is a file, not a directory"
            break
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create the directory {target.parent} ({exc.strerror or type(exc).__name__})"
    if not os.access(target.parent, os.W_OK | os.X_OK):
        return f"cannot create a file in {target.parent} (no write permission)"
    return None
