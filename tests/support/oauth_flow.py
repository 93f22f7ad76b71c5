"""A manual authorization-code + PKCE flow over plain HTTP, for tests that need a token in hand
(other audiences, reduced scopes, wrong verifiers, expired clients) rather than a connected client."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2

from support.form_browser import FormBrowser
from support.oauth_client import CALLBACK

__all__ = ["AuthServerClient", "Registration"]


@dataclass
class Registration:
    client_id: str
    client_secret: str | None
    raw: dict[str, Any]


class AuthServerClient:
    """Talks to an authorization server found at `discovery_url`."""

    def __init__(self, discovery_url: str) -> None:
        self.discovery_url = discovery_url
        self.http = httpx2.AsyncClient(trust_env=False, timeout=10.0)
        self.meta: dict[str, Any] = {}

    async def __aenter__(self) -> AuthServerClient:
        response = await self.http.get(self.discovery_url)
        response.raise_for_status()
        self.meta = response.json()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def register(self, scope: str, **extra: Any) -> Registration:
        body = {"client_name": "e2e", "redirect_uris": [CALLBACK], "scope": scope, **extra}
        response = await self.http.post(self.meta["registration_endpoint"], json=body)
        assert response.status_code == 201, response.text
        data = response.json()
        return Registration(data["client_id"], data.get("client_secret"), data)

    async def authorize(
        self, client: Registration, user: str, password: str, *, scope: str, resource: str | None
    ) -> tuple[str, str]:
        """Log in and return (code, verifier)."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        params = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": CALLBACK,
            "scope": scope,
            "state": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        if resource:
            params["resource"] = resource
        browser = FormBrowser(user, password)
        try:
            final = await browser.authorize(f"{self.meta['authorization_endpoint']}?{urlencode(params)}", CALLBACK)
        finally:
            await browser.aclose()
        query = parse_qs(urlsplit(final).query)
        assert "code" in query, query
        return query["code"][0], verifier

    async def exchange(
        self, client: Registration, code: str, verifier: str | None, resource: str | None = None
    ) -> httpx2.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": client.client_id,
        }
        if client.client_secret:
            data["client_secret"] = client.client_secret
        if verifier is not None:
            data["code_verifier"] = verifier
        if resource:
            data["resource"] = resource
        return await self.http.post(self.meta["token_endpoint"], data=data)

    async def token(
        self, user: str, password: str, *, scope: str, resource: str | None, client: Registration | None = None
    ) -> str:
        """Register (unless given a client), log in, exchange the code: the access token."""
        client = client or await self.register(scope)
        code, verifier = await self.authorize(client, user, password, scope=scope, resource=resource)
        response = await self.exchange(client, code, verifier, resource)
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token
