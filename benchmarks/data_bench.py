"""Train/validation overlap in bounded memory: ftgov's local engine against datasketch run directly, side by side in one run.

    python benchmarks/data_bench.py [--records 200000] [--sizes N1,N2,...] [--validation 5000] [--stride 1000]
                                    [--peers datasketch,datasketch-bulk] [--max-records SIDE=N ...] [--keep DIR] [--profile]

Issue 18: "the local engine handles 10 million short records in bounded memory (state the
measured peak and rate in a benchmark against running datasketch directly)".

It writes a validation file of --validation records and training files of each N in --sizes
(default --records/10, --records/3 and --records; each a prefix of the largest, all written in
one pass), JSONL of 8-20 words per record drawn from a seeded 5,000-word vocabulary with
Zipf frequencies. Every --stride-th training record is planted, cycling through three kinds:
a verbatim copy of a validation record, a near copy (one word appended: the Jaccard similarity
of the 3-word shingles of k words is (k-2)/(k-1), at least 6/7), and an UPPER-CASED copy. About
85 bytes a record: 10 million training records are 850 MB of JSONL.

Then, for each N in turn, each side runs in its own process (the order alternates from one N to
the next, so a busy machine slows both alike), and its peak resident memory is that process's
(os.wait4's ru_maxrss), imports included; the memory right after the imports is printed beside:

- ftgov: `measure_between([DataFile(train)], DataFile(validation), OverlapSettings(), engine="local")`,
  the local engine with its defaults (3-word shingles, Jaccard 0.7, 128 permutations, seed 1);
- datasketch: the script a team would write with datasketch itself, same settings: json.loads
  per line, the sha256 of the text for exact copies, `MinHash(num_perm=128, seed=1)` per record
  updated with the same shingles of `text.split()`, the validation side inserted into
  `MinHashLSH(threshold=0.7)` and every training record queried, candidates kept at an
  estimated Jaccard >= 0.7;
- datasketch-bulk: the same with datasketch's own fast path for many records, `MinHash.bulk`
  over batches of 10,000 records (one MinHash's permutations shared by the batch).

The rate is training records per second of the whole run (the validation side's indexing
included). Both sides must count the same planted copies: the verbatim ones exact, the near
ones near (the LSH may miss a few of them, the same few for every side, since the signatures
are identical), and the upper-cased ones exact for ftgov, which normalises (NFKC, casefold),
and not at all for datasketch run directly, which does not. Exit 1 when a count differs from
that. --profile runs each side once at the smallest N under cProfile instead and prints its
hotspots.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

VOCABULARY = 5000
MIN_WORDS, MAX_WORDS = 8, 20
SEED = 18  # the number: any fixed seed, so every run writes the same files
CHUNK = 100_000  # records generated and written at a time: a few tens of MB, never the whole file
BULK_BATCH = 10_000
NEAR_WORD = "again"
NGRAM, THRESHOLD, NUM_PERM, MINHASH_SEED = 3, 0.7, 128, 1  # ftgov's OverlapSettings() defaults, for the peers
SIDES = ("ftgov", "datasketch", "datasketch-bulk")


# --- the data -------------------------------------------------------------------------------------------------


class Corpus:
    """Seeded short texts: words of one or two consonant-vowel syllables, the common ones short, Zipf frequencies."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        syllables = [c + v for c in "bdfghklmnprstvz" for v in "aeiou"]
        words = [*syllables, *(a + b for a in syllables for b in syllables)][:VOCABULARY]
        self.words = np.array(words, dtype=object)
        weights = 1.0 / np.arange(1, VOCABULARY + 1)
        self.frequencies = weights / weights.sum()

    def texts(self, count: int) -> list[str]:
        lengths = self.rng.integers(MIN_WORDS, MAX_WORDS + 1, size=count).tolist()
        tokens = self.words[self.rng.choice(VOCABULARY, size=sum(lengths), p=self.frequencies)].tolist()
        texts, start = [], 0
        for length in lengths:
            texts.append(" ".join(tokens[start : start + length]))
            start += length
        return texts


@dataclass(frozen=True)
class Planted:
    """The planted copies among the first N training records, by kind."""

    verbatim: int
    near: int
    upper: int


