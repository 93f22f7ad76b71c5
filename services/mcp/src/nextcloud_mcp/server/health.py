"""`/health/live` and `/health/ready` (unauthenticated routes next to the MCP endpoint)."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nextcloud_mcp.core.errors import NextcloudError
from nextcloud_mcp.server.state import AppState

__all__ = ["add_health_routes"]


def add_health_routes(server: MCPServer[Any], state: AppState) -> None:
    @server.custom_route("/health/live", methods=["GET"])  # type: ignore[untyped-decorator]
    async def live(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @server.custom_route("/health/ready", methods=["GET"])  # type: ignore[untyped-decorator]
    async def ready(_: Request) -> Response:
        """Ready when Nextcloud answers `status.php` as installed and not in maintenance."""
        try:
            async with state.running():
                status = await state.core_status()
        except NextcloudError as exc:
            return JSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
        if not status.installed or status.maintenance or status.needs_db_upgrade:
            reason = "maintenance mode" if status.maintenance else "not installed or upgrading"
            return JSONResponse({"status": "unavailable", "reason": f"Nextcloud is in {reason}"}, status_code=503)
        return JSONResponse({"status": "ok", "nextcloud": status.versionstring})
