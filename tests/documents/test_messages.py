"""What a user reads when a document is wrong: a plain sentence at the exact place, never a traceback.

Every case runs `ftgov validate` as a user would, on a file in a governance repository
built in a temp dir, and asserts the whole output line: path:line:col, code and message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import copy_policies, run_ftgov

PATH = "objectives/contract-review/contract-review-r1.yaml"
# A valid first round of a new model; each test changes one line of it.
OBJECTIVE = """\
apiVersion: ftgov/v1
kind: FineTuneObjective
id: contract-review-r1
model:
  name: contract-review
  base: meta-llama/Llama-3.1-8B-Instruct@5206a32
  risk_tier: medium
  domain: general
rationale: Lawyers spend hours marking non-standard clauses in supplier contracts.
hypothesis: Training on reviewed clause annotations teaches the model which clauses deviate.
expected_gains:
  - non-standard clauses flagged with their reason
accepted_tradeoffs:
  - {capability: summaries, description: "summaries may get terser, which is acceptable"}
success_criteria:
  - id: clause-flags
    metric: {suite: lm-eval, task: clause_flags, name: f1}
    compare_to: base
    min_improvement: 0.2
regression_boundaries:
  - id: general-knowledge
    capability: general knowledge and reasoning
    metric: {suite: lm-eval, task: mmlu, name: acc}
    max_relative_drop: 0.05
    general_capability: true
  - id: harmful-refusal
    capability: refuses harmful requests
    metric: {suite: safety, name: refusal_rate}
    max_drop: 0.01
    safety: true
dataset:
  summary: 6k clause annotations reviewed by two lawyers each
  sources:
    - {name: clause-annotations-2026, records: 6000, split: train, rights: {status: cleared, reference: RIGHTS-2026-077}}
  validation: {source: clause-holdout-2026, records: 600}
  replay_fraction: 0.1
configuration_plan:
  method: lora
  learning_rate: 1.0e-4
  epochs: 2
  batch_size: 32
  lora: {rank: 16, alpha: 32, dropout: 0.05}
rollback:
  to: meta-llama/Llama-3.1-8B-Instruct@5206a32
  criteria: [any regression boundary fails]
