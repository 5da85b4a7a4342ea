"""An organisation adopts the repository and adds its own objectives: the repository-level checks still pass.

The new documents are derived from whatever the copied repository holds (a round after the
latest round of one of its models; a new model whose round 1 is modelled on an existing
round 1), so this test keeps its meaning as the organisation's own objectives replace the
worked example. Every count is computed from the files present.
"""

from __future__ import annotations

import io
import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ..conftest import ROOT, run_ftgov
from ..repository import REPO_FIXTURE, documents

# What an adopting organisation keeps from this repository (checks/ and tests/ are the product).
ADOPTED = ("policies", "objectives", "registers", "CODEOWNERS", ".pre-commit-config.yaml")
NEW_MODEL = "adoption-new-model"


@dataclass(frozen=True)
class Objective:
    path: Path
    data: Any  # ruamel's round-trip mapping, so a copy keeps the organisation's formatting

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def model(self) -> str:
        return str(self.data["model"]["name"])

    @property
    def parent(self) -> str | None:
        parent = self.data["model"].get("parent")
        return None if parent is None else str(parent)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 4096  # keep long lines as the author wrote them
    return yaml


def adopt(dest: Path) -> Path:
    """The adopted parts of this repository, copied to `dest` (the fixture's worked example if it has no objectives)."""
    for name in ADOPTED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        elif source.is_file():
            shutil.copy(source, dest / name)
    if not list((dest / "objectives").rglob("*.yaml")):
        shutil.copytree(REPO_FIXTURE / "objectives", dest / "objectives", dirs_exist_ok=True)
    return dest


def objectives(repo: Path) -> list[Objective]:
    yaml = _yaml()
    return [Objective(path, yaml.load(path.read_text(encoding="utf-8"))) for path in sorted((repo / "objectives").rglob("*.yaml"))]


def _write(repo: Path, data: Any) -> Path:
    target = repo / "objectives" / str(data["model"]["name"]) / f"{data['id']}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    target.write_text(buffer.getvalue(), encoding="utf-8")
    return target


def _unused_id(model: str, taken: set[str]) -> str:
    number = 1
    while f"{model}-r{number}" in taken:
        number += 1
    return f"{model}-r{number}"


def add_next_round(repo: Path) -> Path:
    """A new round for an existing model: the latest round of the first model, carried forward."""
    found = objectives(repo)
    named_as_parent = {o.parent for o in found}
    latest = next(o for o in found if o.id not in named_as_parent)
    data = _yaml().load(latest.path.read_text(encoding="utf-8"))
    data["id"] = _unused_id(latest.model, {o.id for o in found})
    data["model"]["parent"] = latest.id
    data["rollback"]["to"] = latest.id
    return _write(repo, data)


def add_new_model(repo: Path) -> Path:
    """A model the repository has never seen, with its own round 1 modelled on an existing round 1."""
    found = objectives(repo)
    assert NEW_MODEL not in {o.model for o in found}
    first = next(o for o in found if o.parent is None)
    data = _yaml().load(first.path.read_text(encoding="utf-8"))
    data["id"] = f"{NEW_MODEL}-r1"
    data["model"]["name"] = NEW_MODEL
    data["rollback"]["to"] = data["model"]["base"]  # round 1 rolls back to the checkpoint it starts from
    return _write(repo, data)


def without_forgetting_boundary(path: Path) -> Path:
    """The objective with no general-capability boundary: ftgov notes that the policy default applies (FTG306, info)."""
    data = _yaml().load(path.read_text(encoding="utf-8"))
    for boundary in data["regression_boundaries"]:
        boundary.pop("general_capability", None)
    return _write(path.parents[2], data)


def check_json(repo: Path) -> dict[str, Any]:
    done = run_ftgov("check", "--format", "json", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    payload: dict[str, Any] = json.loads(done.stdout)
    return payload


def _key(finding: dict[str, Any]) -> tuple[str, str, int, int]:
    return (finding["rule"], finding["path"], finding["line"], finding["column"])


def assert_repository_checks_pass(repo: Path) -> dict[str, Any]:
    """What the suite asks of a repository: ftgov check passes and its summary adds up to the files present."""
    payload = check_json(repo)
    summary, findings = payload["summary"], payload["findings"]
    present = {d.relative_to(repo).as_posix() for d in documents(repo)}
    assert summary["files"] == len(present)
    severities = Counter(f["severity"] for f in findings)
    assert severities["error"] == summary["errors"] == 0, findings
    assert (summary["warnings"], summary["info"]) == (severities["warning"], severities["info"])
    assert summary["waived"] == len(payload["waived"])
    assert summary["exit_code"] == 0
    assert {f["path"] for f in findings} <= present
    text = run_ftgov("check", cwd=repo)
    assert text.returncode == 0 and f"in {len(present)} file(s)" in text.stdout, text.stdout + text.stderr
    return payload


@pytest.fixture
def adopted(tmp_path: Path) -> Path:
    return adopt(tmp_path / "governance")


def test_the_adopted_copy_passes_as_it_stands(adopted: Path) -> None:
    assert_repository_checks_pass(adopted)


def test_a_new_round_and_a_new_model_pass_the_repository_checks(adopted: Path) -> None:
    before = {_key(f) for f in check_json(adopted)["findings"]}
    added = [add_next_round(adopted), add_new_model(adopted)]
    payload = assert_repository_checks_pass(adopted)
    # The additions are held to every rule and bring no finding of their own beyond what their templates had.
    for path in added:
        single = run_ftgov("validate", "--format", "json", str(path), cwd=adopted)
        assert single.returncode == 0, single.stdout + single.stderr
        assert json.loads(single.stdout)["summary"]["files"] == 1
    new_findings = {_key(f) for f in payload["findings"]} - before
    added_paths = {p.relative_to(adopted).as_posix() for p in added}
    assert {path for _, path, _, _ in new_findings} <= added_paths
    assert not [f for f in payload["findings"] if f["path"] in added_paths and f["severity"] != "info"]


def test_an_objective_with_an_info_finding_still_passes(adopted: Path) -> None:
    round_file = without_forgetting_boundary(add_next_round(adopted))
    relative = round_file.relative_to(adopted).as_posix()
    payload = assert_repository_checks_pass(adopted)
    assert [f["severity"] for f in payload["findings"] if f["rule"] == "FTG306" and f["path"] == relative] == ["info"]
    assert payload["summary"]["info"] >= 1
    single = run_ftgov("validate", str(round_file), cwd=adopted)
    assert single.returncode == 0 and "FTG306 (info)" in single.stdout, single.stdout + single.stderr
