"""Recipe tools (`nc_cookbook_*_recipe(s)`): schema.org recipes; updates change only the fields given.

The Cookbook API replaces a recipe wholesale and has no version check, so an update reads the recipe, compares its
etag (`recipe_etag`, a digest of what `nc_cookbook_get_recipe` showed) with the caller's, merges and writes back
everything it read. The API is REST (`#[CORS]`) only, so in OAuth mode these tools need the Bearer patch.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.cookbook.client import (
    FIELDS,
    SHOWN_ONLY,
    CookbookClient,
    RecipeStub,
    cookbook_client,
    recipe_etag,
)
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, iso, page, require_etag
from nextcloud_mcp.core.errors import Conflict, InvalidInput, NextcloudError
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

GET_TOOL = "nc_cookbook_get_recipe"
RecipeId = Annotated[int, Field(ge=1, description="Recipe id from nc_cookbook_list_recipes")]
Name = Annotated[str, Field(min_length=1, max_length=200, description="Unique recipe name")]
Text = Annotated[str | None, Field(description="Short description")]
Category = Annotated[str | None, Field(description="From nc_cookbook_list_categories; '' for none")]
Keywords = Annotated[list[str] | None, Field(description="e.g. ['vegan', 'quick']")]
Servings = Annotated[int | None, Field(ge=1, description="Number of servings")]
Duration = Annotated[str | None, Field(description="ISO 8601 duration, e.g. PT1H30M")]
Ingredients = Annotated[list[str] | None, Field(description="One per item, e.g. '200 g flour'")]
Steps = Annotated[list[str] | None, Field(description="Steps, in order")]
_DURATION = re.compile(r"^P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$")


class RecipeSummary(BaseModel):
    id: int
    name: str
    category: str | None
    keywords: list[str]


class Recipe(RecipeSummary):  # what get, create, update and import return
    etag: str
    description: str | None
    servings: int
    prep_time: str | None
    cook_time: str | None
    total_time: str | None
    ingredients: list[str]
    instructions: list[str]
    tools: list[str]
    url: str | None
    modified: str | None


class Deleted(BaseModel):
    id: int
    deleted: bool


def _kw(value: Any) -> list[str]:
    return [k for k in str(value or "").split(",") if k]


def _summary(stub: RecipeStub) -> RecipeSummary:
    return RecipeSummary(id=int(stub.id), name=stub.name, category=stub.category or None, keywords=_kw(stub.keywords))


def _when(value: Any) -> str | None:
    """Cookbook's ``date(DATE_ISO8601)`` (``+0000``) as ISO 8601 with ``+00:00``; unreadable values as null."""
    try:
        return iso(datetime.fromisoformat(str(value))) if value else None
    except ValueError:
        return None


def _recipe(data: dict[str, Any]) -> Recipe:
    def strings(key: str) -> list[str]:
        value = data.get(key) or []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    return Recipe(
        id=int(data.get("id") or 0),
        etag=recipe_etag(data),
        name=str(data.get("name", "")),
        category=str(data.get("recipeCategory") or "") or None,
        keywords=_kw(data.get("keywords")),
        description=str(data.get("description") or "") or None,
        servings=int(data.get("recipeYield") or 1),
        prep_time=data.get("prepTime") or None,
        cook_time=data.get("cookTime") or None,
        total_time=data.get("totalTime") or None,
        ingredients=strings("recipeIngredient"),
        instructions=strings("recipeInstructions"),
        tools=strings("tool"),
        url=str(data.get("url") or "") or None,
        modified=_when(data.get("dateModified")),
    )


def _fields(given: dict[str, Any]) -> dict[str, Any]:
    """Tool arguments -> schema.org keys, only for the arguments given (None = not mentioned); errors name the
    tool's arguments, not the API's keys."""
    for name in ("prep_time", "cook_time", "total_time"):
        value = given.get(name)
        if value is not None and value != "" and not _DURATION.match(value):
            raise InvalidInput(f"{name} must be an ISO 8601 duration such as PT1H30M (or '' for none); got {value!r}.")
    for name in ("ingredients", "instructions"):
        if any(len(line) > 5000 for line in given.get(name) or []):
            raise InvalidInput(f"A line of {name} is longer than 5000 characters; split it.")
    out = {FIELDS.get(k, k): v for k, v in given.items() if v is not None and k != "keywords"}
    if given.get("keywords") is not None:
        out["keywords"] = ",".join(k.strip() for k in given["keywords"] if k.strip())
    return out


def _client(ctx: Context) -> CookbookClient:
    return cookbook_client(session(ctx))


