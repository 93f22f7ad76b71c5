"""Which of the catalogue's tools the settings offer: `MCP_TOOLS_ALLOW`, `MCP_TOOLS_DENY` and `MCP_READ_ONLY`, on
top of `MCP_APPS` (which decides what is registered at all).

The result is a map of tool name → why the settings exclude it. `ToolPolicy` merges it into its per-caller
decision, so an excluded tool is missing from `tools/list` and a call to it by name is refused with that reason,
through the same gate as the installed-apps and OAuth-scope checks. An allow or deny entry that names no tool of
any app is a configuration error naming the closest valid names: a typo must neither expose nor hide a tool
silently.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Iterable, Mapping, Sequence

from nextcloud_mcp.core.errors import ConfigError

__all__ = ["READ_ONLY_REASON", "excluded_tools", "offered_scopes"]

READ_ONLY_REASON = "the server runs in read-only mode (MCP_READ_ONLY) and this tool changes data"
_DENIED = "the server's MCP_TOOLS_DENY setting excludes it"
_NOT_ALLOWED = "it is not in the server's MCP_TOOLS_ALLOW setting"
_GLOB = frozenset("*?[")


def excluded_tools(
    offered: Sequence[str],
    read_only: Mapping[str, bool],
    *,
    allow: Sequence[str] = (),
    deny: Sequence[str] = (),
    read_only_mode: bool = False,
) -> dict[str, str]:
    """Tool name → why the settings exclude it, for the `offered` tools (those of `MCP_APPS`).

    `read_only` maps every tool of every app to its read-only annotation; its names are what allow and deny
    entries may name (a tool of an app outside `MCP_APPS` is a valid name that matches nothing offered).
    Raises ConfigError for an entry that matches no tool, and when nothing is left to offer.
    """
    known = sorted(read_only)
    allowed = _patterns("MCP_TOOLS_ALLOW", allow, known)
    denied = _patterns("MCP_TOOLS_DENY", deny, known)
    excluded: dict[str, str] = {}
    for name in offered:
        if _matches(name, denied):
            excluded[name] = _DENIED
        elif allowed and not _matches(name, allowed):
            excluded[name] = _NOT_ALLOWED
        elif read_only_mode and not read_only.get(name, False):
            excluded[name] = READ_ONLY_REASON
    if offered and len(excluded) == len(offered):
        flags = (("MCP_TOOLS_ALLOW", bool(allow)), ("MCP_TOOLS_DENY", bool(deny)), ("MCP_READ_ONLY", read_only_mode))
        used = ["MCP_APPS", *(setting for setting, on in flags if on)]
        raise ConfigError(
            f"{', '.join(used[:-1])} and {used[-1]} together leave no tool to offer; widen MCP_TOOLS_ALLOW or "
            "MCP_APPS, or shorten MCP_TOOLS_DENY (docs/tools.md lists every tool)."
        )
    return excluded


def offered_scopes(toolsets: Iterable[str], *, read_only_mode: bool) -> list[str]:
    """The OAuth scopes worth advertising for `toolsets` (those with an offered tool): `<toolset>:read` and,
    unless the server is read-only, `<toolset>:write`."""
    levels = ("read",) if read_only_mode else ("read", "write")
    return [f"{toolset}:{level}" for toolset in toolsets for level in levels]


def _patterns(setting: str, entries: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    """The entries, lower-cased; ConfigError naming each one that matches no known tool and what was meant."""
    patterns = tuple(entry.strip().lower() for entry in entries if entry.strip())
    unknown = [p for p in patterns if not any(_match(name, p) for name in known)]
    if unknown:
        described = "; ".join(f"{p!r}{_suggestion(p, known)}" for p in unknown)
        raise ConfigError(
            f"{setting} names no tool: {described}. Give tool names (docs/tools.md) or globs such as nc_deck_*; "
            "a typo here would silently expose or hide tools."
        )
    return patterns


def _suggestion(pattern: str, known: Sequence[str]) -> str:
    import difflib  # only for the error

    prefixes = sorted({"_".join(name.split("_")[:2]) + "_*" for name in known})
    candidates = prefixes if _is_glob(pattern) else [*known, *prefixes]
    close = difflib.get_close_matches(pattern, candidates, n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def _matches(name: str, patterns: Collection[str]) -> bool:
    return any(_match(name, pattern) for pattern in patterns)


def _match(name: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(name, pattern) if _is_glob(pattern) else name == pattern


def _is_glob(pattern: str) -> bool:
    return not _GLOB.isdisjoint(pattern)
