from __future__ import annotations

import shutil
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
