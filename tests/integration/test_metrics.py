"""`GET /metrics` on the real HTTP app after real tool calls against the fake Nextcloud."""

from __future__ import annotations

import httpx2
import pytest
from mcp import Client
from prometheus_client.parser import text_string_to_metric_families

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_http_app, build_server
from support.mcp_helpers import structured

pytestmark = pytest.mark.anyio

PASSWORD = "alice-secret"


async def _scrape(app: object, host: str = "127.0.0.1:8000") -> httpx2.Response:
    transport = httpx2.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx2.AsyncClient(transport=transport, base_url=f"http://{host}") as http:
        return await http.get("/metrics")


def _values(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _delta(
    before: dict[tuple[str, frozenset[tuple[str, str]]], float],
    after: dict[tuple[str, frozenset[tuple[str, str]]], float],
    name: str,
    **labels: str,
) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_metrics_count_real_tool_calls_and_nextcloud_requests(fake: FakeNextcloud) -> None:
    settings = load_settings(
        environ={
            "NEXTCLOUD_HOST": "http://nc.test",
            "NEXTCLOUD_USERNAME": "alice",
            "NEXTCLOUD_PASSWORD": PASSWORD,
            "MCP_TRANSPORT": "streamable-http",
        }
    )
    server = build_server(settings, transport=httpx2.ASGITransport(app=fake))
    app = build_http_app(server, settings)
    before = _values((await _scrape(app)).text)
    async with Client(server) as client:
        note = structured(await client.call_tool("nc_notes_create_note", {"title": "Secret plans", "content": "x"}))
        for _ in range(3):
            structured(await client.call_tool("nc_notes_get_note", {"note_id": note["id"]}))
        missing = await client.call_tool("nc_notes_get_note", {"note_id": 987654})
        assert missing.is_error
    response = await _scrape(app)
    assert response.status_code == 200
    after = _values(response.text)
    calls = "nextcloud_mcp_tool_calls_total"
    assert _delta(before, after, calls, tool="nc_notes_get_note", outcome="ok") == 3
    assert _delta(before, after, calls, tool="nc_notes_get_note", outcome="error") == 1
    assert _delta(before, after, calls, tool="nc_notes_create_note", outcome="ok") == 1
    assert _delta(before, after, "nextcloud_mcp_tool_call_duration_seconds_count", tool="nc_notes_get_note") == 4
    requests = "nextcloud_mcp_nextcloud_requests_total"
    assert _delta(before, after, requests, app="notes", status="2xx") >= 4
    assert _delta(before, after, requests, app="notes", status="4xx") == 1
    assert _delta(before, after, "nextcloud_mcp_nextcloud_request_duration_seconds_count", app="notes") >= 5
    for secret in (PASSWORD, "alice", "Secret plans"):
        assert secret not in response.text
    label_values = {v for _, labels in after for k, v in labels if k not in ("le", "quantile")}
    assert not {v for v in label_values if "/" in v or v == str(note["id"])}, label_values


async def test_metrics_can_be_turned_off_and_refuse_foreign_hosts(fake: FakeNextcloud) -> None:
    env = {"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": PASSWORD}
    settings = load_settings(environ=env)
    server = build_server(settings, transport=httpx2.ASGITransport(app=fake))
    assert (await _scrape(build_http_app(server, settings), host="evil.example")).status_code == 421
    off = load_settings(environ={**env, "MCP_METRICS": "false"})
    server = build_server(off, transport=httpx2.ASGITransport(app=fake))
    assert (await _scrape(build_http_app(server, off))).status_code == 404
