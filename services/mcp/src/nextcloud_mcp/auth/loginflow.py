"""`loginflow` mode: this server is the OAuth 2.1 authorization server of its MCP clients, and logs people in
with Nextcloud's Login Flow v2 (docs/authentication.md).

The SDK's authorization-server toolkit (`create_auth_routes`) serves RFC 8414 metadata, dynamic client
registration, `/authorize` (PKCE S256), `/token` and `/revoke`; `LoginFlowProvider` is its provider:

1. `/authorize` → `authorize()` starts a Login Flow v2 at Nextcloud (`POST /index.php/login/v2`), stores the
   pending authorization in Redis and sends the browser to this server's wait page `/loginflow/<id>`, which links
   to Nextcloud's login page and reloads itself.
2. Each load of the wait page polls Nextcloud once (`POST /index.php/login/v2/poll`); once the user granted
   access, the app password becomes a grant (encrypted with `MCP_LOGINFLOW_KEY`) and the browser goes on to the
   client's `redirect_uri` with an authorization code.
3. `/token` issues opaque access and refresh tokens bound to the grant and to `MCP_PUBLIC_URL` (RFC 8707);
   refresh tokens rotate, and a reused one revokes the whole grant.
4. Revoking (`/revoke`, `/loginflow/logout`, expiry, Nextcloud refusing the app password) deletes the grant and
   the app password in Nextcloud (`DELETE /ocs/v2.php/core/apppassword`).

The app password only ever goes to `NEXTCLOUD_HOST` (never to the `server` the poll answer names), never to the
client, a log line or an error message.
"""

from __future__ import annotations

import html
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx2
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    TokenError,
    construct_redirect_uri,
)
from mcp.server.auth.routes import create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyHttpUrl, AnyUrl
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from nextcloud_mcp.auth.cache import connect_redis
from nextcloud_mcp.auth.identity import token_digest
from nextcloud_mcp.auth.loginflow_store import GrantStore, StoreError
from nextcloud_mcp.auth.metadata import metadata_routes
from nextcloud_mcp.auth.middleware import OAuthMiddleware
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.cookies import cookieless_jar
from nextcloud_mcp.core.errors import ConfigError
from nextcloud_mcp.core.network import tls_verify

__all__ = ["REJECTED_MESSAGE", "GrantAccessToken", "LoginFlowProvider", "LoginFlowServer"]

logger = logging.getLogger(__name__)

PENDING_TTL = 20 * 60  # Nextcloud's Login Flow v2 tokens live 20 minutes (core/Service/LoginFlowV2Service.php)
CODE_TTL = 300
DONE_TTL = 300
POLL_LOCK_MS = 10_000
UNEXCHANGED_GRANT_TTL = CODE_TTL + 300  # a code never exchanged: its app password is deleted after this
SWEEP_INTERVAL = 60.0
MAX_CACHED_CREDENTIALS = 4096
WAIT_PATH = "/loginflow/{pending_id}"
LOGOUT_PATH = "/loginflow/logout"
REJECTED_MESSAGE = (
    "Nextcloud no longer accepts this login: its app password was revoked (e.g. in Nextcloud's Settings → "
    "Security → Devices & sessions). This server has ended the grant; the MCP client has to sign in again."
)


class GrantAccessToken(AccessToken):
    grant_id: str


class GrantRefreshToken(RefreshToken):
    grant_id: str


class GrantCode(AuthorizationCode):
    grant_id: str


