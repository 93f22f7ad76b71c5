"""The tool wrapper (`server/registry.py`): Nextcloud errors become one-line tool errors, argument errors are
rewritten per argument without library noise, and model results are sent once with a compact text copy."""

from __future__ import annotations

from typing import Annotated

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from nextcloud_mcp.core.errors import NotFound
from nextcloud_mcp.core.tool import tool
from nextcloud_mcp.server.registry import build_tool

pytestmark = pytest.mark.anyio


class _Thing(BaseModel):
    id: int
    name: str | None


async def _get_thing(
    thing_id: Annotated[int, Field(ge=1, description="Thing id.")],
    label: Annotated[str, Field(max_length=3, description="A label.")] = "x",
) -> _Thing:
    if thing_id == 404:
        raise NotFound("Thing 404 does not exist; list them with nc_test_list_things.", method="GET", path="/t")
    return _Thing(id=thing_id, name=None)


SERVER = MCPServer(
    name="t", tools=[build_tool(tool("nc_test_get_thing", "Get", "A thing.", app="t", read_only=True)(_get_thing))]
)


async def _call(arguments: dict[str, object]) -> tuple[bool, str, object]:
    async with Client(SERVER) as client:
        result = await client.call_tool("nc_test_get_thing", arguments)
    text = "".join(getattr(block, "text", "") for block in result.content)
    return result.is_error, text, result.structured_content


async def test_argument_errors_name_each_argument_without_library_noise() -> None:
    is_error, text, _ = await _call({"thing_id": "abc", "label": "toolong"})
    assert is_error
    assert text.startswith("Error executing tool nc_test_get_thing: Invalid arguments: ")
    assert "thing_id: Input should be a valid integer" in text
    assert "label: String should have at most 3 characters" in text
    assert "pydantic" not in text and "http" not in text and "input_value" not in text


async def test_a_missing_argument_is_named() -> None:
    is_error, text, _ = await _call({})
    assert is_error and "thing_id: is required" in text


async def test_nextcloud_errors_are_one_line_tool_errors() -> None:
    is_error, text, _ = await _call({"thing_id": 404})
    assert is_error
    assert (
        text == "Error executing tool nc_test_get_thing: Thing 404 does not exist; list them with nc_test_list_things."
    )


async def test_results_are_sent_once_with_a_compact_text_copy_and_nulls_kept() -> None:
    is_error, text, structured = await _call({"thing_id": 7})
    assert not is_error
    assert structured == {"id": 7, "name": None}
    assert text == '{"id":7,"name":null}'
