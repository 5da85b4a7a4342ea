"""Where each document lives in a governance repository, and what an objective id or model name may be.

The layout the README describes, in one place:

    objectives/<model>/<id>.yaml                one objective per fine-tuning round
    registers/<model>.yaml                      the model's cumulative register
    registers/<model>/<id>.evaluation.json      a round's evaluation report (and run evidence beside it)
    policies/policy.yaml                        the policy
    policies/<name>.schema.json                 the schemas (objective, policy, register)

Paths are repository-relative POSIX strings, as git trees, GitHub and findings name them;
a caller holding a root writes `root / register_path(model)`. This module is the bottom of
the documents pillar: it imports nothing of ftgov's, so anything may use it.
"""

from __future__ import annotations

import re

POLICY = "policies/policy.yaml"

# The schemas' objectiveId and slug patterns (policies/objective.schema.json $defs), used with
# fullmatch. The schemas anchor with ^...$, which Python's `$` also lets end before a final
# newline; fullmatch does not, since no file name or git ref should end in one.
OBJECTIVE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def register_path(model: str) -> str:
    return f"registers/{model}.yaml"


def register_dir(model: str) -> str:
    """Where a model's evaluation reports and run evidence are kept."""
    return f"registers/{model}"


def objective_path(model: str, objective_id: str) -> str:
    return f"objectives/{model}/{objective_id}.yaml"


def report_path(model: str, objective_id: str) -> str:
    """Where `ftgov evaluate --record` writes a round's evaluation report."""
    return f"{register_dir(model)}/{objective_id}.evaluation.json"


def schema_path(name: str) -> str:
    """The repository's copy of a schema: name is objective, policy or register."""
    return f"policies/{name}.schema.json"


def is_objective_path(path: str, suffixes: tuple[str, ...] = (".yaml",)) -> bool:
    """objectives/<model>/<id>.yaml, exactly as `ftgov check` places objectives (FTG402).

    The shape only: whether the names are a valid model and id is the schema's and FTG402's
    question, and the gate counts every file of this shape towards a model (its tier, its ids).
    `suffixes` (".yaml", ".yml"): also where an objective was before a rename the gate refuses.
    """
    parts = path.split("/")
    return len(parts) == 3 and parts[0] == "objectives" and parts[2].endswith(suffixes) and bool(parts[1])


def is_register_path(path: str) -> bool:
    """registers/<model>.yaml: the shape only, as in is_objective_path."""
    return path.startswith("registers/") and path.count("/") == 1 and path.endswith(".yaml")


def model_of(path: str) -> str | None:
    """The model a repository path belongs to, by position; None for anything not a model's.

    objectives/<model>/**, registers/<model>.yaml and registers/<model>/** (reports, evidence).
    """
    parts = path.split("/")
    if len(parts) >= 3 and parts[0] in ("objectives", "registers"):
        return parts[1]
    if len(parts) == 2 and parts[0] == "registers" and parts[1].endswith(".yaml"):
        return parts[1].removesuffix(".yaml")
    return None
