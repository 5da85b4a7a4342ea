"""The register's text editor (register/yaml_append.py), on its own.

Reviewers read every register change as a diff, so an append must change only the lines it
adds (or the one scalar it replaces): comments, key order, quoting, line endings and a missing
final line break all stay byte for byte. Whatever is written must read back, through ftgov's
own loader, as exactly the values that were asked for: text that looks like a number, a
boolean or a time, text holding `#` or `: `, and text in any script.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ftgov.documents.document import Document
from ftgov.documents.errors import InputError
from ftgov.documents.loader import parse_document
from ftgov.register.yaml_append import EditError, Flow, Pointer, Time, add_keys, append_item, compose, node_at, render, replace_scalar

from ..conftest import FIXTURES

HEADER = "apiVersion: ftgov/v1\nkind: CumulativeRegister\n"

# A register as people write it by hand: comments everywhere, keys in their chosen order,
# every quoting style, flow and block collections side by side, non-ASCII text.
REGISTER = (
    "# Register of the ledger model; append-only, reviewed in PRs.\n"
    "apiVersion: ftgov/v1\n"
    "kind: CumulativeRegister\n"
    "model: ledger   # the deployed name\n"
    "base: 'example-org/base-model@0a1b2c3'\n"
    "rounds:\n"
    "  # round one: the first deployment\n"
    "  - objective: ledger-r1\n"
    '    status: "deployed"  # set by ftgov decide\n'
    "    approval: {pull_request: 3, merged_at: 2026-01-05T10:00:00Z}\n"
    "    run:\n"
    "      started_at: 2026-01-06T08:00:00Z\n"
    "      deviations:\n"
    "        - {field: learning_rate, planned: 1.0e-4, actual: 8.0e-5, reason: 'loss spikes: at 1e-4'}\n"
    "      finished_at: 2026-01-06T12:00:00Z   # wall clock, UTC\n"
    "    note: Zürich desk — Ω\n"
    "\n"
    "  # round two, under review\n"
    "  - objective: ledger-r2\n"
    "    status: approved\n"
    "    approval:\n"
    "      pull_request: 7\n"
    "      merged_at: 2026-02-02T10:00:00Z\n"
    "# end of rounds\n"
)


def values(text: str) -> dict[str, Any]:
    """The text as ftgov reads every register: parse_document, or the test fails with the loader's finding."""
    loaded = parse_document(text, "registers/ledger.yaml")
    assert isinstance(loaded, Document), f"the edited text does not parse: {loaded}"
    return loaded.data


@dataclass(frozen=True)
class LineDiff:
    """What changed between two texts, line by line (line endings included)."""

    inserted: list[str]
    removed: list[str]
    added_by_replace: list[str]


def line_diff(before: str, after: str) -> LineDiff:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    inserted: list[str] = []
    removed: list[str] = []
    added_by_replace: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "insert":
            inserted += new[j1:j2]
        elif tag == "delete":
            removed += old[i1:i2]
        elif tag == "replace":
            removed += old[i1:i2]
            added_by_replace += new[j1:j2]
    return LineDiff(inserted, removed, added_by_replace)


def only_inserted(before: str, after: str) -> list[str]:
    """The lines `after` adds to `before`, asserting that it removes or rewrites none."""
    diff = line_diff(before, after)
    assert (diff.removed, diff.added_by_replace) == ([], []), f"existing lines changed: {diff}"
    assert diff.inserted, "nothing was added"
    return diff.inserted


# --- add_keys ---------------------------------------------------------------------------------


def test_add_keys_adds_only_its_lines_at_the_end_of_the_round() -> None:
    decision = {"action": "deploy", "by": "raj-risk", "at": Time("2026-02-05T09:00:00Z"), "reason": "all criteria met"}
    after = add_keys(REGISTER, ("rounds", 1), {"decision": decision})

    assert only_inserted(REGISTER, after) == [
        "    decision:\n",
        "      action: deploy\n",
        "      by: raj-risk\n",
        "      at: 2026-02-05T09:00:00Z\n",
        "      reason: all criteria met\n",
    ]
    assert after.endswith(
        "      merged_at: 2026-02-02T10:00:00Z\n    decision:\n"
        + "".join(f"      {k}: {v}\n" for k, v in decision.items())
        + "# end of rounds\n"
    )
    before_values, after_values = values(REGISTER), values(after)
    assert list(after_values["rounds"][1]) == ["objective", "status", "approval", "decision"]
    assert after_values["rounds"][1]["decision"] == {**decision, "at": "2026-02-05T09:00:00Z"}
    assert after_values["rounds"][0] == before_values["rounds"][0]


