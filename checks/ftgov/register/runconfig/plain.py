"""A plain YAML or JSON file in the register's configuration shape (run.configuration in policies/register.schema.json).

The place for what no tool file states: the number of devices, the method of a full
fine-tune, the records used from each source. Top level, or under `configuration:`.
"""

from __future__ import annotations

from typing import Any

from ftgov.register.runconfig.reading import ADAPTERS, ConfigError, ConfigReader, Reading, integer, modules, number, put

FIELDS = (
    "method",
    "adapter",
    "learning_rate",
    "epochs",
    "batch_size",
    "per_device_batch_size",
    "gradient_accumulation_steps",
    "devices",
    "lora",
    "regularisation",
    "data",
)


def detect(data: Any) -> bool:
    inner = data.get("configuration") if isinstance(data, dict) and isinstance(data.get("configuration"), dict) else data
    return isinstance(inner, dict) and bool(inner) and all(key in FIELDS for key in inner)


def read(data: dict[str, Any], source: str) -> Reading:
    inner = data["configuration"] if isinstance(data.get("configuration"), dict) else data
    reading = Reading(source, "configuration")
    values = reading.values
    if "method" in inner:  # `method: lora` names the adapter, `method: dpo` how it was trained
        method = str(inner["method"])
        values["adapter" if method in ADAPTERS else "method"] = method
    if "adapter" in inner:
        values["adapter"] = str(inner["adapter"])
    put(values, "learning_rate", number(inner.get("learning_rate"), "learning_rate", source))
    put(values, "epochs", number(inner.get("epochs"), "epochs", source))
    for name in ("batch_size", "per_device_batch_size", "gradient_accumulation_steps", "devices"):
        put(values, name, integer(inner.get(name), name, source))
    lora = inner.get("lora")
    if isinstance(lora, dict):
        put(values, "lora.rank", integer(lora.get("rank"), "lora.rank", source))
        put(values, "lora.alpha", number(lora.get("alpha"), "lora.alpha", source))
        put(values, "lora.dropout", number(lora.get("dropout"), "lora.dropout", source))
        put(values, "lora.target_modules", modules(lora.get("target_modules")))
    for entry in inner.get("regularisation") or []:
        name, sep, value = str(entry).partition("=")
        values[f"regularisation.{name.strip()}"] = number(value, f"regularisation {entry}", source) if sep else True
    for entry in inner.get("data") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("source"), str):
            raise ConfigError(f"{source}: each data entry needs a source, e.g. {{source: tickets-2025, records: 48000}}")
        item: dict[str, Any] = {"source": entry["source"]}
        put(item, "records", integer(entry.get("records"), "data[].records", source))
        reading.data.append(item)
    return reading


READER = ConfigReader("plain configuration", detect, read)
