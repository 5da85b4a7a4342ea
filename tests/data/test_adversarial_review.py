"""Adversarial review of `ftgov data check` (issue 18): ways a writer who is not a risk reviewer made contaminated data pass.

Each test is one way found, on real files and the real command: a recorded count written as
`12.0`, a NaN threshold, a declared training source left unmeasured, the compared field left
unrecorded, invisible characters or underscores inside the copied words, copies without
words; and hostile files that crashed the command, hung it, or folded the rest of a CSV into
one record.
"""

# ruff: noqa: F811 - the fake and url fixtures come from test_gate and are parameters here by design
from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..conftest import run_ftgov
from ..fakegithub import FakeGitHub
from ..gate.test_gate import fake, run, url  # noqa: F401 - pytest fixtures
from ..gate.test_gate_data import with_data
from ..gate.test_gate_register import land
from .test_data_check import REGISTER, as_json, contaminated_training, data_check, holdout, ledger, texts, write_jsonl  # noqa: F401

R3 = "objectives/ledger/ledger-r3.yaml"


def recorded_with_contamination(tmp_path: Path, ledger: Path, holdout: list[str]) -> str:
    """r3 records 10 exact copies of its 500 holdout records (2.0%, above the default 1%); the register's text."""
    train = contaminated_training(tmp_path, holdout, copies=10, near=0)
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in holdout])
    assert data_check(ledger, "--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}", "--record")[0] == 1
    return (ledger / REGISTER).read_text()


# -- the recorded evidence, edited ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("exact: 10, near: 0, contaminated: 10}", "exact: 10.0, near: 0, contaminated: 10.0}"),
        ("records: 500, exact: 10", "records: 5.0e+2, exact: 10"),
    ],
    ids=["contaminated-as-float", "records-as-float"],
)
def test_a_count_written_as_a_float_is_still_judged(tmp_path: Path, ledger: Path, holdout: list[str], old: str, new: str) -> None:
    """JSON Schema's integer admits 10.0; the rule read it as no count and skipped the share: `ftgov check` passed."""
    register = recorded_with_contamination(tmp_path, ledger, holdout)
    assert register.count(old) == 1
    (ledger / REGISTER).write_text(register.replace(old, new))
    check = run_ftgov("check", "--repo-root", str(ledger))
    assert check.returncode == 1 and "FTG504" in check.stdout and "10 of 500" in check.stdout


def test_the_gate_denies_a_contaminated_round_whose_counts_are_floats(fake: FakeGitHub, url: str, tmp_path: Path) -> None:
    land(fake, with_data(contaminated=20).replace(b"exact: 20, near: 0, contaminated: 20}", b"exact: 20.0, near: 0, contaminated: 20.0}"))
    attestation = run(url, tmp_path)
    assert attestation.decision == "deny" and any("FTG504" in r and "20 of 400" in r for r in attestation.reasons)


def test_a_nan_threshold_is_not_the_policys(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    register = recorded_with_contamination(tmp_path, ledger, holdout)
    (ledger / REGISTER).write_text(register.replace("threshold: 0.7,", "threshold: .nan,"))
    check = run_ftgov("check", "--repo-root", str(ledger))
    assert check.returncode == 1 and "measured from Jaccard nan" in check.stdout


def test_a_declared_training_source_left_unmeasured_is_an_error(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    """The replay source holds the whole holdout; measuring the train source alone passed with a warning."""
    objective = ledger / R3
    declared = "    - {name: ledger-r3-train, records: 5000, split: train, rights: {status: cleared, reference: RIGHTS-1}}\n"
    replay = "    - {name: ledger-r3-replay, records: 500, split: replay, rights: {status: cleared, reference: RIGHTS-1}}\n"
    objective.write_text(objective.read_text().replace(declared, declared + replay))
    write_jsonl(tmp_path / "replay.jsonl", [{"text": t} for t in holdout])  # never given to the command
    train = write_jsonl(tmp_path / "train.jsonl", [{"text": t} for t in texts(1, 5000)])
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in holdout])
    code, report = as_json(ledger, "--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}")
    errors = [f["message"] for f in report["findings"] if f["rule"] == "FTG504"]
    assert code == 1 and report["result"] == "fail"
    assert errors == [
        "round ledger-r3: declared training source ledger-r3-replay was not measured, so its records were never compared "
        "with the validation records; measure every training source with --source"
    ]


