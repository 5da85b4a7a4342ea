"""PEFT's adapter_config.json (`PeftConfig.save_pretrained`): the adapter and its settings.

It states the adapter, not how it was trained: with a TRL DPOConfig beside it the run is
method dpo with adapter lora; alone, the adapter is the method (lora).
"""

from __future__ import annotations

from typing import Any

from ftgov.register.runconfig.reading import ConfigReader, Reading, integer, modules, number, put

# peft_type -> the method names of configuration_plan.method
METHODS = {"LORA": "lora", "ADALORA": "lora", "IA3": "ia3", "PREFIX_TUNING": "prefix", "PROMPT_TUNING": "prefix", "P_TUNING": "prefix"}


def detect(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("peft_type"), str)


def read(data: dict[str, Any], source: str) -> Reading:
    reading = Reading(source, "PEFT adapter_config.json")
    values = reading.values
    peft_type = str(data["peft_type"]).upper()
    adapter = METHODS.get(peft_type, "other")
    if adapter == "lora" and data.get("use_dora") is True:
        adapter = "dora"
    values["adapter"] = adapter
    if adapter in ("lora", "dora"):
        put(values, "lora.rank", integer(data.get("r"), "r", source))
        put(values, "lora.alpha", number(data.get("lora_alpha"), "lora_alpha", source))
        put(values, "lora.dropout", number(data.get("lora_dropout"), "lora_dropout", source))
        put(values, "lora.target_modules", modules(data.get("target_modules")))
    return reading


READER = ConfigReader("PEFT adapter_config.json", detect, read)
