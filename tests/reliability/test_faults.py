"""Nextcloud failing the way production does, through the fake's fault injection over real HTTP.

Rules: idempotent reads are retried with bounded backoff; writes are never sent twice; the caller
gets a clear tool error; the server keeps running and serves normally once Nextcloud recovers.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client

from fake_nextcloud.app import FakeNextcloud
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_server
from support.asgi_server import serve
from support.fixtures import server_env
from support.mcp_helpers import error_text, structured
from support.processes import free_port

pytestmark = pytest.mark.anyio
NOTES = r"/apps/notes/api/v1/notes$"
TIMEOUT = 1.0
RETRIES = 2


class Nextcloud:
    def __init__(self, fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
        self.fake = fake
        self.control = control

    async def fault(self, action: dict[str, Any], *, method: str = "GET", path: str = NOTES, times: int = 0) -> None:
        rule: dict[str, Any] = {"method": method, "path": path, "action": action}
        if times:
            rule["times"] = times
        assert (await self.control.post("/__testbed__/faults", json=rule)).status_code == 201

    async def clear(self) -> None:
        await self.control.delete("/__testbed__/faults")
        self.fake.fake_state.request_log.clear()

    def sent(self, method: str, path_end: str = "/apps/notes/api/v1/notes") -> int:
        return sum(
            1 for r in self.fake.fake_state.request_log.records() if r.method == method and r.path.endswith(path_end)
        )


@pytest.fixture
async def nc(fake: FakeNextcloud) -> AsyncIterator[tuple[Nextcloud, Client]]:
    async with serve(fake) as base, httpx2.AsyncClient(base_url=base, trust_env=False) as control:
        env = server_env("alice", host=base, NEXTCLOUD_TIMEOUT=TIMEOUT, NEXTCLOUD_RETRIES=RETRIES)
        async with Client(build_server(load_settings(environ=env))) as client:
            nextcloud = Nextcloud(fake, control)
            await nextcloud.clear()
            yield nextcloud, client


async def _recovers(nextcloud: Nextcloud, client: Client) -> None:
    await nextcloud.clear()
    structured(await client.call_tool("nc_notes_list_notes", {}))


@pytest.mark.parametrize("status", [502, 503])
async def test_transient_gateway_errors_on_reads_are_retried(nc: tuple[Nextcloud, Client], status: int) -> None:
    nextcloud, client = nc
    await nextcloud.fault({"status": status}, times=RETRIES)
    structured(await client.call_tool("nc_notes_list_notes", {}))
    assert nextcloud.sent("GET") == RETRIES + 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_persistent_failures_are_clear_bounded_errors(nc: tuple[Nextcloud, Client], status: int) -> None:
    nextcloud, client = nc
    await nextcloud.fault({"status": status})
    started = time.monotonic()
    result = await client.call_tool("nc_notes_list_notes", {})
    assert result.is_error
    assert f"HTTP {status}" in error_text(result) and "try again" in error_text(result)
    assert nextcloud.sent("GET") <= RETRIES + 1  # bounded: 500 is not retried, 502/503 at most RETRIES times
    assert time.monotonic() - started < 5
    await _recovers(nextcloud, client)


async def test_slow_reads_time_out_with_a_clear_error(nc: tuple[Nextcloud, Client]) -> None:
    nextcloud, client = nc
    await nextcloud.fault({"latency_ms": int(TIMEOUT * 1000 * 2.5)})
    started = time.monotonic()
    result = await client.call_tool("nc_notes_list_notes", {})
    elapsed = time.monotonic() - started
    assert result.is_error and "did not answer in time" in error_text(result), error_text(result)
    assert elapsed < (RETRIES + 1) * (TIMEOUT + 1) + 1  # bounded backoff
    await _recovers(nextcloud, client)


async def test_one_slow_read_is_retried_and_succeeds(nc: tuple[Nextcloud, Client]) -> None:
    nextcloud, client = nc
    await nextcloud.fault({"latency_ms": int(TIMEOUT * 1000 * 2)}, times=1)
    structured(await client.call_tool("nc_notes_list_notes", {}))


async def test_connection_reset_on_a_read_is_retried(nc: tuple[Nextcloud, Client]) -> None:
    nextcloud, client = nc
    await nextcloud.fault({"drop": True}, times=1)
    structured(await client.call_tool("nc_notes_list_notes", {}))
    assert nextcloud.sent("GET") == 2


async def test_429_with_short_retry_after_is_waited_out(nc: tuple[Nextcloud, Client]) -> None:
    nextcloud, client = nc
    await nextcloud.fault({"status": 429, "headers": {"Retry-After": "1"}}, times=1)
    started = time.monotonic()
    structured(await client.call_tool("nc_notes_list_notes", {}))
    assert time.monotonic() - started >= 0.9
    assert nextcloud.sent("GET") == 2


async def test_429_with_long_retry_after_fails_fast_and_says_so(nc: tuple[Nextcloud, Client]) -> None:
    nextcloud, client = nc
    await nextcloud.fault({"status": 429, "headers": {"Retry-After": "3600"}})
    started = time.monotonic()
    result = await client.call_tool("nc_notes_list_notes", {})
    assert result.is_error and "rate-limiting" in error_text(result)
    assert time.monotonic() - started < 2 and nextcloud.sent("GET") == 1
    await _recovers(nextcloud, client)


@pytest.mark.parametrize(
    "action",
    [{"status": 500}, {"status": 502}, {"status": 503}, {"drop": True}, {"latency_ms": int(TIMEOUT * 1000 * 2)}],
    ids=["500", "502", "503", "reset", "timeout"],
)
async def test_writes_are_never_sent_twice(nc: tuple[Nextcloud, Client], action: dict[str, Any]) -> None:
    nextcloud, client = nc
    await nextcloud.fault(action, method="POST")
    result = await client.call_tool("nc_notes_create_note", {"title": "once", "content": "x"})
    assert result.is_error, "the write failed, so the caller must be told"
    await anyio.sleep(TIMEOUT * 1.2 if "latency_ms" in action else 0)  # the fake logs a request when it ends
    assert nextcloud.sent("POST") == 1  # not retried: a POST is not idempotent
    text = error_text(result)
    assert "Nextcloud" in text and "Error executing tool nc_notes_create_note" in text
    if "drop" in action or "latency_ms" in action:
        assert "may or may not have been applied" in text
    await _recovers(nextcloud, client)


async def test_conditional_file_write_is_not_retried_either(nc: tuple[Nextcloud, Client]) -> None:
    nextcloud, client = nc
    written = structured(await client.call_tool("nc_files_write_file", {"path": "a.txt", "text": "v1"}))
    await nextcloud.clear()
    await nextcloud.fault({"status": 503}, method="PUT", path=r"/remote\.php/dav/files/alice/a\.txt$")
    result = await client.call_tool("nc_files_write_file", {"path": "a.txt", "text": "v2", "etag": written["etag"]})
    assert result.is_error and "HTTP 503" in error_text(result)
    assert nextcloud.sent("PUT", "/a.txt") == 1


async def test_maintenance_mode_is_a_clear_error(nc: tuple[Nextcloud, Client]) -> None:
    nextcloud, client = nc
    await nextcloud.control.post("/__testbed__/server", json={"maintenance": True})
    result = await client.call_tool("nc_notes_list_notes", {})
    assert result.is_error and "Nextcloud" in error_text(result)
    assert error_text(result).strip() != "Error executing tool nc_notes_list_notes"
    await nextcloud.control.post("/__testbed__/server", json={"maintenance": False})
    await _recovers(nextcloud, client)


async def test_nextcloud_down_then_back_recovers_by_itself(fake: FakeNextcloud) -> None:
    """Nextcloud's process gone (connection refused), then back on the same port: a clear error, then service."""
    port = free_port()
    env = server_env("alice", host=f"http://127.0.0.1:{port}", NEXTCLOUD_TIMEOUT=TIMEOUT, NEXTCLOUD_RETRIES=RETRIES)
    async with Client(build_server(load_settings(environ=env))) as client:
        async with serve(fake, port):
            structured(await client.call_tool("nc_notes_list_notes", {}))
        started = time.monotonic()
        down = await client.call_tool("nc_notes_list_notes", {})
        assert down.is_error and "Cannot connect to Nextcloud" in error_text(down), error_text(down)
        assert time.monotonic() - started < 5
        async with serve(fake, port):
            structured(await client.call_tool("nc_notes_list_notes", {}))
