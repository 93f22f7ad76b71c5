"""`add_content`: resources, prompts and completion on the server `build_server` made, for the apps it serves."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from nextcloud_mcp.apps import APPS
from nextcloud_mcp.server.access import ContentAccess
from nextcloud_mcp.server.catalogue import Catalogue
from nextcloud_mcp.server.completion import Completer
from nextcloud_mcp.server.content_gate import ContentGate
from nextcloud_mcp.server.policy import ToolPolicy
from nextcloud_mcp.server.prompts import PROMPTS
from nextcloud_mcp.server.resources import ResourceRegistry
from nextcloud_mcp.server.state import AppState

__all__ = ["add_content"]


def add_content(server: MCPServer[AppState], state: AppState, catalogue: Catalogue, policy: ToolPolicy) -> None:
    """Register the served apps' resource templates and the prompts, the completion handler, and `ContentGate`
    (appended to the server's middleware, inside `ToolGate`)."""
    served = {app.id: app for app in catalogue.apps.values()}
    apps = [served[app.id] for app in APPS if app.id in served]
    registry = ResourceRegistry(apps)
    registry.register(server)
    for spec in PROMPTS:
        server.add_prompt(spec.prompt())
    access = ContentAccess(policy, catalogue.apps, {spec.name: spec for spec in PROMPTS})
    # MCPServer.completion is not annotated in the SDK (2.3), hence the ignore
    server.completion()(Completer(registry, access, state))  # type: ignore[no-untyped-call]
    server.middleware.append(ContentGate(registry, access, state))
