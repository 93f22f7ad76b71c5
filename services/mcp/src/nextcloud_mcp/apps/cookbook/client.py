"""Cookbook API v1 client (nextcloud/cookbook appinfo/routes.php, lib/Controller/Implementation/*.php,
docs/dev/api/0.1.3/openapi-cookbook.yaml).

Every route is ``#[CORS]`` and there is no OCS variant, so in OAuth mode the Cookbook needs the Bearer patch
(the 401 is mapped to the error that says so). Facts relied on:
- ``PUT /recipes/{id}`` ignores the path id and saves the *body*: without ``"id"`` in the body it creates a new
  recipe (RecipeImplementation::update -> RecipeService::addRecipe), so updates always send the id;
- a save replaces the stored ``recipe.json`` with the body (RecipeService::addRecipe ``putContent``), and a field the
  body lacks is reset (lib/Helper/Filter/JSON/FixTimestampsFilter.php sets a missing ``dateCreated`` to null), so an
  update sends back everything it read;
- the API has no ETag or version check: ``show()`` answers a plain ``JSONResponse`` and ``addRecipe`` writes
  unconditionally, setting ``dateModified`` to ``date(DATE_ISO8601)`` (one-second resolution). So a recipe's etag
  here is a digest of its JSON as ``GET /recipes/{id}`` shows it (``recipe_etag``), compared just before writing;
- a recipe missing on ``GET`` is 404 with the id as body; ``DELETE`` of a missing id still answers 200;
- failures are a bare JSON string (400 import errors) or ``{"msg", "file", "line"}`` (409 name clash,
  422 no name).
"""

from __future__ import annotations

import hashlib
import json as jsonlib
import logging
import re
import unicodedata
from typing import Any
from urllib.parse import quote

import httpx2
from pydantic import BaseModel, ConfigDict, Field

from nextcloud_mcp.core.errors import BadRequest, Conflict, InvalidInput, NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["FIELDS", "CookbookClient", "RecipeStub", "cookbook_client", "recipe_etag", "tool_terms"]

logger = logging.getLogger(__name__)

BASE = "/index.php/apps/cookbook/api/v1"
LIST_TOOL = "nc_cookbook_list_recipes"
#: The tools' argument names -> the schema.org keys of the Cookbook API.
FIELDS = {
    "category": "recipeCategory",
    "servings": "recipeYield",
    "prep_time": "prepTime",
    "cook_time": "cookTime",
    "total_time": "totalTime",
    "ingredients": "recipeIngredient",
    "instructions": "recipeInstructions",
    "tools": "tool",
}
_API_TERMS = re.compile(r"\b(" + "|".join(sorted(FIELDS.values(), key=len, reverse=True)) + r")\b")
_TOOL_NAME = {api: name for name, api in FIELDS.items()}
#: What ``GET /recipes/{id}`` adds from settings and routes (RecipeImplementation::show), not from the recipe.
SHOWN_ONLY = ("printImage", "imageUrl", "imagePlaceholderUrl")


def tool_terms(message: str) -> str:
    """A Cookbook message with its API field names (``prepTime``) replaced by the tools' (``prep_time``)."""
    return _API_TERMS.sub(lambda m: _TOOL_NAME[m.group(1)], message)


