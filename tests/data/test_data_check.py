"""`ftgov data check` end to end: the real command on data files written here, against the ledger register.

The ledger fixture's round ledger-r3 (approved) declares `ledger-r3-train` (5,000 records) and
validates on `ledger-r3-holdout` (500 records). Records are short made-up sentences with a fixed
seed, so distinct records share no 3-word shingle: every match is one planted on purpose.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ..conftest import run_ftgov
from ..repository import build_ledger_repo

REGISTER = "registers/ledger.yaml"
SYLLABLES = (("ba", "ko", "mi", "tu", "re", "sa", "po"), ("la", "ne", "ri", "vo", "gu"), ("n", "s", "t", "m", "k", ""))
VOCABULARY = [f"{a}{b}{c}" for a in SYLLABLES[0] for b in SYLLABLES[1] for c in SYLLABLES[2]]


def texts(seed: int, count: int, words: int = 40) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(VOCABULARY) for _ in range(words)).capitalize() + "." for _ in range(count)]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def two_words_changed(text: str) -> str:
    words = text.split(" ")
    words[3], words[4] = "zzzone", "zzztwo"  # 4 of 38 shingles change: Jaccard 34/42 = 0.81
    return " ".join(words)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return build_ledger_repo(tmp_path / "governance")


@pytest.fixture
def holdout() -> list[str]:
    return texts(2, 500)


def data_check(repo: Path, *args: str) -> tuple[int, str, str]:
    result = run_ftgov("data", "check", "ledger-r3", *args, "--repo-root", str(repo))
    return result.returncode, result.stdout, result.stderr


def as_json(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = data_check(repo, *args, "--format", "json")
    assert err == "", err
    return code, json.loads(out)


def contaminated_training(tmp_path: Path, holdout: list[str], copies: int, near: int) -> Path:
    """5,000 training records of which `copies` are exact copies of holdout records and `near` have two words changed."""
    training = texts(1, 5000 - copies - near)
    planted = [holdout[i].upper() for i in range(copies)] + [two_words_changed(holdout[copies + i]) for i in range(near)]
    rows = [{"text": t} for t in training[:1000] + planted + training[1000:]]
    return write_jsonl(tmp_path / "train.jsonl", rows)


def test_a_clean_split_passes_and_counts_every_declared_source(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", [{"text": t} for t in texts(1, 5000)])
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in holdout])
    code, report = as_json(ledger, "--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}")
    assert code == 0 and report["result"] == "pass"
    sources = {s["name"]: s for s in report["data"]["sources"]}
    assert (sources["ledger-r3-train"]["records"], sources["ledger-r3-train"]["declared"], sources["ledger-r3-train"]["role"]) == (
        5000,
        5000,
        "train",
    )
    assert (sources["ledger-r3-holdout"]["records"], sources["ledger-r3-holdout"]["role"]) == (500, "validation")
    assert len(sources["ledger-r3-train"]["sha256"]) == 64
    overlap = report["data"]["overlap"]["train_validation"]
    assert (overlap["records"], overlap["exact"], overlap["near"], overlap["contaminated"]) == (500, 0, 0, 0)
    assert "shared_ids" not in overlap  # no --id-field: document-level separation was not measured, which is not 0
    assert report["findings"] == []


def test_planted_contamination_fails_names_the_round_and_is_recorded_for_check(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    train = contaminated_training(tmp_path, holdout, copies=6, near=6)
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in holdout])
    args = ("--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}")
    code, report = as_json(ledger, *args)
    overlap = report["data"]["overlap"]["train_validation"]
    assert (overlap["exact"], overlap["near"], overlap["contaminated"]) == (6, 6, 12)
    assert code == 1 and report["result"] == "fail"
    assert [f["rule"] for f in report["findings"] if f["severity"] == "error"] == ["FTG504"]
    assert "ledger-r3" in report["findings"][0]["message"] and "12" in report["findings"][0]["message"]
    assert {e["kind"] for e in report["examples"]["train_validation"]} == {"exact", "near"}

    code, out, err = data_check(ledger, *args, "--record")
    assert code == 1 and err == ""
    assert f"recorded in {REGISTER}" in out and "FTG504" in out
    recorded = (ledger / REGISTER).read_text()
    assert "contaminated: 12" in recorded and "sha256:" in recorded
    check = run_ftgov("check", "--repo-root", str(ledger))
    assert check.returncode == 1 and "FTG504" in check.stdout and "ledger-r3" in check.stdout
    shown = run_ftgov("register", "show", "ledger", "--repo-root", str(ledger))
    assert shown.returncode == 0 and "12 of 500 (2.4%) records copied in training" in shown.stdout


def test_a_waiver_in_the_policy_lets_the_round_pass_and_says_so(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    train = contaminated_training(tmp_path, holdout, copies=10, near=0)
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in holdout])
    policy = ledger / "policies" / "policy.yaml"
    policy.write_text(
        policy.read_text() + "waivers:\n  - {rule: FTG504, path: registers/ledger.yaml, reason: holdout shares templated greetings, "
        "approved_by: risk-lead, expires: 2099-12-31}\n"
    )
    code, report = as_json(ledger, "--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}", "--record")
    assert code == 0 and report["result"] == "pass"
    assert [w["rule"] for w in report["waived"]] == ["FTG504"] and report["findings"] == []
    assert run_ftgov("check", "--repo-root", str(ledger)).returncode == 0


def test_a_declared_count_that_is_off_warns(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", [{"text": t} for t in texts(1, 3100)])
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in holdout])
    code, report = as_json(ledger, "--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}")
    assert code == 0
    warnings = [f for f in report["findings"] if f["rule"] == "FTG506"]
    assert len(warnings) == 1 and "3,100" in warnings[0]["message"] and "5,000" in warnings[0]["message"]


def test_an_evaluation_set_copied_into_training_is_an_error(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    evaluation = texts(3, 200)
    training = texts(1, 5000)
    training[10:14] = evaluation[:4]
    train = write_jsonl(tmp_path / "train.jsonl", [{"text": t} for t in training])
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in holdout])
    table = pa.table({"text": evaluation})
    pq.write_table(table, tmp_path / "tone.parquet")
    code, report = as_json(
        ledger,
        "--source",
        f"ledger-r3-train={train}",
        "--source",
        f"ledger-r3-holdout={val}",
        "--eval",
        f"tone={tmp_path / 'tone.parquet'}",
    )
    assert code == 1
    tone = report["data"]["overlap"]["train_eval"]["tone"]
    assert (tone["records"], tone["exact"], tone["contaminated"]) == (200, 4, 4)
    assert [f["rule"] for f in report["findings"] if f["severity"] == "error"] == ["FTG505"]
    assert report["examples"]["train_eval/tone"][0]["other"]["where"].endswith("tone.parquet:row 1")


def test_the_same_document_on_both_sides_is_leakage_even_with_other_text(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    training = texts(1, 5000)
    train = write_jsonl(tmp_path / "train.jsonl", [{"text": t, "conversation": f"c{i}"} for i, t in enumerate(training)])
    # 30 holdout turns come from conversations that are also in training: other turns, same conversation.
    rows = [{"text": t, "conversation": f"c{i}" if i < 30 else f"h{i}"} for i, t in enumerate(holdout)]
    val = write_jsonl(tmp_path / "holdout.jsonl", rows)
    code, report = as_json(
        ledger, "--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}", "--id-field", "conversation"
    )
    overlap = report["data"]["overlap"]["train_validation"]
    assert (overlap["contaminated"], overlap["shared_ids"]) == (0, 30)
    assert code == 1 and [f["rule"] for f in report["findings"] if f["severity"] == "error"] == ["FTG504"]


def test_markdown_is_what_a_reviewer_reads_on_the_pr(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    train = contaminated_training(tmp_path, holdout, copies=3, near=0)
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in holdout])
    code, out, _ = data_check(
        ledger, "--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}", "--format", "markdown"
    )
    assert code == 0  # 3 of 500 is 0.6%, under the policy's 1%
    assert "| `ledger-r3-train` | train | 5,000 | 5,000 |" in out
    assert "3 of 500 (0.60%)" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--source", "nosuch=x.jsonl"), "--source nosuch: the objective declares no source of that name"),
        (("--source", "ledger-r3-train"), "give NAME=PATH"),
        (("--source", "ledger-r3-train=missing.jsonl"), "missing.jsonl: no such file"),
        (("--source", "ledger-r3-train=data.txt"), "unknown data format"),
        (("--source", "ledger-r3-train=t.jsonl", "--eval", "ledger-r3-holdout=t.jsonl"), "that is a declared data source"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, ledger: Path, args: tuple[str, ...], expected: str) -> None:
    (tmp_path / "data.txt").write_text("x\n")
    write_jsonl(tmp_path / "t.jsonl", [{"text": "a b c"}])
    args = tuple(a.replace("=", f"={tmp_path}/", 1) if "=" in a and not a.startswith("--") else a for a in args)
    code, out, err = data_check(ledger, *args)
    assert code == 2 and out == ""
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_malformed_line_is_named_by_file_and_line(tmp_path: Path, ledger: Path) -> None:
    train = tmp_path / "train.jsonl"
    train.write_text('{"text": "one two three"}\n{"text": \n')
    code, _, err = data_check(ledger, "--source", f"ledger-r3-train={train}")
    assert code == 2 and f"{train}:2" in err and len(err.strip().splitlines()) == 1


def test_record_is_refused_after_the_run_is_judged_and_a_second_time(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", [{"text": t} for t in texts(1, 5000)])
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in holdout])
    args = ("--source", f"ledger-r3-train={train}", "--source", f"ledger-r3-holdout={val}", "--record")
    assert data_check(ledger, *args)[0] == 0
    before = (ledger / REGISTER).read_bytes()
    code, _, err = data_check(ledger, *args)
    assert code == 1 and "already records data measured at" in err
    assert (ledger / REGISTER).read_bytes() == before
    # ledger-r2 is evaluated: evidence added now could only excuse what it produced.
    result = run_ftgov("data", "check", "ledger-r2", "--source", f"ledger-r2-train={train}", "--record", "--repo-root", str(ledger))
    assert result.returncode == 1 and "is evaluated: data evidence is recorded before approval or with the run" in result.stderr
    assert (ledger / REGISTER).read_bytes() == before


def test_a_source_in_shards_is_counted_as_one(tmp_path: Path, ledger: Path, holdout: list[str]) -> None:
    training = texts(1, 5000)
    first = write_jsonl(tmp_path / "train-00000-of-00002.jsonl", [{"text": t} for t in training[:2600]])
    pq.write_table(pa.table({"text": training[2600:]}), tmp_path / "train-00001-of-00002.parquet")
    val = write_jsonl(tmp_path / "holdout.jsonl", [{"text": t} for t in holdout])
    code, report = as_json(
        ledger,
        "--source",
        f"ledger-r3-train={first}",
        "--source",
        f"ledger-r3-train={tmp_path / 'train-00001-of-00002.parquet'}",
        "--source",
        f"ledger-r3-holdout={val}",
    )
    assert code == 0 and report["findings"] == []  # 2,600 + 2,400 = the 5,000 declared: no FTG506 per shard
    assert [s["records"] for s in report["data"]["sources"] if s["name"] == "ledger-r3-train"] == [2600, 2400]


def test_an_engine_that_cannot_run_is_refused_before_any_file_is_read(
    tmp_path: Path, ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The census of a large corpus takes hours: a missing ray extra is said first, not after it."""
    monkeypatch.setitem(sys.modules, "ray", None)  # as on a machine without `pip install 'ftgov[ray]'`
    train = tmp_path / "train.jsonl"
    train.write_text('{"text": \n')  # malformed: were the file read, this would be the error instead
    code, out, err = data_check(ledger, "--source", f"ledger-r3-train={train}", "--engine", "ray")
    assert (code, out) == (2, "")
    assert err == "ftgov: error: --engine ray needs the ray extra: pip install 'ftgov[ray]'\n"


def test_the_progress_line_counts_records_and_rate_and_clears(capsys: pytest.CaptureFixture[str]) -> None:
    """On a terminal: what is being read, how many records so far, the rate; wiped when done. Piped: silent."""
    from ftgov.cli.data import _DataProgress

    progress = _DataProgress()
    progress.enabled = True
    progress("reading ledger-r3-train", 10_000)
    progress.shown = 0.0  # the line is redrawn at most 4 times a second: let the next call draw
    progress("reading ledger-r3-train", 2_500)
    progress.clear()
    err = capsys.readouterr().err
    assert "\rreading ledger-r3-train: 10,000 records (" in err and "\rreading ledger-r3-train: 12,500 records (" in err
    assert "/s)" in err and err.endswith("\r")
    piped = _DataProgress()
    piped.enabled = False
    piped("reading ledger-r3-train", 10_000)
    piped.clear()
    assert capsys.readouterr().err == ""
