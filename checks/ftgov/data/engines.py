"""Where the overlap measurement runs: `local` (this process) or `ray` (Ray Data, across a cluster's workers).

Both engines index the other side (the validation set or one evaluation set) whole, then stream
every training file through it in order, and give the same `OverlapResult` on the same files:
the same counts, the same contaminated records, the same shared ids and the same examples with
the same `where` (`file:line`, `file:row N`). The local engine is one process reading one
record at a time; the ray engine (`ftgov.data.ray_engine`, installed with `pip install
'ftgov[ray]'`) splits the training files into slices that Ray workers read and hash in
parallel, for a training side beyond what one machine hashes in reasonable time.

Document-level separation: when the files have an id field (a conversation or document id),
`shared_ids` counts the other side's records whose id also occurs among the training records,
so the same document on both sides is leakage even when its texts differ. Only the other
side's ids are held in memory; the training ids are streamed past them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator, Sequence

from ftgov.data.overlap import DataFile, OverlapResult, OverlapSettings, measure_overlap
from ftgov.data.readers import Record
from ftgov.documents.errors import InputError

__all__ = ["ENGINES", "PROGRESS_EVERY", "DataFile", "measure_between", "require"]

ENGINES = ("local", "ray")
# Training records between two progress reports of the local engine: often enough for a progress
# bar to move every second or so, rarely enough that the call costs nothing.
PROGRESS_EVERY = 4096


def require(engine: str) -> None:
    """Refuse an unknown engine, or ray without the ray extra, before any file is read (a census can take hours)."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r} (ftgov runs {' or '.join(ENGINES)})")
    if engine == "ray" and importlib.util.find_spec("ray") is None:
        raise InputError("--engine ray needs the ray extra: pip install 'ftgov[ray]'")


def measure_between(
    training: Sequence[DataFile],
    other: DataFile,
    settings: OverlapSettings,
    engine: str = "local",
    progress: Callable[[int], None] | None = None,
) -> OverlapResult:
    """All `training` files together (in order) against `other`, on `engine`.

    `progress(n)` is called with the number of training records processed since the last call.
    Ids are compared (`shared_ids`) when `other` has an id field; every training file must then have one too.
    """
    require(engine)
    compare_ids = other.id_field is not None
    for data_file in training:
        if compare_ids and data_file.id_field is None:
            raise InputError(f"{data_file.path}: no id field given, so its document ids cannot be compared with {other.path}'s")
        # A missing file or an unknown format is refused now, not after the files before it are hashed.
        data_file.records()
    if engine == "ray":
        try:
            from ftgov.data import ray_engine
        except ImportError:
            raise InputError("--engine ray needs the ray extra: pip install 'ftgov[ray]'") from None
        return ray_engine.measure_between(training, other, settings, compare_ids, progress)
    return measure_overlap(_training_stream(training, progress), other.records(), settings, compare_ids=compare_ids)


def _training_stream(training: Sequence[DataFile], progress: Callable[[int], None] | None) -> Iterator[Record]:
    pending = 0
    for data_file in training:
        for record in data_file.records():
            yield record
            pending += 1
            if progress is not None and pending >= PROGRESS_EVERY:
                progress(pending)
                pending = 0
    if progress is not None and pending:
        progress(pending)