def planted(records: int, stride: int) -> Planted:
    slots = records // stride  # slot j is training record (j + 1) * stride - 1; its kind is j % 3
    return Planted(verbatim=(slots + 2) // 3, near=(slots + 1) // 3, upper=slots // 3)


def plant(slot: int, validation: list[str]) -> str:
    original = validation[slot % len(validation)]
    kind = slot % 3
    if kind == 0:
        return original
    if kind == 1:
        return f"{original} {NEAR_WORD}"
    return original.upper()


def jsonl_line(prefix: str, number: int, text: str) -> str:
    # The texts are ASCII letters and spaces: nothing to escape, so no json.dumps per record.
    return f'{{"id": "{prefix}{number}", "text": "{text}"}}\n'


def write_data(folder: Path, sizes: list[int], validation_records: int, stride: int) -> tuple[dict[int, Path], Path]:
    """The validation file and one training file per size, each a prefix of the largest, in one pass of chunks."""
    corpus = Corpus(SEED)
    validation = corpus.texts(validation_records)
    validation_path = folder / "validation.jsonl"
    with validation_path.open("w", encoding="ascii") as out:
        out.writelines(jsonl_line("v", number, text) for number, text in enumerate(validation))
    paths = {n: folder / f"train-{n}.jsonl" for n in sizes}
    handles: dict[int, TextIO] = {n: path.open("w", encoding="ascii") for n, path in paths.items()}
    try:
        total = max(sizes)
        for start in range(0, total, CHUNK):
            texts = corpus.texts(min(CHUNK, total - start))
            for i in range((-1 - start) % stride, len(texts), stride):
                texts[i] = plant((start + i) // stride, validation)
            lines = [jsonl_line("t", start + k, text) for k, text in enumerate(texts)]
            for n, handle in handles.items():
                if n > start:
                    handle.write("".join(lines[: n - start]))
    finally:
        for handle in handles.values():
            handle.close()
    return paths, validation_path


# --- the sides, each run in its own process -------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    training_records: int
    exact: int
    near: int
    contaminated: int


def run_ftgov(training: Path, validation: Path) -> Counts:
    from ftgov.data.engines import DataFile, measure_between
    from ftgov.data.overlap import OverlapSettings

    result = measure_between([DataFile(training)], DataFile(validation), OverlapSettings(), engine="local")
    return Counts(result.training_records, result.exact_matches, result.near_matches, result.contaminated_validation)


def shingles(text: str) -> set[bytes]:
    """The peers' shingles: the same 3-word n-grams ftgov takes, of the text as it is (no normalisation)."""
    words = text.split()
    if len(words) <= NGRAM:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + NGRAM]).encode("utf-8") for i in range(len(words) - NGRAM + 1)}


def texts_of(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)["text"]


def run_datasketch(training: Path, validation: Path, bulk: bool) -> Counts:
    from itertools import islice

    from datasketch import MinHash, MinHashLSH

    def signatures(texts: Iterator[str]) -> Iterator[tuple[str, MinHash]]:
        if not bulk:
            for text in texts:
                signature = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED)
                signature.update_batch(shingles(text))
                yield text, signature
            return
        for batch in iter(lambda: list(islice(texts, BULK_BATCH)), []):
            yield from zip(batch, MinHash.bulk([shingles(text) for text in batch], num_perm=NUM_PERM, seed=MINHASH_SEED), strict=True)

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    by_digest: dict[bytes, int] = {}
    indexed: dict[int, MinHash] = {}
    for key, (text, signature) in enumerate(signatures(texts_of(validation))):
        by_digest.setdefault(hashlib.sha256(text.encode("utf-8")).digest(), key)
        indexed[key] = signature
        lsh.insert(key, signature)
    records = exact = near = 0
    contaminated: set[int] = set()
    for text, signature in signatures(texts_of(training)):
        records += 1
        copy = by_digest.get(hashlib.sha256(text.encode("utf-8")).digest())
        if copy is not None:
            exact += 1
            contaminated.add(copy)
            continue
        matches = [key for key in lsh.query(signature) if signature.jaccard(indexed[key]) >= THRESHOLD]
        if matches:
            near += 1
            contaminated.update(matches)
    return Counts(records, exact, near, len(contaminated))


RUNS: dict[str, Callable[[Path, Path], Counts]] = {
    "ftgov": run_ftgov,
    "datasketch": lambda training, validation: run_datasketch(training, validation, bulk=False),
    "datasketch-bulk": lambda training, validation: run_datasketch(training, validation, bulk=True),
}


