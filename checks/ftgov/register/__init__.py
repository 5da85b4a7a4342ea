"""The register pillar: the commands that write and read a model's cumulative register.

`ftgov new` (new), `record-run` (record_run, runconfig/), `evaluate --record`'s write (ops),
`decide` (decide), `correct` (correct), `register show` (view), `check --base` (check_base),
`report pr` (pr_report); every write is an append through ops and yaml_append.
"""
