"""Destructive bulk tools confirm first (`core/confirm.py`, docs/tools.md "Destructive bulk actions"), driven
with the official MCP client against the fake: a client with elicitation is asked (accept, decline, cancel, an
unticked box), on 2026-07-28 (an `InputRequiredResult` round) and on 2025-11-25 (`elicitation/create` mid-call); a
client without it must pass `confirm=true`, and without it nothing is deleted and the error names what would be
lost."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp.types import ElicitRequestFormParams, ElicitRequestParams, ElicitResult

from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio

Arguments = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One destructive bulk tool: `setup` makes something to delete and returns the tool's arguments and the
    loss as the tool words it; `exists` says whether it is still there."""

    tool: str
    setup: Callable[[Client], Awaitable[tuple[Arguments, str]]]
    exists: Callable[[Client, Arguments], Awaitable[bool]]


async def _call(client: Client, name: str, arguments: Arguments) -> dict[str, Any]:
    return structured(await client.call_tool(name, arguments))


async def _board(client: Client) -> tuple[int, int]:
    board = await _call(client, "nc_deck_create_board", {"title": "Project"})
    todo = await _call(client, "nc_deck_create_stack", {"board_id": board["id"], "title": "To do", "order": 0})
    await _call(client, "nc_deck_create_stack", {"board_id": board["id"], "title": "Done", "order": 1})
    for title in ("Write", "Review"):
        await _call(client, "nc_deck_create_card", {"board_id": board["id"], "stack_id": todo["id"], "title": title})
    return board["id"], todo["id"]


async def _setup_board(client: Client) -> tuple[Arguments, str]:
    bid, _ = await _board(client)
    return {"board_id": bid}, f"the board 'Project' (id {bid}) with 2 stacks and 2 cards (To do, Done)"


async def _board_exists(client: Client, arguments: Arguments) -> bool:
    boards = (await _call(client, "nc_deck_list_boards", {}))["items"]
    return arguments["board_id"] in [b["id"] for b in boards]


async def _setup_stack(client: Client) -> tuple[Arguments, str]:
    bid, sid = await _board(client)
    return {
        "board_id": bid,
        "stack_id": sid,
    }, f"the stack 'To do' (id {sid}) of board {bid} with 2 cards (Write, Review)"


async def _stack_exists(client: Client, arguments: Arguments) -> bool:
    stacks = (await _call(client, "nc_deck_get_board", {"board_id": arguments["board_id"]}))["stacks"]
    return arguments["stack_id"] in [s["id"] for s in stacks]


async def _setup_calendar(client: Client) -> tuple[Arguments, str]:
    await _call(client, "nc_calendar_create_calendar", {"name": "trip", "display_name": "Trip"})
    for day in ("2026-12-01", "2026-12-02"):
        await _call(client, "nc_calendar_create_event", {"calendar": "trip", "title": "Hike", "start": day})
    return {"calendar": "Trip"}, "the calendar 'Trip' (trip) with 2 events"


async def _calendar_exists(client: Client, arguments: Arguments) -> bool:
    calendars = (await _call(client, "nc_calendar_list_calendars", {}))["items"]
    return "trip" in [c["name"] for c in calendars]


async def _setup_addressbook(client: Client) -> tuple[Arguments, str]:
    await _call(client, "nc_contacts_create_addressbook", {"name": "work", "display_name": "Work"})
    for name in ("Bo Berg", "Ann Alm"):
        await _call(client, "nc_contacts_create_contact", {"addressbook": "work", "name": name})
    return {"addressbook": "work"}, "the address book 'Work' (work) with 2 contacts (Ann Alm, Bo Berg)"


async def _addressbook_exists(client: Client, arguments: Arguments) -> bool:
    books = (await _call(client, "nc_contacts_list_addressbooks", {}))["items"]
    return "work" in [b["name"] for b in books]


async def _setup_trash(client: Client) -> tuple[Arguments, str]:
    for name, text in (("old.txt", "12345"), ("notes.md", "abc")):
        await _call(client, "nc_files_write_file", {"path": name, "text": text})
        await _call(client, "nc_files_delete_file", {"path": name})
    return {"all": True}, "the whole trash with 2 items and 8 bytes in all ("


async def _trash_exists(client: Client, arguments: Arguments) -> bool:
    return bool((await _call(client, "nc_files_list_trash", {}))["items"])


CASES = [
    Case("nc_deck_delete_board", _setup_board, _board_exists),
    Case("nc_deck_delete_stack", _setup_stack, _stack_exists),
    Case("nc_calendar_delete_calendar", _setup_calendar, _calendar_exists),
    Case("nc_contacts_delete_addressbook", _setup_addressbook, _addressbook_exists),
    Case("nc_files_delete_trash", _setup_trash, _trash_exists),
]


def _ids(case: Case) -> str:
    return case.tool


@pytest.mark.parametrize("case", CASES, ids=_ids)
async def test_without_elicitation_only_confirm_true_deletes(mcp_as: McpFactory, case: Case) -> None:
    async with mcp_as("alice") as client:
        arguments, loss = await case.setup(client)
        refused = await client.call_tool(case.tool, arguments)
        assert refused.is_error
        text = error_text(refused)
        assert f"Nothing was deleted. This would delete {loss}" in text
        assert f"call {case.tool} again with the same arguments and confirm=true" in text
        assert await case.exists(client, arguments)

        done = await _call(client, case.tool, {**arguments, "confirm": True})
        assert done["deleted"].startswith(loss) and done["confirmed_by"] == "argument"
        assert not await case.exists(client, arguments)


