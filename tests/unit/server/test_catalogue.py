"""The rendered tool catalogue: names, annotations, output schemas and the tools/list size budget."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from nextcloud_mcp.config import Settings
from nextcloud_mcp.server.build import build_server
from nextcloud_mcp.server.catalogue import build_catalogue

pytestmark = pytest.mark.anyio
BUDGET_PER_TOOL = 800  # bytes of JSON per tool in tools/list, annotations and schemas included


async def _rendered(make_settings: Callable[..., Settings]) -> list[dict[str, object]]:
    server = build_server(make_settings())
    return [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in await server.list_tools()]


async def test_every_tool_is_registered_with_a_valid_name(make_settings: Callable[..., Settings]) -> None:
    tools = await _rendered(make_settings)
    names = [str(t["name"]) for t in tools]
    catalogue, _ = build_catalogue()
    assert sorted(names) == sorted(tool.name for tool in catalogue.tools)
    for name in names:
        assert re.fullmatch(r"nc_[a-z]+(_[a-z]+)*", name), name
        assert name.startswith(f"nc_{catalogue.apps[name].toolset}_"), name


async def test_every_tool_has_annotations_and_an_output_schema(make_settings: Callable[..., Settings]) -> None:
    for tool in await _rendered(make_settings):
        ann = tool["annotations"]
        assert isinstance(ann, dict)
        for hint in ("readOnlyHint", "destructiveHint", "idempotentHint"):
            assert isinstance(ann.get(hint), bool), (tool["name"], hint)
        assert isinstance(tool.get("outputSchema"), dict), tool["name"]
        assert len(str(tool["description"])) <= 120, tool["name"]
        if ann["readOnlyHint"]:
            assert ann["destructiveHint"] is False, tool["name"]


async def test_tools_list_stays_within_budget(make_settings: Callable[..., Settings]) -> None:
    sizes = {str(t["name"]): len(json.dumps(t, separators=(",", ":"))) for t in await _rendered(make_settings)}
    over = {name: size for name, size in sizes.items() if size > BUDGET_PER_TOOL * 1.5}
    assert not over, f"tools far over budget: {over}"
    average = sum(sizes.values()) / len(sizes)
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
    assert average <= BUDGET_PER_TOOL, f"average {average:.0f} B per tool; largest: {largest}"