def resident_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def child(side: str, training: Path, validation: Path, profile: bool) -> None:
    """One side in this process: prints its counts, times and memory after the imports as one JSON line."""
    run = RUNS[side]
    # The side's imports first, so the memory after them is the baseline its work adds to.
    if side == "ftgov":
        import ftgov.data.engines
        import ftgov.data.overlap
        import ftgov.data.readers

        modules = [Path(m.__file__ or "") for m in (ftgov.data.engines, ftgov.data.overlap, ftgov.data.readers)]
        code = f"{modules[0].parent} sha256 {hashlib.sha256(b''.join(m.read_bytes() for m in modules)).hexdigest()[:12]}"
    else:
        import datasketch

        code = f"datasketch {datasketch.__version__}"
    after_imports = resident_kib("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        counts = profiler.runcall(run, training, validation)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(14)
    else:
        counts = run(training, validation)
    elapsed = {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}
    print(json.dumps({**asdict(counts), **elapsed, "after_imports_kib": after_imports, "code": code}))


# --- the parent: runs the sides, prints the tables ------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    side: str
    counts: Counts
    wall: float
    cpu: float
    after_imports_mib: float
    peak_mib: float
    code: str  # what the side imported: ftgov's data modules by hash (the work tree is shared), datasketch's version

    @property
    def rate(self) -> float:
        return self.counts.training_records / self.wall


def measure(side: str, training: Path, validation: Path, profile: bool = False) -> Run:
    command = [sys.executable, __file__, "--side", side, "--training-file", str(training), "--validation-file", str(validation)]
    if profile:
        command.append("--profile")
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out)
        _, status, usage = os.wait4(process.pid, 0)
        out.seek(0)
        text = out.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the {side} side exited {os.waitstatus_to_exitcode(status)}: {text}")
    found = json.loads(text.strip().splitlines()[-1])
    counts = Counts(found["training_records"], found["exact"], found["near"], found["contaminated"])
    # Linux reports ru_maxrss in KiB.
    return Run(side, counts, found["wall"], found["cpu"], found["after_imports_kib"] / 1024, usage.ru_maxrss / 1024, found["code"])


def expected(side: str, copies: Planted) -> tuple[int, int]:
    """(exact, near) a side must count: ftgov's normalisation makes the upper-cased copies exact; the peers find none of them."""
    if side == "ftgov":
        return copies.verbatim + copies.upper, copies.near
    return copies.verbatim, copies.near


