"""Readers of the training configuration files real stacks write, for `ftgov record-run` (AG-341 4.3)."""
