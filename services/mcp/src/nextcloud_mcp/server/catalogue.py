"""The tool catalogue: every app's tools as SDK `Tool`s, and a schema cache that makes starting cheap.

Building ~100 tools the SDK's way (importing every tool module, building pydantic models and their JSON
schemas) is most of the start-up work beyond the SDK's own (docs/performance.md). So the first start writes
each tool's metadata and compacted schemas to a cache file in the user's cache folder (`MCP_CACHE_DIR`), named
after the package version and a hash of the package's sources; later starts list the tools from it and import
a tool's module only when the tool is first called. Any edit to the sources names another file, so a stale
cache is never read, and nothing generated is committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mcp.server.mcpserver.tools import Tool

from nextcloud_mcp import __version__
from nextcloud_mcp.apps import APPS, App
from nextcloud_mcp.server.registry import LazyTool, build_tool, specs_of

__all__ = ["Catalogue", "build_catalogue", "cache_file", "load_catalogue", "source_hash"]

logger = logging.getLogger(__name__)
PACKAGE = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Catalogue:
    """The tools of some apps, in `tools/list` order, with each tool's app and read-only annotation."""

    tools: list[Tool]
    apps: dict[str, App]
    read_only: dict[str, bool]


@cache
def source_hash() -> str:
    """sha256 over the package's Python sources (relative names and contents, sorted)."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_file(cache_dir: str | None) -> Path | None:
    """Where the schema cache of this version and these sources lives; None when caching is off."""
    if cache_dir is not None and cache_dir.strip().lower() == "off":
        return None
    if cache_dir:
        folder = Path(cache_dir).expanduser()
    else:
        folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nextcloud-mcp"
    return folder / f"tools-{__version__}-{source_hash()[:20]}.json"


def _entry(app: App, module: str, tool: Tool) -> dict[str, Any]:
    annotations = tool.annotations.model_dump(mode="json", by_alias=True, exclude_none=True) if tool.annotations else {}
    return {
        "toolset": app.toolset,
        "module": module,
        "name": tool.name,
        "title": tool.title,
        "description": tool.description,
        "annotations": annotations,
        "context": tool.context_kwarg,
        "input": tool.parameters,
        "output": tool.output_schema,
    }


def build_catalogue(apps: Sequence[App] = APPS) -> tuple[Catalogue, list[dict[str, Any]]]:
    """Import the tool modules of `apps` and build their tools; also return the cache entries."""
    tools: list[Tool] = []
    entries: list[dict[str, Any]] = []
    owners: dict[str, App] = {}
    for app in apps:
        for module in app.tool_modules:
            for spec in specs_of(module):
                tool = build_tool(spec)
                tools.append(tool)
                entries.append(_entry(app, module, tool))
                owners[tool.name] = app
    read_only = {t.name: bool(t.annotations and t.annotations.read_only_hint) for t in tools}
    return Catalogue(tools, owners, read_only), entries


def _read(path: Path) -> list[dict[str, Any]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, list) else None


def _write(path: Path, entries: list[dict[str, Any]]) -> None:
    """Write atomically (replicas may start together); remove caches of other versions or sources."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tools-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(entries, out, separators=(",", ":"))
        os.replace(tmp, path)
        for old in path.parent.glob("tools-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only home or container: start without a cache
        logger.info("Cannot write the tool schema cache %s (%s); each start builds the schemas", path, exc)


def load_catalogue(toolsets: Sequence[str], cache_dir: str | None) -> Catalogue:
    """The catalogue of `toolsets` (all when empty): from the schema cache when there is one, else built (and
    cached for every app, so a later start with other toolsets finds it too)."""
    chosen = {app.toolset for app in APPS if not toolsets or app.toolset in toolsets}
    path = cache_file(cache_dir)
    entries = _read(path) if path is not None else None
    if entries is None:
        catalogue, entries = build_catalogue(APPS)
        if path is not None:
            _write(path, entries)
        keep = [t for t in catalogue.tools if catalogue.apps[t.name].toolset in chosen]
        return Catalogue(keep, {t.name: catalogue.apps[t.name] for t in keep}, catalogue.read_only)
    by_toolset = {app.toolset: app for app in APPS}
    selected = [e for e in entries if e["toolset"] in chosen]
    tools: list[Tool] = [LazyTool.from_entry(e) for e in selected]
    owners = {e["name"]: by_toolset[e["toolset"]] for e in selected}
    read_only = {e["name"]: bool(e["annotations"].get("readOnlyHint")) for e in entries}
    return Catalogue(tools, owners, read_only)
