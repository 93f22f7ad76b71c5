"""The rendered tool catalogue: names, annotations, output schemas and the tools/list size budget."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from nextcloud_mcp.config import Settings
from nextcloud_mcp.server.build import build_server
from nextcloud_mcp.server.catalogue import build_catalogue

pytestmark = pytest.mark.anyio


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
    """Annotations carry only what differs from the MCP defaults (readOnlyHint false, destructiveHint true,
    idempotentHint false, openWorldHint true), so every tool says openWorldHint false and nothing redundant."""
    defaults = {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": False, "openWorldHint": True}
    for tool in await _rendered(make_settings):
        ann = tool["annotations"]
        assert isinstance(ann, dict)
        assert ann.get("openWorldHint") is False, tool["name"]
        assert all(ann[key] != value for key, value in defaults.items() if key in ann), (tool["name"], ann)
        if ann.get("readOnlyHint"):
            assert set(ann) == {"readOnlyHint", "openWorldHint"}, tool["name"]
        assert isinstance(tool.get("outputSchema"), dict), tool["name"]
        assert len(str(tool["description"])) <= 120, tool["name"]
