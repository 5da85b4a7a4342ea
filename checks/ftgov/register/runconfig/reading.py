"""What one configuration file says about a run: fields in the register's configuration shape.

Each reader returns a Reading: `values` the file states (learning_rate, epochs,
per_device_batch_size, gradient_accumulation_steps, devices, batch_size, method (how the
model is trained: full, dpo, kto ...), adapter (lora, qlora, dora, ia3, prefix), lora.*,
regularisation.<name>, data) and `hints`, values it only implies (the peak learning rate
logged by a trainer), used when no file states the field.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ftgov.documents.errors import InputError

# Methods of configuration_plan that are adapters: what is trained, not how (dpo, kto ... are how).
ADAPTERS = ("lora", "qlora", "dora", "ia3", "prefix")


class ConfigError(InputError):
    """A configuration file record-run cannot use (exit 2); the message names the file and says what to pass."""


@dataclass
class Reading:
    source: str  # the file as named on the command line
    kind: str  # which reader understood it, e.g. "peft adapter_config.json"
    values: dict[str, Any] = field(default_factory=dict)
    hints: dict[str, Any] = field(default_factory=dict)
    data: list[dict[str, Any]] = field(default_factory=list)  # data composition: {source, records?}


@dataclass(frozen=True)
class ConfigReader:
    """One kind of configuration file record-run reads, as `runconfig.READERS` lists them in order of precedence.

    `detect` gets the parsed file (a mapping) and says whether this reader understands it;
    `read(data, source)` turns it into a Reading, raising ConfigError naming `source`.
    """

    name: str  # as the error for a file no reader understands lists it
    detect: Callable[[dict[str, Any]], bool]
    read: Callable[[dict[str, Any], str], Reading]


def number(value: Any, name: str, source: str) -> float | None:
    """A finite number from a config value; YAML 1.1 readers leave `2e-4` a string, so strings are parsed too."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError as exc:
            raise ConfigError(f"{source}: {name} is {value!r}, not a number") from exc
    if not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise ConfigError(f"{source}: {name} is {value!r}, not a finite number")
    return float(value)


def integer(value: Any, name: str, source: str) -> int | None:
    found = number(value, name, source)
    if found is None:
        return None
    if found != int(found) or found < 0:
        raise ConfigError(f"{source}: {name} is {value!r}, not a whole number")
    return int(found)


def put(values: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        values[key] = value


def modules(value: Any) -> list[str] | None:
    """target_modules as PEFT and the trainers write it: a list, or one string such as "all-linear"."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return None


def regularise(values: dict[str, Any], name: str, value: float | None) -> None:
    """A regularisation setting the file states, on or off: `weight_decay: 0.0` is stated, never dropped.

    Whether an off setting reaches run.configuration depends on the plan (runconfig._shape):
    one the plan names is recorded, and is a deviation; one it does not name was simply not used.
    """
    if value is not None:
        values[f"regularisation.{name}"] = value
