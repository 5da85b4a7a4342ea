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


def build_ledger_repo(dest: Path) -> Path:
    """The register fixture at `dest` (model `ledger`: r1 deployed, r2 evaluated, r3 approved), with the product's schemas."""
    shutil.copytree(FIXTURES / "register", dest, dirs_exist_ok=True)
    for schema in (ROOT / "policies").glob("*.schema.json"):
        shutil.copy(schema, dest / "policies")
    return dest


def governance_files() -> dict[str, bytes]:
    """The same repository as `build_governance_repo`, as repository path -> bytes, to seed a fake forge."""
    files = {
        path.relative_to(REPO_FIXTURE).as_posix(): path.read_bytes()
        for path in sorted(REPO_FIXTURE.rglob("*"))
        if path.is_file() and path.name != "README.md"
    }
    files.update({f"policies/{schema.name}": schema.read_bytes() for schema in sorted((ROOT / "policies").glob("*.schema.json"))})
    return files


def copy_policies(dest: Path) -> Path:
    """`dest`/policies with the fixture's policy and the product's schemas, for a repository a test writes itself."""
    policies = dest / "policies"
    policies.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO_FIXTURE / "policies" / "policy.yaml", policies / "policy.yaml")
    for schema in (ROOT / "policies").glob("*.schema.json"):
        shutil.copy(schema, policies / schema.name)
    return policies


def documents(root: Path) -> list[Path]:
    """Every YAML document a full check reads, found independently of ftgov's own walker."""
    return sorted(
        path
        for folder in DOCUMENT_DIRS
        if (root / folder).is_dir()
        for path in (root / folder).rglob("*")
        if path.is_file() and path.suffix in (".yaml", ".yml") and not path.name.startswith(".")
    )
