"""`App`: what one Nextcloud app contributes to the server, declared in its folder's `__init__.py`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nextcloud_mcp.core.instance import Capabilities

__all__ = ["App", "always", "publishes"]


@dataclass(frozen=True)
class App:
    """One Nextcloud app (`id`, its folder under `apps/`) as a toolset.

    `toolset` is the name people use (`MCP_APPS`, the OAuth scopes `<toolset>:read` and `<toolset>:write`);
    `available` decides from the caller's capabilities whether the tools are offered; `tool_modules` name the
    modules whose `TOOLS` lists hold the tools, imported only when the server needs them.
    """

    id: str
    toolset: str
    available: Callable[[Capabilities], bool]
    tool_modules: tuple[str, ...]

    @property
    def scopes(self) -> tuple[str, str]:
        return f"{self.toolset}:read", f"{self.toolset}:write"


def always(_: Capabilities) -> bool:
    """Core and `dav` (always enabled): WebDAV, CalDAV, CardDAV, unified search."""
    return True


def publishes(capability: str) -> Callable[[Capabilities], bool]:
    """Offered when the app publishes a capability block to this user (installed and enabled for them)."""

    def check(caps: Capabilities) -> bool:
        return caps.app(capability) is not None

    return check