owners: {technical_lead: dana-ml, risk_reviewer: raj-risk}
"""


def _validate(tmp_path: Path, text: str, path: str = PATH) -> tuple[int, list[str]]:
    """Exit code and output lines (summary excluded) of `ftgov validate` on one file."""
    if not (tmp_path / "policies").exists():
        copy_policies(tmp_path)
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    done = run_ftgov("validate", path, cwd=tmp_path)
    assert "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if not line.endswith(" file(s)")]
    return done.returncode, lines


def _replace(old: str, new: str) -> str:
    assert OBJECTIVE.count(old) == 1, old
    return OBJECTIVE.replace(old, new)


def test_the_template_is_valid(tmp_path: Path) -> None:
    assert _validate(tmp_path, OBJECTIVE) == (0, [])


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("  name: contract-review\n", "\tname: contract-review\n", "5:1"),  # a tab alone
        ("  risk_tier: medium\n", "  \trisk_tier: medium\n", "7:3"),  # spaces, then a tab
        ("    min_improvement: 0.2\n", "\t  min_improvement: 0.2\n", "19:1"),  # a tab where a key continues
    ],
    ids=["tab-indents", "tab-after-spaces", "tab-in-nested-mapping"],
)
def test_a_tab_in_indentation_is_named(tmp_path: Path, old: str, new: str, where: str) -> None:
    code, lines = _validate(tmp_path, _replace(old, new))
    assert code == 2
    assert lines == [f"{PATH}:{where}: FTG002 a tab indents this line; YAML cannot be indented with tabs, use spaces instead"]


def test_a_tab_inside_a_value_is_not_blamed_on_indentation(tmp_path: Path) -> None:
    """A tab between a key and its value is legal YAML 1.2; it must not be reported at all."""
    code, lines = _validate(tmp_path, _replace("  risk_tier: medium\n", "  risk_tier:\tmedium\n"))
    assert (code, lines) == (0, [])


@pytest.mark.parametrize(
    ("kind", "meant"),
    [("FinetuneObjective", "FineTuneObjective"), ("Polcy", "Policy"), ("cumulativeregister", "CumulativeRegister")],
)
def test_a_misspelt_kind_gets_the_nearest_known_kind(tmp_path: Path, kind: str, meant: str) -> None:
    code, lines = _validate(tmp_path, _replace("kind: FineTuneObjective\n", f"kind: {kind}\n"))
    assert code == 2
    assert lines == [
        f"{PATH}:2:7: FTG009 kind '{kind}' is not one of FineTuneObjective, CumulativeRegister, Policy; did you mean '{meant}'?"
    ]


def test_a_kind_like_none_gets_no_guess(tmp_path: Path) -> None:
    code, lines = _validate(tmp_path, _replace("kind: FineTuneObjective\n", "kind: Dataset\n"))
    assert code == 2
    assert lines == [f"{PATH}:2:7: FTG009 kind 'Dataset' is not one of FineTuneObjective, CumulativeRegister, Policy"]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  epochs: 2\n", "  epochs: 0\n", "40:11: FTG103 configuration_plan.epochs is 0; it must be greater than 0"),
        ("  batch_size: 32\n", "  batch_size: 0\n", "41:15: FTG103 configuration_plan.batch_size is 0; it must be at least 1"),
        (
            "dropout: 0.05}",
            "dropout: 1.5}",
            "42:40: FTG103 configuration_plan.lora.dropout is 1.5; it must be at most 1",
        ),
        (
            "  risk_tier: medium\n",
            "  risk_tier: critical\n",
            "7:14: FTG103 model.risk_tier is 'critical'; expected one of: 'low', 'medium', 'high'",
        ),
        (
            "  epochs: 2\n",
            "  epochs: two\n",
            "40:11: FTG103 configuration_plan.epochs is 'two' (text); expected a number",
        ),
        (
            "  epochs: 2\n",
            "  epochs: true\n",
            "40:11: FTG103 configuration_plan.epochs is true (true or false); expected a number",
        ),
        (
            "  name: contract-review\n",
            "  name: 2027\n",
            "5:9: FTG103 model.name is 2027 (a whole number); expected text; quote the value if it is meant as text",
        ),
        (
            "apiVersion: ftgov/v1\n",
            "apiVersion: ftgov/v2\n",
            "1:13: FTG103 apiVersion is 'ftgov/v2'; expected 'ftgov/v1'",
        ),
        # An empty value is placed on its key: YAML puts the empty node at the next line's key.
        ("  epochs: 2\n", "  epochs:\n", "40:3: FTG103 configuration_plan.epochs is empty; expected a number"),
        ("  batch_size: 32\n", "  batch_size: [32]\n", "41:15: FTG103 configuration_plan.batch_size is a list; expected a whole number"),
        (
            "  risk_tier: medium\n",
            f"  risk_tier: {'x' * 80}\n",
            f"7:14: FTG103 model.risk_tier is '{'x' * 56}...; expected one of: 'low', 'medium', 'high'",
        ),
    ],
    ids=[
        "exclusive-minimum",
        "minimum",
        "maximum",
        "enum",
        "type-text",
        "type-boolean",
        "type-number-for-text",
        "const",
        "type-empty",
        "type-list",
        "long-value-shortened",
    ],
)
def test_schema_messages_are_sentences_that_show_the_value(tmp_path: Path, old: str, new: str, message: str) -> None:
    code, lines = _validate(tmp_path, _replace(old, new))
    assert code == 1
    assert lines == [f"{PATH}:{message}"]


def test_an_exclusive_maximum_reads_less_than(tmp_path: Path) -> None:
    """No shipped schema field has an exclusive maximum; a policy schema with one must read as plainly."""
    schema_file = tmp_path / "policies" / "objective.schema.json"
    copy_policies(tmp_path)
    text = schema_file.read_text(encoding="utf-8")
    marker = '"replay_fraction": {"type": "number", '
    assert text.count(marker) == 1
    schema_file.write_text(text.replace(marker, marker + '"exclusiveMaximum": 1, '), encoding="utf-8")
    code, lines = _validate(tmp_path, _replace("  replay_fraction: 0.1\n", "  replay_fraction: 1\n"))
    assert code == 1
    assert lines == [f"{PATH}:36:20: FTG103 dataset.replay_fraction is 1; it must be less than 1"]
