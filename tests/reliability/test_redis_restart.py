"""Redis killed and restarted mid-run under the token cache of two replicas (a real `redis-server`).

While Redis is down no token is accepted without validation (a replica that never saw it validates it
upstream; a forged one is refused); the cache recovers by itself when Redis is back, on the same port.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nextcloud_mcp.auth.cache import TokenCache, connect_redis
from nextcloud_mcp.auth.identity import Identity
from support.redis_server import redis_binary, start_redis

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(redis_binary() is None, reason="redis-server not installed (apt-get install redis-server)"),
]
GOOD = {"token-alice-0123456789": "alice", "token-bob-0123456789": "bob", "token-carol-0123456789": "carol"}


class Upstream:
    """The authorization server: knows the good tokens, counts validations."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def validate(self, token: str) -> Identity | None:
        self.calls.append(token)
        user = GOOD.get(token)
        if user is None:
            return None
        return Identity(subject=user, issuer="https://idp", client_id="c", scopes=frozenset(), method="jwt")


async def test_redis_killed_and_restarted_mid_run(tmp_path: Path) -> None:
    redis, port = start_redis(tmp_path / "redis")
    url = f"redis://127.0.0.1:{port}/0"
    upstream = Upstream()
    one, two = TokenCache(600, connect_redis(url)), TokenCache(600, connect_redis(url))
    try:
        alice, bob, carol = GOOD
        assert (await one.get_or_validate(alice, upstream.validate)).subject == "alice"  # type: ignore[union-attr]
        assert (await two.get_or_validate(alice, upstream.validate)).subject == "alice"  # type: ignore[union-attr]
        assert upstream.calls == [alice]  # replica two was served from Redis

        redis.stop()  # killed mid-run
        identity = await two.get_or_validate(bob, upstream.validate)
        assert identity is not None and identity.subject == "bob"
        assert upstream.calls[-1] == bob  # validated upstream, not assumed
        assert await one.get_or_validate("forged-token-xxxxxxxx", upstream.validate) is None
        assert await two.get_or_validate("forged-token-xxxxxxxx", upstream.validate) is None
        assert upstream.calls.count("forged-token-xxxxxxxx") == 2  # each replica asked; nothing trusted blindly
        assert one.stats.redis_errors > 0 and two.stats.redis_errors > 0

        redis, _ = start_redis(tmp_path / "redis2", port)  # back, empty, on the same port
        calls = len(upstream.calls)
        assert (await one.get_or_validate(carol, upstream.validate)).subject == "carol"  # type: ignore[union-attr]
        assert (await two.get_or_validate(carol, upstream.validate)).subject == "carol"  # type: ignore[union-attr]
        assert len(upstream.calls) == calls + 1  # shared again: one validation for both replicas
        assert not one._redis_down and not two._redis_down
    finally:
        await one.aclose()
        await two.aclose()
        redis.stop()
