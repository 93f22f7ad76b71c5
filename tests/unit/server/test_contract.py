"""The tool contract (docs/tools.md, "The tool contract"), checked over the whole `tools/list` so every app, and
every future one, keeps it: one naming grammar, one list envelope, full objects from create/update, every
parameter described, etag-guarded replacements, descriptions and error texts that name only real tools."""

from __future__ import annotations

import ast
import importlib.util
import itertools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel

from nextcloud_mcp.config import Settings, load_settings
from nextcloud_mcp.core.tool import tool
from nextcloud_mcp.server.build import build_server
from nextcloud_mcp.server.catalogue import PACKAGE, build_catalogue
from nextcloud_mcp.server.offer import tool_offer
from nextcloud_mcp.server.registry import build_tool
from nextcloud_mcp.server.state import AppState

pytestmark = pytest.mark.anyio

VERBS = frozenset(
    [
        "list",
        "get",
        "search",
        "create",
        "update",
        "delete",
        "append",
        "move",
        "copy",
        "restore",
        "upload",
        "download",
        "read",
        "write",
        "set",
        "add",
        "remove",
        "accept",
        "import",
        "clone",
        "complete",
        "reopen",
        "assign",
        "query",
        "enable",  # nc_toolsets_enable_toolsets (dynamic toolsets)
        "call",  # nc_toolsets_call_tool (dynamic toolsets without a session)
    ]
)
#: Verbs whose tools never change anything, and verbs whose tools always do (MCP_READ_ONLY relies on both).
READ_VERBS = frozenset(["list", "get", "search", "read", "query"])
WRITE_VERBS = VERBS - READ_VERBS - {"enable", "call"}
NAME = re.compile(r"^nc_(?P<toolset>[a-z]+)_(?P<verb>[a-z]+)_(?P<object>[a-z]+(?:_[a-z]+)*)$")
BUDGET_PER_TOOL = 850  # mean bytes of JSON per tool in tools/list, every parameter described
MAX_TOOL_BYTES = 2500  # no single tool may dominate
ENVELOPE = {"items", "next_cursor", "total"}
#: Tools that replace content but whose Nextcloud API has no version to check, with the reason.
NO_ETAG: dict[str, str] = {
    "nc_mail_update_draft": "DraftsController::update replaces the draft; LocalMessage has no version to check",
    "nc_mail_update_message": "sets flags and the mailbox only: a message's content never changes (no etag in Mail)",
    "nc_news_update_folder": "News API v1.3 renames/marks read with no version (FolderApiController::update, read)",
    "nc_news_update_feed": "News API v1.3 renames/moves/marks read with no version (FeedApiController)",
    "nc_news_update_items": "read/star marks are flags set idempotently; the News API has no item version",
    "nc_semantic_update_index": "refreshes the server's derived index from Nextcloud; no user content is written",
}

