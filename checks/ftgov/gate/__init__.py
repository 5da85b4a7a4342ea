"""The gate pillar: may a round train, may a checkpoint deploy. Only forge/ talks to a forge.

`ftgov.gate.require_approved` and `ftgov.gate.require_deployable` are the entry points
launchers import; they are resolved on first use so that importing `ftgov.gate.forge` (or
the package) does not load the gate and its GitHub client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ftgov.gate.gate import GateDenied, GateUsageError, require_approved, require_deployable, token_from_environment

__all__ = ["GateDenied", "GateUsageError", "require_approved", "require_deployable", "token_from_environment"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from ftgov.gate import gate

        return getattr(gate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
