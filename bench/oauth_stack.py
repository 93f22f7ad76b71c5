"""The OAuth-mode stack the HTTP benchmarks run against: the fake Nextcloud (oidc + user_oidc apps), optional
Redis, server replicas in stateless JSON mode, and access tokens minted through the fake's login form."""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx2
from common import ROOT, ManagedProcess, free_port, http_ready, server_argv, start_fake

from support.oauth_flow import AuthServerClient

__all__ = ["HEADERS", "PROTOCOL", "USERS", "Stack", "rpc_body"]

USERS = {"alice": "alice-secret"}
DISCOVERY = "/index.php/.well-known/openid-configuration"
SCOPE = "openid notes:read notes:write"
PROTOCOL = "2025-11-25"
HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "MCP-Protocol-Version": PROTOCOL,
}


def _tcp_ready(port: int) -> Callable[[], bool]:
    def probe() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    return probe


def rpc_body(tool: str, arguments: Mapping[str, Any], request_id: int = 1) -> bytes:
    """A `tools/call` JSON-RPC request body."""
    call = {"name": tool, "arguments": arguments}
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": call}).encode()


class Stack:
    """Start with `Stack(run_dir).start(replicas=…, redis_url=…)`; `stop()` stops everything by PID."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.procs: list[ManagedProcess] = []
        self.nextcloud = ""
        self.public_url = ""
        self.replicas: list[str] = []
        self._client: dict[str, str] = {}

    def start(
        self,
        replicas: int = 1,
        redis_url: str | None = None,
        env: Mapping[str, str] | None = None,
        stateless: bool = True,
    ) -> Stack:
        fake, self.nextcloud = start_fake(self.run_dir, USERS)
        self.procs.append(fake)
        ports = [free_port() for _ in range(replicas)]
        self.public_url = f"http://127.0.0.1:{ports[0]}/mcp"
        with httpx2.Client(base_url=self.nextcloud, trust_env=False) as control:
            response = control.post(
                "/__testbed__/oidc/clients",
                json={
                    "name": "mcp-server",
                    "redirect_uris": ["http://127.0.0.1:1/unused"],
                    "type": "confidential",
                    "resource_url": self.public_url,
                },
            )
            response.raise_for_status()
            self._client = response.json()
        for port in ports:
            server_env = {
                "NEXTCLOUD_HOST": self.nextcloud,
                "MCP_PUBLIC_URL": self.public_url,
                "MCP_OIDC_CLIENT_ID": self._client["client_id"],
                "MCP_OIDC_CLIENT_SECRET": self._client["client_secret"],
                "MCP_STATELESS_HTTP": str(stateless).lower(),
                "MCP_JSON_RESPONSE": "true",
                "MCP_LOG_LEVEL": "WARNING",
                **({"REDIS_URL": redis_url} if redis_url else {}),
                **(env or {}),
            }
            proc = ManagedProcess(
                f"mcp-{port}",
                server_argv("--transport", "streamable-http", "--port", str(port)),
                self.run_dir,
                env=server_env,
                ready=http_ready(f"http://127.0.0.1:{port}/health/live"),
            )
            self.procs.append(proc.start())
            self.replicas.append(f"http://127.0.0.1:{port}")
        return self

    def start_floor(self, token: str, mode: str = "stateless") -> str:
        """Start bench/bare_http_server.py (the SDK floor) against the fake; returns its base URL."""
        port = free_port()
        proc = ManagedProcess(
            f"floor-{port}",
            [sys.executable, str(ROOT / "bench" / "bare_http_server.py"), str(port), self.nextcloud, token, mode],
            self.run_dir,
            ready=_tcp_ready(port),
        )
        self.procs.append(proc.start())
        return f"http://127.0.0.1:{port}"

    async def tokens(self, count: int, user: str = "alice") -> list[str]:
        """`count` distinct access tokens for `user`, each from its own authorization-code + PKCE login."""
        async with AuthServerClient(self.nextcloud + DISCOVERY) as auth:
            client = await auth.register(SCOPE)
            return [
                await auth.token(user, USERS[user], scope=SCOPE, resource=self.public_url, client=client)
                for _ in range(count)
            ]

    def server_pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.name.startswith("mcp-")]

    def requests_to(self, suffix: str) -> int:
        with httpx2.Client(base_url=self.nextcloud, trust_env=False) as control:
            log = control.get("/__testbed__/requests").json()["requests"]
        return sum(1 for r in log if str(r["path"]).endswith(suffix))

    def clear_requests(self) -> None:
        with httpx2.Client(base_url=self.nextcloud, trust_env=False) as control:
            control.delete("/__testbed__/requests")

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
