"""TokenCache against a real redis-server: one validation per token across replicas, Redis failures."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from redis.asyncio import Redis

from nextcloud_mcp.auth.cache import TokenCache, connect_redis
from nextcloud_mcp.auth.identity import Identity, token_digest
from support.processes import ManagedProcess
from support.redis_server import redis_binary, start_redis

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(redis_binary() is None, reason="redis-server not installed (apt-get install redis-server)"),
]


@pytest.fixture
def redis_proc(tmp_path: Path) -> Iterator[tuple[ManagedProcess, int]]:
    proc, port = start_redis(tmp_path)
    yield proc, port
    proc.stop()


class CountingIdP:
    def __init__(self, lifetime: int = 600, delay: float = 0.0) -> None:
        self.calls = 0
        self.lifetime = lifetime
        self.delay = delay

    async def validate(self, token: str) -> Identity | None:
        self.calls += 1
        if self.delay:
            await anyio.sleep(self.delay)
        if token.startswith("bad"):
            return None
        return Identity(
            subject=token[:5],
            issuer="https://idp",
            client_id="c",
            scopes=frozenset({"notes:read"}),
            expires_at=int(time.time()) + self.lifetime,
        )


def _replicas(port: int, n: int) -> list[TokenCache]:
    return [TokenCache(3600, connect_redis(f"redis://127.0.0.1:{port}/0")) for _ in range(n)]


async def test_each_token_is_validated_once_across_three_replicas(redis_proc: tuple[ManagedProcess, int]) -> None:
    _, port = redis_proc
    replicas = _replicas(port, 3)
    idp = CountingIdP()
    tokens = [f"token-{i}-" + "x" * 40 for i in range(10)]
    for token in tokens:
        for replica in replicas:
            for _ in range(3):
                assert (await replica.get_or_validate(token, idp.validate)) is not None
    assert idp.calls == len(tokens)
    assert sum(r.stats.validations for r in replicas) == len(tokens)
    assert replicas[1].stats.l2_hits == len(tokens) and replicas[1].stats.l1_hits == 2 * len(tokens)
    for r in replicas:
        await r.aclose()


async def test_concurrent_first_use_on_all_replicas_validates_once(redis_proc: tuple[ManagedProcess, int]) -> None:
    _, port = redis_proc
    replicas = _replicas(port, 3)
    idp = CountingIdP(delay=0.2)
    results: list[Identity | None] = []

    async def use(replica: TokenCache) -> None:
        results.append(await replica.get_or_validate("shared-token-" + "y" * 40, idp.validate))

    async with anyio.create_task_group() as tg:
        for replica in replicas:
            for _ in range(5):
                tg.start_soon(use, replica)
    assert idp.calls == 1
    assert len(results) == 15 and all(r is not None for r in results)
    for r in replicas:
        await r.aclose()


async def test_redis_holds_only_digests_and_ttl_never_outlives_the_token(
    redis_proc: tuple[ManagedProcess, int],
) -> None:
    _, port = redis_proc
    cache = _replicas(port, 1)[0]
    token = "secret-token-value-" + "z" * 30
    await cache.get_or_validate(token, CountingIdP(lifetime=20).validate)
    client = Redis.from_url(f"redis://127.0.0.1:{port}/0")
    keys = [k.decode() async for k in client.scan_iter("*")]
    assert keys == ["ncmcp:tok:" + token_digest(token)]
    value = await client.get(keys[0])
    assert value is not None and token.encode() not in value
    assert 0 < await client.ttl(keys[0]) <= 20
    await client.aclose()
    await cache.aclose()


async def test_invalid_tokens_are_cached_briefly(redis_proc: tuple[ManagedProcess, int]) -> None:
    _, port = redis_proc
    a, b = _replicas(port, 2)
    idp = CountingIdP()
    assert await a.get_or_validate("bad-token", idp.validate) is None
    assert await b.get_or_validate("bad-token", idp.validate) is None
    assert idp.calls == 1 and b.stats.negative_hits == 1
    await a.aclose()
    await b.aclose()


async def test_redis_down_degrades_to_revalidation_and_recovers(
    redis_proc: tuple[ManagedProcess, int], tmp_path: Path
) -> None:
    proc, port = redis_proc
    a, b = _replicas(port, 2)
    idp = CountingIdP()
    await a.get_or_validate("tok-1-" + "q" * 30, idp.validate)
    proc.stop()
    # replica b has never seen the token and Redis is gone: it must validate, never assume
    assert await b.get_or_validate("tok-1-" + "q" * 30, idp.validate) is not None
    assert await b.get_or_validate("bad-while-down", idp.validate) is None
    assert idp.calls == 3 and b.stats.redis_errors >= 1
    restarted, _ = start_redis(tmp_path / "again", port)
    try:
        await b.get_or_validate("tok-2-" + "q" * 30, idp.validate)
        await a.get_or_validate("tok-2-" + "q" * 30, idp.validate)
        assert idp.calls == 4  # shared again after the restart
    finally:
        restarted.stop()
        await a.aclose()
        await b.aclose()
