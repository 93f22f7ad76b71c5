"""Cookbook tools around the recipes: categories, keywords, the user's Cookbook settings and the search index.

The settings are one tool, `nc_cookbook_set_config` (without arguments it only reads them): a `get_config` next to
it would differ from it by one character, which the tool contract forbids.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.cookbook.client import cookbook_client
from nextcloud_mcp.core.contract import Cursor, Limit, Page, page
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]


class Counted(BaseModel):
    name: str
    recipes: int


class Config(BaseModel):
    folder: str
    update_interval: int
    print_image: bool


class Done(BaseModel):
    message: str


def _counted(entries: list[dict[str, Any]]) -> list[Counted]:
    """``RecipeDb::findAllCategories`` lists recipes without category as ``*``: shown as ``""``, the value that
    nc_cookbook_list_recipes takes for them."""
    named = [Counted(name=str(e["name"]), recipes=int(e["recipe_count"])) for e in entries if e.get("name") != "*"]
    none = [Counted(name="", recipes=int(e["recipe_count"])) for e in entries if e.get("name") == "*"]
    return named + [c for c in none if c.recipes]


@tool(
    "nc_cookbook_list_categories", "List recipe categories", "List recipe categories with recipe counts.",
    app="cookbook", read_only=True, idempotent=True,
)  # fmt: skip
async def cookbook_list_categories(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[Counted]:
    return page(_counted(await cookbook_client(session(ctx)).categories()), limit, cursor)


@tool(
    "nc_cookbook_list_keywords", "List recipe keywords", "List recipe keywords with recipe counts.",
    app="cookbook", read_only=True, idempotent=True,
)  # fmt: skip
async def cookbook_list_keywords(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[Counted]:
    return page(_counted(await cookbook_client(session(ctx)).keywords()), limit, cursor)


def _config(data: dict[str, Any]) -> Config:
    return Config(
        folder=str(data["folder"]), update_interval=int(data["update_interval"]), print_image=bool(data["print_image"])
    )


@tool(
    "nc_cookbook_set_config", "Cookbook settings",
    "Change the Cookbook settings given (none: only read them); returns all of them.",
    app="cookbook", read_only=False, idempotent=True,
)  # fmt: skip
async def cookbook_set_config(
    ctx: Context,
    folder: Annotated[
        str | None, Field(pattern=r"^/", max_length=1000, description="Recipe folder, e.g. /Recipes")
    ] = None,
    update_interval: Annotated[int | None, Field(ge=1, le=10080, description="Minutes between rescans")] = None,
    print_image: Annotated[bool | None, Field(description="Print recipe images")] = None,
) -> Config:
    client = cookbook_client(session(ctx))
    given = {"folder": folder, "update_interval": update_interval, "print_image": print_image}
    changes = {k: v for k, v in given.items() if v is not None}
    if changes:
        await client.set_config(changes)
    return _config(await client.config())


@tool(
    "nc_cookbook_create_index", "Rebuild recipe index", "Rebuild the recipe search index from the recipe folder.",
    app="cookbook", read_only=False, idempotent=True,
)  # fmt: skip
async def cookbook_create_index(ctx: Context) -> Done:
    return Done(message=await cookbook_client(session(ctx)).reindex())


TOOLS: list[ToolSpec] = [
    cookbook_list_categories,
    cookbook_list_keywords,
    cookbook_set_config,
    cookbook_create_index,
]
