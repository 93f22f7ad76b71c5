"""CookbookClient and TablesClient over MockTransport: paths, bodies and error messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from nextcloud_mcp.apps.cookbook.client import CookbookClient, recipe_etag, tool_terms
from nextcloud_mcp.apps.tables.client import TablesClient
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import BadRequest, Conflict, InvalidInput, NotFound
from nextcloud_mcp.core.http import NextcloudHTTP

pytestmark = pytest.mark.anyio
AUTH = httpx2.BasicAuth("a", "b")


def _http(
    make_settings: Callable[..., Settings], handler: Callable[[httpx2.Request], httpx2.Response]
) -> NextcloudHTTP:
    return NextcloudHTTP(make_settings(NEXTCLOUD_RETRIES="0"), transport=httpx2.MockTransport(handler))


async def test_update_sends_the_id_in_the_body(make_settings: Callable[..., Settings]) -> None:
    seen: list[tuple[str, str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append((request.method, request.url.path, json.loads(request.content) if request.content else None))
        return httpx2.Response(200, json=5)

    client = CookbookClient(_http(make_settings, handler), AUTH)
    assert await client.update(5, {"name": "Soup", "id": "999"}) == 5
    assert await client.create({"name": "Tea", "id": "3"}) == 5
    assert seen == [
        ("PUT", "/index.php/apps/cookbook/api/v1/recipes/5", {"name": "Soup", "id": "5"}),
        ("POST", "/index.php/apps/cookbook/api/v1/recipes", {"name": "Tea"}),
    ]


async def test_listing_paths(make_settings: Callable[..., Settings]) -> None:
    paths: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        paths.append(request.url.raw_path.decode())
        return httpx2.Response(200, json=[])

    client = CookbookClient(_http(make_settings, handler), AUTH)
    await client.recipes(category="")
    await client.recipes(category="Main dish")
    await client.recipes(keyword="a,b")
    await client.search("pan/cake")
    assert paths == [
        "/index.php/apps/cookbook/api/v1/category/_",
        "/index.php/apps/cookbook/api/v1/category/Main%20dish",
        "/index.php/apps/cookbook/api/v1/tags/a,b",
        "/index.php/apps/cookbook/api/v1/search/pan%2Fcake",
    ]


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            409,
            {"msg": "Another recipe with that name already exists", "file": "x", "line": 1},
            Conflict,
            "Another recipe with that name already exists; choose another name "
            r"\(nc_cookbook_list_recipes shows those in use\)",
        ),
        (400, "Could not resolve host: x", BadRequest, "Cookbook refused the request: Could not resolve host: x"),
        (422, {"msg": "No recipe name was given."}, BadRequest, "No recipe name"),
        (400, 'Could not parse "recipeYield" field.', BadRequest, 'Could not parse "servings" field'),
        (404, "12", NotFound, "Recipe 12 does not exist .*; nc_cookbook_list_recipes lists the recipes"),
        (502, "Recipe with id 12 was not found.", BadRequest, "Recipe with id 12 was not found"),
    ],
)
async def test_cookbook_errors_keep_the_apps_message(
    make_settings: Callable[..., Settings], status: int, body: Any, error: type[Exception], message: str
) -> None:
    client = CookbookClient(_http(make_settings, lambda r: httpx2.Response(status, json=body)), AUTH)
    with pytest.raises(error, match=message):
        await client.get(12)


async def test_tables_prefers_ocs_and_keeps_400_messages(make_settings: Callable[..., Settings]) -> None:
    seen: list[tuple[str, str, str]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append((request.method, request.url.path, request.headers.get("OCS-APIRequest", "")))
        if request.method == "POST":
            data = {"message": "Value for column Pages exceeds maximum allowed value of 5"}
            return httpx2.Response(400, json={"ocs": {"meta": {"status": "failure", "statuscode": 400}, "data": data}})
        return httpx2.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": []}})

    client = TablesClient(_http(make_settings, handler), AUTH)
    assert await client.list_tables() == []
    with pytest.raises(BadRequest, match="Tables refused the request: Value for column Pages exceeds"):
        await client.create_row("table", 3, {1: 9})
    assert seen == [
        ("GET", "/ocs/v2.php/apps/tables/api/2/tables", "true"),
        ("POST", "/ocs/v2.php/apps/tables/api/2/tables/3/rows", "true"),
    ]


async def test_tables_logs_which_api_family_it_used(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.startswith("/ocs/"):
            return httpx2.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": []}})
        return httpx2.Response(200, json=[])

    client = TablesClient(_http(make_settings, handler), AUTH)
    with caplog.at_level("DEBUG", logger="nextcloud_mcp.apps.tables.client"):
        await client.columns("table", 1)
        await client.rows("view", 2, limit=5, offset=0)
    families = [r.getMessage() for r in caplog.records if r.name == "nextcloud_mcp.apps.tables.client"]
    assert families == [
        "tables: GET /ocs/v2.php/apps/tables/api/2/columns/table/1 via ocs-v2",
        "tables: GET /index.php/apps/tables/api/1/views/2/rows via rest-v1",
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.recipes(category=".."), "The category cannot be '.' or '..'"),
        (lambda c: c.recipes(keyword="a\r\nb"), "The keyword must not contain control characters"),
        (lambda c: c.search(" \t\r\n"), "query is empty"),
    ],
)
async def test_path_segments_are_refused_before_sending(
    make_settings: Callable[..., Settings], call: Callable[[CookbookClient], Any], message: str
) -> None:
    """A `..` segment would be resolved by the HTTP client to another path; control characters match no route."""
    sent: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(request.url.path)
        return httpx2.Response(200, json=[])

    client = CookbookClient(_http(make_settings, handler), AUTH)
    with pytest.raises(InvalidInput, match=message):
        await call(client)
    assert sent == []
    await client.search("pan\ncake")
    assert sent == ["/index.php/apps/cookbook/api/v1/search/pan cake"]


def test_api_field_names_become_the_tools_argument_names() -> None:
    assert (
        tool_terms("prepTime and recipeYield; recipeIngredient, tool") == "prep_time and servings; ingredients, tools"
    )
    assert tool_terms("toolbox prepTimes name") == "toolbox prepTimes name"  # whole words only


def test_recipe_etag_follows_every_change_but_not_the_display_settings() -> None:
    recipe = {"id": "5", "name": "Soup", "recipeYield": 2, "dateModified": "2026-12-05T09:30:00+0000"}
    shown = {**recipe, "printImage": True, "imageUrl": "/index.php/apps/cookbook/webapp/recipes/5/image?size=full"}
    assert recipe_etag(shown) == recipe_etag({**recipe, "printImage": False})
    assert recipe_etag(shown) != recipe_etag({**shown, "recipeYield": 3})  # same second, other content
    assert recipe_etag(shown) != recipe_etag({**shown, "dateModified": "2026-12-05T09:30:01+0000"})
