"""Finding an app that publishes no capability: one GET of its `App.probe` route as the caller.

Nextcloud answers a route of an app that is not installed or not enabled with 404 (no route), and a route of
an app enabled only for other groups with 412 "App is not enabled" (nextcloud/server
lib/private/AppFramework/Middleware/Security/SecurityMiddleware.php, Exceptions/AppNotEnabledException.php).
A `#[CORS]` route refuses a bearer token with 401 "CORS requires basic auth" (CORSMiddleware.php) after the
route matched, so the app is there; its tools then explain the Bearer patch (docs/authentication.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from nextcloud_mcp.core.app import Probe
from nextcloud_mcp.core.errors import NextcloudError
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["ProbeAnswer", "run_probe"]

_CORS_MESSAGE = "CORS requires basic auth"


@dataclass(frozen=True)
class ProbeAnswer:
    """`found`: True or False, or None when Nextcloud could not say (failure, rejected credentials)."""

    found: bool | None
    version: str | None
    detail: str


async def run_probe(session: NextcloudSession, probe: Probe) -> ProbeAnswer:
    """GET `probe.path` as the session's user and read whether the app answered, and its version."""
    try:
        # an OCS route without OCS-APIRequest fails the CSRF check (SecurityMiddleware::isValidOCSRequest): 412
        headers = {"OCS-APIRequest": "true"} if probe.path.startswith("/ocs/") else None
        response = await session.http.request(
            "GET", probe.path, auth=session.auth, headers=headers, ok=tuple(range(300, 500))
        )
    except NextcloudError as exc:
        return ProbeAnswer(None, None, str(exc))
    status = response.status_code
    if status == 401 and _CORS_MESSAGE in response.text[:500]:
        return ProbeAnswer(True, None, "HTTP 401 CORS requires basic auth (the app is there; see the Bearer patch)")
    if status in (401, 429):
        return ProbeAnswer(None, None, f"HTTP {status}")
    if not 200 <= status < 300:
        return ProbeAnswer(False, None, f"HTTP {status}")
    try:
        body = response.json()
    except ValueError:
        return ProbeAnswer(False, None, f"HTTP {status}, but not the app's JSON answer")
    if not isinstance(body, dict):
        return ProbeAnswer(False, None, f"HTTP {status}, but not the app's JSON answer")
    return ProbeAnswer(True, probe.version(body), f"HTTP {status}")