def test_add_keys_after_a_key_lands_after_that_keys_whole_value() -> None:
    after = add_keys(REGISTER, ("rounds", 0), {"objective_sha256": "ae65" * 16}, after="objective")

    assert only_inserted(REGISTER, after) == [f"    objective_sha256: {'ae65' * 16}\n"]
    assert list(values(after)["rounds"][0])[:3] == ["objective", "objective_sha256", "status"]

    nested = add_keys(REGISTER, ("rounds", 0, "run"), {"checkpoint": "s3://ckpt/ledger-r1"}, after="deviations")
    assert only_inserted(REGISTER, nested) == ["      checkpoint: s3://ckpt/ledger-r1\n"]
    run = values(nested)["rounds"][0]["run"]
    assert list(run) == ["started_at", "deviations", "checkpoint", "finished_at"]
    assert nested.index("checkpoint") > nested.index("reason: 'loss spikes: at 1e-4'}")


def test_add_keys_into_a_nested_mapping_keeps_the_comment_after_it() -> None:
    after = add_keys(REGISTER, ("rounds", 0, "run"), {"evidence": [Flow({"path": "adapter.json", "sha256": "2c26" * 16})]})

    assert only_inserted(REGISTER, after) == ["      evidence:\n", f"        - {{path: adapter.json, sha256: {'2c26' * 16}}}\n"]
    assert "      finished_at: 2026-01-06T12:00:00Z   # wall clock, UTC\n      evidence:\n" in after
    assert values(after)["rounds"][0]["run"]["evidence"] == [{"path": "adapter.json", "sha256": "2c26" * 16}]


def test_add_keys_at_the_top_level_goes_after_the_last_value_and_before_trailing_comments() -> None:
    text = HEADER + "model: ledger\nrounds: []\n# trailing remark\n\n# another\n"
    after = add_keys(text, (), {"retired": True})

    assert only_inserted(text, after) == ["retired: true\n"]
    assert after.endswith("rounds: []\nretired: true\n# trailing remark\n\n# another\n")


def test_add_keys_refuses_a_key_the_mapping_already_records() -> None:
    with pytest.raises(EditError, match=r"^rounds\.1 already records approval, status$"):
        add_keys(REGISTER, ("rounds", 1), {"status": "trained", "approval": {}, "new": 1})


def test_add_keys_after_a_key_that_is_not_there_names_it() -> None:
    with pytest.raises(EditError, match=r"^no 'run' in rounds\.1$"):
        add_keys(REGISTER, ("rounds", 1), {"x": 1}, after="run")


def test_a_flow_mapping_is_refused_naming_its_line_and_a_block_mapping_is_extended() -> None:
    flow = HEADER + "rounds:\n  - {objective: ledger-r1, status: approved}\n"
    with pytest.raises(EditError, match=r"^line 4: rounds\.0 is written in flow style \(\{\.\.\.\}\); write it as a block mapping"):
        add_keys(flow, ("rounds", 0), {"note": "x"})
    with pytest.raises(EditError, match=r"^line 10: rounds\.0\.approval is written in flow style"):
        add_keys(REGISTER, ("rounds", 0, "approval"), {"commit": "a1b2"})

    block = HEADER + "rounds:\n  - objective: ledger-r1\n    status: approved\n"
    assert only_inserted(block, add_keys(block, ("rounds", 0), {"note": "x"})) == ["    note: x\n"]


def test_an_empty_mapping_has_no_keys_to_append_after() -> None:
    with pytest.raises(EditError, match=r"^rounds\.0 is not a mapping with keys$"):
        add_keys(HEADER + "rounds:\n  - {}\n", ("rounds", 0), {"note": "x"})


# --- replace_scalar ---------------------------------------------------------------------------


def test_replace_scalar_rewrites_only_the_scalar_and_keeps_the_comment_after_it() -> None:
    after = replace_scalar(REGISTER, ("rounds", 0, "status"), "retired")

    diff = line_diff(REGISTER, after)
    assert (diff.inserted, diff.removed, diff.added_by_replace) == (
        [],
        ['    status: "deployed"  # set by ftgov decide\n'],
        ["    status: retired  # set by ftgov decide\n"],
    )
    assert values(after)["rounds"][0]["status"] == "retired"


