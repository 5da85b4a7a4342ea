"""torchtune's YAML recipe config (model._component_ with lora_rank/lora_alpha, batch_size, epochs, optimizer)."""

from __future__ import annotations

from typing import Any

from ftgov.register.runconfig.reading import ConfigReader, Reading, integer, modules, number, put, regularise


def detect(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("model"), dict) and "_component_" in data["model"]


def read(data: dict[str, Any], source: str) -> Reading:
    reading = Reading(source, "torchtune config")
    values = reading.values
    model = data["model"]
    component = str(model.get("_component_", "")).rsplit(".", 1)[-1].lower()
    if component.startswith("qlora_"):
        values["adapter"] = "qlora"
    elif component.startswith("lora_"):
        values["adapter"] = "dora" if model.get("use_dora") is True else "lora"
    else:
        values["method"] = "full"
    if "adapter" in values:
        put(values, "lora.rank", integer(model.get("lora_rank"), "model.lora_rank", source))
        put(values, "lora.alpha", number(model.get("lora_alpha"), "model.lora_alpha", source))
        put(values, "lora.dropout", number(model.get("lora_dropout"), "model.lora_dropout", source))
        put(values, "lora.target_modules", modules(model.get("lora_attn_modules")))
    found = data.get("optimizer")
    optimizer: dict[str, Any] = found if isinstance(found, dict) else {}
    put(values, "learning_rate", number(optimizer.get("lr"), "optimizer.lr", source))
    regularise(values, "weight_decay", number(optimizer.get("weight_decay"), "optimizer.weight_decay", source))
    put(values, "epochs", number(data.get("epochs"), "epochs", source))
    put(values, "per_device_batch_size", integer(data.get("batch_size"), "batch_size", source))
    put(values, "gradient_accumulation_steps", integer(data.get("gradient_accumulation_steps"), "gradient_accumulation_steps", source))
    datasets = data.get("dataset")
    for entry in datasets if isinstance(datasets, list) else [datasets]:
        if isinstance(entry, dict):
            name = entry.get("source") or entry.get("_component_")
            if isinstance(name, str):
                reading.data.append({"source": name})
    return reading


READER = ConfigReader("torchtune YAML", detect, read)
