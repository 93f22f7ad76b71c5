"""The resources of the served apps: their URI templates registered with the SDK, which app a URI belongs to, the
concrete resources of `resources/list`, and the value sources that complete arguments.

Each app declares its resources in its folder (`App.resources`, `core.resource`); this module only collects the
declarations of the apps `MCP_APPS` selects. Templates are registered through the SDK's `MCPServer.resource`, each
with a lazy reader (`readers.py`); gating, paging and errors are `ContentGate`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from mcp.server.mcpserver import MCPServer

from nextcloud_mcp.core.app import App
from nextcloud_mcp.core.errors import NextcloudMCPError
from nextcloud_mcp.core.resource import Listed, Template, ValueSource
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.server.readers import function_of, lazy_reader

__all__ = ["Registered", "ResourceRegistry"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Registered:
    """One template with the app that declared it and the module holding its reader."""

    app: App
    module: str
    template: Template

    @property
    def prefix(self) -> str:
        """The template's literal start (`nextcloud://notes/`): every URI it matches starts with it."""
        return self.template.uri_template.split("{", 1)[0]


class ResourceRegistry:
    """The resource declarations of `apps` (the served apps, in catalogue order)."""

    def __init__(self, apps: Sequence[App]) -> None:
        self.apps = tuple(apps)
        self.templates: dict[str, Registered] = {}
        self._sources: dict[str, tuple[App, str, str]] = {}
        for app in self.apps:
            declared = app.resources
            if declared is None:
                continue
            for template in declared.templates:
                if template.uri_template in self.templates:
                    raise ValueError(f"Two apps declare the resource template {template.uri_template}")
                self.templates[template.uri_template] = Registered(app, declared.module, template)
            for name, function in declared.values.items():
                if name in self._sources:
                    raise ValueError(f"Two apps declare the value source {name!r}")
                self._sources[name] = (app, declared.module, function)

    def register(self, server: MCPServer[Any]) -> None:
        """Register every template with the SDK (listed by `resources/templates/list`, read by `resources/read`)."""
        for registered in self.templates.values():
            template = registered.template
            server.resource(
                template.uri_template,
                name=template.name,
                title=template.title,
                description=template.description,
                mime_type=template.mime_type,
            )(lazy_reader(registered.module, template))

    def template_of(self, uri: str) -> Registered | None:
        """The template a URI belongs to (the longest matching prefix), None for any other URI."""
        hits = [r for r in self.templates.values() if uri.startswith(r.prefix)]
        return max(hits, key=lambda r: len(r.prefix)) if hits else None

    def source(self, name: str) -> tuple[App, ValueSource] | None:
        """The value source `name` and its app; None when no served app offers it."""
        found = self._sources.get(name)
        if found is None:
            return None
        app, module, function = found
        return app, function_of(module, function)

    async def listed(self, session: NextcloudSession, apps: Sequence[App]) -> list[Listed]:
        """The concrete resources of `apps` (each app's listing, run concurrently), in app order. An app whose
        listing fails is left out (logged): the others still list."""
        found: dict[str, list[Listed]] = {}

        async def run(app: App, module: str, function: str) -> None:
            try:
                found[app.id] = await function_of(module, function)(session)
            except NextcloudMCPError as exc:
                logger.warning("Cannot list the %s resources (%s); resources/list leaves them out", app.id, exc)

        async with anyio.create_task_group() as group:
            for app in apps:
                if app.resources is not None and app.resources.listing is not None:
                    group.start_soon(run, app, app.resources.module, app.resources.listing)
        return [item for app in apps for item in found.get(app.id, [])]
