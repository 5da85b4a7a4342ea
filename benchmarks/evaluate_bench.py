"""How long `ftgov evaluate` takes on large lm-eval output, next to merely parsing the same files.

Writes lm-evaluation-harness 0.4 output for a base and a candidate model (20 tasks, 10,000
paired items each: 200,000 pairs; every sample with two choices' log-likelihoods, so ftgov
derives confidences and recomputes ECE), an objective naming every task, then times in
child processes:

- `ftgov evaluate ... --format json` at 10,000 bootstrap resamples (the default), and
- a Python child that only parses the same files with `json` (results file and every
  samples line),

and reports the ratio (target <= 3x) and each child's peak memory from os.wait4's rusage
(target < 1 GiB).

    .venv/bin/python benchmarks/evaluate_bench.py [--items 10000] [--tasks 20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAMP = "2026-11-22T02-15-00.000000"


def write_run(directory: Path, tasks: int, items: int, skill: float, seed: int) -> None:
    rng = random.Random(seed)
    directory.mkdir(parents=True)
    results, versions, n_shot, hashes, higher, samples_n = {}, {}, {}, {}, {}, {}
    for t in range(tasks):
        task = f"task_{t:02d}"
        right = 0
        with (directory / f"samples_{task}_{STAMP}.jsonl").open("w") as out:
            for doc in range(items):
                item_rng = random.Random(f"{task}/{doc}")  # the item's difficulty is the same for both models
                difficulty = item_rng.random()
                margin = (skill - difficulty) * 4 + rng.gauss(0, 1)
                correct = 1.0 if margin > 0 else 0.0
                right += int(correct)
                good, bad = -abs(rng.gauss(0.7, 0.3)), -abs(rng.gauss(0.7, 0.3)) - margin
                prompt = f"Question {doc} of {task}: which account does the entry belong to?\nAnswer:"
                line = {
                    "doc_id": doc,
                    "doc": {"id": f"{task}-{doc}", "question": prompt, "answer": 0},
                    "target": "0",
                    "arguments": {"gen_args_0": {"arg_0": prompt, "arg_1": " yes"}, "gen_args_1": {"arg_0": prompt, "arg_1": " no"}},
                    "resps": [[[str(good), "False"]], [[str(bad), "False"]]],
                    "filtered_resps": [[str(good), "False"], [str(bad), "False"]],
                    "filter": "none",
                    "metrics": ["acc"],
                    "doc_hash": hashlib.sha256(f"{task}/{doc}".encode()).hexdigest(),
                    "prompt_hash": hashlib.sha256(prompt.encode()).hexdigest(),
                    "target_hash": "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9",
                    "acc": correct,
                }
                out.write(json.dumps(line) + "\n")
        accuracy = right / items
        results[task] = {
            "alias": task,
            "acc,none": accuracy,
            "acc_stderr,none": math.sqrt(accuracy * (1 - accuracy) / (items - 1)),
        }
        versions[task], n_shot[task], higher[task] = 1.0, 0, {"acc": True}
        hashes[task] = hashlib.sha256(task.encode()).hexdigest()
        samples_n[task] = {"original": items, "effective": items}
    document = {
        "results": results,
        "group_subtasks": {},
        "configs": {task: {"task": task, "num_fewshot": 0, "output_type": "multiple_choice"} for task in results},
        "versions": versions,
        "n-shot": n_shot,
        "higher_is_better": higher,
        "n-samples": samples_n,
        "config": {"model": "hf", "limit": None, "bootstrap_iters": 100000},
        "task_hashes": hashes,
        "lm_eval_version": "0.4.9",
        "date": 1763777700.0,
    }
    (directory / f"results_{STAMP}.json").write_text(json.dumps(document, indent=2))


def write_repo(root: Path, tasks: int) -> None:
    shutil.copytree(ROOT / "tests" / "fixtures" / "register" / "policies", root / "policies")
    for schema in (ROOT / "policies").glob("*.schema.json"):
        shutil.copy(schema, root / "policies")
    boundaries = "\n".join(
        f"  - {{id: task-{t:02d}, capability: task {t}, metric: {{suite: lm-eval, task: task_{t:02d}, name: acc}}, "
        f"compare_to: base, max_drop: 0.02}}"
        for t in range(1, tasks)
    )
    (root / "objectives" / "bench").mkdir(parents=True)
    (root / "objectives" / "bench" / "bench-r1.yaml").write_text(
        "apiVersion: ftgov/v1\nkind: FineTuneObjective\nid: bench-r1\n"
        "model: {name: bench, base: org/base@1, risk_tier: low, domain: general}\n"
        "success_criteria:\n"
        "  - {id: task-00, metric: {suite: lm-eval, task: task_00, name: acc}, compare_to: base, min_improvement: 0.01}\n"
        f"regression_boundaries:\n{boundaries}\n"
        "  - {id: harmful-refusal, metric: {suite: safety, name: refusal_rate}, compare_to: base, max_drop: 0.01, safety: true}\n"
        "calibration: {max_ece_increase: 0.05}\n"
    )


PARSE_ONLY = """
import json, sys
from pathlib import Path
for directory in sys.argv[1:]:
    for path in sorted(Path(directory).iterdir()):
        if path.suffix == ".json":
            json.loads(path.read_text())
        else:
            with path.open() as handle:
                for line in handle:
                    json.loads(line)
