"""The tool catalogue the server starts with: read from `tool_schemas.json`, no tool module imported.

Each entry names the tool's app, module, title, description, annotations and compacted schemas (see
`registry.py`). A tool's module, and the client modules it needs, are imported on its first call. The cache
carries a fingerprint of the sources it was generated from; when it does not match the installed sources
(an edited checkout without `scripts/gen-docs`), the server builds the catalogue from the modules instead.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from mcp.types import ToolAnnotations

from nextcloud_mcp.apps import AVAILABLE
from nextcloud_mcp.toolspec import Toolset, ToolSpec

__all__ = ["SCHEMA_FILE", "LazyFn", "cached_toolsets", "entries", "fingerprint"]

logger = logging.getLogger(__name__)
PACKAGE = Path(__file__).parent
SCHEMA_FILE = PACKAGE / "tool_schemas.json"
_SOURCES = ("tools/*.py", "nextcloud/*.py", "schema.py", "toolspec.py", "apps.py")


def fingerprint() -> str:
    """sha256 over the sources that shape the tool schemas (file names and contents, sorted)."""
    digest = hashlib.sha256()
    for path in sorted(p for pattern in _SOURCES for p in PACKAGE.glob(pattern)):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache
def _load() -> dict[str, Any]:
    try:
        data = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@cache
def entries() -> dict[str, dict[str, Any]]:
    """Tool name → cache entry, or {} when the cache is missing or was generated from other sources."""
    data = _load()
    tools = data.get("tools")
    if not isinstance(tools, dict) or data.get("fingerprint") != fingerprint():
        logger.debug("tool schema cache missing or stale: building the tool catalogue from the modules")
        return {}
    return tools


class LazyFn:
    """A tool function that imports its module on first call (the `tool()` wrapper of `ToolSpec.fn`)."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self._fn: Callable[..., Awaitable[Any]] | None = None

    def resolve(self) -> Callable[..., Awaitable[Any]]:
        if self._fn is None:
            specs: list[ToolSpec] = importlib.import_module(self.module).TOOLS
            self._fn = next(spec.fn for spec in specs if spec.name == self.name)
        return self._fn

    async def __call__(self, **kwargs: Any) -> Any:
        return await self.resolve()(**kwargs)


def cached_toolsets(apps: Sequence[str]) -> list[Toolset] | None:
    """The toolsets of `apps` (all when empty) from the cache, in catalogue order; None without a usable cache."""
    tools = entries()
    if not tools:
        return None
    by_app: dict[str, list[ToolSpec]] = {}
    for name, entry in tools.items():
        spec = ToolSpec(
            LazyFn(entry["module"], name),
            name,
            entry["title"],
            entry["description"],
            ToolAnnotations.model_validate(entry["annotations"]),
            entry["app"],
        )
        by_app.setdefault(entry["toolset"], []).append(spec)
    order = sorted(by_app, key=lambda app: min(tools[s.name]["order"] for s in by_app[app]))
    return [
        Toolset(app, sorted(by_app[app], key=lambda s: tools[s.name]["order"]), AVAILABLE[app])
        for app in order
        if not apps or app in apps
    ]
