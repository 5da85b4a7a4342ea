"""Which way is better for a metric: stated by the objective or policy, else known by its name.

A results file never decides the direction of a criterion (a file saying the opposite of the
objective is an input error); it may only inform the forgetting guard about metrics nobody
named. Names that are lower-is-better by convention are listed here, so a perplexity the
objective forgot to mark is not read as "higher is better".
"""

from __future__ import annotations

import re

# Whole tokens of a metric's name (split at anything not a letter or digit) that mean lower is better.
LOWER_IS_BETTER_TOKENS = frozenset(
    {"perplexity", "ppl", "loss", "nll", "ece", "latency", "wer", "cer", "ter", "mse", "mae", "rmse", "brier", "error", "errors"}
)
# Names whose tokens alone do not say it (bits_per_byte: "bits", "per", "byte").
LOWER_IS_BETTER_NAMES = frozenset({"bits_per_byte", "bpb", "bits_per_char", "bpc", "error_rate"})
# Scores that are higher-is-better by convention, so an Inspect log's accuracy (Inspect states
# no direction) is not judged both ways by the forgetting guard.
HIGHER_IS_BETTER_TOKENS = frozenset(
    {"accuracy", "acc", "exact", "em", "f1", "precision", "recall", "bleu", "rouge", "rouge1", "rouge2", "rougel", "chrf",
     "mcc", "pass", "mc1", "mc2", "auc", "auroc", "correct", "match", "refusal"}
)
_TOKENS = re.compile(r"[a-z0-9]+")


def known(name: str) -> bool | None:
    """The conventional direction of a metric's name: False lower-is-better, True higher, None unknown.

    Lower wins where a name has both (acc_error is an error); a filter suffix is ignored.
    """
    metric = name.partition(",")[0].lower()
    if metric in LOWER_IS_BETTER_NAMES or any(part in metric for part in ("bits_per_byte", "bits_per_char", "error_rate")):
        return False
    tokens = _TOKENS.findall(metric)
    if any(token in LOWER_IS_BETTER_TOKENS for token in tokens):
        return False
    if any(token in HIGHER_IS_BETTER_TOKENS for token in tokens):
        return True
    return None


def word(higher_is_better: bool | None) -> str:
    if higher_is_better is None:
        return "no direction"
    return "higher is better" if higher_is_better else "lower is better"