def test_replace_scalar_counts_columns_in_characters_after_non_ascii_text_on_the_line() -> None:
    text = HEADER + "rounds:\n  - {note: 'Zürich — 🚀 Ω', status: approved, by: ana}\n"
    after = replace_scalar(text, ("rounds", 0, "status"), "trained")

    assert after == text.replace("status: approved", "status: trained")
    assert values(after)["rounds"][0] == {"note": "Zürich — 🚀 Ω", "status": "trained", "by": "ana"}


@pytest.mark.parametrize(
    "value",
    [" {a: 1}", "\n      a: 1", " one\n      two", " |\n      text"],
    ids=["flow-mapping", "block-mapping", "two-line-plain", "block-scalar"],
)
def test_replace_scalar_refuses_anything_but_a_one_line_scalar(value: str) -> None:
    text = HEADER + "rounds:\n  - status:" + value + "\n"
    values(text)  # a valid document: the refusal is about the shape, not the syntax
    with pytest.raises(EditError, match=r"^rounds\.0\.status is not a one-line scalar$"):
        replace_scalar(text, ("rounds", 0, "status"), "trained")


# --- append_item ------------------------------------------------------------------------------


def test_append_item_adds_one_line_after_the_last_item_keeping_its_comment() -> None:
    text = REGISTER.replace("reason: 'loss spikes: at 1e-4'}\n", "reason: 'loss spikes: at 1e-4'}  # seen on the 6th\n")
    record = Flow({"field": "epochs", "planned": 2, "actual": 3, "reason": "converged late"})
    after = append_item(text, ("rounds", 0, "run", "deviations"), record)

    assert only_inserted(text, after) == ["        - {field: epochs, planned: 2, actual: 3, reason: converged late}\n"]
    assert "# seen on the 6th\n        - {field: epochs" in after
    assert values(after)["rounds"][0]["run"]["deviations"][1] == {"field": "epochs", "planned": 2, "actual": 3, "reason": "converged late"}


def test_append_item_writes_a_block_item_at_the_lists_own_indentation() -> None:
    indentless = HEADER + "rounds:\n- objective: ledger-r1\n  status: approved\n# tail\n"
    after = append_item(indentless, ("rounds",), {"objective": "ledger-r2", "status": "proposed", "data": [Flow({"uri": "s3://x"})]})

    assert only_inserted(indentless, after) == ["- objective: ledger-r2\n", "  status: proposed\n", "  data:\n", "    - {uri: s3://x}\n"]
    assert values(after)["rounds"][1] == {"objective": "ledger-r2", "status": "proposed", "data": [{"uri": "s3://x"}]}


def test_append_item_to_an_empty_flow_list_makes_it_a_block_list() -> None:
    text = HEADER + "model: ledger\nrounds: []\nbase: x@1\n"
    after = append_item(text, ("rounds",), {"objective": "ledger-r1", "status": "proposed"})

    assert after == HEADER + "model: ledger\nrounds:\n  - objective: ledger-r1\n    status: proposed\nbase: x@1\n"
    assert values(after)["rounds"] == [{"objective": "ledger-r1", "status": "proposed"}]

    at_the_end = (HEADER + "rounds: []").replace("\n", "\r\n")  # CRLF, and no line break after the list
    assert append_item(at_the_end, ("rounds",), {"objective": "ledger-r1"}) == (HEADER + "rounds:\n  - objective: ledger-r1\n").replace(
        "\n", "\r\n"
    )


def test_append_item_to_an_empty_nested_list_keeps_the_comment_on_its_key() -> None:
    text = HEADER + "rounds:\n  - objective: ledger-r1\n    corrections: []  # none yet\n  - objective: ledger-r2\n"
    after = append_item(text, ("rounds", 0, "corrections"), Flow({"field": "run.started_at", "was": "x", "value": "y"}))

    assert after == (
        HEADER + "rounds:\n  - objective: ledger-r1\n    corrections:  # none yet\n"
        "      - {field: run.started_at, was: x, value: y}\n  - objective: ledger-r2\n"
    )
    assert values(after)["rounds"][0]["corrections"] == [{"field": "run.started_at", "was": "x", "value": "y"}]


