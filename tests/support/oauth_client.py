"""The official MCP SDK OAuth client, wired to a scripted login: `oauth_mcp_client(...)`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Literal
from urllib.parse import parse_qs, urlsplit

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from support.form_browser import FormBrowser

__all__ = ["MemoryStorage", "OAuthLogin", "oauth_mcp_client"]

CALLBACK = "http://127.0.0.1:1/callback"


class MemoryStorage:
    """`TokenStorage` in memory (what a real client keeps on disk)."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class OAuthLogin:
    """Plays the user: opens the authorization URL (in `open_url`) and hands the code back to the SDK."""

    def __init__(self, open_url: Callable[[str, str], Awaitable[str]]) -> None:
        self._open_url = open_url
        self.authorize_urls: list[str] = []
        self._result: AuthorizationCodeResult | None = None

    async def redirect_handler(self, url: str) -> None:
        self.authorize_urls.append(url)
        final = await self._open_url(url, CALLBACK)
        query = parse_qs(urlsplit(final).query)
        if "error" in query:
            raise AssertionError(f"authorization failed: {query}")
        self._result = AuthorizationCodeResult(
            code=query["code"][0], state=query.get("state", [None])[0], iss=query.get("iss", [None])[0]
        )

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self._result is not None
        return self._result


def form_login(username: str, password: str) -> Callable[[str, str], Awaitable[str]]:
    async def open_url(url: str, stop_prefix: str) -> str:
        browser = FormBrowser(username, password)
        try:
            return await browser.authorize(url, stop_prefix)
        finally:
            await browser.aclose()

    return open_url


@asynccontextmanager
async def oauth_mcp_client(
    server_url: str,
    open_url: Callable[[str, str], Awaitable[str]],
    *,
    scope: str | None = None,
    storage: MemoryStorage | None = None,
    mode: Literal["auto", "legacy"] = "auto",
) -> AsyncIterator[tuple[Client, OAuthLogin, MemoryStorage]]:
    """An MCP client that authorizes with the SDK's `OAuthClientProvider` (PRM, discovery, DCR, PKCE)."""
    login = OAuthLogin(open_url)
    storage = storage or MemoryStorage()
    metadata = OAuthClientMetadata(
        client_name="nextcloud-mcp e2e",
        redirect_uris=[CALLBACK],  # type: ignore[list-item]
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="client_secret_post",
        scope=scope,
    )
    provider = OAuthClientProvider(
        server_url, metadata, storage, redirect_handler=login.redirect_handler, callback_handler=login.callback_handler
    )
    async with (
        httpx2.AsyncClient(auth=provider, trust_env=False, timeout=30.0) as http,
        Client(streamable_http_client(server_url, http_client=http), mode=mode) as client,
    ):
        yield client, login, storage
