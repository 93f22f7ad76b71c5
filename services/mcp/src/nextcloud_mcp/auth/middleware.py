"""`OAuthMiddleware`: the resource-server gate in front of the MCP endpoint.

For every request to the MCP path it
- refuses tokens in the query string and non-Bearer credentials (401, RFC 6750 §2.3 / MCP spec),
- validates the Bearer token through the shared `TokenCache` (401 `invalid_token` otherwise),
- for `tools/call`, checks the tool's scope before the call runs (403 `insufficient_scope` with the
  `scope` to ask for, which lets clients step up),
- hands the identity to the SDK (`scope["user"]`, used for session ownership) and, through the SDK's
  `AuthContextMiddleware`, to the tools (`get_access_token()`).
Every challenge carries `resource_metadata` (RFC 9728) and `scope`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import TokenVerifier
from starlette.authentication import AuthCredentials
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nextcloud_mcp.auth.metadata import challenge
from nextcloud_mcp.auth.scopes import allowed
from nextcloud_mcp.auth.verifier import MAX_TOKEN_LENGTH

__all__ = ["OAuthMiddleware"]

logger = logging.getLogger(__name__)

MAX_BODY = 4 * 1024 * 1024


class OAuthMiddleware:
    """Guards `path` of the wrapped app; other paths (health, metadata) pass through untouched."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str,
        resource: str,
        verifier: TokenVerifier,
        tool_scopes: Mapping[str, str],
        challenge_scopes: list[str],
        require_scopes: bool,
    ) -> None:
        self.app = AuthContextMiddleware(app)  # the SDK's: get_access_token() for tools and middleware
        self.path = path.rstrip("/") or "/"
        self.resource = resource
        self.verifier = verifier
        self.tool_scopes = dict(tool_scopes)
        self.challenge_scopes = challenge_scopes
        self.require_scopes = require_scopes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["path"].rstrip("/") or "/") != self.path or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "access_token" in query:
            await self._deny(send, 401, "invalid_request", "access tokens in URLs are not accepted; use the header")
            return
        values = Headers(scope=scope).getlist("authorization")
        if len(values) > 1:
            await self._deny(send, 400, "invalid_request", "more than one Authorization header")
            return
        if not values:
            await self._deny(send, 401, None, None)
            return
        kind, _, token = values[0].partition(" ")
        token = token.strip()
        if kind.lower() != "bearer" or not token:
            await self._deny(send, 401, "invalid_request", "send an OAuth access token as Authorization: Bearer")
            return
        if len(token) > MAX_TOKEN_LENGTH:
            await self._deny(send, 401, "invalid_token", "token too long")
            return
        access = await self.verifier.verify_token(token)
        if access is None:
            await self._deny(send, 401, "invalid_token", "the access token is invalid, expired or not for this server")
            return
        if self.require_scopes and scope["method"] == "POST":
            body = await _read_body(receive)
            if body is None:
                await _send_json(send, 413, {"error": "request body too large"}, {})
                return
            missing = self._missing_scopes(body, frozenset(access.scopes))
            if missing:
                await self._deny(send, 403, "insufficient_scope", f"this call needs {' '.join(missing)}", missing)
                return
            receive = _replay(body, receive)
        scope["user"] = AuthenticatedUser(access)
        scope["auth"] = AuthCredentials(sorted(access.scopes))
        await self.app(scope, receive, send)

    def _missing_scopes(self, body: bytes, granted: frozenset[str]) -> list[str]:
        try:
            payload = json.loads(body)
        except ValueError:
            return []  # malformed JSON-RPC is the transport's to reject
        messages = payload if isinstance(payload, list) else [payload]
        missing: list[str] = []
        for message in messages:
            if not isinstance(message, dict) or message.get("method") != "tools/call":
                continue
            params = message.get("params")
            name = params.get("name") if isinstance(params, dict) else None
            needed = self.tool_scopes.get(name) if isinstance(name, str) else None
            if needed and not allowed(needed, granted) and needed not in missing:
                missing.append(needed)
        return missing

    async def _deny(
        self, send: Send, status: int, error: str | None, description: str | None, scopes: list[str] | None = None
    ) -> None:
        header = challenge(self.resource, scopes or self.challenge_scopes, error, description)
        body = {"error": error or "invalid_token", "error_description": description or "authentication required"}
        await _send_json(send, status, body, {"www-authenticate": header})


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_json(send: Send, status: int, body: Any, headers: Mapping[str, str]) -> None:
    raw = json.dumps(body).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    raw_headers += [(k.encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": raw})
