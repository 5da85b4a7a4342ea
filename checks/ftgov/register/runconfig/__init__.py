"""Readers of the training configuration files real stacks write, for `ftgov record-run` (AG-341 4.3).

    files --guard (bytes only; never unpickled)--> JSON / YAML values --the first of READERS that detects it--> Reading
    Readings --merge--> run.configuration, run.evidence

A file states how the model was trained (`method`: full, dpo, kto ...; a TRL config, an
Axolotl `rl:`), which adapter was trained (`adapter`: lora ...; adapter_config.json), or
both; a run that states both is recorded as `method: dpo` with `adapter: lora`, one with an
adapter only as `method: lora`, as configuration_plan writes it. A regularisation setting a
file states as off (`weight_decay: 0.0`) is recorded when the plan names it, so that it is
compared, never dropped.

A file is refused before it is parsed when its bytes say it is not text: a pickle (what
`torch.save` and transformers' training_args.bin are), a ZIP archive (torch.save's default
format), NUL bytes or invalid UTF-8. Two files that state different values for one field
are an input error naming both; nothing is guessed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ftgov.documents.deviations import flatten
from ftgov.register.runconfig import axolotl, peft, plain, torchtune, transformers
from ftgov.register.runconfig.reading import ConfigError, ConfigReader, Reading

__all__ = ["READERS", "ConfigError", "ConfigReader", "Evidence", "RunConfiguration", "read_configurations"]

# In order of precedence: the first whose detect accepts a file reads it. The plain
# configuration comes last, since any mapping of the register's own field names is one.
READERS: tuple[ConfigReader, ...] = (
    peft.READER,
    transformers.TRAINER_STATE_READER,
    transformers.TRAINING_ARGS_READER,
    torchtune.READER,
    axolotl.READER,
    plain.READER,
)

MAX_BYTES = 16 << 20  # a trainer_state.json of a long run is a few MiB
_BINARY_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".safetensors")
_PASS_INSTEAD = (
    "pass the JSON instead: `trainer.args.to_json_string()` saved to a file (TrainingArguments), or the checkpoint's trainer_state.json"
)


@dataclass(frozen=True)
class Evidence:
    path: str
    sha256: str


@dataclass(frozen=True)
class RunConfiguration:
    configuration: dict[str, Any]  # in the register's configuration shape, key order as the register schema lists it
    evidence: tuple[Evidence, ...]
    readings: tuple[Reading, ...]


def read_configurations(files: Sequence[Path], root: Path | None = None, plan: Mapping[str, Any] | None = None) -> RunConfiguration:
    """The run as the files state it; each file pinned by sha256 under `evidence_path(file, root)`.

    `plan` (the objective's configuration_plan) decides only which settings stated as off are
    recorded: those it names, so that `weight_decay: 0.0` against a planned 0.01 is compared.
    """
    readings: list[Reading] = []
    evidence: list[Evidence] = []
    for file in files:
        source = str(file)
        raw = _read_guarded(file, source)
        evidence.append(Evidence(evidence_path(file, root), hashlib.sha256(raw).hexdigest()))
        readings.append(_read_one(raw, file, source))
    return RunConfiguration(_merge(readings, plan or {}), tuple(evidence), tuple(readings))


def evidence_path(file: Path, root: Path | None) -> str:
    """How the register names an evidence file: relative to the repository when inside it, else its name.

    An absolute path (/tmp/run-42/..., a home directory) means nothing on anyone else's
    machine and leaks local layout into a permanent record; the sha256 is what pins the file.
    """
    if root is not None:
        try:
            return file.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return file.name


def _read_guarded(file: Path, source: str) -> bytes:
    if file.suffix.lower() in _BINARY_SUFFIXES:
        raise ConfigError(f"{source}: a {file.suffix} file is a binary (pickled or tensor) file and is never opened; {_PASS_INSTEAD}")
    try:
        if not file.is_file():
            raise ConfigError(f"{source}: no such file")
        if file.stat().st_size > MAX_BYTES:
            raise ConfigError(f"{source}: {file.stat().st_size:,} bytes; a configuration file is at most {MAX_BYTES:,}")
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read it ({exc.strerror or type(exc).__name__})") from exc
    if raw[:1] == b"\x80" and raw[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise ConfigError(f"{source}: is a Python pickle (training_args.bin is one) and is never unpickled; {_PASS_INSTEAD}")
    if raw[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        raise ConfigError(f"{source}: is a ZIP archive (torch.save writes one) and is never opened; {_PASS_INSTEAD}")
    if b"\x00" in raw:
        raise ConfigError(f"{source}: holds NUL bytes, so it is binary, not a configuration; {_PASS_INSTEAD}")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); {_PASS_INSTEAD}") from exc
    return raw


def _parse(raw: bytes, file: Path, source: str) -> Any:
    text = raw.decode("utf-8").removeprefix("\ufeff")
    if file.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{source}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); a file cut short while training ran?"
            ) from exc
        except RecursionError as exc:
            raise ConfigError(f"{source}: nested too deeply to read") from exc
    try:
        # Axolotl and torchtune read their configs with PyYAML/OmegaConf, so they are read the same way here.
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise ConfigError(f"{source}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from exc
    except RecursionError as exc:
        raise ConfigError(f"{source}: nested too deeply to read") from exc


def _read_one(raw: bytes, file: Path, source: str) -> Reading:
    data = _parse(raw, file, source)
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: holds a {type(data).__name__}, not a mapping of settings")
    for reader in READERS:
        if reader.detect(data):
            return reader.read(data, source)
    raise ConfigError(
        f"{source}: not a format record-run reads; tried {', '.join(reader.name for reader in READERS)} "
        "(a plain configuration has only the register's fields: method, learning_rate, epochs, batch_size ...)"
    )


def _merge(readings: Sequence[Reading], plan: Mapping[str, Any]) -> dict[str, Any]:
    stated: dict[str, tuple[Any, str]] = {}
    for reading in readings:
        for key, value in reading.values.items():
            if key in stated and not _agree(stated[key][0], value):
                raise ConfigError(f"{reading.source} says {key} is {value!r}, {stated[key][1]} says {stated[key][0]!r}; which is it?")
            stated.setdefault(key, (value, reading.source))
    values = {key: value for key, (value, _) in stated.items()}
    for reading in readings:
        for key, value in reading.hints.items():
            values.setdefault(key, value)
    if values.get("method") == "full" and "adapter" in values:
        raise ConfigError(
            f"{stated['method'][1]} says method is 'full' (every weight), {stated['adapter'][1]} says adapter "
            f"{values['adapter']!r}; which is it?"
        )
    values["batch_size"] = _batch_size(values, stated)
    missing = [name for name in ("learning_rate", "epochs") if name not in values]
    if "method" not in values and "adapter" not in values:
        missing.insert(0, "method")
    if missing:
        names = ", ".join(r.source for r in readings)
        raise ConfigError(f"{names}: none states {' or '.join(missing)}; add a plain configuration file that does (e.g. method: full)")
    return _shape(values, readings, plan)


def _agree(first: Any, second: Any) -> bool:
    if isinstance(first, float) or isinstance(second, float):
        try:
            return abs(float(first) - float(second)) <= 1e-9 * max(abs(float(first)), abs(float(second)), 1e-300)
        except (TypeError, ValueError):
            return False
    if isinstance(first, list) and isinstance(second, list):
        return sorted(map(str, first)) == sorted(map(str, second))
    return bool(first == second)


def _batch_size(values: dict[str, Any], stated: dict[str, tuple[Any, str]]) -> int:
    per_device = values.get("per_device_batch_size")
    accumulation = values.get("gradient_accumulation_steps", 1 if per_device is not None else None)
    devices = values.get("devices")
    product = None
    if per_device is not None and accumulation is not None and devices is not None:
        product = int(per_device) * int(accumulation) * int(devices)
    if "batch_size" in values:
        if product is not None and product != values["batch_size"]:
            raise ConfigError(
                f"{stated['batch_size'][1]} says batch_size {values['batch_size']}, but per device {per_device} x accumulation "
                f"{accumulation} x devices {devices} is {product}"
            )
        return int(values["batch_size"])
    if product is not None:
        return int(product)
    known = ", ".join(f"{k} {values[k]}" for k in ("per_device_batch_size", "gradient_accumulation_steps", "devices") if k in values)
    if not known:
        raise ConfigError(
            "the files do not state the batch size; add a plain configuration with the effective `batch_size`, "
            "or `per_device_batch_size` and `devices: N` (data-parallel ranks)"
        )
    missing = [
        said
        for key, said in (("per_device_batch_size", "the per-device batch size"), ("devices", "the number of devices"))
        if key not in values
    ]
    devices = "`devices: N` (data-parallel ranks) or " if "devices" not in values else ""
    raise ConfigError(
        f"the files state {known} but not {' or '.join(missing)}; add a plain configuration with {devices}the effective `batch_size`"
    )


def _shape(values: dict[str, Any], readings: Sequence[Reading], plan: Mapping[str, Any]) -> dict[str, Any]:
    """The register's configuration, in the register schema's key order."""
    out: dict[str, Any] = {}
    adapter = values.get("adapter")
    out["method"] = values.get("method", adapter)
    if adapter is not None and out["method"] != adapter:
        out["adapter"] = adapter  # both apply: DPO on LoRA
    for name in ("learning_rate", "epochs", "batch_size", "per_device_batch_size", "gradient_accumulation_steps", "devices"):
        if name in values:
            value = values[name]
            out[name] = int(value) if name == "epochs" and float(value).is_integer() else value
    lora = {name: values[f"lora.{name}"] for name in ("rank", "alpha", "dropout", "target_modules") if f"lora.{name}" in values}
    if lora:
        if "alpha" in lora and float(lora["alpha"]).is_integer():
            lora["alpha"] = int(lora["alpha"])
        out["lora"] = lora
    planned = flatten(plan)
    regularisation = [
        f"{key.split('.', 1)[1]}={_plain(value)}" if value is not True else key.split(".", 1)[1]
        for key, value in values.items()
        if key.startswith("regularisation.") and (value or key in planned)
    ]
    if regularisation:
        out["regularisation"] = regularisation
    data = _data(readings)
    if data:
        out["data"] = data
    return out


def _plain(value: Any) -> str:
    return repr(int(value)) if isinstance(value, float) and value.is_integer() else repr(value)


def _data(readings: Sequence[Reading]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for reading in readings:
        for entry in reading.data:
            known = merged.setdefault(entry["source"], {"source": entry["source"]})
            if "records" in entry:
                if "records" in known and known["records"] != entry["records"]:
                    raise ConfigError(
                        f"{reading.source}: data source {entry['source']} has {entry['records']} records, "
                        f"another file says {known['records']}"
                    )
                known["records"] = entry["records"]
    return list(merged.values())
