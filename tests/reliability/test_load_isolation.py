"""Isolation under load: 4 users, 50 concurrent clients x 200 mixed tool calls, spread over 2 server
replica processes in OAuth mode sharing one real Redis, against the fake Nextcloud process (its oidc app
issues the tokens, validated by introspection).

Every call must succeed (0 errors) and every result must belong to its caller: notes, files, search
hits and the user record are checked against the owner (0 cross-user data), and the fake (which keeps
PHP sessions as Nextcloud does) must have logged every request in by its own token, never by a cookie.
`LOAD_CLIENTS` and `LOAD_CALLS` scale it.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from security.log_guard import register_secret
from support.fixtures import USERS
from support.oauth_flow import AuthServerClient
from support.processes import ManagedProcess, free_port, http_ready
from support.redis_server import redis_binary, start_redis

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.e2e,
    pytest.mark.skipif(redis_binary() is None, reason="redis-server not installed (apt-get install redis-server)"),
]
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "50"))
CALLS = int(os.environ.get("LOAD_CALLS", "200"))
REPLICAS = 2
SCOPE = "openid notes:read files:read users:read"
DISCOVERY = "/index.php/.well-known/openid-configuration"


class Cluster:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.procs: list[ManagedProcess] = []
        self.replicas: list[str] = []
        self.nextcloud = ""
        self.public = ""

    def start(self) -> None:
        redis, redis_port = start_redis(self.run_dir / "redis")
        self.procs.append(redis)
        port = free_port()
        users = [a for login, pw in USERS.items() for a in ("--user", f"{login}:{pw}")]
        fake = ManagedProcess(
            f"fake-load-{port}",
            ["fake-nextcloud", "--port", str(port), *users],
            self.run_dir,
            ready=http_ready(f"http://127.0.0.1:{port}/status.php"),
        )
        self.procs.append(fake.start())
        self.nextcloud = f"http://127.0.0.1:{port}"
        ports = [free_port() for _ in range(REPLICAS)]
        self.public = f"http://127.0.0.1:{ports[0]}/mcp"  # one resource; replicas sit behind it
        with httpx2.Client(base_url=self.nextcloud, trust_env=False) as control:
            client = control.post(
                "/__testbed__/oidc/clients",
                json={"name": "mcp", "redirect_uris": ["http://127.0.0.1:1/x"], "resource_url": self.public},
            ).json()
        register_secret(client["client_secret"])
        for replica_port in ports:
            proc = ManagedProcess(
                f"mcp-load-{replica_port}",
                [sys.executable, "-m", "nextcloud_mcp", "--transport", "streamable-http", "--port", str(replica_port)],
                self.run_dir,
                env={
                    "NEXTCLOUD_HOST": self.nextcloud,
                    "MCP_PUBLIC_URL": self.public,
                    "MCP_OIDC_CLIENT_ID": client["client_id"],
                    "MCP_OIDC_CLIENT_SECRET": client["client_secret"],
                    "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                    "MCP_STATELESS_HTTP": "true",
                    "MCP_JSON_RESPONSE": "true",
                    "MCP_LOG_LEVEL": "DEBUG",
                },
                ready=http_ready(f"http://127.0.0.1:{replica_port}/health/live"),
            )
            self.procs.append(proc.start())
            self.replicas.append(f"http://127.0.0.1:{replica_port}/mcp")

    def seed(self) -> dict[str, list[int]]:
        note_ids: dict[str, list[int]] = {}
        with httpx2.Client(base_url=self.nextcloud, trust_env=False) as control:
            for user in USERS:
                notes = [{"title": f"{user} note {i}", "content": f"owned by {user}"} for i in range(5)]
                created = control.post("/__testbed__/seed/notes", json={"user": user, "notes": notes}).json()
                note_ids[user] = [n["id"] for n in created["notes"]]
                files = [{"path": f"{user}-file-{i}.txt", "content": user} for i in range(3)]
                assert control.post("/__testbed__/seed/files", json={"user": user, "files": files}).status_code == 201
        return note_ids

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def _check(user: str, tool: str, result: dict[str, Any]) -> list[str]:
    """Problems with `result` of `tool` called by `user` (an error, or data of someone else)."""
    if "error" in result or result["result"].get("isError"):
        return [f"{user} {tool}: error {str(result)[:200]}"]
    data = result["result"]["structuredContent"]
    owned: list[str] = []
    if tool == "nc_notes_list_notes":
        owned = [n["title"] for n in data["items"]]
        if len(owned) != 5:
            return [f"{user} {tool}: {len(owned)} notes"]
    elif tool == "nc_notes_get_note":
        owned = [data["title"], data["content"].removeprefix("owned by ")]
    elif tool == "nc_files_list_files":
        owned = [e["path"].lstrip("/") for e in data["items"] if e["path"] != "/Notes"]  # notes are files there
    elif tool == "nc_users_get_me":
        owned = [data["id"]]
    foreign = [v for v in owned if not v.startswith(user)]
    return [f"{user} {tool}: foreign data {foreign[:3]}"] if foreign else []


async def test_fifty_clients_two_replicas_zero_errors_zero_cross_user_data(cluster: Cluster) -> None:
    note_ids = cluster.seed()
    tokens: dict[str, str] = {}
    async with AuthServerClient(cluster.nextcloud + DISCOVERY) as auth:
        for user in USERS:
            tokens[user] = await auth.token(user, USERS[user], scope=SCOPE, resource=cluster.public)
    register_secret(*tokens.values())
    problems: list[str] = []
    done = 0
    limits = httpx2.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)

    async def client(index: int, http: httpx2.AsyncClient) -> None:
        nonlocal done
        user = list(USERS)[index % len(USERS)]
        rng = random.Random(index)
        headers = {
            "Authorization": f"Bearer {tokens[user]}",
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2025-11-25",
        }
        for call in range(CALLS):
            tool = rng.choice(["nc_notes_list_notes", "nc_notes_get_note", "nc_files_list_files", "nc_users_get_me"])
            args: dict[str, Any] = {"note_id": rng.choice(note_ids[user])} if tool == "nc_notes_get_note" else {}
            body = {"jsonrpc": "2.0", "id": call, "method": "tools/call", "params": {"name": tool, "arguments": args}}
            response = await http.post(cluster.replicas[(index + call) % REPLICAS], json=body, headers=headers)
            if response.status_code != 200:
                problems.append(f"{user} {tool}: HTTP {response.status_code} {response.text[:200]}")
            else:
                problems.extend(_check(user, tool, response.json()))
            done += 1

    started = time.monotonic()
    async with (
        httpx2.AsyncClient(trust_env=False, timeout=60.0, limits=limits) as http,
        anyio.create_task_group() as tg,
    ):
        for index in range(CLIENTS):
            tg.start_soon(client, index, http)
    elapsed = time.monotonic() - started
    print(f"\n{done} calls by {CLIENTS} clients over {REPLICAS} replicas in {elapsed:.1f}s ({done / elapsed:.0f}/s)")
    assert done == CLIENTS * CALLS
    assert not problems, f"{len(problems)} problems, e.g.:\n" + "\n".join(problems[:10])
    log = httpx2.get(f"{cluster.nextcloud}/__testbed__/requests", trust_env=False).json()["requests"]
    from_sessions = [r for r in log if r["login"] == "session"]  # a kept cookie would log requests in (issue 13)
    assert not from_sessions, from_sessions[:5]
    introspections = [r for r in log if r["path"].endswith("/introspect")]
    assert len(introspections) <= len(tokens) * REPLICAS  # Redis shares validations across replicas