class LoginFlowProvider:
    """The SDK's `OAuthAuthorizationServerProvider`, backed by Redis (`GrantStore`) and Login Flow v2."""

    def __init__(self, settings: Settings, store: GrantStore, http: httpx2.AsyncClient, issuer: str) -> None:
        self.settings = settings
        self.store = store
        self.http = http
        self.issuer = issuer
        self.resource = settings.resource_url
        self._base = issuer.rstrip("/")
        # access-token digest → (expires_at, Basic auth of its grant), filled by load_access_token in this process
        self._credentials: OrderedDict[str, tuple[float, str, httpx2.BasicAuth]] = OrderedDict()

    # clients (RFC 7591) -----------------------------------------------------------------------------

    async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
        record = await self.store.get("client", client_id)
        return OAuthClientInformationFull.model_validate(record) if record else None

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        await self.store.put("client", str(client_info.client_id), client_info.model_dump(mode="json"))

    # authorization ----------------------------------------------------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        if params.resource is not None and params.resource.rstrip("/") != self.resource:
            raise AuthorizeError("invalid_target", f"this server issues tokens for {self.resource} only")
        name = _label(client.client_name or "MCP client")
        try:
            response = await self.http.post(
                f"{self.settings.nextcloud_base_url}/index.php/login/v2",
                headers={"User-Agent": f"Nextcloud MCP server ({name})", "Accept": "application/json"},
            )
            data = response.json() if response.status_code == 200 else {}
            poll_token, login_url = str(data["poll"]["token"]), str(data["login"])
        except (httpx2.HTTPError, ValueError, KeyError, TypeError):
            logger.warning("Nextcloud did not start a Login Flow v2 (POST /index.php/login/v2)")
            raise AuthorizeError("temporarily_unavailable", "Nextcloud did not start a login; try again") from None
        pending_id = secrets.token_urlsafe(32)
        record = {
            "client_id": client.client_id,
            "client_name": name,
            "redirect_uri": str(params.redirect_uri),
            "explicit": params.redirect_uri_provided_explicitly,
            "challenge": params.code_challenge,
            "state": params.state,
            "scopes": params.scopes or [],
            "poll": self.store.encrypt(poll_token),
            "login": self._public_login_url(login_url),
        }
        await self.store.put("pending", pending_id, record, PENDING_TTL)
        return f"{self._base}/loginflow/{pending_id}"

    def _public_login_url(self, url: str) -> str:
        """Nextcloud builds the login URL from the Host it was called with (NEXTCLOUD_HOST); browsers need the
        public one."""
        public = self.settings.nextcloud_public_url
        internal = self.settings.nextcloud_base_url
        if public is not None and url.startswith(internal):
            return str(public).rstrip("/") + url[len(internal) :]
        return url

    async def wait_page(self, request: Request) -> Response:
        """The page the browser waits on: polls Nextcloud once per load; redirects to the client when done."""
        pending_id = request.path_params["pending_id"]
        done = await self.store.get_text("done", pending_id)
        if done:
            return RedirectResponse(done, status_code=302)
        pending = await self.store.get("pending", pending_id)
        if pending is None:
            return _page("This sign-in expired or was already completed. Start again from your MCP client.", 404)
        if not await self.store.claim("plock", pending_id, POLL_LOCK_MS):
            return _waiting(pending)
        try:
            result = await self._poll(pending)
            if result is None:
                return _waiting(pending)
            login_name, app_password = result
            redirect = await self._complete(pending, login_name, app_password)
            await self.store.put_text("done", pending_id, redirect, DONE_TTL)
            await self.store.delete("pending", pending_id)
            return RedirectResponse(redirect, status_code=302)
        except _PollFailed:
            await self.store.delete("pending", pending_id)
            redirect = construct_redirect_uri(
                pending["redirect_uri"],
                error="access_denied",
                error_description="the Nextcloud login failed or expired",
                state=pending.get("state"),
            )
            return RedirectResponse(redirect, status_code=302)
        finally:
            await self.store.delete("plock", pending_id)

    async def _poll(self, pending: Mapping[str, Any]) -> tuple[str, str] | None:
        try:
            response = await self.http.post(
                # the configured Nextcloud, never the `poll.endpoint` the init answer named
                f"{self.settings.nextcloud_base_url}/index.php/login/v2/poll",
                data={"token": self.store.decrypt(str(pending["poll"]))},
                headers={"Accept": "application/json"},
            )
        except httpx2.HTTPError:
            logger.warning("Cannot reach Nextcloud to poll a Login Flow v2")
            return None
        if response.status_code == 404:  # not granted yet (core/Controller/ClientFlowLoginV2Controller.php::poll)
            return None
        try:
            data = response.json() if response.status_code == 200 else None
            return str(data["loginName"]), str(data["appPassword"])  # type: ignore[index]
        except (ValueError, KeyError, TypeError):
            logger.warning("Nextcloud answered a Login Flow v2 poll with HTTP %s", response.status_code)
            raise _PollFailed from None

    async def _complete(self, pending: Mapping[str, Any], login_name: str, app_password: str) -> str:
        grant_id = secrets.token_urlsafe(24)
        grant = {
            "login": login_name,
            "password": self.store.encrypt(app_password),
            "client_id": pending["client_id"],
            "scopes": pending["scopes"],
            "resource": self.resource,
            "refresh": None,
            "created": int(time.time()),
        }
        await self.store.put("grant", grant_id, grant)
        await self.store.set_expiry(grant_id, time.time() + UNEXCHANGED_GRANT_TTL)
        code = secrets.token_urlsafe(32)
        await self.store.put_token(
            "code",
            code,
            {
                "grant_id": grant_id,
                "client_id": pending["client_id"],
                "challenge": pending["challenge"],
                "redirect_uri": pending["redirect_uri"],
                "explicit": pending["explicit"],
                "scopes": pending["scopes"],
                "expires_at": time.time() + CODE_TTL,
            },
            CODE_TTL,
        )
        logger.info("Login Flow v2 completed for %s (grant %s…)", login_name, grant_id[:6])
        return construct_redirect_uri(pending["redirect_uri"], code=code, state=pending.get("state"))

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> GrantCode | None:
        record = await self.store.get_token("code", authorization_code)
        if record is None or record["client_id"] != client.client_id:
            return None
        return GrantCode(
            code=authorization_code,
            scopes=record["scopes"],
            expires_at=record["expires_at"],
            client_id=record["client_id"],
            code_challenge=record["challenge"],
            redirect_uri=AnyUrl(record["redirect_uri"]),
            redirect_uri_provided_explicitly=record["explicit"],
            resource=self.resource,
            grant_id=record["grant_id"],
        )

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: GrantCode
    ) -> OAuthToken:
        if await self.store.take("code", token_digest(authorization_code.code)) is None:
            # a second use of a code: the grant it made may have leaked with it
            await self.revoke_grant(authorization_code.grant_id)
            raise TokenError("invalid_grant", "authorization code already used")
        grant = await self.store.get("grant", authorization_code.grant_id)
        if grant is None:
            raise TokenError("invalid_grant", "the grant of this code no longer exists")
        return await self._issue(authorization_code.grant_id, grant, authorization_code.scopes)

    async def _issue(self, grant_id: str, grant: dict[str, Any], scopes: list[str]) -> OAuthToken:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        ttl = self.settings.mcp_loginflow_access_ttl
        refresh_ttl = self.settings.mcp_loginflow_refresh_ttl
        await self.store.put_token(
            "at",
            access,
            {"grant_id": grant_id, "client_id": grant["client_id"], "scopes": scopes, "exp": int(time.time()) + ttl},
            ttl,
        )
        await self.store.put_token(
            "rt", refresh, {"grant_id": grant_id, "client_id": grant["client_id"], "scopes": scopes}, refresh_ttl
        )
        grant["refresh"] = token_digest(refresh)
        await self.store.put("grant", grant_id, grant)
        await self.store.set_expiry(grant_id, time.time() + refresh_ttl)
        return OAuthToken(
            access_token=access,
            token_type="Bearer",  # noqa: S106 (a token type, not a password)
            expires_in=ttl,
            scope=" ".join(scopes),
            refresh_token=refresh,
        )

    # refresh (rotation with reuse detection) --------------------------------------------------------

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> GrantRefreshToken | None:
        record = await self.store.get_token("rt", refresh_token)
        if record is None or record["client_id"] != client.client_id:
            return None
        if await self.store.get("grant", record["grant_id"]) is None:
            return None
        return GrantRefreshToken(
            token=refresh_token,
            client_id=record["client_id"],
            scopes=record["scopes"],
            resource=self.resource,
            grant_id=record["grant_id"],
        )

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: GrantRefreshToken, scopes: list[str]
    ) -> OAuthToken:
        digest = token_digest(refresh_token.token)
        first_use = await self.store.claim("rtused", digest, self.settings.mcp_loginflow_refresh_ttl * 1000)
        grant = await self.store.get("grant", refresh_token.grant_id)
        if not first_use or grant is None or grant.get("refresh") != digest:
            logger.warning(
                "A rotated refresh token was used again: revoking grant %s… (the token may have been stolen)",
                refresh_token.grant_id[:6],
            )
            await self.revoke_grant(refresh_token.grant_id)
            raise TokenError("invalid_grant", "refresh token already used; the grant is revoked, sign in again")
        return await self._issue(refresh_token.grant_id, grant, scopes or refresh_token.scopes)

    # access tokens ----------------------------------------------------------------------------------

    async def load_access_token(self, token: str) -> GrantAccessToken | None:
        record = await self.store.get_token("at", token)
        if record is None or record["exp"] <= time.time():
            return None
        grant = await self.store.get("grant", record["grant_id"])
        if grant is None:
            return None
        try:
            password = self.store.decrypt(grant["password"])
        except StoreError:
            logger.warning("Grant %s… cannot be decrypted (MCP_LOGINFLOW_KEY changed?)", record["grant_id"][:6])
            return None
        self._remember(token, record["exp"], record["grant_id"], httpx2.BasicAuth(grant["login"], password))
        return GrantAccessToken(
            token=token,
            client_id=record["client_id"],
            scopes=record["scopes"],
            expires_at=record["exp"],
            resource=self.resource,
            subject=grant["login"],
            claims={"iss": self.issuer},
            grant_id=record["grant_id"],
        )

    async def verify_token(self, token: str) -> AccessToken | None:
        """The SDK `TokenVerifier` for the MCP endpoint's gate."""
        return await self.load_access_token(token)

    def credentials_for(self, token: AccessToken) -> httpx2.Auth:
        """Basic auth (login name + app password) of a token this process verified for the current request."""
        entry = self._credentials.get(token_digest(token.token))
        if entry is None:
            raise RuntimeError("loginflow: the access token was not verified by this process")
        return entry[2]

    def _remember(self, token: str, expires_at: float, grant_id: str, auth: httpx2.BasicAuth) -> None:
        key = token_digest(token)
        self._credentials[key] = (expires_at, grant_id, auth)
        self._credentials.move_to_end(key)
        now = time.time()
        while len(self._credentials) > MAX_CACHED_CREDENTIALS:
            self._credentials.popitem(last=False)
        oldest = next(iter(self._credentials.items()))
        if oldest[1][0] <= now:
            self._credentials.pop(oldest[0], None)

    async def background_logins(self, scopes: frozenset[str]) -> list[tuple[str, str, httpx2.Auth]]:
        """(issuer, login name, Basic auth with the app password) of every user with a live grant that an MCP
        client obtained tokens for and that holds one of `scopes`: background work is limited to what the user
        consented to. One per login name; grants that cannot be decrypted are skipped."""
        found: dict[str, httpx2.Auth] = {}
        for grant_id in await self.store.grant_ids():
            grant = await self.store.get("grant", grant_id)
            if grant is None or grant.get("refresh") is None or grant["login"] in found:
                continue
            if not scopes & set(grant.get("scopes") or []):
                continue
            try:
                found[grant["login"]] = httpx2.BasicAuth(grant["login"], self.store.decrypt(grant["password"]))
            except StoreError:
                continue
        return [(self.issuer, login, auth) for login, auth in found.items()]

    # revocation -------------------------------------------------------------------------------------

    async def revoke_token(self, token: GrantAccessToken | GrantRefreshToken) -> None:
        """RFC 7009: revoking either token ends the whole grant (and its app password in Nextcloud)."""
        await self.revoke_grant(token.grant_id)

    async def revoke_by_access_token(self, token: str) -> None:
        """Nextcloud refused the app password behind `token`: end its grant here too (forces a new login)."""
        record = await self.store.get_token("at", token)
        self._credentials.pop(token_digest(token), None)
        if record is not None:
            await self.revoke_grant(record["grant_id"])

    async def revoke_grant(self, grant_id: str) -> None:
        grant = await self.store.take("grant", grant_id)  # exactly one replica deletes the app password
        await self.store.forget_expiry(grant_id)
        if grant is None:
            return
        try:
            password = self.store.decrypt(grant["password"])
        except StoreError:
            logger.warning("Grant %s… ended; its app password cannot be decrypted to delete it", grant_id[:6])
            return
        status: int | str
        try:
            response = await self.http.delete(
                f"{self.settings.nextcloud_base_url}/ocs/v2.php/core/apppassword",
                auth=httpx2.BasicAuth(grant["login"], password),
                headers={"OCS-APIRequest": "true", "Accept": "application/json"},
            )
            status = response.status_code
        except httpx2.HTTPError as exc:
            status = type(exc).__name__
        for key, (_, owner, _) in list(self._credentials.items()):
            if owner == grant_id:
                self._credentials.pop(key, None)
        logger.info(
            "Grant %s… of %s ended; app password deletion in Nextcloud: %s", grant_id[:6], grant["login"], status
        )

    async def sweep(self) -> int:
        """Revoke grants whose refresh token expired (or whose code was never exchanged)."""
        expired = await self.store.claim_expired()
        for grant_id in expired:
            await self.revoke_grant(grant_id)
        return len(expired)

    async def logout(self, request: Request) -> Response:
        """`POST /loginflow/logout` with the access token: ends the grant."""
        kind, _, token = request.headers.get("authorization", "").partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        access = await self.load_access_token(token.strip())
        if access is None:
            return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        await self.revoke_grant(access.grant_id)
        return Response(status_code=204)


