"""Two-level cache of validated tokens: a small in-process L1 and Redis (L2) shared by replicas.

- Keys are SHA-256 digests of tokens, never tokens.
- A positive entry lives min(`MCP_TOKEN_CACHE_TTL`, time to the token's `exp`); L1 entries at most
  `L1_TTL` seconds, so a revocation seen by one replica reaches the others within that bound.
- Invalid tokens are remembered briefly (`NEGATIVE_TTL`), so a flood of one bad token costs one
  upstream call.
- A miss takes a per-token lock, in-process and in Redis (`SET NX`), so concurrent requests and other
  replicas wait for one validation instead of each calling the IdP.
- Redis failures never let a token in: the cache degrades to L1 plus re-validation, logs once, and
  counts the error.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio

from nextcloud_mcp.auth.identity import Identity, token_digest

__all__ = ["CacheStats", "TokenCache", "connect_redis"]

logger = logging.getLogger(__name__)

L1_SIZE = 4096
L1_TTL = 60
NEGATIVE_TTL = 30
LOCK_TTL_MS = 10_000
WAIT_FOR_PEER = 5.0  # seconds to wait for another replica's validation before doing our own
_INVALID = "!invalid"


def connect_redis(url: str) -> Any:
    """An asyncio Redis client with short timeouts that retries once over a fresh connection, so a
    Redis restart costs no request more than one reconnect."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError, TimeoutError

    return Redis.from_url(
        url,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[ConnectionError, TimeoutError],
        health_check_interval=30,
    )


@dataclass
class CacheStats:
    """Counters exposed to metrics: where answers came from and how often the IdP was asked."""

    l1_hits: int = 0
    l2_hits: int = 0
    misses: int = 0
    validations: int = 0
    negative_hits: int = 0
    redis_errors: int = 0


class TokenCache:
    """Validate-once cache. `validate(token)` returns an Identity or None (invalid), through the cache."""

    def __init__(self, ttl: int, redis: Any | None = None, prefix: str = "ncmcp:tok:") -> None:
        self._ttl = ttl
        self._redis = redis
        self._prefix = prefix
        self._l1: OrderedDict[str, tuple[float, Identity | None]] = OrderedDict()
        self._locks: dict[str, anyio.Lock] = {}
        self._redis_down = False
        self.stats = CacheStats()

    async def aclose(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()

    async def get_or_validate(
        self, token: str, validate: Callable[[str], Awaitable[Identity | None]]
    ) -> Identity | None:
        """The cached identity of `token`, else `validate(token)` once (across replicas) and cache it."""
        key = token_digest(token)
        found, identity = self._l1_get(key)
        if found:
            return identity
        lock = self._locks.setdefault(key, anyio.Lock())
        try:
            async with lock:
                found, identity = self._l1_get(key)
                if found:
                    return identity
                found, identity = await self._l2_get(key)
                if found:
                    self._l1_put(key, identity)
                    return identity
                self.stats.misses += 1
                acquired = await self._l2_lock(key)
                if not acquired:
                    found, identity = await self._wait_for_peer(key)
                    if found:
                        self._l1_put(key, identity)
                        return identity
                try:
                    self.stats.validations += 1
                    identity = await validate(token)
                    await self._store(key, identity)
                    return identity
                finally:
                    if acquired:
                        await self._l2_unlock(key)
        finally:
            if not lock.locked() and not lock.statistics().tasks_waiting:
                self._locks.pop(key, None)

    async def forget(self, token: str) -> None:
        """Drop a token everywhere (e.g. Nextcloud rejected it although it validated)."""
        key = token_digest(token)
        self._l1.pop(key, None)
        await self._redis_call("delete", self._prefix + key)

    # L1 -----------------------------------------------------------------------------------------

    def _l1_get(self, key: str) -> tuple[bool, Identity | None]:
        entry = self._l1.get(key)
        if entry is None:
            return False, None
        expires, identity = entry
        if expires <= time.monotonic() or (identity and identity.expires_at and identity.expires_at <= time.time()):
            self._l1.pop(key, None)
            return False, None
        self._l1.move_to_end(key)
        if identity is None:
            self.stats.negative_hits += 1
        else:
            self.stats.l1_hits += 1
        return True, identity

    def _l1_put(self, key: str, identity: Identity | None) -> None:
        ttl = min(L1_TTL, self._ttl_for(identity))
        if ttl <= 0:
            return
        self._l1[key] = (time.monotonic() + ttl, identity)
        self._l1.move_to_end(key)
        while len(self._l1) > L1_SIZE:
            self._l1.popitem(last=False)

    def _ttl_for(self, identity: Identity | None) -> int:
        if identity is None:
            return NEGATIVE_TTL
        ttl = self._ttl
        if identity.expires_at is not None:
            ttl = min(ttl, int(identity.expires_at - time.time()))
        return ttl

    # L2 (Redis) ----------------------------------------------------------------------------------

    async def _store(self, key: str, identity: Identity | None) -> None:
        self._l1_put(key, identity)
        ttl = self._ttl_for(identity)
        if ttl > 0:
            value = _INVALID if identity is None else identity.to_json()
            await self._redis_call("set", self._prefix + key, value, ex=ttl)

    async def _l2_get(self, key: str) -> tuple[bool, Identity | None]:
        raw = await self._redis_call("get", self._prefix + key)
        if raw is None:
            return False, None
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        if text == _INVALID:
            self.stats.negative_hits += 1
            return True, None
        try:
            identity = Identity.from_json(text)
        except (ValueError, KeyError, TypeError):
            logger.warning("Ignoring a malformed token-cache entry in Redis")
            return False, None
        if identity.expires_at is not None and identity.expires_at <= time.time():
            return False, None
        self.stats.l2_hits += 1
        return True, identity

    async def _l2_lock(self, key: str) -> bool:
        """True when this process should validate (it holds the lock, or Redis is not there)."""
        if self._redis is None:
            return True
        result = await self._redis_call("set", self._prefix + "lock:" + key, "1", nx=True, px=LOCK_TTL_MS)
        return bool(result) or self._redis_down

    async def _l2_unlock(self, key: str) -> None:
        await self._redis_call("delete", self._prefix + "lock:" + key)

    async def _wait_for_peer(self, key: str) -> tuple[bool, Identity | None]:
        deadline = time.monotonic() + WAIT_FOR_PEER
        delay = 0.01
        while time.monotonic() < deadline:
            await anyio.sleep(delay)
            delay = min(delay * 2, 0.2)
            found, identity = await self._l2_get(key)
            if found:
                return True, identity
            if self._redis_down or not await self._redis_call("exists", self._prefix + "lock:" + key):
                break
        return False, None

    async def _redis_call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self._redis is None:
            return None
        try:
            result = await getattr(self._redis, method)(*args, **kwargs)
        except Exception as exc:  # any Redis failure degrades to "not cached", never to "valid"
            self.stats.redis_errors += 1
            if not self._redis_down:
                logger.warning("Redis token cache unavailable (%s); validating tokens without it", type(exc).__name__)
            self._redis_down = True
            return None
        if self._redis_down:
            logger.info("Redis token cache reachable again")
            self._redis_down = False
        return result
