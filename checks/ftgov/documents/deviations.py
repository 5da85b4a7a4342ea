"""Planned versus actual: which fields of a run differ from the objective's configuration_plan, and by how much.

One definition for `ftgov record-run` (which writes run.deviations) and the register rules
(FTG911 checks the list, FTG914 that a deviation beyond the policy's tolerance was
acknowledged), so the command never writes what the check would call wrong.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# configuration_plan fields a run records too (compute_budget is a budget, not a setting).
COMPARED_FIELDS = ("method", "learning_rate", "epochs", "batch_size", "lora", "regularisation")
# Relative tolerance per field when the policy's defaults.deviation_tolerance is silent;
# every other field (method, lora.*, regularisation) must match exactly.
DEFAULT_TOLERANCE: Mapping[str, float] = {"learning_rate": 0.25, "epochs": 0.10, "batch_size": 0.25}


@dataclass(frozen=True)
class Deviation:
    field: str
    planned: Any
    actual: Any


def flatten(values: Mapping[str, Any]) -> dict[str, Any]:
    """The compared fields as dotted names: lora.rank, and one regularisation.<name> per setting.

    A regularisation entry `weight_decay=0.01` is `regularisation.weight_decay: 0.01`; one
    without a value (`early_stopping`) is `regularisation.early_stopping: true`.
    """
    out: dict[str, Any] = {}
    for name in COMPARED_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if isinstance(value, Mapping):
            out.update({f"{name}.{key}": inner for key, inner in value.items()})
        elif name == "regularisation" and isinstance(value, list):
            out.update(_settings(value))
        else:
            out[name] = value
    return out


def _settings(entries: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry in entries:
        name, sep, raw = str(entry).partition("=")
        value: Any = True
        if sep:
            try:
                value = float(raw)
            except ValueError:
                value = raw.strip()
        out[f"regularisation.{name.strip()}"] = value
    return out


def _off(value: Any) -> bool:
    return value is False or value is None or (_is_number(value) and float(value) == 0.0)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _setting(entry: Any) -> str:
    """weight_decay=0.010 and weight_decay=0.01 are one setting."""
    name, sep, value = str(entry).partition("=")
    try:
        return f"{name.strip()}={float(value)!r}" if sep else str(entry).strip()
    except ValueError:
        return str(entry).strip()


def same(planned: Any, actual: Any) -> bool:
    if _is_number(planned) and _is_number(actual):
        return math.isclose(float(planned), float(actual), rel_tol=1e-9, abs_tol=0.0)
    if isinstance(planned, list) and isinstance(actual, list):
        return sorted(map(_setting, planned)) == sorted(map(_setting, actual))  # regularisation, target modules: order-free
    return bool(planned == actual)


def differences(plan: Mapping[str, Any], configuration: Mapping[str, Any]) -> list[Deviation]:
    """Each planned field the run states otherwise (a zero or `false` included), in the plan's order.

    Where the plan lists its regularisation, a setting the run has on and the plan does not
    name is a deviation too (planned null): the plan's list is the regularisation approved.
    A planned field no file states is not a deviation but unverified (`unverified`).
    """
    planned, actual = flatten(plan), flatten(configuration)
    found = [Deviation(name, value, actual[name]) for name, value in planned.items() if name in actual and not same(value, actual[name])]
    if "regularisation" in plan:
        found += [
            Deviation(name, None, value)
            for name, value in actual.items()
            if name.startswith("regularisation.") and name not in planned and not _off(value)
        ]
    return found


def unverified(plan: Mapping[str, Any], configuration: Mapping[str, Any]) -> list[str]:
    """The planned fields run.configuration does not state, in the plan's order: no file said what they were."""
    actual = flatten(configuration)
    return [name for name in flatten(plan) if name not in actual]


def tolerances(policy_tolerance: Mapping[str, float] | None) -> dict[str, float]:
    return {**DEFAULT_TOLERANCE, **(policy_tolerance or {})}


def beyond(deviation: Deviation, tolerance: Mapping[str, float]) -> str | None:
    """Why the deviation exceeds the tolerance (a sentence), or None when it is within it."""
    allowed = tolerance.get(deviation.field, 0.0)
    planned, actual = deviation.planned, deviation.actual
    if _is_number(planned) and _is_number(actual) and allowed > 0:
        relative = abs(float(actual) - float(planned)) / abs(float(planned)) if planned else math.inf
        if relative <= allowed + 1e-9:
            return None
        return f"{deviation.field} is {actual!r}, {relative:.0%} from the planned {planned!r}; the tolerance is {allowed:.0%}"
    return f"{deviation.field} is {actual!r}, planned {planned!r}; it must match the plan exactly"
