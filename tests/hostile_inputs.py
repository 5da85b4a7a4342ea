"""Hostile and oversized documents, shared by tests/test_loader.py (work bounds) and
benchmarks/hostile_inputs_bench.py (time goals), so both measure the same inputs."""

from __future__ import annotations

from pathlib import Path

from .repository import FIXTURES

ERRORS_FILE = "objectives/support-agent/support-agent-r9.yaml"
AMBIGUOUS_FILE = "objectives/support-agent/support-agent-r3.yaml"
BIG_FILE_BYTES = 50 * 1024 * 1024


def _laugh(level: int) -> bytes:
    previous, current = chr(97 + level), chr(98 + level)
    return f"{current}: &{current} [{', '.join([f'*{previous}'] * 9)}]\n".encode()


HOSTILE: dict[str, bytes] = {
    "invalid-utf8": b"apiVersion: ftgov/v1\nrationale: caf\xe9\n",
    "duplicate-key": b"apiVersion: ftgov/v1\nkind: FineTuneObjective\nkind: Policy\n",
    "billion-laughs": b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(_laugh(i) for i in range(9)),
    "python-tag": b"kind: FineTuneObjective\nx: !!python/object/apply:os.system ['echo pwned']\n",
    "yaml11-directive": b"%YAML 1.1\n---\nkind: FineTuneObjective\n",
    "depth-65": b"kind: FineTuneObjective\nx: " + b"[" * 65 + b"]" * 65 + b"\n",
    "depth-5000-flow": b"x: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "depth-1000-block": "".join(" " * i + f"k{i}:\n" for i in range(1000)).encode() + b" " * 1000 + b"v\n",
    "depth-deep-compact": b"x:\n" + b"- " * 3000 + b"v\n",
    "not-a-mapping": b"- just\n- a list\n",
    "empty": b"",
    "unknown-kind": b"apiVersion: ftgov/v1\nkind: Pipeline\n",
    "two-documents": b"kind: Policy\n---\nkind: Policy\n",
    "nul-byte": b"kind: Policy\nx: \x00\n",
}

# The ones also run through the command line, where start-up and rendering count too.
THROUGH_THE_CLI = ("billion-laughs", "depth-5000-flow", "depth-1000-block", "python-tag", "invalid-utf8", "big-50mb", "duplicate-key")


def write_hostile(repo: Path, name: str) -> Path:
    """objectives/<name>.yaml in `repo`; `big-50mb` is a sparse 50 MB file."""
    target = repo / "objectives" / f"{name}.yaml"
    if name == "big-50mb":
        with target.open("wb") as handle:
            handle.write(b"kind: FineTuneObjective\nrationale: ")
            handle.truncate(BIG_FILE_BYTES)
    else:
        target.write_bytes(HOSTILE[name])
    return target


def write_errors_file(repo: Path) -> Path:
    """A valid round whose expected_gains hold 40,000 placeholders: far more findings than the cap of 100."""
    gains = "".join(f"  - TODO {i}\n" for i in range(40000))
    text = (FIXTURES / "valid" / "support-agent-r4.yaml").read_text().replace("id: support-agent-r4", "id: support-agent-r9")
    text = text.replace("expected_gains:\n  - fee questions about 2027 products answered correctly\n", "expected_gains:\n" + gains)
    target = repo / ERRORS_FILE
    target.write_text(text)
    return target


def write_ambiguous_scalars_file(repo: Path) -> Path:
    """r3 of the worked example padded past 512 KiB, with one YAML-1.1-ambiguous scalar (12_000)."""
    target = repo / AMBIGUOUS_FILE
    padding = "".join(f"  - criterion {i} must hold on the production shadow set\n" for i in range(14000))
    text = target.read_text().replace("records: 12000", "records: 12_000").replace("  criteria:\n", "  criteria:\n" + padding)
    target.write_text(text)
    return target
