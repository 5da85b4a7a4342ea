"""The data-evidence pillar: what the data files *are*, measured from the files themselves.

The documents pillar checks what an objective declares about its data; this one reads the
records (`readers`: JSONL, CSV, Parquet, Arrow IPC) and measures them (`overlap`: exact and
near-duplicate contamination between a training source and a validation source). The command
and the evidence recorded in a register round come later.
"""
