"""How a calendar and a calendar object are named by the caller: a calendar by its name or display name, an
object by its resource name (checked as a DAV path segment) or else by its UID."""

from __future__ import annotations

from typing import Protocol, TypeVar

from nextcloud_mcp.core.caldav import check_name
from nextcloud_mcp.core.errors import InvalidInput

__all__ = ["is_name", "match"]


class _Named(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def display_name(self) -> str: ...


C = TypeVar("C", bound=_Named)


def match(infos: list[C], ref: str, lister: str) -> C | None:
    """The calendar named `ref`: by name, else by name or display name ignoring case (unique)."""
    for info in infos:
        if info.name == ref:
            return info
    folded = ref.strip().casefold()
    hits = [i for i in infos if i.name.casefold() == folded] or [
        i for i in infos if i.display_name.casefold() == folded
    ]
    if len(hits) > 1:
        names = ", ".join(i.name for i in hits)
        raise InvalidInput(f"Several calendars are called {ref!r} ({names}); pass one of these names from {lister}.")
    return hits[0] if hits else None


def is_name(ref: str) -> bool:
    try:
        check_name(ref, "Object name")
    except InvalidInput:
        return False
    return True
