"""`nextcloud-mcp-server demo` as a user starts it: a real process with the sandbox Nextcloud inside, driven by the
official MCP client over stdio and streamable HTTP. Every app answers with its sample data; the connection guide
goes to stderr on stdio (stdout is the protocol); stopping the demo (the client closing stdin, SIGTERM, Ctrl-C)
leaves no process and no sandbox folder behind.

The demo's temporary folder goes to a TMPDIR of the test, so "nothing left" is checked exactly. NEXTCLOUD_* point
at a Nextcloud that does not exist: the demo must ignore them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from support.mcp_helpers import structured
from support.processes import ManagedProcess, free_port, http_ready

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

DEMO = [sys.executable, "-m", "nextcloud_mcp", "demo"]
TOOLSETS = (
    "notes",
    "files",
    "shares",
    "search",
    "users",
    "calendar",
    "tasks",
    "contacts",
    "deck",
    "tables",
    "cookbook",
)


def _env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return {
        **os.environ,
        "TMPDIR": str(tmp_path / "tmp"),
        "MCP_CACHE_DIR": str(tmp_path / "cache"),
        "NEXTCLOUD_HOST": "http://192.0.2.1:9",  # TEST-NET-1: nothing answers; the demo must not use it
        "NEXTCLOUD_USERNAME": "mallory",
        "NEXTCLOUD_PASSWORD": "not-the-demo",
    }


def _sandboxes(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "tmp").glob("nextcloud-mcp-demo-*"))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


async def _call(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    return structured(await client.call_tool(tool, args))


async def _check_every_app(client: Client) -> None:
    """One read per app, each finding the seeded sample data."""
    notes = await _call(client, "nc_notes_list_notes")
    assert {"Welcome to the demo", "Aurora kick-off", "Gift ideas"} <= {n["title"] for n in notes["items"]}
    assert {n["category"] for n in notes["items"]} == {None, "Work", "Personal"}

    files = await _call(client, "nc_files_list_files", path="Documents/Project Aurora")
    assert [f["path"] for f in files["items"]] == [
        "/Documents/Project Aurora/Brief.md",
        "/Documents/Project Aurora/Budget.csv",
    ]

    shared = await _call(client, "nc_shares_list_shares", which="with_me")
    assert [(s["owner"], s["path"]) for s in shared["items"]] == [("bob", "/Team Handbook")]

    found = await _call(client, "nc_search_query_items", term="Aurora")
    assert {"files", "notes"} <= {item["provider"] for item in found["items"]}

    me = await _call(client, "nc_users_get_me")
    assert (me["id"], me["name"]) == ("alice", "Alice Martin")

    events = (await _call(client, "nc_calendar_list_events"))["items"]
    assert any(e["title"] == "Team stand-up" and e["recurring"] for e in events), events
    assert any(e["title"] == "Lunch with Bob" and not e["recurring"] for e in events), events

    tasks = (await _call(client, "nc_tasks_list_tasks"))["items"]
    assert "Send the Aurora budget to finance" in {t["title"] for t in tasks}
    assert all(t["due"] for t in tasks) and "Water the plants" not in {t["title"] for t in tasks}  # done: not open

    bob = await _call(client, "nc_contacts_get_contact", contact_id="demo-bob.vcf")
    assert bob["name"] == "Bob Keller" and str(bob["birthday"]).startswith("1988-")

    boards = (await _call(client, "nc_deck_list_boards"))["items"]
    board = await _call(client, "nc_deck_get_board", board_id=boards[0]["id"])
    assert board["title"] == "Project Aurora" and "bob" in board["members"]
    assert [s["title"] for s in board["stacks"]] == ["To do", "In progress", "Done"]

    tables = (await _call(client, "nc_tables_list_tables"))["items"]
    rows = (await _call(client, "nc_tables_list_rows", table_id=tables[0]["id"]))["items"]
    assert len(rows) == 4 and "Piranesi" in str(rows)

    recipes = await _call(client, "nc_cookbook_list_recipes")
    assert {r["name"] for r in recipes["items"]} == {"Shakshuka", "Lemon drizzle cake"}


async def test_stdio_demo_serves_sample_data_for_every_app_and_leaves_nothing(tmp_path: Path) -> None:
    params = StdioServerParameters(command=DEMO[0], args=DEMO[1:], env=_env(tmp_path))
    with (tmp_path / "demo.err").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            assert len(names) > 100
            assert all(any(name.startswith(f"nc_{toolset}_") for name in names) for toolset in TOOLSETS), names
            (sandbox,) = _sandboxes(tmp_path)
            pid = int(sandbox.name.split("-")[3])
            await _check_every_app(client)
    err = (tmp_path / "demo.err").read_text()
    assert "SANDBOX" in err and "vanishes when this process exits" in err
    assert f"claude mcp add nextcloud-demo -- {sys.executable}" not in err  # the command, not the interpreter
    assert "claude mcp add nextcloud-demo -- " in err and '"args": ["demo"]' in err
    assert "npx @modelcontextprotocol/inspector" in err and ".vscode/mcp.json" in err
    assert "192.0.2.1" not in err
    _wait_for(lambda: _gone(pid), "the demo process to end", 15)
    assert _sandboxes(tmp_path) == []


async def test_http_demo_lists_tools_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = ManagedProcess(
        "demo-http",
        [*DEMO, "--transport", "streamable-http", "--port", str(port)],
        tmp_path,
        env=_env(tmp_path),
        ready=http_ready(f"http://127.0.0.1:{port}/health/ready"),
    )
    proc.start(timeout=60)
    try:
        async with Client(streamable_http_client(f"http://127.0.0.1:{port}/mcp")) as client:
            names = {tool.name for tool in (await client.list_tools()).tools}
            notes = await _call(client, "nc_notes_list_notes", category="Work")
        assert len(_sandboxes(tmp_path)) == 1
    finally:
        code = proc.stop()
    out = proc.output()
    assert code == 0, out
    assert {"nc_deck_get_board", "nc_cookbook_list_recipes"} <= names
    assert {n["title"] for n in notes["items"]} == {"Aurora kick-off", "Q3 roadmap ideas"}
    assert f"streamable HTTP at http://127.0.0.1:{port}/mcp" in out
    assert f"claude mcp add --transport http nextcloud-demo http://127.0.0.1:{port}/mcp" in out
    assert "the sandbox is deleted" in out
    assert out.count("Uvicorn running on") == 1  # the MCP server's; the sandbox's uvicorn stays quiet
    assert _sandboxes(tmp_path) == []


def test_ctrl_c_on_stdio_deletes_the_sandbox_while_the_client_holds_stdin(tmp_path: Path) -> None:
    """stdin stays open (a client that has not let go): the server's blocking read must not keep the demo alive."""
    err = tmp_path / "demo.err"
    with err.open("w") as errlog:
        proc = subprocess.Popen(DEMO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errlog, env=_env(tmp_path))
    try:
        _wait_for(lambda: "Nextcloud MCP server: basic mode, stdio transport" in err.read_text(), "the server")
        assert len(_sandboxes(tmp_path)) == 1
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.close()
        proc.stdout.close()
    assert "the sandbox is deleted" in err.read_text()
    assert _sandboxes(tmp_path) == []
