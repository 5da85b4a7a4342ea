"""Issue 13: every command that writes a register goes through register_ops.write_register.

It re-reads the register, refuses when it changed since the command read it (nothing is
written), and writes atomically. Driven through the library calls the commands use, with
the edit made between the read and the write, as a concurrent editor would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftgov.documents.errors import InputError
from ftgov.documents.repository import Repository
from ftgov.register import new as scaffold
from ftgov.register import ops as register_ops

from ..repository import build_ledger_repo


def test_a_register_changed_since_it_was_read_is_not_overwritten(tmp_path: Path) -> None:
    repo_root = build_ledger_repo(tmp_path / "repo")
    path = "registers/ledger.yaml"
    file = repo_root / path
    before = file.read_text()
    file.write_text(before + "# someone else's edit\n")
    with pytest.raises(InputError, match="changed while this command ran; nothing was written"):
        register_ops.write_register(file, path, before, before + "# ours\n")
    assert file.read_text().endswith("# someone else's edit\n")
    register_ops.write_register(file, path, file.read_text(), before)  # read again: written
    assert file.read_text() == before


def test_new_refuses_a_register_that_appeared_or_changed_while_it_ran(tmp_path: Path) -> None:
    repo_root = build_ledger_repo(tmp_path / "repo")
    repo = Repository.discover(repo_root)
    result = scaffold.scaffold(repo, "ledger", None)
    (repo_root / result.register_path).write_text((repo_root / result.register_path).read_text() + "# concurrent\n")
    with pytest.raises(InputError, match="changed while this command ran"):
        scaffold.write(repo, result)
    assert not (repo_root / result.objective_path).exists()  # the objective written first is undone
