"""Planted contamination found, a clean split left alone, and the near-duplicate search's stated limits, on data made here.

Records are six sentences of fifteen words drawn from a made-up vocabulary with a fixed seed:
distinct records share almost no 3-word shingle, so every match below is one planted on purpose.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ftgov.data.overlap import OverlapSettings, measure_overlap, normalise, shingles
from ftgov.data.readers import Record, read_records
from ftgov.documents.errors import InputError

SYLLABLES = (("ba", "ko", "mi", "tu", "re", "sa"), ("la", "ne", "ri", "vo", "gu"), ("n", "s", "t", "m", "k", ""))
VOCABULARY = [f"{a}{b}{c}" for a in SYLLABLES[0] for b in SYLLABLES[1] for c in SYLLABLES[2]]


def _sentences(rng: random.Random, count: int = 6) -> list[str]:
    return [" ".join(rng.choice(VOCABULARY) for _ in range(15)).capitalize() + "." for _ in range(count)]


def _corpus(seed: int, count: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [_sentences(rng) for _ in range(count)]


def _records(texts: list[str], name: str) -> Iterator[Record]:
    return (Record(id=f"{name}-{i}", text=text, where=f"{name}:{i + 1}") for i, text in enumerate(texts))


def _change_words(text: str, positions: list[int]) -> str:
    words = text.split(" ")
    for position in positions:
        words[position] = "zzzchanged"
    return " ".join(words)


def test_normalisation_is_nfkc_casefold_and_collapsed_whitespace() -> None:
    assert normalise("  Stra\u00dfe\t\uff21BC\n  ﬁne ") == "strasse abc fine"
    assert shingles("a b c d", 3) == {b"a b c", b"b c d"}
    assert shingles("a, b", 3) == {b"a b"}
    assert shingles(" ... ", 3) == set()


def test_a_clean_split_is_not_flagged() -> None:
    training = [" ".join(r) for r in _corpus(1, 2000)]
    validation = [" ".join(r) for r in _corpus(2, 300)]
    result = measure_overlap(_records(training, "train"), _records(validation, "val"))
    assert (result.training_records, result.validation_records) == (2000, 300)
    assert (result.exact_matches, result.near_matches, result.contaminated_validation, result.skipped) == (0, 0, 0, 0)
    assert result.contaminated_fraction == 0.0
    assert result.examples == ()


def test_planted_contamination_is_found_and_counted() -> None:
    validation_sentences = _corpus(2, 100)
    validation = [" ".join(r) for r in validation_sentences]
    training = [" ".join(r) for r in _corpus(1, 500)]
    planted = [
        # exact copies, differing only in case, spacing and Unicode compatibility forms
        validation[0],
        validation[1].upper().replace(" ", "  \t"),
        validation[2].replace("a", "\uff41"),  # fullwidth a: NFKC folds it back
        # paraphrases: three words changed in ninety
        _change_words(validation[3], [10, 40, 75]),
        _change_words(validation[4], [5, 50, 85]),
        # reordered sentences: only the shingles spanning a sentence boundary change
        " ".join(reversed(validation_sentences[5])),
        " ".join(validation_sentences[6][3:] + validation_sentences[6][:3]),
        # punctuation changed: not an exact copy, but the same words
        validation[7].replace(".", "!"),
    ]
    mixed = training[:200] + planted + training[200:]
    result = measure_overlap(_records(mixed, "train"), _records(validation, "val"))
    assert result.training_records == 508 and result.validation_records == 100
    assert result.exact_matches == 3
    assert result.near_matches == 5
    assert result.contaminated_validation == 8
    assert result.contaminated_fraction == pytest.approx(0.08)
    found = {pair.validation.id: pair for pair in result.examples}
    assert sorted(map(str, found)) == [f"val-{i}" for i in range(8)]
    assert [found[f"val-{i}"].kind for i in range(8)] == ["exact"] * 3 + ["near"] * 5
    assert found["val-0"].training.where == "train:201" and found["val-0"].similarity == 1.0
    assert all(0.7 <= found[f"val-{i}"].similarity < 1.0 for i in range(3, 7))
    assert found["val-7"].similarity == 1.0  # the same words, so the same shingles: near only because the bytes differ


def test_examples_are_capped_but_counts_are_not() -> None:
    validation = [" ".join(r) for r in _corpus(3, 30)]
    result = measure_overlap(_records(validation, "train"), _records(validation, "val"), OverlapSettings(max_examples=4))
    assert (result.exact_matches, result.contaminated_validation, result.contaminated_fraction) == (30, 30, 1.0)
    assert [pair.training.id for pair in result.examples] == ["train-0", "train-1", "train-2", "train-3"]


def test_one_training_record_can_contaminate_several_validation_records() -> None:
    """Duplicates inside the validation set: both copies are contaminated, and the fraction says so."""
    text = " ".join(_corpus(4, 1)[0])
    other = " ".join(_corpus(5, 1)[0])
    result = measure_overlap(_records([text], "train"), _records([text, text.lower(), other], "val"))
    assert (result.exact_matches, result.contaminated_validation) == (1, 2)
    assert result.contaminated_fraction == pytest.approx(2 / 3)


def test_what_near_duplicate_search_does_not_catch() -> None:
    """The module's stated limits, held to: rewording throughout and embedding in a long document are not found."""
    validation_sentences = _corpus(6, 3)
    validation = [" ".join(r) for r in validation_sentences]
    reworded = _change_words(validation[0], list(range(0, 90, 3)))  # every third word: no 3-word shingle survives
    long_document = " ".join(" ".join(r) for r in _corpus(7, 4))
    embedded = long_document + " " + validation[1]  # a validation record inside a training record five times its length
    result = measure_overlap(_records([reworded, embedded], "train"), _records(validation, "val"))
    assert (result.exact_matches, result.near_matches, result.contaminated_validation) == (0, 0, 0)
    # The embedded copy's Jaccard is about 0.2: only a threshold far below any sensible default finds it.
    lowered = measure_overlap(_records([embedded], "train"), _records(validation, "val"), OverlapSettings(threshold=0.15))
    assert lowered.near_matches == 1 and lowered.examples[0].validation.id == "val-1"


