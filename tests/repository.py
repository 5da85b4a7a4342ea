"""The tests' own governance repository, built from tests/fixtures/repo in a temporary directory.

Kept apart from conftest so the benchmarks can build the very same repository.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REPO_FIXTURE = FIXTURES / "repo"
DOCUMENT_DIRS = ("objectives", "registers", "policies")


def build_governance_repo(dest: Path) -> Path:
    """A governance repository at `dest`: the fixture's policy and worked example, the product's schemas.

    The schemas are the product (they ship inside the package), so they come from policies/ at the
    repository root; everything an organisation edits comes from the fixture.
    """
    shutil.copytree(REPO_FIXTURE, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("README.md"))
    for schema in (ROOT / "policies").glob("*.schema.json"):
        shutil.copy(schema, dest / "policies" / schema.name)
    return dest


def documents(root: Path) -> list[Path]:
    """Every YAML document a full check reads, found independently of ftgov's own walker."""
    return sorted(
        path
        for folder in DOCUMENT_DIRS
        if (root / folder).is_dir()
        for path in (root / folder).rglob("*")
        if path.is_file() and path.suffix in (".yaml", ".yml") and not path.name.startswith(".")
    )
