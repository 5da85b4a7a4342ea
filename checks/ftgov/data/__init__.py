"""The data-evidence pillar: what the data files *are*, measured from the files themselves.

The documents pillar checks what an objective declares about its data; this one reads the
records (`readers`: JSONL, CSV, Parquet, Arrow IPC) and measures them: exact and
near-duplicate contamination between the training files and a validation or evaluation set
(`overlap`, run by `engines` on this machine or over Ray Data in `ray_engine`), annotators'
agreement (`agreement`) and collection dates (`dates`). `check` is `ftgov data check`'s
library: the files mapped to the objective's declared sources, measured and judged by the
FTG504-FTG509 rules; `record` appends the measurements to the round.
"""