def test_append_item_refuses_a_flow_list_with_items_and_what_is_not_a_list() -> None:
    with pytest.raises(EditError, match=r"^line 3: rounds is written in flow style \(\[\.\.\.\]\); write it as a block list"):
        append_item(HEADER + "rounds: [a, b]\n", ("rounds",), "c")
    with pytest.raises(EditError, match=r"^rounds\.0\.approval is not a list"):
        append_item(REGISTER, ("rounds", 0, "approval"), "c")
    for where, text in (
        ("line 4: rounds.0", "rounds:\n  - []\n"),
        ("line 4: rounds", "rounds:\n  []\n"),
        ("line 3: rounds", "rounds: {a: []}\n"),
    ):
        pointer: Pointer = ("rounds", "a") if "{" in text else ("rounds", 0) if "-" in text else ("rounds",)
        with pytest.raises(
            EditError, match=rf"^{re.escape(where)}(\.a)? is an empty list not written as `key: \[\]`; cannot append to it$"
        ):
            append_item(HEADER + text, pointer, "c")


# --- line endings and the end of the file -------------------------------------------------------

EDITS: dict[str, Callable[[str], str]] = {
    "add_keys": lambda text: add_keys(text, ("rounds", 1), {"decision": {"action": "reject", "reason": "no: not yet"}}),
    "add_keys-nested": lambda text: add_keys(text, ("rounds", 0, "run"), {"checkpoint": "ckpt"}, after="started_at"),
    # The fixture's r1 has `deviations: []`: the first item turns it into a block list.
    "append_item": lambda text: append_item(text, ("rounds", 0, "run", "deviations"), Flow({"field": "epochs"})),
    "append_round": lambda text: append_item(text, ("rounds",), {"objective": "ledger-r3", "status": "proposed"}),
    "replace_scalar": lambda text: replace_scalar(text, ("rounds", 1, "status"), "trained"),
}


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
def test_a_crlf_register_stays_crlf_and_changes_as_the_lf_one_does(edit: str) -> None:
    crlf = REGISTER.replace("\n", "\r\n")
    after = EDITS[edit](crlf)

    assert after.count("\n") == after.count("\r\n")  # no bare LF, no stray CR
    assert after == EDITS[edit](REGISTER).replace("\n", "\r\n")
    assert values(after) == values(EDITS[edit](REGISTER))


@pytest.mark.parametrize("edit", ["add_keys", "append_item", "append_round"], ids=str)
def test_a_register_without_a_final_line_break_keeps_every_byte_and_gains_one_before_the_new_lines(edit: str) -> None:
    # The last round is the one edited, so the new lines come at the very end of the file.
    text = HEADER + "rounds:\n  - objective: ledger-r1\n    run:\n      deviations:\n        - {field: lr}"
    operations: dict[str, Callable[[str], str]] = {
        "add_keys": lambda t: add_keys(t, ("rounds", 0), {"note": "x"}),
        "append_item": lambda t: append_item(t, ("rounds", 0, "run", "deviations"), Flow({"field": "epochs"})),
        "append_round": lambda t: append_item(t, ("rounds",), {"objective": "ledger-r2"}),
    }
    after = operations[edit](text)

    assert after.startswith(text + "\n")
    assert after.endswith("\n")
    assert values(after)["rounds"][0]["objective"] == "ledger-r1"

    crlf = text.replace("\n", "\r\n")
    assert operations[edit](crlf) == after.replace("\n", "\r\n")


def test_replace_scalar_on_the_last_line_without_a_line_break_adds_none() -> None:
    text = HEADER + "rounds:\n  - objective: ledger-r1\n    status: approved"
    assert replace_scalar(text, ("rounds", 0, "status"), "trained") == text.replace("approved", "trained")


# --- where a value ends: every shape of last value ------------------------------------------------

LAST_VALUES = {
    "block-scalar": ("    notes: |\n      line one\n      line two\n\n", "line one\nline two\n"),
    "block-scalar-keep": ("    notes: |+\n      kept\n\n\n", "kept\n\n\n"),
    "empty-value": ("    notes:\n", None),
    "empty-value-commented": ("    notes:   # filled in later\n", None),
    "two-line-plain": ("    notes: one\n      two\n", "one two"),
    "two-line-double-quoted": ('    notes: "one\n      two"  # c\n', "one two"),
    "two-line-flow": ("    notes: {x: 1,\n      y: 2}\n", {"x": 1, "y": 2}),
    "block-list": ("    notes:\n      - a\n      -\n", ["a", None]),
    "nested-mapping": ("    notes:\n      inner:\n        deep:\n", {"inner": {"deep": None}}),
}