"""


def timed(command: list[str]) -> tuple[float, int, int, bytes]:
    """Wall seconds, exit code, peak RSS in bytes (Linux reports KiB) and stdout of one child."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        out.seek(0)
        return elapsed, os.waitstatus_to_exitcode(status), usage.ru_maxrss * 1024, out.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000, help="items per task (default 10,000)")
    parser.add_argument("--tasks", type=int, default=20, help="tasks (default 20)")
    parser.add_argument("--keep", type=Path, default=None, help="write the data here and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ftgov-evaluate-bench-"))
    try:
        base, candidate, repo = work / "base", work / "candidate", work / "repo"
        if not base.exists():
            started = time.perf_counter()
            write_run(base, args.tasks, args.items, 0.55, 1)
            write_run(candidate, args.tasks, args.items, 0.56, 2)
            write_repo(repo, args.tasks)
            print(f"wrote {2 * args.tasks} samples files in {time.perf_counter() - started:.1f} s")
        size = sum(p.stat().st_size for d in (base, candidate) for p in d.iterdir())
        pairs = args.tasks * args.items
        print(f"{args.tasks} tasks x {args.items:,} paired items = {pairs:,} pairs, {size / 2**20:.0f} MiB of lm-eval output")
        parse_s, parse_rc, parse_rss, _ = timed([sys.executable, "-c", PARSE_ONLY, str(base), str(candidate)])
        assert parse_rc == 0
        command = [sys.executable, "-m", "ftgov", "evaluate", "bench-r1", "--candidate", str(candidate), "--baseline", str(base)]
        eval_s, eval_rc, eval_rss, out = timed([*command, "--format", "json", "--repo-root", str(repo)])
        report = json.loads(out)
        ece = [c for c in report["criteria"] if c["metric"].endswith("/ece")]
        print(f"json parse only:  {parse_s:6.2f} s, peak {parse_rss / 2**20:5.0f} MiB")
        print(
            f"ftgov evaluate:   {eval_s:6.2f} s, peak {eval_rss / 2**20:5.0f} MiB (exit {eval_rc}, verdict {report['verdict']}, "
            f"{len(report['criteria'])} criteria of which {len(ece)} ECE, {report['method']['resamples']} resamples)"
        )
        ratio = eval_s / parse_s
        print(f"ratio: {ratio:.2f}x (target <= 3x); peak memory {eval_rss / 2**30:.2f} GiB (target < 1 GiB)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