_CATALOGUE, _ = build_catalogue()
_DYNAMIC = load_settings(
    environ={"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "a", "NEXTCLOUD_PASSWORD": "p"}
    | {"MCP_DYNAMIC_TOOLSETS": "true"}
    # the `nc_semantic_*` tools too (MCP_SEMANTIC), when the `semantic` extra is installed
    | (
        {"MCP_SEMANTIC": "true"}
        if importlib.util.find_spec("qdrant_client") and importlib.util.find_spec("wordllama")
        else {}
    )
)
_POLICY, _EVERY_TOOL = tool_offer(_DYNAMIC, AppState(_DYNAMIC, None), _CATALOGUE)  # the catalogue + nc_toolsets_*
TOOLS: list[dict[str, Any]] = [
    {
        "name": t.name,
        "description": t.description,
        "inputSchema": t.parameters,
        "outputSchema": t.output_schema,
        "annotations": t.annotations.model_dump(by_alias=True) if t.annotations else {},
        "toolset": _CATALOGUE.apps[t.name].toolset if t.name in _CATALOGUE.apps else t.name.split("_")[1],
    }
    for t in _EVERY_TOOL
]
BY_NAME = {tool["name"]: tool for tool in TOOLS}
NAMES = sorted(BY_NAME)


def _parts(name: str) -> tuple[str, str, str]:
    match = NAME.match(name)
    assert match, f"{name} does not follow nc_<toolset>_<verb>_<object>"
    return match["toolset"], match["verb"], match["object"]


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (small strings)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


@pytest.mark.parametrize("name", NAMES)
def test_names_follow_one_grammar(name: str) -> None:
    toolset, verb, _ = _parts(name)
    assert toolset == BY_NAME[name]["toolset"], f"{name} is not named after its toolset"
    assert verb in VERBS, f"{name}: verb {verb!r} is not one of {sorted(VERBS)}"


@pytest.mark.parametrize("name", NAMES)
def test_the_read_only_annotation_follows_the_verb(name: str) -> None:
    """list/get/search/read/query tools are read-only; tools that create, change, move or delete are not."""
    verb = _parts(name)[1]
    read_only = bool(BY_NAME[name]["annotations"].get("readOnlyHint"))
    if verb in READ_VERBS:
        assert read_only, f"{name} reads only but is not annotated read-only"
    if verb in WRITE_VERBS:
        assert not read_only, f"{name} changes data but is annotated read-only (MCP_READ_ONLY would offer it)"


def test_no_two_names_differ_by_one_character() -> None:
    close = [(a, b) for a, b in itertools.combinations(NAMES, 2) if _distance(a, b) <= 1]
    assert not close


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_is_described(name: str) -> None:
    properties = BY_NAME[name]["inputSchema"].get("properties", {})
    missing = [p for p, schema in properties.items() if not str(schema.get("description", "")).strip()]
    assert not missing, f"{name}: undescribed parameters {missing}"
    assert len(BY_NAME[name]["description"]) <= 120, name


@pytest.mark.parametrize("name", [n for n in NAMES if _parts(n)[1] in ("list", "search")])
def test_list_tools_page_with_one_envelope(name: str) -> None:
    tool = BY_NAME[name]
    params = set(tool["inputSchema"].get("properties", {}))
    assert {"limit", "cursor"} <= params, f"{name} takes no limit/cursor"
    output = tool["outputSchema"] or {}
    assert set(output.get("properties", {})) == ENVELOPE, f"{name} returns {sorted(output.get('properties', {}))}"


def _object_properties(tool: dict[str, Any]) -> set[str]:
    return set((tool["outputSchema"] or {}).get("properties", {}))


def _getter(name: str) -> str:
    toolset, _, obj = _parts(name)
    return f"nc_{toolset}_get_{obj}"


@pytest.mark.parametrize("name", [n for n in NAMES if _parts(n)[1] in ("create", "update") and _getter(n) in BY_NAME])
def test_create_and_update_return_what_get_returns(name: str) -> None:
    """(Objects without a get tool, such as Deck stacks or calendars, come back as their list tool shows them.)"""
    assert _object_properties(BY_NAME[name]) == _object_properties(BY_NAME[_getter(name)]), name


@pytest.mark.parametrize("name", [n for n in NAMES if _parts(n)[1] in ("update", "write")])
def test_content_replacements_take_the_etag_read_or_force(name: str) -> None:
    if name in NO_ETAG:
        pytest.skip(NO_ETAG[name])
    params = set(BY_NAME[name]["inputSchema"].get("properties", {}))
    assert {"etag", "force"} <= params, f"{name} must take etag and force"
    assert "etag" in BY_NAME[name]["description"] or "etag" in json.dumps(BY_NAME[name]["inputSchema"])


def _tool_names_in(text: str) -> set[str]:
    return set(re.findall(r"\bnc_[a-z]+_[a-z_]+[a-z]\b", text))


def test_descriptions_name_only_real_tools() -> None:
    named = {ref for tool in TOOLS for ref in _tool_names_in(json.dumps([tool["description"], tool["inputSchema"]]))}
    assert named <= set(NAMES), sorted(named - set(NAMES))


def test_error_texts_in_the_code_name_only_real_tools() -> None:
    """Every `nc_…` tool name in a string literal of the server's code (error messages, hints) exists."""
    unknown: dict[str, set[str]] = {}
    for path in Path(PACKAGE).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                bad = _tool_names_in(node.value) - set(NAMES)
                if bad:
                    unknown.setdefault(str(path.relative_to(PACKAGE)), set()).update(bad)
    assert not unknown, unknown


async def test_tools_list_stays_within_budget(make_settings: Callable[..., Settings]) -> None:
    server = build_server(make_settings())
    rendered = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in await server.list_tools()]
    sizes = {str(t["name"]): len(json.dumps(t, separators=(",", ":"))) for t in rendered}
    mean = sum(sizes.values()) / len(sizes)
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:3]
    assert mean <= BUDGET_PER_TOOL, f"mean {mean:.0f} B per tool; largest: {largest}"
    assert largest[0][1] <= MAX_TOOL_BYTES, f"largest tools: {largest}"


class _Thing(BaseModel):
    id: int
    tags: list[str]


async def test_text_content_is_compact_json() -> None:
    async def get_thing() -> _Thing:
        return _Thing(id=1, tags=["a", "b"])

    spec = tool("nc_test_get_thing", "Get a thing", "A thing.", app="test", read_only=True)(get_thing)
    server = MCPServer(name="t", tools=[build_tool(spec)])
    async with Client(server) as client:
        result = await client.call_tool("nc_test_get_thing", {})
    assert result.structured_content == {"id": 1, "tags": ["a", "b"]}
    assert [getattr(block, "text", None) for block in result.content] == ['{"id":1,"tags":["a","b"]}']