@pytest.mark.parametrize("shape", list(LAST_VALUES), ids=list(LAST_VALUES))
@pytest.mark.parametrize("followed_by", ["another round", "a comment", "end of file"], ids=["round", "comment", "eof"])
def test_keys_go_into_the_mapping_asked_for_whatever_its_last_value_looks_like(shape: str, followed_by: str) -> None:
    last, expected = LAST_VALUES[shape]
    tail = {"another round": "  - objective: ledger-r2\n", "a comment": "  # next: r2\n", "end of file": ""}[followed_by]
    text = HEADER + "rounds:\n  - objective: ledger-r1\n" + last + tail

    after = add_keys(text, ("rounds", 0), {"status": "proposed"})

    assert only_inserted(text, after) == ["    status: proposed\n"]
    rounds = values(after)["rounds"]
    assert rounds[0] == {"objective": "ledger-r1", "notes": expected, "status": "proposed"}
    assert rounds[1:] == ([{"objective": "ledger-r2"}] if tail.startswith("  -") else [])


def test_an_item_goes_after_a_last_item_that_is_empty() -> None:
    text = HEADER + "rounds:\n  - objective: ledger-r1\n    data:\n      - a\n      -\n  - objective: ledger-r2\n"
    after = append_item(text, ("rounds", 0, "data"), "b")

    assert only_inserted(text, after) == ["      - b\n"]
    assert values(after)["rounds"] == [{"objective": "ledger-r1", "data": ["a", None, "b"]}, {"objective": "ledger-r2"}]


# --- pointers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pointer", "message"),
    [
        (("rounds", 5), "no 5 at rounds.5"),
        (("rounds", -1), "no -1 at rounds.-1"),
        (("rounds", "first"), "no 'first' at rounds.first"),
        (("rounds", 0, "evaluation"), "no 'evaluation' at rounds.0.evaluation"),
        (("rounds", 0, "run", "deviations", 3, "field"), "no 3 at rounds.0.run.deviations.3.field"),
        (("rounds", 0, "status", "x"), "no 'x' at rounds.0.status.x"),
        (("model", 0), "no 0 at model.0"),
        (("Rounds",), "no 'Rounds' at Rounds"),
    ],
    ids=str,
)
def test_a_pointer_that_is_not_there_is_an_edit_error_naming_it_dotted(pointer: Pointer, message: str) -> None:
    for edit in (
        lambda: node_at(compose(REGISTER), pointer),
        lambda: add_keys(REGISTER, pointer, {"x": 1}),
        lambda: append_item(REGISTER, pointer, 1),
        lambda: replace_scalar(REGISTER, pointer, "x"),
    ):
        with pytest.raises(EditError) as raised:
            edit()
        assert str(raised.value) == message
        assert isinstance(raised.value, InputError) and raised.value.exit_code == 2


def test_node_at_walks_nested_pointers_to_the_node_and_its_position() -> None:
    root = compose(REGISTER)
    assert node_at(root, ()) is root
    assert isinstance(root, MappingNode)

    deviation = node_at(root, ("rounds", 0, "run", "deviations", 0))
    assert isinstance(deviation, MappingNode) and deviation.flow_style
    assert deviation.start_mark.line == 13  # 0-based: line 14 of the file
    reason = node_at(root, ("rounds", 0, "run", "deviations", 0, "reason"))
    assert isinstance(reason, ScalarNode) and reason.value == "loss spikes: at 1e-4" and reason.style == "'"
    assert isinstance(node_at(root, ("rounds",)), SequenceNode)
    assert node_at(root, ("rounds", 1, "approval", "pull_request")).value == "7"


def test_compose_refuses_an_empty_document_and_bad_syntax_in_one_line() -> None:
    for empty in ("", "# only a comment\n", "\n\n"):
        with pytest.raises(EditError, match=r"^the document is empty$"):
            compose(empty)
    with pytest.raises(EditError) as raised:
        compose(HEADER + "rounds: [\n")
    message = str(raised.value)
    assert "\n" not in message, message
    assert message.startswith("line 4: cannot parse the document")


# --- values: what is written reads back as what was asked -------------------------------------------

