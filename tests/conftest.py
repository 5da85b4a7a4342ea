from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def governance_repo(tmp_path: Path) -> Path:
    """A copy of this repository's policies and worked example in a temp dir."""
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    shutil.copytree(ROOT / "objectives", tmp_path / "objectives")
    return tmp_path


def run_ftgov(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m ftgov ARGS` as a user runs it.

    The host's GitHub token never reaches the run; `env` adds variables (a test token,
    a cache home) on top of the rest of the environment.
    """
    environment = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
    environment.update(env or {})
    command = [sys.executable, "-m", "ftgov", *args]
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout, check=False)
