"""Semantic search with Redis (docs/semantic-search.md, "When the index is updated"): in Login Flow mode the users
of the background schedule are those whose grant (in Redis, app password encrypted) was exchanged for tokens and
includes a `semantic:*` scope, and one round indexes each of them with their own app password; replicas sharing an
index take a per-user lock so that one of them syncs a user at a time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.auth.cache import connect_redis
from nextcloud_mcp.auth.loginflow import REJECTED_MESSAGE, LoginFlowProvider
from nextcloud_mcp.auth.loginflow_store import GrantStore
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.state import AppState
from support.fixtures import USERS
from support.processes import ManagedProcess
from support.redis_server import redis_binary, start_redis
from support.semantic import NEEDS_SEMANTIC, close_index  # noqa: F401 (autouse fixture)

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(redis_binary() is None, reason="redis-server not installed (apt-get install redis-server)"),
    NEEDS_SEMANTIC,
]

KEY = Fernet.generate_key().decode()


@pytest.fixture
def redis_port(tmp_path: Path) -> Iterator[int]:
    proc: ManagedProcess
    proc, port = start_redis(tmp_path / "redis")
    yield port
    proc.stop()


async def test_one_round_indexes_each_user_whose_grant_allows_it(
    fake: FakeNextcloud, control: httpx2.AsyncClient, redis_port: int, tmp_path: Path
) -> None:
    from nextcloud_mcp.semantic.schedule import run_round
    from nextcloud_mcp.semantic.service import indexer

    for user, words in (("alice", "alpaca shearing"), ("bob", "bobsleigh wax"), ("carol", "carousel tickets")):
        seeded = await control.post(
            "/__testbed__/seed/notes", json={"user": user, "notes": [{"title": words, "content": words}]}
        )
        assert seeded.status_code == 201
    url = f"redis://127.0.0.1:{redis_port}/0"
    settings = load_settings(
        environ={
            "NEXTCLOUD_HOST": "http://nc.test",
            "MCP_AUTH_MODE": "loginflow",
            "MCP_TRANSPORT": "streamable-http",
            "MCP_LOGINFLOW_KEY": KEY,
            "REDIS_URL": url,
            "MCP_SEMANTIC": "true",
            "MCP_SEMANTIC_PATH": str(tmp_path / "index"),
        }
    )
    store = GrantStore(connect_redis(url), SecretStr(KEY))
    grants = {
        "g-alice": ("alice", ["notes:read", "semantic:read"], "rt-digest"),
        "g-bob": ("bob", ["notes:read"], "rt-digest"),  # no semantic scope: not indexed in the background
        "g-carol": ("carol", ["semantic:write"], None),  # its code was never exchanged: no client uses it
    }
    for grant_id, (login, scopes, refresh) in grants.items():
        record = {"login": login, "password": store.encrypt(USERS[login]), "scopes": scopes, "refresh": refresh}
        await store.put("grant", grant_id, {**record, "client_id": "c", "resource": "", "created": 0})
        await store.set_expiry(grant_id, time.time() + 3600)
    async with httpx2.AsyncClient() as http:
        provider = LoginFlowProvider(settings, store, http, "http://mcp.test")
        logins = await provider.background_logins(frozenset({"semantic:read", "semantic:write"}))
        assert [login for _, login, _ in logins] == ["alice"]
        state = AppState(settings, None, transport=httpx2.ASGITransport(app=fake))

        async def semantic_logins() -> list[tuple[str, str, httpx2.Auth]]:
            return await provider.background_logins(frozenset({"semantic:read", "semantic:write"}))

        state.use_loginflow(provider.credentials_for, REJECTED_MESSAGE, semantic_logins)
        async with state.running():
            ix = indexer(settings)
            assert await run_round(state, ix) == 1
            assert await ix.store.counts("alice", ["notes"]) == {"notes": 1}
            assert await ix.store.status("bob") is None and await ix.store.status("carol") is None
    await store.aclose()


async def test_replicas_take_turns_on_a_users_sync(redis_port: int) -> None:
    from nextcloud_mcp.semantic.freshness import replica_lock

    settings = load_settings(
        environ={"NEXTCLOUD_HOST": "http://nc.test", "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
    )
    async with (
        replica_lock(settings, "alice") as first,
        replica_lock(settings, "alice") as second,
        replica_lock(settings, "bob") as other,
    ):
        assert first and not second and other
    async with replica_lock(settings, "alice") as again:  # released by its holder
        assert again
