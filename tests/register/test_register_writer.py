"""How a command writes a register (register/ops.py), on its own: read, change, check, write.

Every command that changes a register reads it (load_register), makes the change as
appended text, checks that the text came out as meant (expect_change) and adds no finding
the register did not already have (new_findings: the register schema and rules), then hands
it to write_register, which refuses a register changed since it was read and writes
atomically. A refusal at any step leaves the register's bytes as they were and nothing else
in its directory; what is written is byte for byte the text that was checked.

Each test builds the register fixture (model `ledger`: r1 deployed, r2 evaluated, r3
approved) in its own temporary directory.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ftgov.documents.errors import InputError
from ftgov.documents.repository import Repository
from ftgov.register import correct as correct_command
from ftgov.register import ops
from ftgov.register.yaml_append import EditError, Time, add_keys, replace_scalar

from ..repository import build_ledger_repo

REGISTER = "registers/ledger.yaml"
CHANGED = "registers/ledger.yaml: changed while this command ran; nothing was written, run it again"


@dataclass(frozen=True)
class Ledger:
    repo: Repository
    file: Path

    def listing(self) -> list[str]:
        """Everything in the register's directory, hidden files (a temporary file) included."""
        return sorted(os.listdir(self.file.parent))


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    root = build_ledger_repo(tmp_path / "governance")
    return Ledger(Repository.discover(root), root / REGISTER)


def deploy_r2(text: str, at: str = "2026-02-05T09:00:00Z") -> str:
    """The text `ftgov decide ledger-r2 --action deploy` appends: the decision and the new status."""
    decision = {"action": "deploy", "by": "raj-risk", "at": Time(at), "reason": "all criteria met"}
    return replace_scalar(add_keys(text, ("rounds", 1), {"decision": decision}), ("rounds", 1, "status"), "deployed")


def checked(register: ops.LoadedRegister, new_text: str, index: int, expected_round: dict[str, object]) -> str:
    """new_text, after the checks every command runs before writing; the test fails if they refuse it."""
    ops.expect_change(register, new_text, index, expected_round)
    assert ops.new_findings(register, new_text, ops.load_policy(register.repo)) == []
    return new_text


# --- what is written --------------------------------------------------------------------------------


def test_a_checked_change_is_written_byte_for_byte_and_read_back_as_checked(ledger: Ledger) -> None:
    listing = ledger.listing()
    register = ops.load_register(ledger.repo, "ledger")
    _, r2 = register.round_of("ledger-r2")
    decision = {"action": "deploy", "by": "raj-risk", "at": "2026-02-05T09:00:00Z", "reason": "all criteria met"}
    new_text = checked(register, deploy_r2(register.text), 1, {**r2, "decision": decision, "status": "deployed"})

    ops.write_register(ledger.file, REGISTER, register.text, new_text)

    assert ledger.file.read_bytes() == new_text.encode("utf-8")
    assert ledger.listing() == listing
    again = ops.load_register(ledger.repo, "ledger")
    assert again.text == new_text
    assert again.round_of("ledger-r2")[1] == {**r2, "decision": decision, "status": "deployed"}
    assert again.rounds[0] == register.rounds[0] and again.rounds[2] == register.rounds[2]


def test_a_crlf_register_with_non_ascii_text_is_written_as_checked(ledger: Ledger) -> None:
    original = ledger.file.read_text(encoding="utf-8")
    crlf = ("# Journal des modèles — Zürich, 日本 🚀\n" + original).replace("\n", "\r\n")
    ledger.file.write_bytes(crlf.encode("utf-8"))
    register = ops.load_register(ledger.repo, "ledger")
    assert register.text == crlf
    _, r2 = register.round_of("ledger-r2")
    decision = {"action": "deploy", "by": "raj-risk", "at": "2026-02-05T09:00:00Z", "reason": "all criteria met"}
    new_text = checked(register, deploy_r2(register.text), 1, {**r2, "decision": decision, "status": "deployed"})

    ops.write_register(ledger.file, REGISTER, register.text, new_text)

    written = ledger.file.read_bytes()
    assert written == new_text.encode("utf-8")
    assert written.count(b"\n") == written.count(b"\r\n")  # no line ending translated on the way to disk
    assert written.startswith(crlf[: crlf.index("    status: evaluated")].encode("utf-8"))  # the comment and r1 as they were
    assert written.endswith(crlf[crlf.index("  - objective: ledger-r3") :].encode("utf-8"))


