"""A stand-in trainer: trains nothing, writes the configuration a real trainer would save.

It lets the launchers' loop (gate, train, record-run, register PR) run end to end before a
real trainer is wired in. It reads the approved objective the launcher names
(FTGOV_OBJECTIVE_FILE) and writes its `configuration_plan` as a plain configuration file
(`run.yaml`: method, learning_rate, epochs, batch_size, ...) into FTGOV_CONFIG_DIR, so the run
records no deviation. A real trainer writes what it actually used instead, for example

    trainer.args.to_json_string()          -> $FTGOV_CONFIG_DIR/training_args.json
    model.peft_config["default"].to_dict() -> $FTGOV_CONFIG_DIR/adapter_config.json
    trainer.state.save_to_json(...)        -> $FTGOV_CONFIG_DIR/trainer_state.json

and a plain file for what no tool file states (`devices: 8`, the `data` sources and records).

    FTGOV_OBJECTIVE_FILE=objectives/m/m-r2.yaml FTGOV_CONFIG_DIR=run/config python standin_trainer.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import yaml

# The keys of a plain configuration file (README, "Registers": record-run).
PLAIN = ("method", "adapter", "learning_rate", "epochs", "batch_size", "devices", "lora", "regularisation", "data")


def main() -> int:
    missing = [name for name in ("FTGOV_OBJECTIVE_FILE", "FTGOV_CONFIG_DIR") if not os.environ.get(name)]
    if missing:
        print(f"standin_trainer: {' and '.join(missing)} not set (the launcher sets them)", file=sys.stderr)
        return 2
    objective_file = Path(os.environ["FTGOV_OBJECTIVE_FILE"])
    try:
        objective: Any = yaml.safe_load(objective_file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        print(f"standin_trainer: {objective_file}: {error}", file=sys.stderr)
        return 2
    plan = objective.get("configuration_plan") if isinstance(objective, dict) else None
    if not isinstance(plan, dict):
        print(f"standin_trainer: {objective_file}: no configuration_plan", file=sys.stderr)
        return 2
    config_dir = Path(os.environ["FTGOV_CONFIG_DIR"])
    config_dir.mkdir(parents=True, exist_ok=True)
    run = {key: plan[key] for key in PLAIN if key in plan}
    (config_dir / "run.yaml").write_text(yaml.safe_dump(run, sort_keys=False), encoding="utf-8")
    print(f"standin_trainer: wrote {config_dir / 'run.yaml'} (the plan of {objective.get('id', objective_file.stem)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