TRICKY_TEXT = [
    "12:30",  # a sexagesimal number in YAML 1.1
    "2026-01-05",  # a date
    "2026-01-05 10:00:00",
    "1.0", "1e3", "0x1F", "0o17", "1_000", "+12", ".5", "007", "-0", "1.", ".inf", "-.inf", ".nan",  # numbers
    "true", "True", "FALSE", "yes", "no", "on", "off", "y", "n",  # booleans, in one YAML or another
    "null", "Null", "~", "",  # nothing
    "a # not a comment", "#hashtag", "a#b", "trailing #",  # comments
    "key: value", "a:b", "ends with:", ": starts", ":x", "a:?", "?", "?x", "? x", "-", "- x", "-x",  # indicators
    "{a: 1}", "[1, 2]", "a, b", "a]", "a}", "*alias", "&anchor", "!tag", "!!str", "%TAG", "@user", "`cmd`", "|", ">", "<<", "=",
    "'single'", '"double"', "it's", 'say "hi"', "back\\slash", "\\",
    " leading space", "trailing space ", "  ", "tab\there", "\ttab", "line\nbreak", "two\n\nbreaks\n", "cr\rlf\r\n",
    "---", "...", "--- x", "... x",
    "Zürich", "日本語のテキスト", "Ωμέγα", "emoji 🚀 and ☃", "e\u0301 combining", "𝒳 astral", "non\u00a0breaking", "ـعربي",
    "x" * 20 + " " + "y" * 5000,  # longer than the emitter's line width
]  # fmt: skip


def written_and_read(value: Any) -> list[Any]:
    """`value` written every way the register writes values, each read back through ftgov's loader."""
    text = HEADER + "rounds:\n  - objective: ledger-r1\n    status: approved\n"
    block = add_keys(text, ("rounds", 0), {"reason": value, "list": [value]})
    flow = add_keys(text, ("rounds", 0), {"record": Flow({"reason": value}), "items": Flow([value])})
    item = append_item(block, ("rounds", 0, "list"), Flow({"reason": value}))
    round_ = append_item(text, ("rounds",), {"objective": value})
    block_round, flow_round, item_round = values(block)["rounds"][0], values(flow)["rounds"][0], values(item)["rounds"][0]
    return [
        block_round["reason"],
        block_round["list"][0],
        flow_round["record"]["reason"],
        flow_round["items"][0],
        item_round["list"][1]["reason"],
        values(round_)["rounds"][1]["objective"],
    ]


@pytest.mark.parametrize("value", TRICKY_TEXT, ids=repr)
def test_text_reads_back_as_the_same_text_in_block_and_flow_style(value: str) -> None:
    assert written_and_read(value) == [value] * 6


@pytest.mark.parametrize("value", [0, -7, 10**30, 0.1, 1e-4, 8.0e-5, -0.0, True, False, None], ids=repr)
def test_numbers_booleans_and_null_read_back_as_themselves(value: Any) -> None:
    read = written_and_read(value)
    assert read == [value] * 6
    assert all(type(got) is type(value) for got in read)


def test_a_time_is_written_unquoted_and_read_back_as_the_string_written() -> None:
    at = Time("2026-02-05T09:00:00Z")
    offset = Time("2026-02-05T11:00:00+02:00")
    text = HEADER + "rounds:\n  - objective: ledger-r1\n"
    after = add_keys(text, ("rounds", 0), {"at": at, "record": Flow({"at": offset})})

    assert only_inserted(text, after) == ["    at: 2026-02-05T09:00:00Z\n", "    record: {at: 2026-02-05T11:00:00+02:00}\n"]
    assert values(after)["rounds"][0] == {
        "objective": "ledger-r1",
        "at": "2026-02-05T09:00:00Z",
        "record": {"at": "2026-02-05T11:00:00+02:00"},
    }
    assert written_and_read(at) == ["2026-02-05T09:00:00Z"] * 6