def test_a_register_with_a_byte_order_mark_keeps_it(ledger: Ledger) -> None:
    # The loader reads the text without the mark; dropped on writing, the diff would show the
    # first line changed with nothing visible to review.
    original = ledger.file.read_bytes()
    ledger.file.write_bytes(codecs.BOM_UTF8 + original)
    register = ops.load_register(ledger.repo, "ledger")
    new_text = deploy_r2(register.text)

    ops.write_register(ledger.file, REGISTER, register.text, new_text)

    assert ledger.file.read_bytes() == codecs.BOM_UTF8 + new_text.encode("utf-8")


def test_the_register_is_replaced_whole_so_a_reader_never_sees_half_of_it(ledger: Ledger) -> None:
    original = ledger.file.read_bytes()
    register = ops.load_register(ledger.repo, "ledger")
    inode = ledger.file.stat().st_ino
    with ledger.file.open("rb") as reader:  # a reader that opened the register before the write
        ops.write_register(ledger.file, REGISTER, register.text, deploy_r2(register.text))
        assert reader.read() == original  # still the whole old register, not a mix
    assert ledger.file.stat().st_ino != inode  # a new file renamed over the old one, not rewritten in place
    assert ledger.file.read_bytes() == deploy_r2(register.text).encode("utf-8")


def test_a_register_that_did_not_exist_is_created_and_one_that_appeared_meanwhile_is_kept(ledger: Ledger) -> None:
    new_register = ledger.file.parent / "fresh.yaml"
    text = "apiVersion: ftgov/v1\nkind: CumulativeRegister\nmodel: fresh\nbase: org/base@1\nrounds: []\n"
    ops.write_register(new_register, "registers/fresh.yaml", None, text)
    assert new_register.read_bytes() == text.encode("utf-8")

    listing = ledger.listing()
    with pytest.raises(InputError, match=r"^registers/fresh\.yaml: changed while this command ran; nothing was written"):
        ops.write_register(new_register, "registers/fresh.yaml", None, text.replace("fresh", "other"))
    assert new_register.read_bytes() == text.encode("utf-8")
    assert ledger.listing() == listing


# --- refused: the register changed since it was read ------------------------------------------------

CONCURRENT_EDITS: dict[str, Callable[[str], str]] = {
    "a comment appended": lambda text: text + "# reviewed by ana\n",
    "same length, one letter": lambda text: text.replace("status: approved", "status: Approved"),
    "line endings only": lambda text: text.replace("\n", "\r\n"),
    "emptied": lambda text: "",
    "another decision": lambda text: deploy_r2(text, at="2026-02-06T09:00:00Z"),
}


@pytest.mark.parametrize("edit", list(CONCURRENT_EDITS), ids=list(CONCURRENT_EDITS))
def test_a_register_changed_between_read_and_write_is_refused_and_the_other_edit_kept(ledger: Ledger, edit: str) -> None:
    register = ops.load_register(ledger.repo, "ledger")
    ours = deploy_r2(register.text)
    theirs = CONCURRENT_EDITS[edit](register.text).encode("utf-8")
    ledger.file.write_bytes(theirs)
    listing = ledger.listing()

    with pytest.raises(InputError) as refused:
        ops.write_register(ledger.file, REGISTER, register.text, ours)

    assert str(refused.value) == CHANGED and refused.value.exit_code == 2
    assert ledger.file.read_bytes() == theirs
    assert ledger.listing() == listing


