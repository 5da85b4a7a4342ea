"""transformers / TRL: TrainingArguments saved as JSON, and the trainer_state.json a Trainer writes.

TrainingArguments.to_json_string() (or to_dict(), or a training_args.json) states the
per-device batch size, gradient accumulation, learning rate, epochs and weight decay; it
does not state the number of devices (world_size is a property, not a field), so the
effective batch size needs the devices from another file. trainer_state.json states
`train_batch_size` (per device), `num_train_epochs`, the epoch reached and, in log_history,
the learning rate the scheduler logged; the peak of those is only a hint, since warmup and
decay keep every logged value below the configured one.

Two kinds of file, so two readers: TRAINING_ARGS_READER (TRL's configs included, see trl.py)
and TRAINER_STATE_READER.
"""

from __future__ import annotations

from typing import Any

from ftgov.register.runconfig.reading import ConfigReader, Reading, integer, number, put, regularise
from ftgov.register.runconfig.trl import add_trainer_fields

# Keys that only TrainingArguments (and TRL's subclasses of it) write together.
_ARGS_KEYS = ("per_device_train_batch_size", "gradient_accumulation_steps", "learning_rate", "num_train_epochs")


def detect_training_args(data: Any) -> bool:
    return isinstance(data, dict) and all(key in data for key in _ARGS_KEYS)


def detect_trainer_state(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("log_history"), list) and "global_step" in data


def read_training_args(data: dict[str, Any], source: str) -> Reading:
    reading = Reading(source, "TrainingArguments JSON")
    values = reading.values
    put(values, "learning_rate", number(data.get("learning_rate"), "learning_rate", source))
    max_steps = integer(data.get("max_steps"), "max_steps", source) if data.get("max_steps", -1) != -1 else None
    if max_steps is None:  # max_steps > 0 overrides num_train_epochs; the epochs then come from trainer_state.json
        put(values, "epochs", number(data.get("num_train_epochs"), "num_train_epochs", source))
    put(values, "per_device_batch_size", integer(data.get("per_device_train_batch_size"), "per_device_train_batch_size", source))
    put(values, "gradient_accumulation_steps", integer(data.get("gradient_accumulation_steps"), "gradient_accumulation_steps", source))
    put(values, "devices", integer(data.get("world_size"), "world_size", source))
    regularise(values, "weight_decay", number(data.get("weight_decay"), "weight_decay", source))
    regularise(values, "label_smoothing_factor", number(data.get("label_smoothing_factor"), "label_smoothing_factor", source))
    regularise(values, "neftune_noise_alpha", number(data.get("neftune_noise_alpha"), "neftune_noise_alpha", source))
    add_trainer_fields(data, reading)  # DPOConfig, KTOConfig ... are TrainingArguments with more fields
    return reading


def read_trainer_state(data: dict[str, Any], source: str) -> Reading:
    reading = Reading(source, "transformers trainer_state.json")
    values = reading.values
    planned = number(data.get("num_train_epochs"), "num_train_epochs", source)
    reached = number(data.get("epoch"), "epoch", source)
    # A run stopped early trained for the epochs it reached; one that ran to the end reports
    # an epoch a rounding step short of the plan (2.99 of 3).
    if planned is not None and reached is not None and reached < planned * 0.99:
        values["epochs"] = round(reached, 2)
    else:
        put(values, "epochs", planned)
    put(values, "per_device_batch_size", integer(data.get("train_batch_size"), "train_batch_size", source))
    logged = [
        number(entry.get("learning_rate"), "log_history[].learning_rate", source)
        for entry in data["log_history"]
        if isinstance(entry, dict)
    ]
    peaks = [rate for rate in logged if rate is not None]
    if peaks:
        reading.hints["learning_rate"] = max(peaks)
    return reading


TRAINING_ARGS_READER = ConfigReader("TrainingArguments or TRL config JSON", detect_training_args, read_training_args)
TRAINER_STATE_READER = ConfigReader("transformers trainer_state.json", detect_trainer_state, read_trainer_state)
