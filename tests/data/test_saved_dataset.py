"""Saved Hugging Face datasets as `datasets.save_to_disk` writes them (tests/fixtures/data, PROVENANCE.md), read with pyarrow alone."""

from __future__ import annotations

import hashlib

import pytest

from ftgov.data.agreement import measure_agreement
from ftgov.data.check import sha256_of
from ftgov.data.readers import read_records

from ..conftest import FIXTURES

SAVED = FIXTURES / "data"


@pytest.mark.parametrize(
    ("directory", "ids"),
    [
        ("hf-saved", [f"conv-{i}" for i in range(6)]),
        ("hf-saved-shuffled", ["conv-2", "conv-5", "conv-4", "conv-1"]),  # as datasets.load_from_disk reads it
        ("hf-saved-sharded", [f"conv-{i}" for i in range(6)]),
    ],
)
def test_a_saved_dataset_reads_as_datasets_reads_it(directory: str, ids: list[str]) -> None:
    records = list(read_records(SAVED / directory, "text", "id"))
    assert [r.id for r in records] == ids
    assert records[0].where.startswith(str(SAVED / directory)) and "row 1" in records[0].where
    assert all(r.text.endswith("?") or r.text.endswith(".") for r in records)


def test_labels_in_a_saved_dataset_are_measured() -> None:
    agreement = measure_agreement(read_records(SAVED / "hf-saved", "text", "id"), "labels")
    assert agreement is not None and (agreement.items, agreement.annotators) == (6, 3)
    assert -1.0 <= agreement.alpha < 1.0


def test_a_saved_dataset_is_pinned_by_its_arrow_files() -> None:
    files = sorted((SAVED / "hf-saved-sharded").glob("*.arrow"))
    manifest = "".join(f"{p.name}\0{hashlib.sha256(p.read_bytes()).hexdigest()}\n" for p in files)
    assert sha256_of(SAVED / "hf-saved-sharded") == hashlib.sha256(manifest.encode()).hexdigest()