def test_the_field_compared_is_recorded_and_shown(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    """--text-field uid compares ids that never match: the evidence now says which field was compared."""
    rows = [{"text": t, "uid": f"t{i}"} for i, t in enumerate(holdout[:100] + texts(1, 4900))]
    train = write_jsonl(tmp_path / "train.jsonl", rows)
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t, "uid": f"v{i}"} for i, t in enumerate(holdout)])
    args = ("--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}", "--text-field", "uid")
    code, out, _ = data_check(ledger, *args, "--record")
    assert code == 0 and "of field 'uid'" in out
    assert "fields: {text: uid, labels: labels}" in (ledger / REGISTER).read_text()
    _, markdown, _ = data_check(ledger, *args, "--format", "markdown")
    assert "field `uid`" in markdown
    # A recorded method that does not say which field was compared does not validate.
    register = (ledger / REGISTER).read_text()
    (ledger / REGISTER).write_text(register.replace("      fields: {text: uid, labels: labels}\n", ""))
    check = run_ftgov("check", "--repo-root", str(ledger))
    assert check.returncode == 1 and "fields" in check.stdout


# -- copies that normalisation did not see -------------------------------------------------------------------


@pytest.mark.parametrize(
    "disguise",
    [
        lambda t: " ".join(w[:2] + "\u200b" + w[2:] for w in t.split()),  # zero-width space inside each word
        lambda t: " ".join(w[:2] + "\u00ad" + w[2:] for w in t.split()),  # soft hyphen
        lambda t: " ".join(w[:2] + "\u2060" + w[2:] for w in t.split()),  # word joiner
        lambda t: " ".join(w[:1] + "\u0301" + w[1:] for w in t.split()),  # a combining accent NFKC cannot compose
        lambda t: t.replace(" ", "_"),  # `\w` counted "_" as a letter: the record was one word
    ],
    ids=["zero-width-space", "soft-hyphen", "word-joiner", "combining-mark", "underscores"],
)
def test_invisible_characters_and_underscores_do_not_hide_copies(
    tmp_path: Path, ledger: Path, holdout: list[str], disguise: object
) -> None:
    assert callable(disguise)
    training = texts(1, 4950) + [disguise(t) for t in holdout[:50]]
    train = write_jsonl(tmp_path / "train.jsonl", [{"text": t} for t in training])
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in holdout])
    code, report = as_json(ledger, "--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}")
    assert report["data"]["overlap"]["train_validation"]["contaminated"] == 50 and code == 1


def test_copies_of_records_without_words_are_exact_copies(tmp_path: Path, ledger: Path) -> None:
    held_out = [f"{'🙂' * (i % 40 + 1)} {'!' * (i // 40 + 1)}" for i in range(500)]  # 500 distinct lines, no letters or digits
    train = write_jsonl(tmp_path / "train.jsonl", [{"text": t} for t in texts(1, 4900) + held_out[:100]])
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in held_out])
    code, report = as_json(ledger, "--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}")
    overlap = report["data"]["overlap"]["train_validation"]
    assert (overlap["exact"], overlap["contaminated"], code) == (100, 100, 1)


# -- hostile files -------------------------------------------------------------------------------------------


def _nested(path: Path) -> str:
    path.write_text('{"text": "a b c", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    return f"{path}:1: not a record ftgov reads (JSON nested too deeply)"


def _huge_number(path: Path) -> str:
    path.write_text('{"text": "a b c", "n": ' + "9" * 5000 + "}\n")
    return f"{path}:1: not a record ftgov reads (a number of more than"


def _unclosed_quote(path: Path) -> str:
    path.write_text('text\n"one two three"\n"four five six\nseven eight nine\nten eleven twelve\n')
    return f"{path}:3: not CSV (unexpected end of data)"


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return f"{path}: not a regular file"


@pytest.mark.parametrize(
    ("name", "write"),
    [("nested.jsonl", _nested), ("huge.jsonl", _huge_number), ("quote.csv", _unclosed_quote), ("pipe.jsonl", _fifo)],
    ids=["deeply-nested-json", "5000-digit-number", "unclosed-csv-quote", "fifo"],
)
def test_a_hostile_file_is_one_line_and_exit_2(tmp_path: Path, ledger: Path, name: str, write: object) -> None:
    """Before: a traceback and exit 70 (nesting, the number), a hang (the FIFO), the rest of the CSV read as one record."""
    assert callable(write)
    path = tmp_path / name
    expected = write(path)
    code, out, err = data_check(ledger, "--source", f"ledger-r3-train={path}")
    assert code == 2 and out == "" and "Traceback" not in err
    assert expected in err and len(err.strip().splitlines()) == 1, err