class _PollFailed(Exception):
    pass


class LoginFlowServer:
    """`loginflow` mode assembled: Redis store, HTTP client to Nextcloud, the provider and its routes."""

    def __init__(self, settings: Settings, provider: LoginFlowProvider) -> None:
        self.settings = settings
        self.provider = provider

    @classmethod
    async def start(cls, settings: Settings, transport: httpx2.AsyncBaseTransport | None = None) -> LoginFlowServer:
        if settings.mcp_loginflow_key is None:
            raise ConfigError(
                "MCP_AUTH_MODE=loginflow needs MCP_LOGINFLOW_KEY (a Fernet key that encrypts the stored app "
                "passwords); docs/authentication.md shows how to make one."
            )
        if settings.redis_url is None:
            raise ConfigError("MCP_AUTH_MODE=loginflow needs REDIS_URL: grants live in Redis, shared by replicas.")
        http = httpx2.AsyncClient(
            timeout=httpx2.Timeout(settings.nextcloud_timeout, connect=settings.nextcloud_connect_timeout),
            verify=tls_verify(settings),
            transport=transport,
            follow_redirects=False,
            cookies=cookieless_jar(),
            trust_env=False,
        )
        store = GrantStore(connect_redis(settings.redis_url.get_secret_value()), settings.mcp_loginflow_key)
        issuer = issuer_of(settings)
        logger.info("OAuth authorization server (Login Flow v2) %s for %s", issuer, settings.resource_url)
        return cls(settings, LoginFlowProvider(settings, store, http, issuer))

    async def aclose(self) -> None:
        await self.provider.store.aclose()
        await self.provider.http.aclose()

    async def sweep_forever(self) -> None:
        while True:
            try:
                await self.provider.sweep()
            except Exception as exc:  # Redis down: try again later
                logger.warning("Grant expiry sweep failed (%s)", type(exc).__name__)
            await anyio.sleep(SWEEP_INTERVAL)

    def protect(self, app: Starlette, tool_scopes: Mapping[str, str], scopes: list[str]) -> ASGIApp:
        """Add the authorization-server routes, the wait page and RFC 9728 metadata; wrap `app` in the gate."""
        routes = create_auth_routes(
            self.provider,  # type: ignore[arg-type]
            issuer_url=AnyHttpUrl(self.provider.issuer),
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=scopes or None, default_scopes=scopes or None
            ),
            revocation_options=RevocationOptions(enabled=True),
        )
        routes += [
            Route(WAIT_PATH, self.provider.wait_page, methods=["GET"]),
            Route(LOGOUT_PATH, self.provider.logout, methods=["POST"]),
            *metadata_routes(self.settings.resource_url, self.provider.issuer, scopes),
        ]
        for route in reversed(routes):
            app.router.routes.insert(0, route)
        return OAuthMiddleware(
            app,
            path=self.settings.mcp_path,
            resource=self.settings.resource_url,
            verifier=self.provider,
            tool_scopes=tool_scopes,
            challenge_scopes=scopes,
            require_scopes=self.settings.mcp_require_scopes,
        )


