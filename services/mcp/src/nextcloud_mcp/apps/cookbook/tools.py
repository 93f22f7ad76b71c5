"""Cookbook tools (`nc_cookbook_*`): schema.org recipes; updates change only the fields given.

The Cookbook API is REST (`#[CORS]`) only, so in OAuth mode these tools need the Bearer patch.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.cookbook.client import RecipeStub, cookbook_client
from nextcloud_mcp.core.errors import BadRequest
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

RecipeId = Annotated[int, Field(ge=1)]
Text = Annotated[str | None, Field(max_length=10000)]
Lines = Annotated[list[str] | None, Field(max_length=200)]
Duration = Annotated[str | None, Field(max_length=20)]
_DURATION = re.compile(r"^P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$")
#: Fields the API adds to a recipe it shows; never written back.
_OUTPUT_ONLY = ("printImage", "imageUrl", "imagePlaceholderUrl", "dateCreated", "dateModified")


class RecipeRef(BaseModel):
    id: int
    name: str
    category: str
    keywords: list[str]


class RecipeList(BaseModel):
    recipes: list[RecipeRef]
    total: int


class Recipe(BaseModel):
    id: int
    name: str
    description: str
    category: str
    keywords: list[str]
    servings: int
    prep_time: str
    cook_time: str
    total_time: str
    ingredients: list[str]
    instructions: list[str]
    tools: list[str]
    url: str
    modified: str


class Counted(BaseModel):
    name: str
    recipes: int


class Names(BaseModel):
    items: list[Counted]
    uncategorized: int


class Config(BaseModel):
    folder: str
    update_interval: int
    print_image: bool


class Saved(BaseModel):
    id: int
    name: str


class Done(BaseModel):
    id: int
    ok: bool


def _kw(value: Any) -> list[str]:
    return [k for k in str(value or "").split(",") if k]


def _ref(stub: RecipeStub) -> RecipeRef:
    return RecipeRef(id=int(stub.id), name=stub.name, category=stub.category or "", keywords=_kw(stub.keywords))


def _recipe(data: dict[str, Any]) -> Recipe:
    def strings(key: str) -> list[str]:
        value = data.get(key) or []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    return Recipe(
        id=int(data.get("id") or 0),
        name=str(data.get("name", "")),
        description=str(data.get("description") or ""),
        category=str(data.get("recipeCategory") or ""),
        keywords=_kw(data.get("keywords")),
        servings=int(data.get("recipeYield") or 1),
        prep_time=str(data.get("prepTime") or ""),
        cook_time=str(data.get("cookTime") or ""),
        total_time=str(data.get("totalTime") or ""),
        ingredients=strings("recipeIngredient"),
        instructions=strings("recipeInstructions"),
        tools=strings("tool"),
        url=str(data.get("url") or ""),
        modified=str(data.get("dateModified") or ""),
    )


def _fields(**given: Any) -> dict[str, Any]:
    """Tool arguments -> schema.org keys, only for the arguments given (None = not mentioned)."""
    keys = {
        "name": "name", "description": "description", "category": "recipeCategory", "servings": "recipeYield",
        "prep_time": "prepTime", "cook_time": "cookTime", "total_time": "totalTime",
        "ingredients": "recipeIngredient", "instructions": "recipeInstructions",
    }  # fmt: skip
    out = {keys[k]: v for k, v in given.items() if k in keys and v is not None}
    for key in ("prepTime", "cookTime", "totalTime"):
        if key in out and not _DURATION.match(out[key]):
            raise BadRequest(f"{key} must be an ISO 8601 duration such as PT1H30M; got {out[key]!r}.")
    if any(len(line) > 5000 for k in ("recipeIngredient", "recipeInstructions") for line in out.get(k, [])):
        raise BadRequest("An ingredient or instruction line is longer than 5000 characters.")
    if given.get("keywords") is not None:
        out["keywords"] = ",".join(k.strip() for k in given["keywords"] if k.strip())
    return out


@tool(
    "nc_cookbook_list", "List recipes",
    "List recipes: all, matching query words, of a category ('' = none) or a keyword.",
    app="cookbook", read_only=True, idempotent=True,
)  # fmt: skip
async def cookbook_list(
    ctx: Context,
    query: Annotated[str | None, Field(min_length=1, max_length=200)] = None,
    category: Annotated[str | None, Field(max_length=200)] = None,
    keyword: Annotated[str | None, Field(max_length=200)] = None,
    limit: Annotated[int, Field(ge=1, le=500)] = 100,
) -> RecipeList:
    client = cookbook_client(session(ctx))
    if query is not None:
        stubs = await client.search(query)  # name, category or keyword contains one of the words
    else:
        stubs = await client.recipes(category=category, keyword=keyword)
    return RecipeList(recipes=[_ref(s) for s in stubs[:limit]], total=len(stubs))


@tool("nc_cookbook_get", "Get a recipe", "Get one recipe in full.", app="cookbook", read_only=True, idempotent=True)
async def cookbook_get(ctx: Context, recipe_id: RecipeId) -> Recipe:
    return _recipe(await cookbook_client(session(ctx)).get(recipe_id))


@tool(
    "nc_cookbook_save", "Save a recipe",
    "Create a recipe, or with recipe_id change only the given fields. Times: ISO 8601 (PT1H30M).",
    app="cookbook", read_only=False,
)  # fmt: skip
async def cookbook_save(
    ctx: Context,
    recipe_id: RecipeId | None = None,
    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None,
    ingredients: Lines = None,
    instructions: Lines = None,
    description: Text = None,
    category: Annotated[str | None, Field(max_length=200)] = None,
    keywords: Lines = None,
    servings: Annotated[int | None, Field(ge=1, le=1000)] = None,
    prep_time: Duration = None,
    cook_time: Duration = None,
    total_time: Duration = None,
) -> Saved:
    changes = _fields(**{k: v for k, v in locals().items() if k not in ("ctx", "recipe_id")})
    client = cookbook_client(session(ctx))
    if recipe_id is None:
        if not changes.get("name"):
            raise BadRequest("A new recipe needs a name.")
        return Saved(id=await client.create(changes), name=changes["name"])
    current = await client.get(recipe_id)  # read-modify-write: the API replaces the whole recipe
    merged = {k: v for k, v in current.items() if k not in _OUTPUT_ONLY} | changes
    return Saved(id=await client.update(recipe_id, merged), name=str(merged.get("name", "")))


@tool(
    "nc_cookbook_delete", "Delete a recipe", "Delete a recipe.",
    app="cookbook", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def cookbook_delete(ctx: Context, recipe_id: RecipeId) -> Done:
    client = cookbook_client(session(ctx))
    await client.get(recipe_id)  # the API answers 200 for a missing id; report it as not found instead
    await client.delete(recipe_id)
    return Done(id=recipe_id, ok=True)


@tool(
    "nc_cookbook_import", "Import a recipe", "Import a recipe from a web page (schema.org data).",
    app="cookbook", read_only=False,
)  # fmt: skip
async def cookbook_import(ctx: Context, url: Annotated[str, Field(pattern=r"^https?://", max_length=2000)]) -> Saved:
    recipe = await cookbook_client(session(ctx)).import_url(url)
    return Saved(id=int(recipe.get("id") or 0), name=str(recipe.get("name", "")))


@tool(
    "nc_cookbook_categories", "Recipe categories", "List recipe categories or keywords with recipe counts.",
    app="cookbook", read_only=True, idempotent=True,
)  # fmt: skip
async def cookbook_categories(ctx: Context, kind: Literal["categories", "keywords"] = "categories") -> Names:
    client = cookbook_client(session(ctx))
    entries = await (client.categories() if kind == "categories" else client.keywords())
    items = [Counted(name=str(e["name"]), recipes=int(e["recipe_count"])) for e in entries if e.get("name") != "*"]
    none = next((int(e["recipe_count"]) for e in entries if e.get("name") == "*"), 0)
    return Names(items=items, uncategorized=none)


@tool(
    "nc_cookbook_config", "Cookbook settings", "Show the Cookbook settings; change those given.",
    app="cookbook", read_only=False, idempotent=True,
)  # fmt: skip
async def cookbook_config(
    ctx: Context,
    folder: Annotated[str | None, Field(pattern=r"^/", max_length=1000)] = None,
    update_interval: Annotated[int | None, Field(ge=1, le=10080, description="Minutes")] = None,
    print_image: bool | None = None,
) -> Config:
    client = cookbook_client(session(ctx))
    given = {"folder": folder, "update_interval": update_interval, "print_image": print_image}
    changes = {k: v for k, v in given.items() if v is not None}
    if changes:
        await client.set_config(changes)
    data = await client.config()
    return Config(
        folder=str(data["folder"]), update_interval=int(data["update_interval"]), print_image=bool(data["print_image"])
    )


@tool(
    "nc_cookbook_reindex", "Rebuild recipe index", "Rescan the recipe folder into the search index.",
    app="cookbook", read_only=False, idempotent=True,
)  # fmt: skip
async def cookbook_reindex(ctx: Context) -> Done:
    await cookbook_client(session(ctx)).reindex()
    return Done(id=0, ok=True)


TOOLS: list[ToolSpec] = [
    cookbook_list,
    cookbook_get,
    cookbook_save,
    cookbook_delete,
    cookbook_import,
    cookbook_categories,
    cookbook_config,
    cookbook_reindex,
]
