"""The round's status machine: one description that the rules, the commands and the gate share.

Forward only: proposed -> approved -> training -> trained -> evaluated -> deployed -> retired;
rejected or abandoned from any state before deployed; rolled-back from deployed. A retired
or rolled-back round keeps its deploy decision and records the move as `withdrawal`.
"""

from __future__ import annotations

FORWARD: tuple[str, ...] = ("proposed", "approved", "training", "trained", "evaluated", "deployed", "retired")
STATUSES: tuple[str, ...] = (*FORWARD, "rejected", "abandoned", "rolled-back")

# Where a status stands in the forward order; rolled-back ends a deployed round as retired does.
RANK: dict[str, int] = {**{status: i for i, status in enumerate(FORWARD)}, "rolled-back": FORWARD.index("retired")}

DEAD = frozenset({"rejected", "abandoned", "rolled-back"})  # the parent chain skips these; a new round never builds on them
WITHDRAWN = frozenset({"retired", "rolled-back"})  # from deployed, recorded as `withdrawal` beside the deploy decision
ENDED = DEAD | WITHDRAWN  # a round in one of these states never trains or deploys again
TRAINABLE = frozenset({"proposed", "approved", "training"})  # not yet trained: what `gate --stage train` allows
BEFORE_DEPLOYMENT: tuple[str, ...] = FORWARD[: FORWARD.index("deployed")]  # where reject and abandon may still happen
UNAPPROVED = frozenset({"proposed"})  # the objective may still be edited; from approved on its bytes are sealed

# The decision action that moves a round into each decided status.
DECIDED: dict[str, str] = {
    "deployed": "deploy",
    "retired": "retire",
    "rolled-back": "rollback",
    "rejected": "reject",
    "abandoned": "abandon",
}
