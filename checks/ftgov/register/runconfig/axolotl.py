"""Axolotl's YAML training config (adapter, lora_*, micro_batch_size, num_epochs, datasets)."""

from __future__ import annotations

from typing import Any

from ftgov.register.runconfig.reading import ConfigReader, Reading, integer, modules, number, put, regularise

_KEYS = ("micro_batch_size", "num_epochs", "lora_r", "adapter")


def detect(data: Any) -> bool:
    return isinstance(data, dict) and "base_model" in data and any(key in data for key in _KEYS)


def read(data: dict[str, Any], source: str) -> Reading:
    reading = Reading(source, "Axolotl config")
    values = reading.values
    adapter = str(data.get("adapter") or "").lower()
    rl = str(data.get("rl") or "").lower()
    if rl in ("dpo", "ipo", "kto", "orpo", "grpo"):
        values["method"] = rl
        regularise(values, "beta", number(data.get("rl_beta"), "rl_beta", source))
    elif not adapter:
        values["method"] = "full"
    if adapter in ("lora", "qlora"):
        values["adapter"] = "dora" if data.get("peft_use_dora") is True else adapter
    if adapter in ("lora", "qlora"):
        put(values, "lora.rank", integer(data.get("lora_r"), "lora_r", source))
        put(values, "lora.alpha", number(data.get("lora_alpha"), "lora_alpha", source))
        put(values, "lora.dropout", number(data.get("lora_dropout"), "lora_dropout", source))
        targets = modules(data.get("lora_target_modules"))
        put(values, "lora.target_modules", ["all-linear"] if targets is None and data.get("lora_target_linear") is True else targets)
    put(values, "learning_rate", number(data.get("learning_rate"), "learning_rate", source))
    put(values, "epochs", number(data.get("num_epochs"), "num_epochs", source))
    put(values, "per_device_batch_size", integer(data.get("micro_batch_size"), "micro_batch_size", source))
    put(values, "gradient_accumulation_steps", integer(data.get("gradient_accumulation_steps"), "gradient_accumulation_steps", source))
    regularise(values, "weight_decay", number(data.get("weight_decay"), "weight_decay", source))
    regularise(values, "neftune_noise_alpha", number(data.get("neftune_noise_alpha"), "neftune_noise_alpha", source))
    for entry in data.get("datasets") or []:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            reading.data.append({"source": entry["path"]})
    return reading


READER = ConfigReader("Axolotl YAML", detect, read)
