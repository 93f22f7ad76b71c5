"""`CachedTokenVerifier`: the SDK's `TokenVerifier` around the token validator and the shared token cache."""

from __future__ import annotations

import time

from mcp.server.auth.provider import AccessToken, TokenVerifier

from nextcloud_mcp.auth.cache import TokenCache
from nextcloud_mcp.auth.verifier import TokenValidator

__all__ = ["CachedTokenVerifier"]


class CachedTokenVerifier(TokenVerifier):
    """An access token → the SDK's `AccessToken` of its validated identity, or None (expired, invalid, not for
    this server). Each token is validated once per cache TTL across all replicas (`TokenCache`)."""

    def __init__(self, cache: TokenCache, validator: TokenValidator) -> None:
        self.cache = cache
        self.validator = validator

    async def verify_token(self, token: str) -> AccessToken | None:
        identity = await self.cache.get_or_validate(token, self.validator.validate)
        if identity is None or (identity.expires_at is not None and identity.expires_at <= time.time()):
            return None
        return identity.access_token(token)