def test_templated_siblings_are_not_near_duplicates_at_the_default_threshold() -> None:
    training = ["What is the capital of France?"]
    validation = ["What is the capital of Spain?"]
    assert measure_overlap(_records(training, "t"), _records(validation, "v")).near_matches == 0
    assert measure_overlap(_records(training, "t"), _records(validation, "v"), OverlapSettings(threshold=0.5)).near_matches == 1


def test_records_without_words_are_skipped_not_matched() -> None:
    result = measure_overlap(_records(["", "..."], "t"), _records(["  ", "!!"], "v"))
    assert (result.skipped, result.exact_matches, result.near_matches, result.contaminated_validation) == (4, 0, 0, 0)


def test_the_measurement_is_deterministic() -> None:
    validation_sentences = _corpus(8, 50)
    validation = [" ".join(r) for r in validation_sentences]
    training = [_change_words(t, [7, 60]) for t in validation[:20]] + [" ".join(r) for r in _corpus(9, 200)]
    first = measure_overlap(_records(training, "t"), _records(validation, "v"))
    second = measure_overlap(_records(training, "t"), _records(validation, "v"))
    assert first == second
    assert first.near_matches == 20


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"ngram": 0}, "n-gram size"),
        ({"threshold": 0.0}, "Jaccard threshold"),
        ({"threshold": 1.5}, "Jaccard threshold"),
        ({"num_perm": 4}, "permutations"),
        ({"max_examples": -1}, "examples"),
    ],
)
def test_settings_out_of_range_are_refused(settings: dict[str, float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        OverlapSettings(**settings)  # type: ignore[arg-type]


def test_from_files_jsonl_training_against_parquet_validation(tmp_path: Path) -> None:
    validation = [" ".join(r) for r in _corpus(10, 40)]
    training = [" ".join(r) for r in _corpus(11, 60)]
    training.insert(17, validation[9])
    training.insert(30, _change_words(validation[12], [20, 70]))
    train_path = tmp_path / "train.jsonl"
    train_path.write_text("".join(json.dumps({"text": t}) + "\n" for t in training), encoding="utf-8")
    val_path = tmp_path / "validation.parquet"
    pq.write_table(pa.table({"doc": [f"d{i}" for i in range(40)], "text": validation}), val_path)
    result = measure_overlap(read_records(train_path, "text"), read_records(val_path, "text", "doc", batch_rows=16))
    assert (result.training_records, result.validation_records, result.exact_matches, result.near_matches) == (62, 40, 1, 1)
    exact, near = result.examples
    assert (exact.kind, exact.training.where, exact.validation.id) == ("exact", f"{train_path}:18", "d9")
    assert exact.validation.where == f"{val_path}:row 10"
    assert (near.kind, near.training.where, near.validation.id) == ("near", f"{train_path}:31", "d12")


def test_shared_document_ids_count_validation_records_whatever_their_text() -> None:
    """The same conversation on both sides is leakage even reworded; two validation records of one document both count."""
    validation = [" ".join(r) for r in _corpus(12, 4)]
    training = [" ".join(r) for r in _corpus(13, 3)]  # no text in common with the validation records
    train = [Record(id="conv-1", text=training[0]), Record(id="conv-9", text=training[1]), Record(id=None, text="...")]
    val = [Record(id=ident, text=text) for ident, text in zip(["conv-1", "conv-1", "conv-2", "conv-9"], validation, strict=True)]
    result = measure_overlap(train, val, compare_ids=True)
    assert (result.shared_ids, result.contaminated_validation, result.skipped) == (3, 0, 1)
    assert measure_overlap(train, val).shared_ids is None  # ids not compared: not zero, unknown
