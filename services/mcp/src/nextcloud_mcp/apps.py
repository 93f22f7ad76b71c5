"""Which Nextcloud apps offer the tools of each toolset, decided from the capabilities.

Light on purpose (no client or tool modules): the first `tools/list` evaluates these for every toolset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nextcloud_mcp.nextcloud.core import Capabilities

__all__ = ["AVAILABLE", "MIN_NOTES_API", "supports_notes"]

MIN_NOTES_API = (1, 2)  # If-Match support arrived in Notes API 1.2 (nextcloud/notes docs/api/README.md)


def supports_notes(capability: dict[str, Any] | None) -> bool:
    """True when the Notes capability advertises an API version with If-Match (1.2 or newer)."""
    if not capability:
        return False
    for version in capability.get("api_version") or []:
        try:
            major, minor = (int(part) for part in str(version).split(".")[:2])
        except ValueError:
            continue
        if (major, minor) >= MIN_NOTES_API and major == MIN_NOTES_API[0]:
            return True
    return False


def _always(_: Capabilities) -> bool:
    """Core and `dav` (always enabled): WebDAV, CalDAV, CardDAV, unified search."""
    return True


def _tables(caps: Capabilities) -> bool:
    block = caps.app("tables")
    return block is not None and block.get("enabled", True) is not False


def _published(app: str) -> Callable[[Capabilities], bool]:
    def check(caps: Capabilities) -> bool:
        return caps.app(app) is not None

    return check


#: Toolset app → whether the caller's Nextcloud offers it. Notes needs API 1.2+ (If-Match); Deck, Cookbook,
#: sharing and users are listed when their app publishes a capability to this user; Tables when enabled.
AVAILABLE: dict[str, Callable[[Capabilities], bool]] = {
    "notes": lambda caps: supports_notes(caps.app("notes")),
    "files": _always,
    "shares": _published("files_sharing"),
    "search": _always,
    "users": _published("provisioning_api"),
    "calendar": _always,
    "tasks": _always,
    "contacts": _always,
    "deck": _published("deck"),
    "tables": _tables,
    "cookbook": _published("cookbook"),
}