def issuer_of(settings: Settings) -> str:
    """This authorization server's issuer: the origin of `MCP_PUBLIC_URL`, as the SDK renders it (with `/`)."""
    parts = urlsplit(settings.resource_url)
    return str(AnyHttpUrl(f"{parts.scheme}://{parts.netloc}"))


def _label(name: str) -> str:
    clean = "".join(ch for ch in name if ch.isprintable() and ch not in "<>\"'")
    return clean[:60] or "MCP client"


def _page(message: str, status: int = 200, extra: str = "", head: str = "") -> HTMLResponse:
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Sign in with Nextcloud</title>"
        f"{head}</head><body><h1>Sign in with Nextcloud</h1><p>{html.escape(message)}</p>{extra}</body></html>"
    )
    return HTMLResponse(
        body, status_code=status, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


def _waiting(pending: Mapping[str, Any]) -> HTMLResponse:
    target = urlsplit(str(pending["redirect_uri"])).netloc or str(pending["redirect_uri"])
    login = html.escape(str(pending["login"]), quote=True)
    extra = (
        f"<p><a id='nextcloud-login' href='{login}' target='_blank' rel='noopener'>Log in to Nextcloud and grant "
        "access</a></p><p>This page continues by itself once you have granted access.</p>"
    )
    message = f"{pending['client_name']} (returning to {target}) asks to use your Nextcloud."
    return _page(message, extra=extra, head="<meta http-equiv='refresh' content='2'>")
