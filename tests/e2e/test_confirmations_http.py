"""Confirmations over real streamable HTTP (`core/confirm.py`): how the question reaches the user depends on the
transport. A 2026-07-28 client is asked through an `InputRequiredResult` round in both HTTP modes; a 2025-11-25
client is asked mid-call on a stateful session, while stateless HTTP has no way to send it a request, so there the
tool falls back to `confirm=true`, as for a client without elicitation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client
from mcp.types import ElicitRequestParams, ElicitResult

from e2e.conftest import server_argv, server_env
from support.mcp_helpers import error_text, structured
from support.processes import ManagedProcess, free_port, http_ready

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]


@pytest.fixture(params=["stateful", "stateless"])
def server(request: pytest.FixtureRequest, fake_url: str, run_dir: Path) -> Iterator[tuple[str, str]]:
    port = free_port()
    extra = {"MCP_STATELESS_HTTP": "true", "MCP_JSON_RESPONSE": "true"} if request.param == "stateless" else {}
    proc = ManagedProcess(
        f"mcp-confirm-{port}",
        server_argv("--transport", "streamable-http", "--port", str(port)),
        run_dir,
        env=server_env(fake_url, **extra),
        ready=http_ready(f"http://127.0.0.1:{port}/health/live"),
    )
    with proc:
        yield request.param, f"http://127.0.0.1:{port}/mcp"


@pytest.mark.parametrize("protocol", ["auto", "legacy"])
async def test_the_user_is_asked_wherever_the_transport_can_carry_the_question(
    server: tuple[str, str], protocol: str, fake: httpx2.Client
) -> None:
    mode, url = server
    asked: list[str] = []

    async def accept(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="accept", content={"confirm": True})

    async with Client(streamable_http_client(url), elicitation_callback=accept, mode=protocol) as client:
        board = structured(await client.call_tool("nc_deck_create_board", {"title": "Old"}))
        result = await client.call_tool("nc_deck_delete_board", {"board_id": board["id"]})
        loss = f"the board 'Old' (id {board['id']}) with no stacks and no cards"
        if protocol == "legacy" and mode == "stateless":  # no back-channel for elicitation/create
            assert result.is_error and "confirm=true" in error_text(result) and asked == []
            result = await client.call_tool("nc_deck_delete_board", {"board_id": board["id"], "confirm": True})
            assert structured(result) == {"deleted": loss, "confirmed_by": "argument"}
        else:
            assert structured(result) == {"deleted": loss, "confirmed_by": "user"}
            assert asked == [f"Delete {loss}? nc_deck_restore_board can restore it until Deck purges deleted boards."]
