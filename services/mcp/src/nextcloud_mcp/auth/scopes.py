"""Per-app scopes: `<app>:read` for read-only tools, `<app>:write` for the others.

`<app>:write` includes `<app>:read` (a hierarchy, as the MCP spec asks servers to account for).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["allowed", "required_scope"]


def required_scope(app: str, read_only: bool) -> str:
    return f"{app}:{'read' if read_only else 'write'}"


def allowed(required: str, granted: Iterable[str]) -> bool:
    """True when `granted` contains `required` or the write scope that implies it."""
    granted = set(granted)
    if required in granted:
        return True
    app, _, level = required.partition(":")
    return level == "read" and f"{app}:write" in granted
