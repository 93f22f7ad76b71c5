"""Protocol abuse over real HTTP: malformed JSON-RPC, oversized bodies, unknown methods, wrong content
types, DNS rebinding (foreign `Host`/`Origin`) and paths that are not this server's resource.

Rules: each is answered with a 4xx (or a JSON-RPC error), never a 5xx; the server keeps serving
afterwards; in OAuth mode no variant of the path reaches the MCP app without a token.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_http_app, build_server
from security.jwt_gate import HEADERS, Gate, gate
from support.asgi_server import serve
from support.fixtures import server_env
from support.processes import free_port

pytestmark = pytest.mark.anyio
__all__ = ["gate"]
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
PING = {"jsonrpc": "2.0", "id": 7, "method": "ping"}


@pytest.fixture
async def http(fake: FakeNextcloud) -> AsyncIterator[httpx2.AsyncClient]:
    """A BasicAuth-mode server (stateless, JSON responses) over real HTTP."""
    port = free_port()
    settings = load_settings(
        environ=server_env(
            "alice", MCP_TRANSPORT="streamable-http", MCP_PORT=port, MCP_STATELESS_HTTP="true", MCP_JSON_RESPONSE="true"
        )
    )
    server = build_server(settings, transport=httpx2.ASGITransport(app=fake))
    async with (
        serve(build_http_app(server, settings), port) as base,
        httpx2.AsyncClient(base_url=base, trust_env=False, timeout=30.0) as client,
    ):
        yield client


async def _still_serving(http: httpx2.AsyncClient) -> None:
    response = await http.post("/mcp", json=PING, headers=HEADERS)
    assert response.status_code == 200, response.text
    assert (await http.get("/health/live")).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b"",
        b"null",
        b"[]",
        b"42",
        b'"string"',
        b"\xff\xfe\x00garbage",
        b'{"jsonrpc": "2.0"}',
        b'{"jsonrpc": "1.0", "id": 1, "method": "ping"}',
        b'{"jsonrpc": "2.0", "id": {"nested": 1}, "method": "ping"}',
        b'{"jsonrpc": "2.0", "id": 1, "method": 12}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": "not-an-object"}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": 5}}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", '
        b'"params": {"name": "nc_notes_get_note", "arguments": []}}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "nc_nope", "arguments": {}}}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "no/such/method"}',
        b'{"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "file:///etc/passwd"}}',
        b'[{"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"jsonrpc": "2.0", "id": 2, "method": "ping"}]',
        json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": "[" * 10000}}).encode(),
        b"[" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    ],
    ids=lambda b: b[:40].decode("latin-1"),
)
async def test_malformed_json_rpc_is_a_client_error(http: httpx2.AsyncClient, body: bytes) -> None:
    response = await http.post("/mcp", content=body, headers=HEADERS)
    assert response.status_code < 500, response.text
    if response.status_code == 200:
        payload = response.json()
        items = payload if isinstance(payload, list) else [payload]
        assert all("error" in item or "result" in item for item in items)
    await _still_serving(http)


async def test_unknown_method_is_a_json_rpc_error(http: httpx2.AsyncClient) -> None:
    response = await http.post("/mcp", json={"jsonrpc": "2.0", "id": 3, "method": "admin/shutdown"}, headers=HEADERS)
    assert response.status_code in (200, 400), response.text
    assert response.json()["error"]["code"] == -32601


@pytest.mark.parametrize("size", [5 * 1024 * 1024, 30 * 1024 * 1024])
async def test_oversized_body_is_refused(http: httpx2.AsyncClient, size: int) -> None:
    body = json.dumps({**PING, "params": {"pad": "x" * size}}).encode()
    response = await http.post("/mcp", content=body, headers=HEADERS)
    assert response.status_code == 413, response.text[:200]
    await _still_serving(http)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None]
)
async def test_wrong_content_type_is_refused(http: httpx2.AsyncClient, content_type: str | None) -> None:
    headers = {"Accept": HEADERS["Accept"]}
    if content_type:
        headers["Content-Type"] = content_type
    response = await http.post("/mcp", content=json.dumps(PING).encode(), headers=headers)
    assert 400 <= response.status_code < 500, response.text
    await _still_serving(http)


async def test_wrong_accept_header_is_refused(http: httpx2.AsyncClient) -> None:
    response = await http.post("/mcp", json=PING, headers={"Accept": "text/html", "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "evil.example"},
        {"Host": "evil.example:80"},
        {"Host": "127.0.0.1.evil.example"},
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1.evil.example:8000"},
    ],
)
async def test_dns_rebinding_is_refused(http: httpx2.AsyncClient, headers: dict[str, str]) -> None:
    response = await http.post("/mcp", json=INIT, headers={**HEADERS, **headers})
    assert response.status_code in (400, 403, 421), response.text


async def test_loopback_origin_is_accepted(http: httpx2.AsyncClient) -> None:
    response = await http.post("/mcp", json=PING, headers={**HEADERS, "Origin": "http://localhost:3000"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("method", ["PUT", "PATCH", "TRACE", "CONNECT"])
async def test_unsupported_http_methods_are_refused(http: httpx2.AsyncClient, method: str) -> None:
    response = await http.request(method, "/mcp", headers=HEADERS)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "path",
    ["/mcp/", "/mcp/../mcp", "//mcp", "/MCP", "/mcp%2F", "/mcp/extra", "/other-server/mcp", "/.well-known/../mcp"],
)
async def test_no_path_variant_reaches_the_mcp_app_without_a_token(gate: Gate, path: str) -> None:
    """A request to a path that is not this server's resource must not bypass the token gate."""
    response = await gate.http.post(path, json=PING, headers=HEADERS)
    assert response.status_code in (307, 308, 401, 404, 405), (path, response.status_code, response.text)
    if response.status_code in (307, 308):
        assert response.headers["location"].endswith("/mcp")
    assert gate.nextcloud_requests() == []


async def test_token_for_this_server_is_refused_at_a_foreign_resource_path(gate: Gate) -> None:
    """A token bound to https://other.example/mcp (another MCP server's resource) is not accepted here."""
    token = gate.corpus.valid(aud=gate.corpus.resource.replace("/mcp", "/other-mcp"))
    response = await gate.call(token)
    assert response.status_code == 401


async def test_oauth_gate_limits_body_size(gate: Gate) -> None:
    body: dict[str, Any] = {**PING, "params": {"pad": "x" * (6 * 1024 * 1024)}}
    headers = {**HEADERS, "Authorization": f"Bearer {gate.corpus.valid()}"}
    response = await gate.http.post("/mcp", content=json.dumps(body).encode(), headers=headers)
    assert response.status_code == 413