def test_a_register_deleted_between_read_and_write_is_not_recreated(ledger: Ledger) -> None:
    register = ops.load_register(ledger.repo, "ledger")
    ledger.file.unlink()
    listing = ledger.listing()

    with pytest.raises(InputError, match=f"^{re.escape(CHANGED)}$"):
        ops.write_register(ledger.file, REGISTER, register.text, deploy_r2(register.text))

    assert not ledger.file.exists()
    assert ledger.listing() == listing


def abandon_r3(text: str) -> str:
    """The text `ftgov decide ledger-r3 --action abandon` appends."""
    decision = {"action": "abandon", "by": "ana-ml", "at": Time("2026-03-01T09:00:00Z"), "reason": "superseded"}
    return replace_scalar(add_keys(text, ("rounds", 2), {"decision": decision}), ("rounds", 2, "status"), "abandoned")


def test_two_commands_racing_the_second_is_refused_and_succeeds_when_run_again(ledger: Ledger) -> None:
    first = ops.load_register(ledger.repo, "ledger")
    second = ops.load_register(ledger.repo, "ledger")  # both read the same register
    policy = ops.load_policy(ledger.repo)
    assert ops.new_findings(first, deploy_r2(first.text), policy) == ops.new_findings(second, abandon_r3(second.text), policy) == []

    ops.write_register(ledger.file, REGISTER, first.text, deploy_r2(first.text))
    with pytest.raises(InputError, match=f"^{re.escape(CHANGED)}$"):
        ops.write_register(ledger.file, REGISTER, second.text, abandon_r3(second.text))
    assert ledger.file.read_bytes() == deploy_r2(first.text).encode("utf-8")  # the first command's change, untouched

    again = ops.load_register(ledger.repo, "ledger")  # run again: it reads the first command's change
    ops.write_register(ledger.file, REGISTER, again.text, abandon_r3(again.text))
    final = ops.load_register(ledger.repo, "ledger")
    assert final.text == abandon_r3(deploy_r2(first.text))
    assert [entry["status"] for entry in final.rounds] == ["deployed", "deployed", "abandoned"]


# --- refused: the disk will not take it -------------------------------------------------------------


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_write_the_disk_refuses_leaves_the_register_and_no_temporary_file(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    original = ledger.file.read_bytes()
    listing = ledger.listing()
    register = ops.load_register(ledger.repo, "ledger")

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, failing, disk_full)  # the temporary file is written; flushing or renaming it fails
    with pytest.raises(InputError) as refused:
        ops.write_register(ledger.file, REGISTER, register.text, deploy_r2(register.text))
    monkeypatch.undo()

    assert str(refused.value) == f"{REGISTER}: cannot write it ({os.strerror(errno.ENOSPC)})"
    assert ledger.file.read_bytes() == original
    assert ledger.listing() == listing


# --- refused before writing: the checks -------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        (
            lambda text: add_keys(text, ("rounds", 1), {"reviewed": True}),
            "registers/ledger.yaml:66:5: FTG101 unknown field 'rounds[1].reviewed'; allowed: objective, objective_sha256, status,",
        ),
        (
            lambda text: deploy_r2(text, at="2026-02-01T09:00:00Z"),
            "registers/ledger.yaml:69:11: FTG908 decision.at 2026-02-01T09:00:00Z is before",
        ),
        (
            lambda text: replace_scalar(
                add_keys(
                    text,
                    ("rounds", 2),
                    {"decision": {"action": "deploy", "by": "raj-risk", "at": Time("2026-03-01T09:00:00Z"), "reason": "x"}},
                ),
                ("rounds", 2, "status"),
                "deployed",
            ),
            "registers/ledger.yaml:68:13: FTG906 the round is deployed but records no run and no evaluation",
        ),
    ],
    ids=["schema: unknown field", "rule: decision before evaluation", "rule: deployed without a run"],
)
def test_a_change_that_adds_a_finding_is_reported_at_its_line_before_anything_is_written(
    ledger: Ledger, change: Callable[[str], str], finding: str
) -> None:
    original = ledger.file.read_bytes()
    register = ops.load_register(ledger.repo, "ledger")

    fresh = ops.new_findings(register, change(register.text), ops.load_policy(ledger.repo))

    lines = ops.finding_lines(fresh)
    assert len(lines) == 1 and lines[0].startswith(finding), lines
    assert ledger.file.read_bytes() == original


