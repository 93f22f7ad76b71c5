"""The Redis state of `loginflow` mode: clients, pending logins, grants (with their encrypted app password),
authorization codes and tokens. Shared by every replica; tokens and codes are keys only as SHA-256 digests.

Keys (prefix `ncmcp:lf:`):
- `client:<client_id>`      registered client (RFC 7591)
- `pending:<id>`            an authorization waiting for Nextcloud's Login Flow v2 (poll token encrypted), 20 min
- `done:<id>`               where the wait page sends the browser once the login completed, 5 min
- `grant:<id>`              user, encrypted app password, client, scopes, resource, current refresh token digest
- `expiry` (sorted set)     grant id → when it expires; the sweeper revokes expired grants
- `code:<sha256>`           authorization code → grant, PKCE challenge, redirect URI, 5 min
- `at:<sha256>`             access token → grant, scopes, expiry
- `rt:<sha256>`             refresh token → grant; `rtused:<sha256>` marks a rotated one (reuse detection)
"""

from __future__ import annotations

import json
import time
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from nextcloud_mcp.auth.identity import token_digest

__all__ = ["GrantStore", "StoreError"]

PREFIX = "ncmcp:lf:"


class StoreError(Exception):
    """A stored secret cannot be decrypted (the key changed) or a record is malformed."""


class GrantStore:
    """Thin typed access to the Redis keys above; secrets are Fernet-encrypted before they reach Redis."""

    def __init__(self, redis: Any, key: SecretStr) -> None:
        self.redis = redis
        self._fernet = MultiFernet([Fernet(part.strip().encode()) for part in key.get_secret_value().split(",")])

    async def aclose(self) -> None:
        await self.redis.aclose()

    # secrets ----------------------------------------------------------------------------------------

    def encrypt(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def decrypt(self, blob: str) -> str:
        try:
            return self._fernet.decrypt(blob.encode()).decode()
        except InvalidToken:
            raise StoreError("a stored secret cannot be decrypted with MCP_LOGINFLOW_KEY") from None

    # JSON records -----------------------------------------------------------------------------------

    async def put(self, kind: str, ident: str, record: dict[str, Any], ttl: int | None = None) -> None:
        await self.redis.set(PREFIX + f"{kind}:{ident}", json.dumps(record), ex=ttl)

    async def get(self, kind: str, ident: str) -> dict[str, Any] | None:
        return _load(await self.redis.get(PREFIX + f"{kind}:{ident}"))

    async def take(self, kind: str, ident: str) -> dict[str, Any] | None:
        """Get and delete at once: exactly one caller (of any replica) gets the record."""
        return _load(await self.redis.getdel(PREFIX + f"{kind}:{ident}"))

    async def delete(self, kind: str, ident: str) -> None:
        await self.redis.delete(PREFIX + f"{kind}:{ident}")

    async def claim(self, kind: str, ident: str, ttl_ms: int) -> bool:
        """`SET NX`: True for the one caller that set the marker first."""
        return bool(await self.redis.set(PREFIX + f"{kind}:{ident}", "1", nx=True, px=ttl_ms))

    async def put_text(self, kind: str, ident: str, text: str, ttl: int) -> None:
        await self.redis.set(PREFIX + f"{kind}:{ident}", text, ex=ttl)

    async def get_text(self, kind: str, ident: str) -> str | None:
        raw = await self.redis.get(PREFIX + f"{kind}:{ident}")
        return raw.decode() if isinstance(raw, bytes) else raw

    # tokens (by digest) -----------------------------------------------------------------------------

    async def put_token(self, kind: str, token: str, record: dict[str, Any], ttl: int) -> None:
        await self.put(kind, token_digest(token), record, ttl)

    async def get_token(self, kind: str, token: str) -> dict[str, Any] | None:
        return await self.get(kind, token_digest(token))

    # grant expiry -----------------------------------------------------------------------------------

    async def set_expiry(self, grant_id: str, expires_at: float) -> None:
        await self.redis.zadd(PREFIX + "expiry", {grant_id: expires_at})

    async def forget_expiry(self, grant_id: str) -> None:
        await self.redis.zrem(PREFIX + "expiry", grant_id)

    async def grant_ids(self) -> list[str]:
        """Every live grant (each has an expiry)."""
        raw = await self.redis.zrange(PREFIX + "expiry", 0, -1)
        return [member.decode() if isinstance(member, bytes) else str(member) for member in raw]

    async def claim_expired(self, now: float | None = None, limit: int = 100) -> list[str]:
        """Expired grant ids this caller removed from the expiry set (so only one replica revokes each)."""
        raw = await self.redis.zrangebyscore(PREFIX + "expiry", "-inf", now or time.time(), start=0, num=limit)
        claimed = []
        for member in raw:
            grant_id = member.decode() if isinstance(member, bytes) else str(member)
            if await self.redis.zrem(PREFIX + "expiry", grant_id):
                claimed.append(grant_id)
        return claimed


def _load(raw: bytes | str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
