"""`TokenCache.forget` drops a token from both levels: the next use on this replica and on any other replica
that has not cached it itself validates again (Redis stood in for by a dict with the same async calls)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from nextcloud_mcp.auth.cache import TokenCache
from nextcloud_mcp.auth.identity import Identity, token_digest

pytestmark = pytest.mark.anyio
TOKEN = "opaque-" + "t" * 40


class DictRedis:
    """The Redis calls `TokenCache` makes, over a dict (expiry ignored: the tests are shorter than any TTL)."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}

    async def get(self, key: str) -> Any:
        return self.data.get(key)

    async def set(self, key: str, value: Any, ex: int | None = None, nx: bool = False, px: int | None = None) -> bool:
        if nx and key in self.data:
            return False
        self.data[key] = value
        return True

    async def delete(self, key: str) -> int:
        return 1 if self.data.pop(key, None) is not None else 0

    async def exists(self, key: str) -> int:
        return int(key in self.data)

    async def aclose(self) -> None:
        return None


class CountingIdP:
    def __init__(self) -> None:
        self.calls = 0

    async def validate(self, token: str) -> Identity | None:
        self.calls += 1
        return Identity("alice", "https://idp", "c", frozenset({"notes:read"}), int(time.time()) + 600)


async def test_forget_drops_the_token_from_l1_and_redis() -> None:
    redis = DictRedis()
    replica, other = TokenCache(3600, redis), TokenCache(3600, redis)
    idp = CountingIdP()
    assert await replica.get_or_validate(TOKEN, idp.validate) is not None
    assert await replica.get_or_validate(TOKEN, idp.validate) is not None
    assert idp.calls == 1 and "ncmcp:tok:" + token_digest(TOKEN) in redis.data

    await replica.forget(TOKEN)
    assert "ncmcp:tok:" + token_digest(TOKEN) not in redis.data
    assert await other.get_or_validate(TOKEN, idp.validate) is not None  # not in Redis any more: validated again
    assert idp.calls == 2
    await replica.forget(TOKEN)
    assert await replica.get_or_validate(TOKEN, idp.validate) is not None  # not in L1 any more: validated again
    assert idp.calls == 3 and replica.stats.validations == 2


async def test_forgetting_an_unknown_token_is_harmless() -> None:
    cache = TokenCache(3600)
    await cache.forget(TOKEN)
    idp = CountingIdP()
    assert await cache.get_or_validate(TOKEN, idp.validate) is not None
    assert idp.calls == 1
