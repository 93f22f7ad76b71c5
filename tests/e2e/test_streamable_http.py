"""A real `nextcloud-mcp-server --transport streamable-http` process, driven by the official MCP client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from e2e.conftest import USERS, server_argv, server_env
from nextcloud_mcp.core.tool import hints
from support.mcp_helpers import error_text, structured
from support.processes import ManagedProcess, free_port, http_ready

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


@pytest.fixture(params=["stateful-sse", "stateless-json"])
def server_url(request: pytest.FixtureRequest, fake_url: str, run_dir: Path) -> Iterator[str]:
    port = free_port()
    extra = {"MCP_STATELESS_HTTP": "true", "MCP_JSON_RESPONSE": "true"} if request.param == "stateless-json" else {}
    proc = ManagedProcess(
        f"mcp-http-{port}",
        server_argv("--transport", "streamable-http", "--port", str(port)),
        run_dir,
        env=server_env(fake_url, **extra),
        ready=http_ready(f"http://127.0.0.1:{port}/health/live"),
    )
    with proc:
        yield f"http://127.0.0.1:{port}"
    assert USERS["alice"] not in proc.output(), "the password leaked into the server log"


async def test_tools_and_full_notes_round_trip(server_url: str, fake: httpx2.Client) -> None:
    async with Client(streamable_http_client(f"{server_url}/mcp")) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert "nc_notes_update_note" in tools
        update = tools["nc_notes_update_note"]
        assert hints(update.annotations).destructive
        assert update.output_schema is not None and "etag" in update.output_schema["properties"]

        note = structured(await client.call_tool("nc_notes_create_note", {"title": "Trip", "content": "Day 1: Lyon"}))
        # a concurrent edit behind the assistant's back
        other = fake.put(
            f"/index.php/apps/notes/api/v1/notes/{note['id']}",
            json={"content": "Day 1: Lyon\nDay 2: Annecy"},
            auth=("alice", USERS["alice"]),
        )
        assert other.status_code == 200
        conflict = await client.call_tool(
            "nc_notes_update_note", {"note_id": note["id"], "etag": note["etag"], "content": "Day 1: Paris"}
        )
        assert conflict.is_error and "NOT applied" in error_text(conflict)
        fresh = structured(await client.call_tool("nc_notes_get_note", {"note_id": note["id"]}))
        merged = structured(
            await client.call_tool(
                "nc_notes_update_note",
                {"note_id": note["id"], "etag": fresh["etag"], "content": "Day 1: Paris\nDay 2: Annecy"},
            )
        )
        appended = structured(
            await client.call_tool("nc_notes_append_note", {"note_id": note["id"], "text": "Day 3: Geneva"})
        )
        assert appended["content"] == "Day 1: Paris\nDay 2: Annecy\nDay 3: Geneva"
        assert merged["etag"] != appended["etag"]
        hits = structured(await client.call_tool("nc_notes_search_notes", {"query": "annecy"}))
        assert [h["id"] for h in hits["items"]] == [note["id"]]
        assert structured(await client.call_tool("nc_notes_delete_note", {"note_id": note["id"]}))["deleted"]
        assert structured(await client.call_tool("nc_notes_list_notes", {}))["total"] == 0


async def test_health_endpoints(server_url: str, fake: httpx2.Client) -> None:
    async with httpx2.AsyncClient(base_url=server_url, trust_env=False) as http:
        assert (await http.get("/health/live")).json() == {"status": "ok"}
        ready = await http.get("/health/ready")
        assert ready.status_code == 200 and ready.json()["status"] == "ok"
        fake.post("/__testbed__/server", json={"maintenance": True})
        down = await http.get("/health/ready")
        assert down.status_code == 503 and "maintenance" in down.json()["reason"]


async def test_dns_rebinding_is_refused(server_url: str) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    async with httpx2.AsyncClient(base_url=server_url, trust_env=False) as http:
        foreign_host = await http.post("/mcp", json=body, headers={**headers, "Host": "evil.example"})
        assert foreign_host.status_code in (400, 403, 421)
        foreign_origin = await http.post("/mcp", json=body, headers={**headers, "Origin": "http://evil.example"})
        assert foreign_origin.status_code in (400, 403)