@pytest.mark.parametrize(
    "character",
    ["\u200b", "\u200d", "\u00ad", "\u202e", "\u2066", "\u2028", "\u2029", "\x85", "\ufeff"],
    ids=lambda c: f"U+{ord(c):04X}",
)
def test_a_value_holding_an_invisible_character_is_refused_not_written_or_changed(character: str) -> None:
    # The loader refuses these raw (FTG010: a diff shows one thing, the parser reads another);
    # written raw they would make the register unreadable, and a line separator split by the
    # line-based insert would silently change the value.
    text = HEADER + "rounds:\n  - objective: ledger-r1\n"
    for value in ({"reason": f"a{character}b"}, {"record": Flow({"reason": f"a{character}b"})}):
        try:
            after = add_keys(text, ("rounds", 0), value)
        except EditError as refused:
            assert "\n" not in str(refused) and f"U+{ord(character):04X}" in str(refused)
        else:  # written escaped, which is as good: it must read back unchanged
            read = values(after)["rounds"][0]
            assert read.get("reason", read.get("record", {}).get("reason")) == f"a{character}b"


def test_keys_that_need_quoting_read_back_as_written() -> None:
    keys = ["lm-eval/mmlu/acc", "true", "1.0", "a: b", "#x", "?x", ":x", "Zürich"]
    text = HEADER + "rounds:\n  - objective: ledger-r1\n"
    after = add_keys(text, ("rounds", 0), {"measured": {key: 1 for key in keys}, "flow": Flow({key: 2 for key in keys})})

    read = values(after)["rounds"][0]
    assert read["measured"] == {key: 1 for key in keys}
    assert read["flow"] == {key: 2 for key in keys}


# --- render -----------------------------------------------------------------------------------------


def test_render_writes_block_mappings_and_lists_with_flow_values_on_one_line() -> None:
    rendered = render(
        {
            "run": {
                "started_at": Time("2026-01-06T08:00:00Z"),
                "configuration": {"method": "lora", "lora": Flow({"rank": 8, "alpha": 16}), "regularisation": Flow(["weight_decay=0.01"])},
                "evidence": [Flow({"path": "adapter_config.json", "sha256": "2c26"})],
                "deviations": [],
            }
        }
    )
    assert rendered == (
        "run:\n"
        "  started_at: 2026-01-06T08:00:00Z\n"
        "  configuration:\n"
        "    method: lora\n"
        "    lora: {rank: 8, alpha: 16}\n"
        "    regularisation: [weight_decay=0.01]\n"
        "  evidence:\n"
        "    - {path: adapter_config.json, sha256: 2c26}\n"
        "  deviations: []\n"
    )


def test_render_keeps_a_long_reason_on_one_line() -> None:
    reason = " ".join(["word"] * 400)
    assert render({"reason": reason}) == f"reason: {reason}\n"


# --- every edit, every register shape: the result re-parses -----------------------------------------


@pytest.mark.parametrize("edit", list(EDITS), ids=list(EDITS))
@pytest.mark.parametrize("line_break", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("final_break", [True, False], ids=["final-break", "no-final-break"])
def test_every_edit_of_the_fixture_register_re_parses_and_changes_only_what_it_names(edit: str, line_break: str, final_break: bool) -> None:
    ledger = (FIXTURES / "register" / "registers" / "ledger.yaml").read_text(encoding="utf-8")
    text = ledger if final_break else ledger.rstrip("\n")
    text = text.replace("\n", line_break)
    pointers = {
        "add_keys": ("rounds", 1),
        "add_keys-nested": ("rounds", 0, "run"),
        "append_item": ("rounds", 0, "run", "deviations"),
        "append_round": ("rounds",),
        "replace_scalar": ("rounds", 1, "status"),
    }
    after = EDITS[edit](text)

    before_values, after_values = values(text), values(after)
    assert {k: v for k, v in after_values.items() if k != "rounds"} == {k: v for k, v in before_values.items() if k != "rounds"}
    changed = pointers[edit][:2] if edit != "append_round" else ("rounds", 3)
    for index, entry in enumerate(before_values["rounds"]):
        if ("rounds", index) != changed:
            assert after_values["rounds"][index] == entry
    diff = line_diff(text, after)
    last_line = text.splitlines(keepends=True)[-1]
    if edit == "replace_scalar":
        assert (len(diff.removed), diff.inserted) == (1, [])
    elif edit == "append_item":  # `deviations: []` becomes `deviations:` and the item under it
        assert diff.removed == [f"      deviations: []{line_break}"]
        assert diff.added_by_replace == [f"      deviations:{line_break}", f"        - {{field: epochs}}{line_break}"]
    elif edit == "append_round" and not final_break:  # the last line gains the line break it lacked
        assert (diff.removed, diff.added_by_replace[0]) == ([last_line], last_line + line_break)
    else:
        assert (diff.removed, diff.added_by_replace) == ([], [])
