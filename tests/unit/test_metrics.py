"""Prometheus metrics: label vocabulary, recording, the token-cache collector and the /metrics route."""

from __future__ import annotations

import subprocess
import sys

import httpx2
import pytest
from mcp.server.transport_security import TransportSecuritySettings
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from nextcloud_mcp import metrics
from nextcloud_mcp.auth.cache import CacheStats


def samples(body: bytes) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


@pytest.mark.parametrize(
    ("path", "app"),
    [
        ("/index.php/apps/notes/api/v1/notes/12", "notes"),
        ("/ocs/v2.php/apps/files_sharing/api/v1/shares", "files_sharing"),
        ("/apps/deck/api/v1.0/boards", "deck"),
        ("/remote.php/dav/files/alice/Secret%20plans/x.txt", "dav-files"),
        ("/remote.php/dav/calendars/alice/personal/", "dav-calendars"),
        ("/remote.php/dav/weird-thing/alice", "dav"),
        ("/remote.php/webdav/x", "dav-files"),
        ("/ocs/v2.php/cloud/capabilities", "core"),
        ("/status.php", "core"),
        ("/index.php/apps/NOT_AN_APP/x", "core"),
    ],
)
def test_app_is_derived_from_the_path_without_user_data(path: str, app: str) -> None:
    assert metrics.app_of(path) == app


def test_status_classes_are_bounded() -> None:
    assert [metrics.status_class(s) for s in (101, 200, 207, 304, 404, 503, 999)] == [
        "1xx",
        "2xx",
        "2xx",
        "3xx",
        "4xx",
        "5xx",
        "other",
    ]


def test_recorder_counts_tool_calls_and_nextcloud_requests() -> None:
    rec = metrics.Recorder()
    rec.tool_call("nc_notes_get_note", "ok", 0.002)
    rec.tool_call("nc_notes_get_note", "ok", 0.004)
    rec.tool_call("nc_notes_get_note", "error", 0.5)
    rec.nextcloud_request("/index.php/apps/notes/api/v1/notes/1", 200, 0.001)
    rec.nextcloud_request("/remote.php/dav/files/alice/a", 404, 0.001)
    rec.nextcloud_request("/remote.php/dav/files/alice/a", None, 0.0)
    got = samples(rec.render())
    assert got[("nextcloud_mcp_tool_calls_total", frozenset({("tool", "nc_notes_get_note"), ("outcome", "ok")}))] == 2
    assert (
        got[("nextcloud_mcp_tool_calls_total", frozenset({("tool", "nc_notes_get_note"), ("outcome", "error")}))] == 1
    )
    count = ("nextcloud_mcp_tool_call_duration_seconds_count", frozenset({("tool", "nc_notes_get_note")}))
    assert got[count] == 3
    le_5ms = (
        "nextcloud_mcp_tool_call_duration_seconds_bucket",
        frozenset({("tool", "nc_notes_get_note"), ("le", "0.005")}),
    )
    assert got[le_5ms] == 2
    requests = "nextcloud_mcp_nextcloud_requests_total"
    assert got[(requests, frozenset({("app", "notes"), ("status", "2xx")}))] == 1
    assert got[(requests, frozenset({("app", "dav-files"), ("status", "4xx")}))] == 1
    assert got[(requests, frozenset({("app", "dav-files"), ("status", "error")}))] == 1
    assert b"alice" not in rec.render()


class _Cache:
    def __init__(self) -> None:
        self.stats = CacheStats(l1_hits=5, l2_hits=2, misses=3, validations=3, negative_hits=1, redis_errors=4)


def test_token_cache_counters_are_read_at_scrape_time() -> None:
    rec = metrics.Recorder()
    cache = _Cache()
    rec.watch_token_cache(cache)
    rec.watch_token_cache(cache)  # watching again does not register twice
    cache.stats.l1_hits += 1
    got = samples(rec.render())
    lookups = "nextcloud_mcp_token_cache_lookups_total"
    assert got[(lookups, frozenset({("result", "l1_hit")}))] == 6
    assert got[(lookups, frozenset({("result", "redis_hit")}))] == 2
    assert got[(lookups, frozenset({("result", "miss")}))] == 3
    assert got[("nextcloud_mcp_token_validations_total", frozenset())] == 3
    assert got[("nextcloud_mcp_redis_errors_total", frozenset())] == 4


def test_module_level_hooks_do_nothing_until_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "RECORDER", None)
    metrics.tool_call("nc_x", "ok", 0.0)
    metrics.nextcloud_request("/status.php", 200, 0.0)
    assert metrics.RECORDER is None
    rec = metrics.enable()
    assert metrics.enable() is rec
    metrics.tool_call("nc_x", "ok", 0.0)
    assert samples(rec.render())[("nextcloud_mcp_tool_calls_total", frozenset({("tool", "nc_x"), ("outcome", "ok")}))]


@pytest.mark.anyio
async def test_route_serves_text_format_and_refuses_foreign_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "RECORDER", None)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=["127.0.0.1:*"], allowed_origins=["http://127.0.0.1:*"]
    )
    app = Starlette(routes=[metrics.route(security, _Cache())])
    metrics.tool_call("nc_notes_get_note", "ok", 0.0)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as http:
        response = await http.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert "nextcloud_mcp_token_validations_total 3.0" in response.text
        assert 'nextcloud_mcp_tool_calls_total{outcome="ok",tool="nc_notes_get_note"} 1.0' in response.text
        foreign = await http.get("/metrics", headers={"Host": "evil.example"})
        assert foreign.status_code == 421
        cross_site = await http.get("/metrics", headers={"Origin": "https://evil.example"})
        assert cross_site.status_code == 403


def test_stdio_server_does_not_import_prometheus_client() -> None:
    code = (
        "import sys\n"
        "from nextcloud_mcp.config import load_settings\n"
        "from nextcloud_mcp.server.build import build_server\n"
        "build_server(load_settings(environ={'NEXTCLOUD_HOST': 'http://nc.test', 'NEXTCLOUD_USERNAME': 'a',"
        " 'NEXTCLOUD_PASSWORD': 'b'}))\n"
        "print('prometheus_client' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