class User:
    """The person behind an eliciting client: answers from a script, remembers what was asked."""

    def __init__(self, *answers: ElicitResult) -> None:
        self.answers = list(answers)
        self.asked: list[ElicitRequestParams] = []

    async def __call__(self, context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params)
        return self.answers.pop(0)


ACCEPT = ElicitResult(action="accept", content={"confirm": True})


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("case", CASES, ids=_ids)
async def test_with_elicitation_the_user_decides(mcp_as: McpFactory, case: Case, mode: str) -> None:
    """Declined, dismissed or accepted without the box ticked: nothing is deleted, even with confirm=true (the
    model cannot answer for the user). Accepted: deleted. `mode="auto"` negotiates 2026-07-28."""
    user = User(
        ElicitResult(action="decline"),
        ElicitResult(action="cancel"),
        ElicitResult(action="accept", content={"confirm": False}),
        ACCEPT,
    )
    async with mcp_as("alice") as plain, mcp_as("alice", elicitation=user, mode=mode) as client:
        arguments, loss = await case.setup(plain)
        for outcome in ("the user declined", "the user dismissed", "the user answered without ticking"):
            refused = await client.call_tool(case.tool, {**arguments, "confirm": True})
            assert refused.is_error and f"Nothing was deleted: {outcome}" in error_text(refused)
            assert loss in error_text(refused)
            assert await case.exists(plain, arguments)

        done = await _call(client, case.tool, arguments)
        assert done["deleted"].startswith(loss) and done["confirmed_by"] == "user"
        assert not await case.exists(plain, arguments)

    assert len(user.asked) == 4
    for params in user.asked:
        assert isinstance(params, ElicitRequestFormParams)
        assert params.message.startswith(f"Delete {loss}")
        assert params.requested_schema["required"] == ["confirm"]
        assert params.requested_schema["properties"]["confirm"]["type"] == "boolean"


async def test_a_loss_that_grew_while_the_user_read_the_question_is_asked_again(mcp_as: McpFactory) -> None:
    """2026-07-28: the loss is worked out again when the client comes back with the answer; the answer to the old
    wording does not count, so the user never approves less than what is deleted."""
    async with mcp_as("alice") as plain:
        (arguments, before), asked = await _setup_board(plain), []

        async def answer(context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
            asked.append(params.message)
            if len(asked) == 1:  # someone adds a card meanwhile
                stack = (await _call(plain, "nc_deck_get_board", arguments))["stacks"][0]
                await _call(plain, "nc_deck_create_card", {**arguments, "stack_id": stack["id"], "title": "Late"})
            return ACCEPT

        async with mcp_as("alice", elicitation=answer) as client:
            done = await _call(client, "nc_deck_delete_board", arguments)
    after = before.replace("2 cards", "3 cards")
    assert [m.split("?")[0] for m in asked] == [f"Delete {before}", f"Delete {after}"]
    assert done == {"deleted": after, "confirmed_by": "user"}


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_an_error_working_out_the_loss_asks_nobody(mcp_as: McpFactory, mode: str) -> None:
    user = User(ACCEPT)
    async with mcp_as("alice", elicitation=user, mode=mode) as client:
        missing = await client.call_tool("nc_deck_delete_board", {"board_id": 4242})
        unknown = await client.call_tool("nc_contacts_delete_addressbook", {"addressbook": "nope"})
    assert missing.is_error and "nc_deck_get_board" in error_text(missing)
    assert unknown.is_error and "nc_contacts_list_addressbooks" in error_text(unknown)
    assert user.asked == []


async def test_one_trashed_item_or_an_empty_trash_needs_no_confirmation(mcp_as: McpFactory) -> None:
    user = User()
    async with mcp_as("alice", elicitation=user) as client:
        emptied = await _call(client, "nc_files_delete_trash", {"all": True})
        await _call(client, "nc_files_write_file", {"path": "a.txt", "text": "a"})
        await _call(client, "nc_files_delete_file", {"path": "a.txt"})
        name = (await _call(client, "nc_files_list_trash", {}))["items"][0]["name"]
        one = await _call(client, "nc_files_delete_trash", {"name": name})
        assert not (await _call(client, "nc_files_list_trash", {}))["items"]
    assert emptied == {"deleted": "the whole trash, which was empty", "confirmed_by": None}
    assert one == {"deleted": f"the trashed item {name!r}", "confirmed_by": None}
    assert user.asked == []


async def test_the_confirm_argument_is_described_in_every_confirming_tool(mcp_as: McpFactory) -> None:
    async with mcp_as("alice") as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    more = ["nc_calendar_delete_trash", "nc_notifications_delete_all_notifications"]
    for name in [case.tool for case in CASES] + more:
        schema = tools[name].input_schema
        assert schema["properties"]["confirm"] == {
            "default": False,
            "description": "true: the user agreed to delete it.",
            "type": "boolean",
        }
        assert "confirm" not in schema.get("required", []) and "confirmation" not in schema["properties"]
