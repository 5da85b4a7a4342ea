"""Which way is better for a metric: stated by the objective or policy, else known by its name.

A results file never decides the direction of a criterion (a file saying the opposite of the
objective is an input error); it may only inform the forgetting guard about metrics nobody
named. Names that are lower-is-better by convention are listed here, so a perplexity the
objective forgot to mark is not read as "higher is better".
"""

from __future__ import annotations

import re

# Whole names, lower-case, that are lower-is-better by convention; and endings that say so.
# Matching whole names (not words inside a name) keeps error_free_rate or loss_aversion_score
# from being read the wrong way round: a name not listed has no known direction.
LOWER_IS_BETTER_NAMES = frozenset(
    {
        "perplexity", "word_perplexity", "byte_perplexity", "token_perplexity", "ppl", "loss", "nll", "ece", "wer", "cer",
        "ter", "latency", "mse", "mae", "rmse", "brier", "brier_score", "bits_per_byte", "bpb", "bits_per_char", "bpc",
        "error_rate",
    }
)  # fmt: skip
LOWER_IS_BETTER_ENDINGS = ("_perplexity", "_loss", "_error_rate", "_latency")
# Scores that are higher-is-better by convention, so an Inspect log's accuracy (Inspect states
# no direction) is not judged both ways by the forgetting guard.
HIGHER_IS_BETTER_NAMES = frozenset(
    {
        "acc", "acc_norm", "acc_mutual_info", "accuracy", "exact_match", "em", "f1", "precision", "recall", "bleu", "rouge1",
        "rouge2", "rougel", "rougelsum", "chrf", "mcc", "mc1", "mc2", "auc", "auroc",
    }
)  # fmt: skip
_PASS_AT_K = re.compile(r"pass@\d+")


def known(name: str) -> bool | None:
    """The conventional direction of a metric's whole name: False lower-is-better, True higher, None unknown.

    A filter suffix (",strict-match") is ignored; nothing is guessed from a word inside a name.
    """
    metric = name.partition(",")[0].lower()
    if metric in LOWER_IS_BETTER_NAMES or metric.endswith(LOWER_IS_BETTER_ENDINGS):
        return False
    if metric in HIGHER_IS_BETTER_NAMES or _PASS_AT_K.fullmatch(metric):
        return True
    return None


def agreed(stated: set[bool], name: str) -> tuple[bool | None, str]:
    """The forgetting guard's direction for a metric no criterion names, and where it came from.

    The tools' stated directions and the name's convention must agree; any disagreement, or
    nothing at all, is no direction (the guard then judges both ways), so one results file
    cannot turn a metric around.
    """
    convention = known(name)
    found = set(stated) | ({convention} if convention is not None else set())
    if len(found) == 1:
        return next(iter(found)), ("results file" if stated else "known name")
    return None, ("conflicting" if found else "unknown")


def word(higher_is_better: bool | None) -> str:
    if higher_is_better is None:
        return "no direction"
    return "higher is better" if higher_is_better else "lower is better"
