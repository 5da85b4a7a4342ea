"""The command line: exit codes, messages, --out, --help and progress, as users meet them."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from ftgov.cli import main

from ..conftest import FIXTURES, ROOT, run_ftgov
from ..repository import build_governance_repo, documents


def test_check_passes_on_this_repository() -> None:
    """All a test may ask of the organisation's own documents: they pass (info and warning findings allowed)."""
    done = run_ftgov("check", "--format", "json", cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    payload = json.loads(done.stdout)
    assert payload["summary"]["errors"] == 0
    assert not [f for f in payload["findings"] if f["severity"] == "error"]


def test_exit_codes_follow_design(governance_repo: Path) -> None:
    folder = governance_repo / "objectives" / "support-agent"
    (folder / "support-agent-r4.yaml").write_text((FIXTURES / "rules" / "FTG305.yaml").read_text())
    assert run_ftgov("validate", str(folder / "support-agent-r4.yaml"), cwd=governance_repo).returncode == 1
    (folder / "support-agent-r4.yaml").write_text((FIXTURES / "rules" / "FTG003.yaml").read_text())
    assert run_ftgov("validate", str(folder / "support-agent-r4.yaml"), cwd=governance_repo).returncode == 2
    (folder / "support-agent-r4.yaml").write_text((FIXTURES / "rules" / "FTG306.yaml").read_text())
    info_only = run_ftgov("validate", str(folder / "support-agent-r4.yaml"), cwd=governance_repo)
    assert info_only.returncode == 0 and "FTG306 (info)" in info_only.stdout


def test_input_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    outside = run_ftgov("check", cwd=tmp_path)
    assert outside.returncode == 2
    assert outside.stderr.count("\n") == 1 and "policies/policy.yaml" in outside.stderr
    repo = build_governance_repo(tmp_path / "governance")
    missing = run_ftgov("validate", "objectives/nope.yaml", cwd=repo)
    assert missing.returncode == 2 and "no such file" in missing.stderr and "Traceback" not in missing.stderr
    bad_root = run_ftgov("check", "--repo-root", str(tmp_path), cwd=repo)
    assert bad_root.returncode == 2 and "--repo-root" in bad_root.stderr


def test_broken_schema_is_an_input_error(governance_repo: Path) -> None:
    (governance_repo / "policies" / "objective.schema.json").write_text("{ not json")
    done = run_ftgov("check", cwd=governance_repo)
    assert done.returncode == 2
    assert "objective.schema.json:1:3: schema is not valid JSON" in done.stderr


def test_out_writes_the_report_atomically(governance_repo: Path) -> None:
    report = governance_repo / "reports" / "ftgov.json"
    done = run_ftgov("check", "--format", "json", "--out", str(report), cwd=governance_repo)
    assert done.returncode == 0 and done.stdout == ""
    assert json.loads(report.read_text())["summary"]["files"] == len(documents(governance_repo))
    assert [p.name for p in report.parent.iterdir()] == ["ftgov.json"]


def test_rules_lists_and_explains() -> None:
    runner = CliRunner()
    listing = runner.invoke(main, ["rules"])
    assert listing.exit_code == 0 and "FTG304  standing-safety-missing" in listing.output
    page = runner.invoke(main, ["rules", "ftg305"])
    assert page.exit_code == 0
    assert page.output.startswith("FTG305 standing-safety-looser (error, cannot be waived)")
    assert "Why this matters" in page.output and "Fix:" in page.output
    by_name = runner.invoke(main, ["rules", "placeholder-text", "--format", "json"])
    assert json.loads(by_name.output)["code"] == "FTG201"
    unknown = runner.invoke(main, ["rules", "FTG999"])
    assert unknown.exit_code == 2


def test_help_teaches_exit_codes_and_formats() -> None:
    runner = CliRunner()
    top = runner.invoke(main, ["--help"])
    assert "Exit codes: 0 passed, 1 policy failure" in top.output
    validate_help = runner.invoke(main, ["validate", "--help"])
    for word in ("sarif", "junit", "github", "--repo-root", "ftgov rules CODE"):
        assert word in validate_help.output


def _run_on_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "ftgov", *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=child_fd)
    os.close(child_fd)
    chunks = []
    while True:
        ready, _, _ = select.select([main_fd], [], [], 30)
        if not ready:
            break
        try:
            data = os.read(main_fd, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(main_fd)
    return process.wait(timeout=30), b"".join(chunks).decode()


def test_progress_shows_on_a_terminal_and_not_when_piped(governance_repo: Path) -> None:
    source = (governance_repo / "objectives" / "support-agent" / "support-agent-r1.yaml").read_text()
    for i in range(30):
        folder = governance_repo / "objectives" / f"m{i}"
        folder.mkdir()
        (folder / f"m{i}-r1.yaml").write_text(source.replace("support-agent-r1", f"m{i}-r1").replace("name: support-agent", f"name: m{i}"))
    code, terminal = _run_on_terminal(["check"], governance_repo)
    assert code == 0
    # The policy is read first, on its own; progress counts the rest.
    total = len([d for d in documents(governance_repo) if d != governance_repo / "policies" / "policy.yaml"])
    assert f"validated {total}/{total} files" in terminal
    piped = run_ftgov("check", cwd=governance_repo)
    assert piped.returncode == 0 and piped.stderr == ""


def test_validate_path_never_imports_github3(governance_repo: Path) -> None:
    probe = (
        "import sys\n"
        "from ftgov.cli import main\n"
        "try:\n"
        "    main(['check'])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0, exit.code\n"
        "assert 'github3' not in sys.modules and 'requests' not in sys.modules\n"
        "print('clean')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=governance_repo, capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.strip().endswith("clean"), done.stdout + done.stderr


def test_runs_are_confined_to_the_tests_home(isolated_home: Path) -> None:
    """The autouse fixture reaches subprocesses: ftgov's cache and git's global config land in the test's home."""
    # The child reports the environment it was given, never resolving a home of its own.
    probe = "import os; from ftgov.gate.gate import default_cache_dir; print(os.environ['HOME']); print(default_cache_dir())"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False)
    home, cache = (Path(line) for line in done.stdout.splitlines())
    assert home == isolated_home and cache.is_relative_to(isolated_home), done.stdout + done.stderr
    git = subprocess.run(["git", "config", "--global", "ftgov.probe", "written"], capture_output=True, text=True, timeout=60, check=False)
    assert git.returncode == 0, git.stderr
    assert "probe = written" in (isolated_home / ".gitconfig").read_text()
    assert "GITHUB_TOKEN" not in os.environ and "GH_TOKEN" not in os.environ