def test_a_finding_the_register_already_has_does_not_block_an_unrelated_change(ledger: Ledger) -> None:
    policy = ops.load_policy(ledger.repo)
    clean = ops.load_register(ledger.repo, "ledger")
    # r1's decision moved before its evaluation: a new FTG908 against the register as it was ...
    early = clean.text.replace("raj-risk, at: 2026-01-08T09:00:00Z", "raj-risk, at: 2026-01-07T08:00:00Z")
    assert [line.split(": ")[1].split()[0] for line in ops.finding_lines(ops.new_findings(clean, early, policy))] == ["FTG908"]
    ledger.file.write_text(early, encoding="utf-8")

    # ... and, once on disk, a finding the register already has: a change to r2 adds nothing new.
    register = ops.load_register(ledger.repo, "ledger")
    assert ops.new_findings(register, deploy_r2(register.text), policy) == []


def test_a_change_that_did_not_land_where_meant_is_refused_naming_the_round(ledger: Ledger) -> None:
    register = ops.load_register(ledger.repo, "ledger")
    _, r2 = register.round_of("ledger-r2")
    decision = {"action": "deploy", "by": "raj-risk", "at": "2026-02-05T09:00:00Z", "reason": "all criteria met"}
    landed_in_r3 = add_keys(register.text, ("rounds", 2), {"decision": {**decision, "at": Time(decision["at"])}})

    with pytest.raises(
        EditError, match=r"^the change to registers/ledger.yaml did not come out as intended at rounds\[1\]; nothing was written$"
    ):
        ops.expect_change(register, landed_in_r3, 1, {**r2, "decision": decision})
    with pytest.raises(EditError, match=r"did not come out as intended at rounds\[1\]"):
        ops.expect_change(register, add_keys(register.text, ("rounds", 1), {"note": "x"}), 1, {**r2, "decision": decision})


def test_a_change_that_would_not_parse_is_refused_in_one_line_naming_the_file(ledger: Ledger) -> None:
    register = ops.load_register(ledger.repo, "ledger")
    with pytest.raises(EditError) as refused:
        ops.reparsed(REGISTER, register.text + "  - {objective: [\n")
    message = str(refused.value)
    assert message.startswith("the change would leave registers/ledger.yaml unreadable: YAML syntax error")
    assert "\n" not in message


# --- the whole path, as `ftgov correct` takes it --------------------------------------------------------


def test_a_correction_appended_to_an_empty_corrections_list_is_checked_and_written(ledger: Ledger) -> None:
    # A hand-written `corrections: []` and a reason starting with ': ' (both once refused).
    text = ledger.file.read_text(encoding="utf-8").replace(
        "    retired_criteria: []\n", "    retired_criteria: []\n    corrections: []  # none yet\n"
    )
    ledger.file.write_text(text, encoding="utf-8")
    listing = ledger.listing()

    register, correction = correct_command.correct(
        ledger.repo, "ledger-r2", "run.finished_at", "2026-02-03T11:00:00Z", ": the clock was an hour fast", None
    )
    ops.write_register(ledger.file, REGISTER, register.text, correction.file_text)

    written = ledger.file.read_text(encoding="utf-8")
    assert written == correction.file_text
    added = written.removeprefix(text[: text.index("    corrections: []")])
    assert added.startswith(
        "    corrections:  # none yet\n"
        "      - {field: run.finished_at, was: 2026-02-03T12:00:00Z, value: 2026-02-03T11:00:00Z, reason: ': the clock"
    )
    r2 = ops.load_register(ledger.repo, "ledger").round_of("ledger-r2")[1]
    assert r2["corrections"][0]["reason"] == ": the clock was an hour fast"
    assert ledger.listing() == listing