@tool(
    "nc_cookbook_list_recipes", "List recipes",
    "List recipes: all, matching query words, of a category or with a keyword.",
    app="cookbook", read_only=True, idempotent=True,
)  # fmt: skip
async def cookbook_list_recipes(
    ctx: Context,
    query: Annotated[
        str | None, Field(min_length=1, max_length=200, description="Words in name/category/keywords")
    ] = None,
    category: Category = None,
    keyword: Annotated[str | None, Field(max_length=200, description="From nc_cookbook_list_keywords")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[RecipeSummary]:
    client = _client(ctx)
    if query is not None:
        stubs = await client.search(query)  # name, category or keyword contains one of the words
    else:
        stubs = await client.recipes(category=category, keyword=keyword)
    return page([_summary(s) for s in stubs], limit, cursor)


@tool(
    GET_TOOL, "Get a recipe", "Get one recipe in full, with its etag.",
    app="cookbook", read_only=True, idempotent=True,
)  # fmt: skip
async def cookbook_get_recipe(ctx: Context, recipe_id: RecipeId) -> Recipe:
    return _recipe(await _client(ctx).get(recipe_id))


@tool(
    "nc_cookbook_create_recipe", "Create a recipe", "Create a recipe.",
    app="cookbook", read_only=False,
)  # fmt: skip
async def cookbook_create_recipe(
    ctx: Context,
    name: Name,
    ingredients: Ingredients = None,
    instructions: Steps = None,
    description: Text = None,
    category: Category = None,
    keywords: Keywords = None,
    servings: Servings = None,
    prep_time: Duration = None,
    cook_time: Duration = None,
    total_time: Duration = None,
) -> Recipe:
    fields = _fields({k: v for k, v in locals().items() if k != "ctx"})
    client = _client(ctx)
    try:
        recipe_id = await client.create(fields)
    except Conflict as exc:  # a name clash: maybe the recipe of an earlier call that got no answer
        exc.message += (
            f" If it is the recipe you meant to create (an earlier call without an answer), it exists already: "
            f"find it with nc_cookbook_list_recipes (query={name!r})."
        )
        raise
    return await _reread(client, recipe_id, f"Recipe {recipe_id} {name!r} was created")


@tool(
    "nc_cookbook_update_recipe", "Update a recipe",
    "Change the given fields of a recipe (needs its etag); a list replaces the old one.",
    app="cookbook", read_only=False, destructive=True,
)  # fmt: skip
async def cookbook_update_recipe(
    ctx: Context,
    recipe_id: RecipeId,
    etag: Etag = None,
    force: Force = False,
    name: Annotated[str | None, Field(min_length=1, max_length=200, description="New name")] = None,
    ingredients: Ingredients = None,
    instructions: Steps = None,
    description: Text = None,
    category: Category = None,
    keywords: Keywords = None,
    servings: Servings = None,
    prep_time: Duration = None,
    cook_time: Duration = None,
    total_time: Duration = None,
) -> Recipe:
    require_etag(etag, force, what="recipe", get_tool=GET_TOOL)
    changes = _fields({k: v for k, v in locals().items() if k not in ("ctx", "recipe_id", "etag", "force")})
    client = _client(ctx)
    current = await client.get(recipe_id)  # read-modify-write: the API replaces the whole recipe
    now = recipe_etag(current)
    if etag and etag.strip().strip('"') != now:
        raise Conflict(
            f"Recipe {recipe_id} changed since you read it (etag {etag}, now {now}, modified "
            f"{_when(current.get('dateModified'))}); nothing was overwritten. Read it again with {GET_TOOL} and "
            "re-apply your change.",
            current=now,
        )
    merged = {k: v for k, v in current.items() if k not in (*SHOWN_ONLY, "dateModified")} | changes
    await client.update(recipe_id, merged)
    return await _reread(client, recipe_id, f"Recipe {recipe_id} was updated")


@tool(
    "nc_cookbook_delete_recipe", "Delete a recipe", "Delete a recipe.",
    app="cookbook", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def cookbook_delete_recipe(ctx: Context, recipe_id: RecipeId) -> Deleted:
    client = _client(ctx)
    await client.get(recipe_id)  # the API answers 200 for a missing id; report it as not found instead
    await client.delete(recipe_id)
    return Deleted(id=recipe_id, deleted=True)


@tool(
    "nc_cookbook_import_recipe", "Import a recipe", "Import a recipe from a web page's schema.org data.",
    app="cookbook", read_only=False,
)  # fmt: skip
async def cookbook_import_recipe(
    ctx: Context,
    url: Annotated[str, Field(pattern=r"^https?://", max_length=2000, description="Web page URL (http/https)")],
) -> Recipe:
    client = _client(ctx)
    try:
        imported = await client.import_url(url)
    except Conflict as exc:  # RecipeExistsException: the page's recipe has the name of one of the user's recipes
        exc.message = (
            f"{exc.message.split(';')[0]}: the page's recipe has the name of an existing recipe, so nothing was "
            "imported. Find that one with nc_cookbook_list_recipes; rename it with nc_cookbook_update_recipe (or "
            "delete it) and import again, or keep it."
        )
        raise
    recipe_id = int(imported.get("id") or 0)
    return await _reread(client, recipe_id, f"Recipe {recipe_id} {imported.get('name', '')!r} was imported")


async def _reread(client: CookbookClient, recipe_id: int, done: str) -> Recipe:
    """The recipe just written, read back; if only that read fails, the error says the write is done."""
    try:
        return _recipe(await client.get(recipe_id))
    except NextcloudError as exc:
        exc.message = (
            f"{done}, but reading it back failed: {exc.message} It is saved; do not repeat the call. Read it with "
            f"{GET_TOOL} (recipe_id={recipe_id})."
        )
        raise


TOOLS: list[ToolSpec] = [
    cookbook_list_recipes,
    cookbook_get_recipe,
    cookbook_create_recipe,
    cookbook_update_recipe,
    cookbook_delete_recipe,
    cookbook_import_recipe,
]
