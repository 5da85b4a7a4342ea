"""TRL's trainer configs saved as JSON: DPOConfig, KTOConfig, ORPOConfig, GRPOConfig.

Each is a subclass of transformers' TrainingArguments, serialised by the same
`to_json_string()` / `to_dict()`, so the file is a TrainingArguments JSON (read by
`transformers.read_training_args`) with the trainer's own fields after it. No field names the class,
so the trainer is told by the fields only that trainer writes:

    GRPOConfig  num_generations (with beta, the KL coefficient; 0.0 is KL off)
    KTOConfig   desirable_weight and undesirable_weight
    DPOConfig   loss_type with the reference-model fields (reference_free, ref_model_init_kwargs,
                precompute_ref_log_probs, sync_ref_model); loss_type "ipo" is IPO
    ORPOConfig  beta and max_prompt_length, without loss_type or a reference model

`beta` is read whatever the trainer (it is the strength of the pull towards the reference
model, or ORPO's odds-ratio weight) and recorded as the regularisation setting `beta`, stated
off or on. A TRL config trains whatever model it is given: the adapter, when there is one, is
what adapter_config.json says, so a DPO run on LoRA is method dpo with adapter lora.
"""

from __future__ import annotations

from typing import Any

from ftgov.register.runconfig.reading import Reading, number, regularise

_REFERENCE_MODEL = ("reference_free", "ref_model_init_kwargs", "precompute_ref_log_probs", "sync_ref_model")
_NAMES = {"dpo": "DPOConfig", "ipo": "DPOConfig", "kto": "KTOConfig", "orpo": "ORPOConfig", "grpo": "GRPOConfig"}


def trainer(data: dict[str, Any]) -> str | None:
    """The method of configuration_plan a TRL config trains with, or None when the fields name no trainer ftgov knows."""
    if "beta" not in data:
        return None
    if "num_generations" in data:
        return "grpo"
    if "desirable_weight" in data and "undesirable_weight" in data:
        return "kto"
    if "loss_type" in data and any(key in data for key in _REFERENCE_MODEL):
        loss = data["loss_type"]
        losses = loss if isinstance(loss, list) else [loss]
        return "ipo" if losses == ["ipo"] else "dpo"
    if "max_prompt_length" in data and "loss_type" not in data and "cpo_alpha" not in data:
        return "orpo"
    return None


def add_trainer_fields(data: dict[str, Any], reading: Reading) -> None:
    """Add what a TRL config states beyond TrainingArguments to `reading`: the method and beta."""
    method = trainer(data)
    if method is not None:
        reading.kind = f"TRL {_NAMES[method]} JSON"
        reading.values["method"] = method
    if "beta" in data:
        regularise(reading.values, "beta", number(data.get("beta"), "beta", reading.source))