def report(runs: dict[int, list[Run]], stride: int, validation_records: int) -> bool:
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"\n{machine}, {dt.datetime.now(dt.UTC):%Y-%m-%d}; {validation_records:,} validation records, a copy every {stride:,} training\n")
    print("| side | training records | MiB after imports | peak MiB | wall s | CPU s | records/wall s | records/CPU s |", end="")
    print(" exact | near | contaminated |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n, measured in runs.items():
        for run in sorted(measured, key=lambda r: SIDES.index(r.side)):
            c = run.counts
            print(
                f"| {run.side} | {n:,} | {run.after_imports_mib:.0f} | {run.peak_mib:.0f} | {run.wall:.1f} | {run.cpu:.1f} | "
                f"{run.rate:,.0f} | {c.training_records / run.cpu:,.0f} | {c.exact:,} | {c.near:,} | {c.contaminated:,} |"
            )
    print("\n| training records | ftgov / peer | peak memory | peak - after imports | rate (wall) | rate (CPU) |")
    print("| ---: | --- | ---: | ---: | ---: | ---: |")
    for n, measured in runs.items():
        ours = next(r for r in measured if r.side == "ftgov")
        for peer in sorted((r for r in measured if r.side != "ftgov"), key=lambda r: SIDES.index(r.side)):
            work = (ours.peak_mib - ours.after_imports_mib) / (peer.peak_mib - peer.after_imports_mib)
            print(
                f"| {n:,} | ftgov / {peer.side} | {ours.peak_mib / peer.peak_mib:.2f}x | {work:.2f}x | {ours.rate / peer.rate:.2f}x | "
                f"{peer.cpu / ours.cpu:.2f}x |"
            )
    print("\nBounded memory, peak MiB by training records:")
    for side in SIDES:
        peaks = [(n, r.peak_mib) for n, measured in runs.items() for r in measured if r.side == side]
        if len(peaks) > 1:
            growth = peaks[-1][1] - peaks[0][1]
            shown = ", ".join(f"{n:,}: {peak:.0f}" for n, peak in peaks)
            print(f"  {side}: {shown} ({growth:+.0f} MiB for {peaks[-1][0] / peaks[0][0]:.0f}x the records)")
    codes = sorted({f"{r.side}: {r.code}" for measured in runs.values() for r in measured})
    print("\nCode measured (one line per side unless it changed during the run):\n  " + "\n  ".join(codes))
    return agreed(runs, stride)


def agreed(runs: dict[int, list[Run]], stride: int) -> bool:
    print("\nPlanted copies (verbatim / near / upper-cased) and what each side counted (exact, near):")
    good = True
    for n, measured in runs.items():
        copies = planted(n, stride)
        seen = []
        for run in sorted(measured, key=lambda r: SIDES.index(r.side)):
            exact, near = expected(run.side, copies)
            # The near copies the LSH missed are the same for every side: their signatures are identical.
            ok = run.counts.exact == exact and run.counts.near <= near and run.counts.near == measured[0].counts.near
            good = good and ok
            seen.append(f"{run.side} {run.counts.exact:,}, {run.counts.near:,}{'' if ok else ' (NOT AS EXPECTED)'}")
        print(f"  {n:,}: planted {copies.verbatim:,} / {copies.near:,} / {copies.upper:,}; " + "; ".join(seen))
    return good


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000, help="training records at the largest size (default 200,000)")
    parser.add_argument("--sizes", default=None, help="training sizes, comma-separated (default records/10, records/3, records)")
    parser.add_argument("--validation", type=int, default=5000, help="validation records (default 5,000)")
    parser.add_argument("--stride", type=int, default=1000, help="plant a copy every STRIDE training records (default 1,000)")
    parser.add_argument("--peers", default="datasketch,datasketch-bulk", help="the peers to run, comma-separated")
    parser.add_argument("--max-records", action="append", default=[], metavar="SIDE=N", help="run SIDE only at sizes up to N (repeatable)")
    parser.add_argument("--keep", type=Path, default=None, help="write the data here and keep it (reused when present)")
    parser.add_argument("--profile", action="store_true", help="profile each side once at the smallest size instead")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--training-file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--validation-file", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.side:
        child(args.side, args.training_file, args.validation_file, args.profile)
        return 0
    default_sizes = {max(args.records // 10, 1), max(args.records // 3, 1), args.records}
    sizes = sorted({int(s) for s in args.sizes.split(",")} if args.sizes else default_sizes)
    peers = [p for p in args.peers.split(",") if p]
    limits = {side: int(n) for side, _, n in (limit.partition("=") for limit in args.max_records)}
    unknown = (set(peers) - set(SIDES[1:])) | (set(limits) - set(SIDES))
    if unknown:
        raise SystemExit(f"unknown side(s) {', '.join(sorted(unknown))} (known: {', '.join(SIDES)})")
    work = args.keep or Path(tempfile.mkdtemp(prefix="ftgov-data-bench-"))
    try:
        work.mkdir(parents=True, exist_ok=True)
        training = {n: work / f"train-{n}.jsonl" for n in sizes}
        validation = work / "validation.jsonl"
        if not all(p.exists() for p in [*training.values(), validation]):
            started = time.perf_counter()
            training, validation = write_data(work, sizes, args.validation, args.stride)
            written = sum(p.stat().st_size for p in training.values())
            print(f"wrote {len(sizes)} training files ({written / 2**20:,.0f} MiB) and {args.validation:,} validation records "
                  f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        if args.profile:
            for side in ["ftgov", *peers]:
                print(f"\n== {side}, {sizes[0]:,} training records, cProfile by own time ==", flush=True)
                measure(side, training[sizes[0]], validation, profile=True)
            return 0
        runs: dict[int, list[Run]] = {}
        for turn, n in enumerate(sizes):
            sides = [side for side in ["ftgov", *peers] if n <= limits.get(side, n)]
            if turn % 2:
                sides.reverse()
            runs[n] = []
            for side in sides:
                run = measure(side, training[n], validation)
                print(
                    f"{side} at {n:,}: {run.wall:.1f} s ({run.cpu:.1f} s CPU), {run.rate:,.0f} records/s, peak {run.peak_mib:.0f} MiB",
                    flush=True,
                )
                runs[n].append(run)
        return 0 if report(runs, args.stride, args.validation) else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
