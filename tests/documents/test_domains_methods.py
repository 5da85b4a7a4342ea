"""An organisation's own domains and training methods: the policy lists domains, the schema the methods.

Each test builds a governance repository in a temp dir from this repository's policies/
and one objective of its own (a new model in a new domain), and runs `ftgov check` on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..conftest import FIXTURES, ROOT, copy_policies, run_ftgov

MODEL = "contract-review"
OBJECTIVE_ID = "contract-review-r1"
OBJECTIVE_PATH = f"objectives/{MODEL}/{OBJECTIVE_ID}.yaml"
METHODS = (
    "sft", "full", "lora", "qlora", "dora", "ia3", "prefix", "dpo",
    "ipo", "kto", "orpo", "ppo", "rlhf", "grpo", "distillation", "other",
)  # fmt: skip


def _round_one(domain: str, method: str) -> dict[str, Any]:
    """A first round of a new model, from the valid fixture used as a template."""
    text = (FIXTURES / "valid" / "support-agent-r4.yaml").read_text(encoding="utf-8")
    objective: dict[str, Any] = yaml.safe_load(text)
    objective["id"] = OBJECTIVE_ID
    model = objective["model"]
    model.pop("parent")
    model.update(name=MODEL, domain=domain)
    for criterion in objective["success_criteria"]:
        criterion["compare_to"] = "base"
    objective["rollback"]["to"] = model["base"]
    objective["configuration_plan"]["method"] = method
    return objective


def _repository(tmp_path: Path, domain: str, method: str = "lora") -> Path:
    copy_policies(tmp_path)
    target = tmp_path / OBJECTIVE_PATH
    target.parent.mkdir(parents=True)
    # JSON is YAML: the objective is written exactly as built, with no YAML styling choices.
    target.write_text(json.dumps(_round_one(domain, method), indent=2) + "\n", encoding="utf-8")
    return tmp_path


def _add_domain(repo: Path, name: str) -> None:
    policy = repo / "policies" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "\ndomain_rules:\n" in text
    policy.write_text(text.replace("\ndomain_rules:\n", f"\ndomain_rules:\n  {name}:\n    required_assessments: []\n"), encoding="utf-8")


def _check(repo: Path) -> tuple[int, list[dict[str, Any]]]:
    done = run_ftgov("check", "--repo-root", str(repo), "--format", "json", cwd=repo)
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)["findings"]


@pytest.mark.parametrize("method", ["sft", "dora", "grpo", "distillation"])
def test_common_training_methods_pass(tmp_path: Path, method: str) -> None:
    repo = _repository(tmp_path, "general", method)
    code, findings = _check(repo)
    assert (code, findings) == (0, [])


def test_schema_lists_every_method_teams_run() -> None:
    schema = json.loads((ROOT / "policies" / "objective.schema.json").read_text(encoding="utf-8"))
    method = schema["properties"]["configuration_plan"]["properties"]["method"]
    assert tuple(method["enum"]) == METHODS
    for name in METHODS:
        assert f"{name}:" in method["description"], f"method {name} is not described"


def test_unknown_method_names_the_choices(tmp_path: Path) -> None:
    repo = _repository(tmp_path, "general", "lorra")
    code, findings = _check(repo)
    assert code == 1
    [finding] = findings
    assert finding["rule"] == "FTG103"
    assert finding["message"].startswith("configuration_plan.method is 'lorra'; expected one of: 'sft', 'full', 'lora',")


def test_a_domain_is_valid_once_the_policy_lists_it(tmp_path: Path) -> None:
    repo = _repository(tmp_path, "legal")
    code, findings = _check(repo)
    assert code == 1
    lines = (repo / OBJECTIVE_PATH).read_text(encoding="utf-8").splitlines()
    [(line, text)] = [(n, t) for n, t in enumerate(lines, 1) if '"domain"' in t]
    where = (line, text.index('"legal"') + 1)  # the value, as the key's line and the value's column
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in findings] == [("FTG604", OBJECTIVE_PATH, *where)]
    assert findings[0]["message"] == (
        "domain 'legal' is not listed in the policy; known domains: financial-services, general, healthcare, "
        "safety-critical; to allow it, add it under domain_rules in policies/policy.yaml"
    )

    _add_domain(repo, "legal")
    code, findings = _check(repo)
    assert (code, findings) == (0, [])


def test_a_misspelt_domain_gets_the_nearest_one(tmp_path: Path) -> None:
    repo = _repository(tmp_path, "helthcare")
    code, findings = _check(repo)
    assert code == 1
    [finding] = findings
    assert finding["rule"] == "FTG604"
    assert "domain 'helthcare' is not listed in the policy; did you mean 'healthcare'?" in finding["message"]


def test_a_new_domain_with_requirements_applies_them(tmp_path: Path) -> None:
    """A domain added to the policy behaves like the built-in ones: its assessments are required."""
    repo = _repository(tmp_path, "lending")
    policy = repo / "policies" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("\ndomain_rules:\n", "\ndomain_rules:\n  lending: {required_assessments: [fair_lending]}\n"))
    code, findings = _check(repo)
    assert code == 1
    assert [(f["rule"], f["message"]) for f in findings] == [
        ("FTG601", "domain lending requires assessments.fair_lending (policy domain_rules)")
    ]


def test_general_needs_no_policy_entry(tmp_path: Path) -> None:
    repo = _repository(tmp_path, "general")
    policy = repo / "policies" / "policy.yaml"
    data = yaml.safe_load(policy.read_text(encoding="utf-8"))
    assert "general" not in data["domain_rules"]
    code, findings = _check(repo)
    assert (code, findings) == (0, [])


def test_a_domain_name_must_be_a_slug(tmp_path: Path) -> None:
    repo = _repository(tmp_path, "general")
    policy = repo / "policies" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("\ndomain_rules:\n", '\ndomain_rules:\n  "legal affairs": {}\n'), encoding="utf-8")
    line = policy.read_text(encoding="utf-8").splitlines().index('  "legal affairs": {}') + 1
    code, findings = _check(repo)
    assert code == 1
    assert [(f["rule"], f["path"], f["line"], f["column"], f["message"]) for f in findings] == [
        (
            "FTG103",
            "policies/policy.yaml",
            line,
            3,
            "domain_rules: the name 'legal affairs' is not allowed; names must match the pattern ^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
        )
    ]
