"""BasicAuth credentials checked against Nextcloud: at start, for `/health/ready`, and in mode-fitting messages.

Nextcloud is asked who the configured user is (`GET /ocs/v2.php/cloud/user`,
nextcloud/server apps/provisioning_api/lib/Controller/UsersController.php::getCurrentUser); a 401 there
means the login name or the (app) password is wrong, revoked, or a plain password of an account with
two-factor authentication.
"""

from __future__ import annotations

import logging

import anyio
import httpx2

from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import AuthenticationFailed, ConfigError, NextcloudError, RateLimited
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import CoreClient, UserDetails

__all__ = [
    "WHERE_TO_CREATE",
    "check_at_start",
    "missing_credential",
    "rejected_message",
    "throttled_message",
    "whoami",
]

logger = logging.getLogger(__name__)

WHERE_TO_CREATE = "Nextcloud → Settings → Security → Devices & sessions → Create new app password"
START_CHECK_SECONDS = 10.0


def missing_credential(settings: Settings) -> str | None:
    """Why BasicAuth cannot work when only one of the username and the password is set (else None).

    Without an explicit `MCP_AUTH_MODE=oauth` (or `--oauth`), half a pair of credentials is a BasicAuth setup
    with a gap, not a wish for OAuth mode.
    """
    if settings.mcp_auth_mode in ("oauth", "loginflow"):
        return None
    user, password = settings.nextcloud_username, settings.nextcloud_password
    if user and password is None:
        return (
            f"NEXTCLOUD_USERNAME is set ({user}) but NEXTCLOUD_PASSWORD is missing or empty. Set NEXTCLOUD_PASSWORD "
            f"to an app password of that user ({WHERE_TO_CREATE}) for BasicAuth mode, or unset "
            "NEXTCLOUD_USERNAME (or set MCP_AUTH_MODE=oauth) for OAuth mode."
        )
    if password is not None and not user:
        return (
            "NEXTCLOUD_PASSWORD is set but NEXTCLOUD_USERNAME is missing or empty. Set NEXTCLOUD_USERNAME to the "
            "Nextcloud login name for BasicAuth mode, or unset NEXTCLOUD_PASSWORD (or set MCP_AUTH_MODE=oauth) "
            "for OAuth mode."
        )
    return None


def rejected_message(username: str) -> str:
    """What to do when Nextcloud answers 401 to the configured BasicAuth credentials."""
    return (
        f"Nextcloud rejected the credentials of NEXTCLOUD_USERNAME={username} (HTTP 401). Check that "
        "NEXTCLOUD_USERNAME is the login name and NEXTCLOUD_PASSWORD a current app password of that user "
        f"({WHERE_TO_CREATE}); a revoked app password stops working, and with two-factor authentication "
        "only an app password works."
    )


def throttled_message() -> str:
    return (
        "Nextcloud is throttling logins from this server's address after failed attempts (HTTP 429). Fix the "
        "credentials, then wait or have an admin run `occ security:bruteforce:reset <ip>`."
    )


async def whoami(http: NextcloudHTTP, credentials: BasicCredentials) -> UserDetails:
    """The configured user as Nextcloud sees them (raises AuthenticationFailed on 401)."""
    return await CoreClient(http, credentials.auth).current_user()


async def check_at_start(
    settings: Settings, credentials: BasicCredentials, transport: httpx2.AsyncBaseTransport | None = None
) -> None:
    """Refuse to start (ConfigError) when Nextcloud rejects the BasicAuth credentials; only warn when it
    cannot be asked (unreachable, failing, slow: the server starts and tools report the problem per call)."""
    fast = settings.model_copy(update={"nextcloud_retries": 0})
    http = NextcloudHTTP(fast, transport=transport)
    try:
        with anyio.move_on_after(START_CHECK_SECONDS) as scope:
            user = await whoami(http, credentials)
        if scope.cancelled_caught:
            logger.warning(
                "Nextcloud at %s did not answer within %.0f s; starting without checking the credentials "
                "(run `nextcloud-mcp-server check` to diagnose)",
                settings.nextcloud_base_url,
                START_CHECK_SECONDS,
            )
            return
    except AuthenticationFailed:
        raise ConfigError(rejected_message(settings.nextcloud_username or "")) from None
    except RateLimited:
        logger.warning("%s Starting anyway.", throttled_message())
        return
    except NextcloudError as exc:
        logger.warning(
            "Cannot check the credentials at start (%s); starting anyway (run `nextcloud-mcp-server check` to "
            "diagnose)",
            exc,
        )
        return
    finally:
        await http.aclose()
    logger.info("Nextcloud accepts the credentials of user %s", user.id)
