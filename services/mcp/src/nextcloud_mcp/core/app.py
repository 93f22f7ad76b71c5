"""`App`: what one Nextcloud app contributes to the server, declared in its folder's `__init__.py`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nextcloud_mcp.core.instance import Capabilities
from nextcloud_mcp.core.resource import Resources

__all__ = ["App", "Probe", "always", "format_version", "publishes"]


@dataclass(frozen=True)
class Probe:
    """How to find an app that publishes no capability (in some of its versions): `path` is a GET route of
    the app, relative to the Nextcloud base URL, that answers 200 with a JSON object holding the app's version
    under `version_key` when the app is installed and enabled for the caller."""

    path: str
    version_key: str

    def version(self, body: Any) -> str | None:
        """The app version in the route's JSON answer, as text (None when it is not there)."""
        value = body.get(self.version_key) if isinstance(body, dict) else None
        return format_version(value) if value not in (None, "", []) else None


@dataclass(frozen=True)
class App:
    """One Nextcloud app (`id`, its folder under `apps/`) as a toolset.

    `toolset` is the name people use (`MCP_APPS`, the OAuth scopes `<toolset>:read` and `<toolset>:write`);
    `available` decides from the caller's capabilities whether the tools are offered; `tool_modules` name the
    modules whose `TOOLS` lists hold the tools, imported only when the server needs them. `probe`, when set,
    finds the app for callers whose capabilities lack it (versions that publish no capability); the server
    caches its answer like the capabilities. `resources`, when set, declares the app's MCP resources and
    completion values (`core.resource`), gated like its tools. `summary` is the one line
    `nc_toolsets_list_toolsets` shows for the toolset (at most 100 characters). `index`, when set, names the
    module whose `SOURCE` (`core.indexing.IndexSource`) feeds the semantic index, imported only when it is on.
    """

    id: str
    toolset: str
    available: Callable[[Capabilities], bool]
    tool_modules: tuple[str, ...]
    probe: Probe | None = None
    resources: Resources | None = None
    summary: str = ""
    index: str | None = None

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


def format_version(value: Any) -> str:
    """An app version as people write it: `"6.0.2"` stays, `[0, 11, 10, "-alpha1"]` (Cookbook's
    `ApiVersion::getAppVersion`) becomes `"0.11.10-alpha1"`."""
    if isinstance(value, list):
        text = ""
        for part in value:
            piece = str(part)
            text += piece if not text or piece.startswith("-") else f".{piece}"
        return text
    return str(value)
