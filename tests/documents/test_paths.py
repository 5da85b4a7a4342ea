"""ftgov.documents.paths: the repository layout the README describes, and the ids the schemas allow."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from ftgov.documents import paths
from ftgov.documents.access import mapping, sequence, text
from ftgov.documents.document import Document
from ftgov.documents.loader import load_document

from ..conftest import ROOT
from ..repository import FIXTURES, REPO_FIXTURE

README = (ROOT / "README.md").read_text(encoding="utf-8")
# The tests' governance repository and the register fixture (ledger: deployed, evaluated and
# approved rounds, two pinned reports): every layout path a round can have. Not the repository's
# own objectives, which an adopter replaces.
LEDGER = FIXTURES / "register"


def _load(root: Path, relative: str) -> Document:
    loaded = load_document(root / relative, relative)
    assert isinstance(loaded, Document), loaded
    return loaded


def test_the_builders_spell_the_layout_the_readme_describes() -> None:
    documented = {
        paths.objective_path("<model>", "<id>"): "`objectives/<model>/<id>.yaml`",
        paths.register_path("<model>"): "`registers/<model>.yaml`",
        paths.register_dir("<model>") + "/": "`registers/<model>/`",
        paths.report_path("<model>", "<objective-id>"): "`registers/<model>/<objective-id>.evaluation.json`",
        paths.POLICY: "`policies/policy.yaml`",
        **{paths.schema_path(name): f"`policies/{name}.schema.json`" for name in ("objective", "policy", "register")},
    }
    for built, quoted in documented.items():
        assert f"`{built}`" == quoted
        assert quoted in README, f"the README no longer describes {quoted}"


@pytest.mark.parametrize("root", (REPO_FIXTURE, LEDGER), ids=lambda r: r.name)
def test_every_objective_is_where_objective_path_says(root: Path) -> None:
    objectives = sorted(p.relative_to(root).as_posix() for p in (root / "objectives").glob("*/*.yaml"))
    assert objectives
    assert (root / paths.POLICY).is_file()
    for path in objectives:
        document = _load(root, path)
        model, objective_id = text(mapping(document.data, "model"), "name"), text(document.data, "id")
        assert model is not None and objective_id is not None
        assert paths.objective_path(model, objective_id) == path
        assert paths.is_objective_path(path) and not paths.is_register_path(path)
        assert paths.model_of(path) == model


def test_every_register_and_report_is_where_the_builders_say() -> None:
    root = LEDGER
    registers = sorted(p.relative_to(root).as_posix() for p in (root / "registers").glob("*.yaml"))
    assert registers
    reports = 0
    for path in registers:
        document = _load(root, path)
        model = text(document.data, "model")
        assert model is not None
        assert paths.register_path(model) == path
        assert paths.is_register_path(path) and not paths.is_objective_path(path)
        assert paths.model_of(path) == model
        for entry in sequence(document.data, "rounds"):
            objective_id = text(entry, "objective")
            assert objective_id is not None and (root / paths.objective_path(model, objective_id)).is_file()
            report = text(mapping(entry, "evaluation"), "report")
            if report is not None:
                # What `evaluate --record` writes is what the register names, under the model's directory.
                assert report == paths.report_path(model, objective_id)
                assert (root / report).is_file() and paths.model_of(report) == model
                reports += 1
    assert reports > 0


def test_the_schemas_are_where_schema_path_says() -> None:
    for name in ("objective", "policy", "register"):
        schema = json.loads((ROOT / paths.schema_path(name)).read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    ("path", "objective", "register", "model"),
    [
        ("objectives/ledger/ledger-r1.yaml", True, False, "ledger"),
        ("objectives/ledger/ledger-r1.yml", False, False, "ledger"),
        ("objectives/ledger.yaml", False, False, None),
        ("objectives//ledger-r1.yaml", False, False, ""),
        ("objectives/ledger/old/ledger-r1.yaml", False, False, "ledger"),
        ("registers/ledger.yaml", False, True, "ledger"),
        ("registers/ledger.yml", False, False, None),
        ("registers/ledger/ledger-r1.evaluation.json", False, False, "ledger"),
        ("registers/ledger/run/trainer_state.json", False, False, "ledger"),
        ("policies/policy.yaml", False, False, None),
        ("docs/objectives/ledger/ledger-r1.yaml", False, False, None),
        # The shape only (the gate counts such a file towards the model); FTG402 rejects the empty id.
        ("objectives/ledger/.yaml", True, False, "ledger"),
        ("registers/.yaml", False, True, ""),
    ],
)
def test_path_shapes(path: str, objective: bool, register: bool, model: str | None) -> None:
    assert paths.is_objective_path(path) is objective
    assert paths.is_register_path(path) is register
    assert paths.model_of(path) == model


def test_an_objective_renamed_to_yml_is_found_where_the_gate_asks_for_it() -> None:
    assert paths.is_objective_path("objectives/ledger/ledger-r1.yml", (".yaml", ".yml"))
    assert not paths.is_objective_path("objectives/ledger/ledger-r1.json", (".yaml", ".yml"))


# Ids on both sides of every part of the schema's objectiveId pattern: first character,
# alphabet, length (1 to 80), and what an id may look like by convention.
ID_TABLE = [
    "support-agent-r1",
    "ledger-r3",
    "a",
    "0",
    "9-lives",
    "r-",
    "a" * 80,
    "a" * 81,
    "",
    "-r1",
    "Ledger-r1",
    "ledger_r1",
    "ledger.r1",
    "ledger r1",
    "ledger/r1",
    "ledger-r1 ",
    " ledger-r1",
    "lédger-r1",
    "ledger-r\u0661",  # an Arabic-Indic digit: \d would take it, the schema's [0-9] does not
]

MODEL_TABLE = ["ledger", "Support.Agent_2", "a" * 100, "a" * 101, "", ".hidden", "_x", "-x", "a/b", "a b", "ünicode"]


def _schema() -> dict[str, Any]:
    loaded = json.loads((ROOT / paths.schema_path("objective")).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _schema_allows(field: tuple[str, ...], value: str) -> bool:
    """Whether the objective schema accepts `value` at `field` of a real objective, all else unchanged."""
    schema = _schema()
    document = copy.deepcopy(_load(LEDGER, "objectives/ledger/ledger-r1.yaml").data)
    validator = Draft202012Validator(schema)
    assert not list(validator.iter_errors(document))
    holder = document
    for key in field[:-1]:
        holder = holder[key]
    holder[field[-1]] = value
    return not any(tuple(error.absolute_path) == field for error in validator.iter_errors(document))


@pytest.mark.parametrize("objective_id", ID_TABLE)
def test_objective_id_accepts_exactly_what_the_objective_schema_accepts(objective_id: str) -> None:
    assert bool(paths.OBJECTIVE_ID.fullmatch(objective_id)) is _schema_allows(("id",), objective_id)


@pytest.mark.parametrize("model", MODEL_TABLE)
def test_model_name_accepts_exactly_what_the_objective_schema_accepts(model: str) -> None:
    assert bool(paths.MODEL_NAME.fullmatch(model)) is _schema_allows(("model", "name"), model)


def test_the_tables_cover_both_answers() -> None:
    assert {bool(paths.OBJECTIVE_ID.fullmatch(i)) for i in ID_TABLE} == {True, False}
    assert {bool(paths.MODEL_NAME.fullmatch(m)) for m in MODEL_TABLE} == {True, False}


def test_the_schema_patterns_are_the_ones_ftgov_compiles() -> None:
    # Every schema that names objective ids or model names uses the same pattern as paths does.
    for name in ("objective", "register"):
        defs = json.loads((ROOT / paths.schema_path(name)).read_text(encoding="utf-8"))["$defs"]
        assert defs["objectiveId"]["pattern"] == f"^{paths.OBJECTIVE_ID.pattern}$"
        assert defs["slug"]["pattern"] == f"^{paths.MODEL_NAME.pattern}$"


def test_an_id_ending_in_a_newline_is_not_an_id() -> None:
    # The schemas' `$` lets Python's re.search end before a final newline; a file name or git ref
    # never should, so ftgov's pattern is used with fullmatch.
    assert paths.OBJECTIVE_ID.fullmatch("ledger-r1\n") is None
    assert paths.MODEL_NAME.fullmatch("ledger\n") is None