def recipe_etag(recipe: dict[str, Any]) -> str:
    """The version of a recipe as shown by ``GET /recipes/{id}``: any change to it (even within the second
    ``dateModified`` resolves) gives another value."""
    stable = {k: v for k, v in recipe.items() if k not in SHOWN_ONLY}
    text = jsonlib.dumps(stable, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class RecipeStub(BaseModel):
    """A listing entry (``RecipeStub``)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    id: str
    name: str
    keywords: str | None = ""
    category: str | None = None
    date_modified: str | None = Field(default=None, alias="dateModified")


def _control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def _segment(value: str, what: str, safe: str = "") -> str:
    """``value`` as one URL path segment. Control characters are refused (no route matches them), and so are
    ``.``/``..``, which HTTP clients resolve as dot-segments: the request would address another path."""
    if any(_control(c) for c in value):
        raise InvalidInput(f"The {what} must not contain control characters.")
    if value.strip() in (".", ".."):
        raise InvalidInput(f"The {what} cannot be '.' or '..'.")
    return quote(value, safe=safe)


def _message(body: Any) -> str:
    if isinstance(body, dict):
        return str(body.get("msg") or body.get("message") or "")
    return str(body) if body is not None else ""


class CookbookClient:
    """The Cookbook API for one user."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http = http
        self._auth = auth

    async def _call(self, method: str, path: str, json: Any = None, recipe_id: int | None = None) -> Any:
        logger.debug("cookbook: %s %s via rest-v1", method, path)
        try:
            response = await self._http.request(
                method,
                BASE + path,
                auth=self._auth,
                json=json,
                # passes the CSRF check that keeps a Bearer session alive on these #[CORS] routes
                # (nextcloud/server Request::passesCSRFCheck, CORSMiddleware::beforeController)
                headers={"OCS-APIRequest": "true"},
                ok=(400, 409, 422, 502),  # destroy() answers any failure as 502 + message
            )
        except NotFound as exc:
            exc.message = (
                f"Recipe {recipe_id} does not exist (or is not visible to this user); {LIST_TOOL} lists the recipes."
                if recipe_id is not None
                else "The Cookbook API was not found: is the Cookbook app installed and enabled for this user?"
            )
            raise
        try:
            body = response.json()
        except ValueError as exc:
            raise ProtocolError("Cookbook sent an answer that is not JSON.", path=BASE + path) from exc
        where: dict[str, Any] = {"method": method, "path": BASE + path, "status": response.status_code}
        message = tool_terms(_message(body)).strip().rstrip(".")
        if response.status_code == 409:
            raise Conflict(f"Cookbook: {message}; choose another name ({LIST_TOOL} shows those in use).", **where)
        if response.status_code >= 400:
            raise BadRequest(f"Cookbook refused the request: {message or 'bad request'}.", **where)
        return body

    async def recipes(self, category: str | None = None, keyword: str | None = None) -> list[RecipeStub]:
        """All recipes, those of one category (``""`` = uncategorised, the app's ``_``) or with a keyword
        (comma-separated keywords: all of them)."""
        if category is not None:
            path = f"/category/{_segment(category or '_', 'category')}"
        elif keyword is not None:
            path = f"/tags/{_segment(keyword, 'keyword', safe=',')}"
        else:
            path = "/recipes"
        return [RecipeStub.model_validate(r) for r in await self._call("GET", path) or []]

    async def search(self, query: str) -> list[RecipeStub]:
        words = " ".join("".join(" " if _control(c) else c for c in query).split())
        if not words:
            raise InvalidInput("query is empty; give a word of a recipe's name, category or keywords.")
        return [RecipeStub.model_validate(r) for r in await self._call("GET", f"/search/{_segment(words, 'query')}")]

    async def get(self, recipe_id: int) -> dict[str, Any]:
        data = await self._call("GET", f"/recipes/{recipe_id}", recipe_id=recipe_id)
        if not isinstance(data, dict):
            raise ProtocolError("Cookbook sent a recipe in an unexpected shape.", path=f"{BASE}/recipes/{recipe_id}")
        return data

    async def create(self, recipe: dict[str, Any]) -> int:
        body = {k: v for k, v in recipe.items() if k != "id"}
        return int(await self._call("POST", "/recipes", json=body))

    async def update(self, recipe_id: int, recipe: dict[str, Any]) -> int:
        """Save the whole ``recipe``; the id goes in the body, which is what the app uses."""
        body = {**recipe, "id": str(recipe_id)}
        return int(await self._call("PUT", f"/recipes/{recipe_id}", json=body, recipe_id=recipe_id))

    async def delete(self, recipe_id: int) -> None:
        await self._call("DELETE", f"/recipes/{recipe_id}", recipe_id=recipe_id)

    async def import_url(self, url: str) -> dict[str, Any]:
        data = await self._call("POST", "/import", json={"url": url})
        if not isinstance(data, dict):
            raise ProtocolError("Cookbook import answered an unexpected shape.", path=f"{BASE}/import")
        return data

    async def categories(self) -> list[dict[str, Any]]:
        return list(await self._call("GET", "/categories"))

    async def keywords(self) -> list[dict[str, Any]]:
        return list(await self._call("GET", "/keywords"))

    async def config(self) -> dict[str, Any]:
        return dict(await self._call("GET", "/config"))

    async def set_config(self, changes: dict[str, Any]) -> None:
        await self._call("POST", "/config", json=changes)

    async def reindex(self) -> str:
        return str(await self._call("POST", "/reindex"))


def cookbook_client(session: NextcloudSession) -> CookbookClient:
    """The session's CookbookClient."""
    return session.client(CookbookClient, lambda: CookbookClient(session.http, session.auth))
