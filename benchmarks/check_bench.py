"""Time `ftgov check --base REF` against the plain `ftgov check` on the same large repository.

    python benchmarks/check_bench.py [--models 500] [--rounds 10] [--repeat 3] [--baseline REV [--candidate REV]]

Generates a governance repository of MODELS models with ROUNDS rounds each (5,000
objectives and 500 registers by default, every round evaluated but the last, which is
approved, each with its report file), written from the tests' own register fixture, and
commits it to git. A second commit is the pull request: one new round (its objective and
its `proposed` register entry). Then, side by side in one run, it times `ftgov check` and
`ftgov check --base HEAD~1` on that tree and prints best-of-N wall times and the ratio.
Target (issue 6): --base costs at most 1.3x the plain check, because it reads from git only
what changed.

With --baseline REV (a revision of this checkout), it also compares the plain `ftgov check` of
that revision's code with the candidate's (--candidate REV, else the working tree), side by
side in one run, both with --jobs 1 and with the default jobs: best-of-N wall times measured in
alternation (so a busy machine slows both alike), the speed-up, how many YAML documents each
parsed (counted in a separate run that wraps the loader's parse, forked workers included), and
the peak resident memory of the largest process (os.wait4's rusage, workers included).
Target (issue 16): each document parsed once, and the plain check at least 1.3x faster than
before on 5,000 objectives and 500 registers.
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
from dataclasses import dataclass
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


# Runs `ftgov` with every YAML parse counted; the count goes to stderr as the last line. The counter
# lives in shared memory made before the process pool forks, so workers' parses are counted too.
COUNTING_RUNNER = """
import multiprocessing, sys
import ftgov.documents.loader as loader
parses = multiprocessing.get_context("fork").Value("q", 0)
real = loader.load_values
def counted(text, path):
    with parses.get_lock():
        parses.value += 1
    return real(text, path)
loader.load_values = counted
from ftgov.cli import main
try:
    main(sys.argv[1:], prog_name="ftgov")
finally:
    print(f"parses: {parses.value}", file=sys.stderr)
"""


@dataclass(frozen=True)
class Code:
    """One version of ftgov to run: a revision exported from git, or the working tree (what is installed)."""

    label: str
    pythonpath: Path | None

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "ftgov", *args]

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.pythonpath is not None:
            env["PYTHONPATH"] = str(self.pythonpath)
        return env


def export(revision: str, into: Path) -> Code:
    """The package and schemas of `revision`, unpacked from git into `into`."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision, "checks", "policies"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    short = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", revision], check=True, capture_output=True, text=True)
    return Code(f"{revision} ({short.stdout.strip()})" if short.stdout.strip() != revision else revision, into / "checks")


@dataclass(frozen=True)
class Timing:
    seconds: float
    cpu_seconds: float  # user + system of the child and its workers: what a busy machine disturbs least
    code: int
    peak_bytes: int


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> Timing:
    """Wall time, exit code and peak RSS of the largest process in the child's tree (workers are waited for)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4: tell Popen, so it does not wait again
    return Timing(seconds, usage.ru_utime + usage.ru_stime, child.returncode, usage.ru_maxrss * 1024)  # Linux: ru_maxrss in KiB


def parse_count(code: Code, args: list[str], cwd: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", COUNTING_RUNNER, *args], cwd=cwd, env=code.env(), capture_output=True, text=True, check=False
    )
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    if not last.startswith("parses: "):
        raise SystemExit(f"counting run of {code.label} printed no count:\n{done.stderr[-400:]}")
    return int(last.removeprefix("parses: "))


def compare_parse_once(baseline: Code, candidate: Code, root: Path, repeat: int, documents: int) -> bool:
    """Plain `ftgov check`, baseline and candidate side by side (issue 16); True when the targets are met."""
    print(f"\nplain ftgov check: baseline {baseline.label} vs candidate {candidate.label}; best of {repeat}, run in alternation")
    print(
        f"  {'jobs':<12} {'baseline':>9} {'candidate':>10} {'speed-up':>9}   {'CPU time speed-up':>17}"
        f"   {'parses':>15}   {'peak RSS (largest process)':>26}"
    )
    met = True
    for jobs_label, extra in (("--jobs 1", ["--jobs", "1"]), (f"default ({os.cpu_count()})", [])):
        args = ["check", *extra]
        runs: dict[str, list[Timing]] = {baseline.label: [], candidate.label: []}
        for _ in range(repeat):
            for code in (baseline, candidate):
                run = timed(code.command(*args), root, code.env())
                if run.code != 0:
                    print(f"  {code.label} {' '.join(args)}: exit {run.code}", file=sys.stderr)
                    met = False
                runs[code.label].append(run)
        before, after = runs[baseline.label], runs[candidate.label]
        parses_before, parses_after = parse_count(baseline, args, root), parse_count(candidate, args, root)
        speedup = min(r.seconds for r in before) / min(r.seconds for r in after)
        cpu_speedup = min(r.cpu_seconds for r in before) / min(r.cpu_seconds for r in after)
        mib = 1 << 20
        peak_before, peak_after = max(r.peak_bytes for r in before) / mib, max(r.peak_bytes for r in after) / mib
        print(
            f"  {jobs_label:<12} {min(r.seconds for r in before):8.2f}s {min(r.seconds for r in after):9.2f}s {speedup:8.2f}x"
            f"   {cpu_speedup:16.2f}x   {parses_before:>6} -> {parses_after:<6}   {peak_before:9.0f} MiB -> {peak_after:.0f} MiB"
        )
        met = met and parses_after == documents and (speedup >= 1.3 or jobs_label == "--jobs 1")
    print(f"  {documents} YAML documents; targets: each parsed once, default jobs at least 1.3x faster")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV", help="also compare the plain check with this revision's code (issue 16)")
    parser.add_argument("--candidate", metavar="REV", help="the code to compare with --baseline; default: the working tree")
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
        met = ratio <= 1.3 and all(code == 0 for _, _, code in rows)
        if args.baseline:
            with tempfile.TemporaryDirectory(prefix="ftgov-check-bench-code-") as code_dir:
                baseline = export(args.baseline, Path(code_dir) / "baseline")
                candidate = export(args.candidate, Path(code_dir) / "candidate") if args.candidate else Code("working tree", None)
                documents = objectives + registers + 1  # and the policy
                met = compare_parse_once(baseline, candidate, root, args.repeat, documents) and met
        return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
