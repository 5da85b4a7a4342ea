"""Time `ftgov validate` against `check-jsonschema` on the same generated objectives.

    python benchmarks/validate_bench.py [--files 2000] [--repeat 3]

Generates N objective files (models of five rounds each, written from the repository's
worked example) in a temporary governance repository, then times, side by side in one
run, ftgov doing all of its rules against check-jsonschema doing schema validation only
with policies/objective.schema.json. Prints best-of-N wall times and the ratios. Targets
(issue 2): ftgov at least 3x faster on the full set, and no slower on a single file
(the pre-commit case).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "objectives" / "support-agent"
ROUNDS = ("support-agent-r1", "support-agent-r2", "support-agent-r3")


def generate(root: Path, count: int) -> list[Path]:
    shutil.copytree(REPO / "policies", root / "policies")
    templates = [(EXAMPLE / f"{name}.yaml").read_text(encoding="utf-8") for name in ROUNDS]
    files: list[Path] = []
    model = 0
    while len(files) < count:
        model += 1
        name = f"model-{model:05d}"
        folder = root / "objectives" / name
        folder.mkdir(parents=True)
        for round_no in range(1, 6):
            if len(files) == count:
                break
            text = templates[min(round_no, 3) - 1]
            for r in range(3, 0, -1):  # longest first so r1 never rewrites inside r10
                text = text.replace(f"support-agent-r{r}", f"{name}-r{r if round_no <= 3 else r + round_no - 3}")
            text = text.replace("name: support-agent", f"name: {name}")
            ident = f"{name}-r{round_no}"
            path = folder / f"{ident}.yaml"
            path.write_text(text, encoding="utf-8")
            files.append(path)
    return files


def best_of(repeat: int, command: list[str], cwd: Path) -> tuple[float, int]:
    times = []
    code = 0
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        times.append(time.perf_counter() - start)
        code = done.returncode
    return min(times), code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    ftgov = [str(bindir / "ftgov")] if (bindir / "ftgov").exists() else [sys.executable, "-m", "ftgov"]
    cjs = shutil.which("check-jsonschema", path=str(bindir)) or shutil.which("check-jsonschema")
    if cjs is None:
        print("check-jsonschema is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ftgov-bench-") as tmp:
        root = Path(tmp)
        files = generate(root, args.files)
        rel = [str(f.relative_to(root)) for f in files]
        schema = str(root / "policies" / "objective.schema.json")
        rows = []
        for label, subset in ((f"{len(files)} files", rel), ("1 file", rel[:1])):
            ours, our_code = best_of(args.repeat, [*ftgov, "validate", *subset], root)
            theirs, their_code = best_of(args.repeat, [cjs, "--schemafile", schema, *subset], root)
            rows.append((label, ours, our_code, theirs, their_code))
    print(f"{'run':<12} {'ftgov (all rules)':>18} {'check-jsonschema':>18} {'ratio':>8}")
    for label, ours, our_code, theirs, their_code in rows:
        print(f"{label:<12} {ours:>16.3f} s {theirs:>16.3f} s {theirs / ours:>7.2f}x   (exit codes {our_code}/{their_code})")
    print("ratio = check-jsonschema time / ftgov time; targets: >= 3.0x on the full set, >= 1.0x on one file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
