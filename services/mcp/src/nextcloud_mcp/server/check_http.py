"""`check`'s first step: can this server reach Nextcloud at `NEXTCLOUD_HOST`, and is it Nextcloud?

`status.php` is public and sits at the web root of every Nextcloud (nextcloud/server status.php), so its answer
tells a wrong host, a TLS problem, a redirect (the server never follows one: it could carry the credentials
elsewhere) and a missing sub-path apart. The explanations are the server's own (`core.network` for connection
failures, `core.hostcheck` for answers that are not Nextcloud's), so `check` and a failing tool say the same.
"""

from __future__ import annotations

import httpx2
from pydantic import ValidationError

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import ConfigError, NextcloudError, TLSFailure, WrongHost
from nextcloud_mcp.core.hostcheck import check_host, is_nextcloud_status
from nextcloud_mcp.core.instance import ServerStatus
from nextcloud_mcp.core.network import Target, tls_verify, transport_failure
from nextcloud_mcp.server.check_report import Line

__all__ = ["read_status"]


async def read_status(settings: Settings, transport: httpx2.AsyncBaseTransport | None) -> ServerStatus | Line:
    """`status.php` as the model, or the failed `Line` saying why this is not a usable Nextcloud."""
    target = Target.of(settings)
    try:
        verify = tls_verify(settings)
    except ConfigError as exc:
        return Line("fail", "tls", str(exc))
    client = httpx2.AsyncClient(
        timeout=httpx2.Timeout(settings.nextcloud_timeout, connect=settings.nextcloud_connect_timeout),
        verify=verify,
        transport=transport,
        follow_redirects=False,
        trust_env=False,
    )
    try:
        try:
            response = await client.get(f"{target.base_url}/status.php")
        except httpx2.TransportError as exc:
            return _failed(transport_failure(exc, target, method="GET", path="/status.php").error)
        if not is_nextcloud_status(response):
            wrong = await check_host(client, target, response, "/status.php", sockets=transport is None)
            if wrong is not None:
                return _failed(wrong)
        try:
            return ServerStatus.model_validate(response.json())
        except (ValueError, ValidationError):
            return Line("fail", "web root", f"{target.base_url}/status.php is not Nextcloud's status document")
    finally:
        await client.aclose()


def _failed(error: NextcloudError) -> Line:
    """The failed line for a connection or host error (its message already names what to set)."""
    if isinstance(error, TLSFailure):
        topic = "tls"
    elif isinstance(error, WrongHost):
        topic = "web root"
    else:
        topic = "reachable"
    return Line("fail", topic, error.message)
