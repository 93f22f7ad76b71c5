"""`/health/live` and `/health/ready` (unauthenticated routes next to the MCP endpoint)."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from nextcloud_mcp.core.errors import NextcloudError
from nextcloud_mcp.core.instance import ServerStatus
from nextcloud_mcp.server.state import AppState

__all__ = ["add_health_routes"]


def add_health_routes(server: MCPServer[Any], state: AppState) -> None:
    @server.custom_route("/health/live", methods=["GET"])  # type: ignore[untyped-decorator]
    async def live(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @server.custom_route("/health/ready", methods=["GET"])  # type: ignore[untyped-decorator]
    async def ready(_: Request) -> Response:
        """Ready when Nextcloud answers `status.php` as installed and not in maintenance and, in BasicAuth
        mode, accepts the configured credentials (checked at most every `CREDENTIALS_TTL` seconds)."""
        try:
            async with state.running():
                status = await state.core_status()
                problem = await state.credentials_problem() if _serving(status) else None
        except NextcloudError as exc:
            return _unavailable(str(exc))
        if not _serving(status):
            reason = "maintenance mode" if status.maintenance else "not installed or upgrading"
            return _unavailable(f"Nextcloud is in {reason}")
        if problem is not None:
            return _unavailable(str(problem))
        return JSONResponse({"status": "ok", "nextcloud": status.versionstring})


def _serving(status: ServerStatus) -> bool:
    return status.installed and not status.maintenance and not status.needs_db_upgrade


def _unavailable(reason: str) -> Response:
    return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
