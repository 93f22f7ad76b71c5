"""Cookbook tools against the fake Nextcloud: recipes, read-modify-write updates, import, isolation, OAuth."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from mcp import Client

from fake_nextcloud.app import FakeNextcloud
from fake_nextcloud.apps.cookbook.models import CookbookBackend
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.server.build import build_server
from support.mcp_helpers import McpFactory, error_text, structured
from support.oauth_apps import RecordingTransport, oauth_gate
from support.openapi import HttpxOpenAPIRequest, load_spec

pytestmark = pytest.mark.anyio
PANCAKES = {
    "name": "Pancakes",
    "description": "Fluffy.",
    "recipeCategory": "Breakfast",
    "keywords": "sweet,quick",
    "recipeIngredient": ["2 eggs", "200 g flour"],
    "recipeInstructions": ["Mix", "Fry"],
    "tool": ["pan"],
    "recipeYield": 4,
    "prepTime": "PT10M",
    "nutrition": {"@type": "NutritionInformation", "calories": "300 kcal"},
}
PAGE = "https://recipes.example/soup"


async def _seed(control: httpx2.AsyncClient, user: str = "alice", **body: Any) -> list[int]:
    response = await control.post("/__testbed__/seed/cookbook", json={"user": user, **body})
    assert response.status_code == 201, response.text
    return list(response.json()["recipes"])


async def test_list_search_filter_and_get(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    pancakes, soup, _ = await _seed(
        control, recipes=[PANCAKES, {"name": "Soup", "keywords": "quick,hot"}, {"name": "Tea"}]
    )
    async with mcp_as("alice") as client:
        listed = structured(await client.call_tool("nc_cookbook_list_recipes", {}))
        assert listed["total"] == 3 and [r["name"] for r in listed["items"]] == ["Pancakes", "Soup", "Tea"]
        assert listed["items"][0] == {
            "id": pancakes,
            "name": "Pancakes",
            "category": "Breakfast",
            "keywords": ["sweet", "quick"],
        }
        assert listed["items"][1]["category"] is None and listed["next_cursor"] is None
        found = structured(await client.call_tool("nc_cookbook_list_recipes", {"query": "hot pan"}))
        assert [r["id"] for r in found["items"]] == [pancakes, soup]
        by_keyword = structured(await client.call_tool("nc_cookbook_list_recipes", {"keyword": "quick"}))
        assert by_keyword["total"] == 2
        uncategorised = structured(await client.call_tool("nc_cookbook_list_recipes", {"category": ""}))
        assert [r["name"] for r in uncategorised["items"]] == ["Soup", "Tea"]
        limited = structured(await client.call_tool("nc_cookbook_list_recipes", {"limit": 1}))
        assert (len(limited["items"]), limited["total"], limited["next_cursor"]) == (1, 3, "1")
        rest = structured(await client.call_tool("nc_cookbook_list_recipes", {"limit": 5, "cursor": "1"}))
        assert [r["name"] for r in rest["items"]] == ["Soup", "Tea"] and rest["next_cursor"] is None
        recipe = structured(await client.call_tool("nc_cookbook_get_recipe", {"recipe_id": pancakes}))
    assert recipe["ingredients"] == ["2 eggs", "200 g flour"] and recipe["servings"] == 4
    assert (recipe["prep_time"], recipe["cook_time"], recipe["tools"]) == ("PT10M", None, ["pan"])
    assert recipe["etag"] and recipe["modified"].endswith("+00:00") and recipe["url"] is None


async def test_create_and_update_preserve_unmentioned_fields(
    mcp_as: McpFactory, control: httpx2.AsyncClient, fake: FakeNextcloud
) -> None:
    async with mcp_as("alice") as client:
        args = {"name": "Pancakes", "ingredients": ["2 eggs"], "keywords": ["sweet"], "total_time": "PT25M"}
        created = structured(await client.call_tool("nc_cookbook_create_recipe", args))
        recipe_id = created["id"]
        assert created == structured(await client.call_tool("nc_cookbook_get_recipe", {"recipe_id": recipe_id}))
        stored = CookbookBackend.of(fake.fake_state).get("alice", recipe_id)
        assert stored is not None and stored["keywords"] == "sweet" and stored["totalTime"] == "PT25M"
        born = stored["dateCreated"]
        stored_extra = {"nutrition": {"@type": "NutritionInformation", "calories": "300 kcal"}, "tool": ["pan"]}
        CookbookBackend.of(fake.fake_state).user("alice").recipes[recipe_id].update(stored_extra)
        etag = structured(await client.call_tool("nc_cookbook_get_recipe", {"recipe_id": recipe_id}))["etag"]
        assert etag != created["etag"]  # any change to the stored recipe changes its etag
        changed = structured(
            await client.call_tool(
                "nc_cookbook_update_recipe", {"recipe_id": recipe_id, "etag": etag, "description": "Fluffy."}
            )
        )
        recipe = structured(await client.call_tool("nc_cookbook_get_recipe", {"recipe_id": recipe_id}))
        assert changed == recipe  # update returns what get returns, with the new etag
        assert recipe["description"] == "Fluffy." and recipe["ingredients"] == ["2 eggs"]
        assert recipe["total_time"] == "PT25M" and recipe["tools"] == ["pan"] and recipe["keywords"] == ["sweet"]
        after = CookbookBackend.of(fake.fake_state).get("alice", recipe_id)
        assert after is not None and after["nutrition"]["calories"] == "300 kcal"  # fields the tool never shows
        assert after["dateCreated"] == born  # sent back: the app would reset a missing one
        renamed = await client.call_tool(
            "nc_cookbook_update_recipe", {"recipe_id": recipe_id, "etag": changed["etag"], "name": "Crêpes"}
        )
        assert structured(renamed)["name"] == "Crêpes"
        listed = structured(await client.call_tool("nc_cookbook_list_recipes", {}))
        assert [(r["id"], r["name"]) for r in listed["items"]] == [(recipe_id, "Crêpes")]  # no duplicate


async def test_update_needs_the_etag_and_refuses_a_changed_recipe(
    mcp_as: McpFactory, control: httpx2.AsyncClient, fake: FakeNextcloud
) -> None:
    (pancakes,) = await _seed(control, recipes=[PANCAKES])
    async with mcp_as("alice") as client:
        read = structured(await client.call_tool("nc_cookbook_get_recipe", {"recipe_id": pancakes}))
        blind = await client.call_tool("nc_cookbook_update_recipe", {"recipe_id": pancakes, "servings": 2})
        text = error_text(blind)
        assert blind.is_error and "etag" in text and "force=true" in text and "nc_cookbook_get_recipe" in text
        # someone else edits the recipe in the same second (dateModified alone would not tell)
        CookbookBackend.of(fake.fake_state).user("alice").recipes[pancakes]["recipeYield"] = 6
        stale = await client.call_tool(
            "nc_cookbook_update_recipe", {"recipe_id": pancakes, "etag": read["etag"], "servings": 2}
        )
        text = error_text(stale)
        assert stale.is_error and "changed since you read it" in text and "nothing was overwritten" in text
        assert "nc_cookbook_get_recipe" in text and "already exists" not in text
        assert CookbookBackend.of(fake.fake_state).get("alice", pancakes)["recipeYield"] == 6  # type: ignore[index]
        forced = structured(
            await client.call_tool("nc_cookbook_update_recipe", {"recipe_id": pancakes, "force": True, "servings": 2})
        )
        assert forced["servings"] == 2 and forced["etag"] != read["etag"]


async def test_failures_are_explained(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    (pancakes,) = await _seed(control, recipes=[PANCAKES])
    async with mcp_as("alice") as client:
        clash = await client.call_tool("nc_cookbook_create_recipe", {"name": "Pancakes"})
        assert clash.is_error and "Another recipe with that name already exists" in error_text(clash)
        assert "nc_cookbook_list_recipes" in error_text(clash)
        nameless = await client.call_tool("nc_cookbook_create_recipe", {"description": "x"})
        assert nameless.is_error and "name: is required" in error_text(nameless)
        bad_time = await client.call_tool(
            "nc_cookbook_update_recipe", {"recipe_id": pancakes, "force": True, "prep_time": "10 minutes"}
        )
        text = error_text(bad_time)
        assert bad_time.is_error and "prep_time must be an ISO 8601 duration" in text and "prepTime" not in text
        missing = await client.call_tool("nc_cookbook_get_recipe", {"recipe_id": 987654})
        assert missing.is_error and "Recipe 987654 does not exist" in error_text(missing)
        assert "nc_cookbook_list_recipes" in error_text(missing)
        gone = await client.call_tool("nc_cookbook_delete_recipe", {"recipe_id": 987654})
        assert gone.is_error and "does not exist" in error_text(gone)
        update_missing = await client.call_tool(
            "nc_cookbook_update_recipe", {"recipe_id": 987654, "force": True, "description": "x"}
        )
        assert update_missing.is_error and "does not exist" in error_text(update_missing)


async def test_delete(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    (pancakes,) = await _seed(control, recipes=[PANCAKES])
    async with mcp_as("alice") as client:
        assert structured(await client.call_tool("nc_cookbook_delete_recipe", {"recipe_id": pancakes})) == {
            "id": pancakes,
            "deleted": True,
        }
        assert structured(await client.call_tool("nc_cookbook_list_recipes", {}))["total"] == 0


async def test_import_from_seeded_pages(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    jsonld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "name": "Soup page"},
            {"@type": "Recipe", "name": "Tomato soup", "recipeIngredient": ["tomatoes"], "recipeYield": "2 bowls"},
        ],
    }
    await _seed(control, pages={PAGE: {"jsonld": jsonld}, "https://recipes.example/gone": {"status": 404}})
    async with mcp_as("alice") as client:
        imported = structured(await client.call_tool("nc_cookbook_import_recipe", {"url": PAGE}))
        recipe = structured(await client.call_tool("nc_cookbook_get_recipe", {"recipe_id": imported["id"]}))
        assert imported == recipe
        assert (recipe["name"], recipe["url"], recipe["servings"]) == ("Tomato soup", PAGE, 2)
        twice = await client.call_tool("nc_cookbook_import_recipe", {"url": PAGE})
        assert twice.is_error and "already exists" in error_text(twice)
        assert "nothing was imported" in error_text(twice) and "nc_cookbook_update_recipe" in error_text(twice)
        assert "choose another name" not in error_text(twice)  # the name comes from the page, not from the caller
        unknown = await client.call_tool("nc_cookbook_import_recipe", {"url": "https://unknown.example/x"})
        assert unknown.is_error and "Could not resolve host: unknown.example" in error_text(unknown)
        gone = await client.call_tool("nc_cookbook_import_recipe", {"url": "https://recipes.example/gone"})
        assert gone.is_error and "HTTP status code 404" in error_text(gone)
        local = await client.call_tool("nc_cookbook_import_recipe", {"url": "http://localhost/x"})
        assert local.is_error and "The provided URL is not allowed" in error_text(local)


async def test_categories_keywords_config_index(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, recipes=[PANCAKES, {"name": "Soup", "keywords": "quick,hot"}, {"name": "Tea"}])
    async with mcp_as("alice") as client:
        categories = structured(await client.call_tool("nc_cookbook_list_categories", {}))
        assert categories == {
            "items": [{"name": "Breakfast", "recipes": 1}, {"name": "", "recipes": 2}],
            "next_cursor": None,
            "total": 2,
        }
        keywords = structured(await client.call_tool("nc_cookbook_list_keywords", {"limit": 2}))
        assert keywords["items"] == [{"name": "hot", "recipes": 1}, {"name": "quick", "recipes": 2}]
        assert keywords["next_cursor"] == "2" and keywords["total"] == 3
        config = structured(await client.call_tool("nc_cookbook_set_config", {}))
        assert config == {"folder": "/Recipes", "update_interval": 5, "print_image": True}
        changed = structured(
            await client.call_tool("nc_cookbook_set_config", {"update_interval": 60, "print_image": False})
        )
        assert changed == {"folder": "/Recipes", "update_interval": 60, "print_image": False}
        done = structured(await client.call_tool("nc_cookbook_create_index", {}))
        assert done == {"message": "Search index rebuilt successfully"}
    async with mcp_as("bob") as client:
        assert structured(await client.call_tool("nc_cookbook_set_config", {}))["update_interval"] == 5


async def test_users_are_isolated(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    (pancakes,) = await _seed(control, recipes=[PANCAKES])
    async with mcp_as("bob") as client:
        assert structured(await client.call_tool("nc_cookbook_list_recipes", {}))["total"] == 0
        foreign = await client.call_tool("nc_cookbook_get_recipe", {"recipe_id": pancakes})
        assert foreign.is_error and "does not exist" in error_text(foreign)
        assert (await client.call_tool("nc_cookbook_delete_recipe", {"recipe_id": pancakes})).is_error
    async with mcp_as("alice") as client:
        assert structured(await client.call_tool("nc_cookbook_list_recipes", {}))["total"] == 1


async def test_tools_hidden_when_the_app_is_disabled(mcp_as: McpFactory, fake: FakeNextcloud) -> None:
    fake.fake_state.disable_app("cookbook")
    fake.fake_state.disable_app("tables")
    async with mcp_as("alice") as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert not any(n.startswith(("nc_cookbook_", "nc_tables_")) for n in names)


@pytest.mark.parametrize("patched", [False, True])
async def test_oauth_works_with_and_without_the_bearer_patch(
    fake: FakeNextcloud, control: httpx2.AsyncClient, patched: bool
) -> None:
    """The Cookbook has only #[CORS] REST routes; the client's OCS-APIRequest header keeps the Bearer session
    (nextcloud/server Request::passesCSRFCheck), so every tool works unpatched too."""
    (pancakes,) = await _seed(control, recipes=[PANCAKES])
    scope = "cookbook:read cookbook:write"
    async with oauth_gate(fake, patched=patched) as gate:
        assert "nc_cookbook_list_recipes" in await gate.tool_names(scope=scope)  # capabilities come through OCS
        for name, args in (
            ("nc_cookbook_list_recipes", {}),
            ("nc_cookbook_get_recipe", {"recipe_id": pancakes}),
            ("nc_cookbook_update_recipe", {"recipe_id": pancakes, "force": True, "description": "OAuth"}),
            ("nc_cookbook_list_categories", {}),
        ):
            result = await gate.call(name, args, scope=scope)
            assert not result.error, (patched, name, result.text)
        if patched:
            bobs = await gate.call("nc_cookbook_list_recipes", {}, user="bob", scope=scope)
            assert bobs.data["total"] == 0


async def test_requests_match_the_cookbook_spec(fake: FakeNextcloud, control: httpx2.AsyncClient) -> None:
    """The client's requests, validated against cookbook.json (paths there lack ``/index.php``). Recipe writes are
    not: the spec reuses the *response* Recipe (``imageUrl``, ``dateCreated``… required) as request body."""
    (pancakes,) = await _seed(control, recipes=[PANCAKES], pages={PAGE: {"jsonld": {"@type": "Recipe", "name": "S"}}})
    recorder = RecordingTransport(httpx2.ASGITransport(app=fake))
    environ = {"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "alice", "NEXTCLOUD_PASSWORD": "alice-secret"}
    server = build_server(load_settings(environ={**environ, "MCP_CAPABILITIES_TTL": "0"}), transport=recorder)
    async with Client(server) as client:
        for name, args in (
            ("nc_cookbook_list_recipes", {}),
            ("nc_cookbook_list_recipes", {"query": "pan cake"}),
            ("nc_cookbook_list_recipes", {"category": "Breakfast"}),
            ("nc_cookbook_list_recipes", {"keyword": "sweet,quick"}),
            ("nc_cookbook_get_recipe", {"recipe_id": pancakes}),
            ("nc_cookbook_import_recipe", {"url": PAGE}),
            ("nc_cookbook_list_categories", {}),
            ("nc_cookbook_list_keywords", {}),
            ("nc_cookbook_set_config", {}),
            ("nc_cookbook_set_config", {"update_interval": 10, "print_image": False}),
            ("nc_cookbook_create_index", {}),
            ("nc_cookbook_delete_recipe", {"recipe_id": pancakes}),
        ):
            structured(await client.call_tool(name, args))
    spec, server_url = load_spec("cookbook.json")
    checked = []
    for request in recorder.requests:
        path = request.url.path
        if not path.startswith("/index.php/apps/cookbook/") or (path.endswith("/recipes") and request.method != "GET"):
            continue
        bare = httpx2.Request(
            request.method, request.url.copy_with(path=path.removeprefix("/index.php")), headers=request.headers,
            content=request.content,
        )  # fmt: skip
        spec.validate_request(HttpxOpenAPIRequest(bare, server_url or "http://localhost:8000"))
        checked.append(f"{request.method} {path}")
    assert len(checked) >= 12, checked
