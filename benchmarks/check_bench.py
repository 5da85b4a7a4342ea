"""Time `ftgov check --base REF` against the plain `ftgov check` on the same large repository.

    python benchmarks/check_bench.py [--models 500] [--rounds 10] [--repeat 3]

Generates a governance repository of MODELS models with ROUNDS rounds each (5,000
objectives and 500 registers by default, every round evaluated but the last, which is
approved, each with its report file), written from the tests' own register fixture, and
commits it to git. A second commit is the pull request: one new round (its objective and
its `proposed` register entry). Then, side by side in one run, it times `ftgov check` and
`ftgov check --base HEAD~1` on that tree and prints best-of-N wall times and the ratio.
Target (issue 6): --base costs at most 1.3x the plain check, because it reads from git only
what changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "register"
TEMPLATE = (FIXTURE / "objectives" / "ledger" / "ledger-r2.yaml").read_text(encoding="utf-8")
BASE = "example-org/base-model@0a1b2c3"


def objective(model: str, k: int) -> str:
    text = TEMPLATE.replace("id: ledger-r2", f"id: {model}-r{k}").replace("name: ledger", f"name: {model}")
    text = text.replace(
        "{id: tone, metric: {suite: lm-eval, task: tone, name: acc}", f"{{id: task{k}, metric: {{suite: lm-eval, task: task{k}, name: acc}}"
    )
    text = text.replace("ledger-r2-", f"{model}-r{k}-")
    if k == 1:
        text = text.replace("  parent: ledger-r1\n", "").replace("compare_to: parent", "compare_to: base")
        return text.replace("to: ledger-r1", "to: base")
    return text.replace("parent: ledger-r1", f"parent: {model}-r{k - 1}").replace("to: ledger-r1", f"to: {model}-r{k - 1}")


def report_of(model: str, k: int, raw: bytes) -> dict[str, object]:
    """The report the round pins, bound to it as `ftgov check` requires (FTG915-917): its objective, verdict and measured values."""
    measured: dict[str, dict[str, float]] = {
        f"lm-eval/task{j}/acc": {"base": 0.5, "parent": 0.5 if j == k else 0.7, "candidate": 0.7} for j in range(1, k + 1)
    }
    measured["lm-eval/mmlu/acc"] = {"base": 0.7, "parent": 0.7, "candidate": 0.7}
    measured["safety/refusal_rate"] = {"base": 0.95, "parent": 0.95, "candidate": 0.95}
    sha = hashlib.sha256(raw).hexdigest()
    return {"objective": f"{model}-r{k}", "objective_sha256": sha, "verdict": "pass", "criteria": [], "measured": measured}


def round_entry(model: str, k: int, raw: bytes, report: bytes | None) -> str:
    lines = [f"  - objective: {model}-r{k}"]
    if report is None:
        status = "proposed" if raw == b"" else "approved"
        if status == "approved":
            lines.append(f"    objective_sha256: {hashlib.sha256(raw).hexdigest()}")
        lines.append(f"    status: {status}")
        return "\n".join(lines) + "\n"
    day = f"2026-01-{k:02d}" if k <= 28 else f"2026-02-{k - 28:02d}"
    measured = "\n".join(
        f"        lm-eval/task{j}/acc: {{base: 0.50, parent: {0.5 if j == k else 0.7}, candidate: 0.70}}" for j in range(1, k + 1)
    )
    lines += [
        f"    objective_sha256: {hashlib.sha256(raw).hexdigest()}",
        "    status: evaluated",
        "    approval:",
        f"      merged_at: {day}T10:00:00Z",
        f"      commit: {hashlib.sha1(f'{model}{k}'.encode()).hexdigest()}",
        "    run:",
        f"      started_at: {day}T11:00:00Z",
        f"      finished_at: {day}T12:00:00Z",
        "      configuration: {method: lora, learning_rate: 1.0e-4, epochs: 2, batch_size: 32, lora: {rank: 8, alpha: 16, dropout: 0.05},"
        " regularisation: [weight_decay=0.01]}",
        "      deviations: []",
        "    evaluation:",
        f"      report: registers/{model}/{model}-r{k}.evaluation.json",
        f"      report_sha256: {hashlib.sha256(report).hexdigest()}",
        f"      evaluated_at: {day}T13:00:00Z",
        "      verdict: pass",
        "      measured:",
        measured,
        "        lm-eval/mmlu/acc: {base: 0.70, parent: 0.70, candidate: 0.70}",
        "        safety/refusal_rate: {base: 0.95, parent: 0.95, candidate: 0.95}",
    ]
    return "\n".join(lines) + "\n"


def generate(root: Path, models: int, rounds: int) -> None:
    (root / "policies").mkdir(parents=True)
    shutil.copy(FIXTURE / "policies" / "policy.yaml", root / "policies")
    for schema in (REPO / "policies").glob("*.schema.json"):
        shutil.copy(schema, root / "policies")
    for m in range(1, models + 1):
        model = f"model-{m:04d}"
        (root / "objectives" / model).mkdir(parents=True)
        (root / "registers" / model).mkdir(parents=True)
        register = f"apiVersion: ftgov/v1\nkind: CumulativeRegister\nmodel: {model}\nbase: {BASE}\nrounds:\n"
        for k in range(1, rounds + 1):
            raw = objective(model, k).encode()
            (root / "objectives" / model / f"{model}-r{k}.yaml").write_bytes(raw)
            report = None
            if k < rounds:
                report = json.dumps(report_of(model, k, raw)).encode()
                (root / "registers" / model / f"{model}-r{k}.evaluation.json").write_bytes(report)
            register += round_entry(model, k, raw, report)
        (root / "registers" / f"{model}.yaml").write_text(register, encoding="utf-8")


def add_round(root: Path, model: str, k: int) -> None:
    """The pull request: round k of one model, its objective and its proposed register entry."""
    (root / "objectives" / model / f"{model}-r{k}.yaml").write_text(objective(model, k), encoding="utf-8")
    with (root / "registers" / f"{model}.yaml").open("a", encoding="utf-8") as register:
        register.write(round_entry(model, k, b"", None))


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, stdout=subprocess.DEVNULL)


def best_of(repeat: int, command: list[str], cwd: Path) -> tuple[float, int, str]:
    times, code, err = [], 0, ""
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        code, err = done.returncode, (done.stdout + done.stderr)[-400:]
    return min(times), code, err


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    ftgov = [str(bindir / "ftgov")] if (bindir / "ftgov").exists() else [sys.executable, "-m", "ftgov"]
    env_identity = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
    os.environ.update({**env_identity, "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"})
    with tempfile.TemporaryDirectory(prefix="ftgov-check-bench-") as tmp:
        root = Path(tmp)
        generate(root, args.models, args.rounds)
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "base")
        add_round(root, "model-0001", args.rounds + 1)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "pull request: one new round")
        objectives = sum(1 for _ in (root / "objectives").rglob("*.yaml"))
        registers = sum(1 for _ in (root / "registers").glob("*.yaml"))
        print(f"{objectives} objectives, {registers} registers; best of {args.repeat}")
        rows = []
        for label, extra in (("ftgov check", []), ("ftgov check --base HEAD~1", ["--base", "HEAD~1"])):
            seconds, code, tail = best_of(args.repeat, [*ftgov, "check", *extra], root)
            if code != 0:
                print(f"{label}: exit {code}\n{tail}", file=sys.stderr)
            rows.append((label, seconds, code))
        for label, seconds, code in rows:
            print(f"  {label:<28} {seconds:7.2f} s  (exit {code})")
        ratio = rows[1][1] / rows[0][1]
        print(f"  --base / plain: {ratio:.2f}x (target <= 1.3x)")
        return 0 if ratio <= 1.3 and all(code == 0 for _, _, code in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
