"""Cookbook app state: each user's recipes (schema.org ``Recipe`` JSON), config, and the fake "internet" that
``import`` downloads from.

Sources (nextcloud/cookbook 0.11.10-alpha1, 24348cdf): ``lib/Service/RecipeService.php`` (``addRecipe``,
``deleteRecipe``, ``findRecipesInSearchIndex``), ``lib/Db/RecipeDb.php`` (search, categories, keywords),
``lib/Helper/UserConfigHelper.php`` (config defaults), ``lib/Helper/Filter/JSON/*`` (normalisation, reduced
to the fields' types here). Recipes are not written to the user's files (the real app keeps
``<folder>/<name>/recipe.json``); ids come from the global file-id counter, as folder ids do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from fake_nextcloud.core.state import FakeState
from fake_nextcloud.core.urls import webroot

__all__ = ["CookbookBackend", "CookbookError", "Page", "extract_recipe"]

_LIST_FIELDS = ("recipeIngredient", "recipeInstructions", "tool")
_STR_FIELDS = ("description", "url", "image", "recipeCategory")
DEFAULT_INFO_BLOCKS = {
    "preparation-time": True,
    "cooking-time": True,
    "total-time": True,
    "nutrition-information": True,
    "tools": True,
}


class CookbookError(Exception):
    """An error answer: ``body`` is JSON (a bare string for most endpoints, ``{"msg", "file", "line"}`` for
    ``RecipeExistsException``/``NoRecipeNameGivenException``)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body


def _exception(status: int, message: str, where: str) -> CookbookError:
    return CookbookError(status, {"msg": message, "file": f"/var/www/html/custom_apps/cookbook/{where}", "line": 1})


@dataclass
class Page:
    """A seeded web page: HTTP status and HTML (``import`` reads its ``application/ld+json`` Recipe)."""

    status: int
    html: str


@dataclass
class _UserCookbook:
    recipes: dict[int, dict[str, Any]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)


class _JsonLd(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside = tag == "script" and ("type", "application/ld+json") in attrs
        if self._inside:
            self.blocks.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.blocks[-1] += data


def _find_recipe(node: Any) -> dict[str, Any] | None:
    if isinstance(node, list):
        return next((r for r in map(_find_recipe, node) if r is not None), None)
    if isinstance(node, dict):
        kind = node.get("@type")
        if kind == "Recipe" or (isinstance(kind, list) and "Recipe" in kind):
            return node
        return _find_recipe(node.get("@graph"))
    return None


def extract_recipe(html: str) -> dict[str, Any] | None:
    """``RecipeExtractionService::parse`` (JSON-LD parser only; the microdata parser is not modelled)."""
    parser = _JsonLd()
    parser.feed(html)
    for block in parser.blocks:
        try:
            recipe = _find_recipe(json.loads(block))
        except ValueError:
            continue
        if recipe is not None:
            return dict(recipe)
    return None


def _text(item: Any) -> str:
    return str(item.get("text", "")) if isinstance(item, dict) else str(item)


def normalize(recipe: dict[str, Any]) -> dict[str, Any]:
    """``RecipeService::checkRecipe`` + the ``Fix*Filter`` classes, reduced to the field types."""
    out = dict(recipe)
    out["@context"], out["@type"] = "http://schema.org", "Recipe"
    out["name"] = re.sub(r"\s+", " ", str(out.get("name", ""))).strip()
    for key in _STR_FIELDS:
        value = out.get(key)
        out[key] = value[0] if isinstance(value, list) and value else ("" if value is None else value)
        out[key] = str(out[key]) if not isinstance(out[key], str) else out[key]
    for key in _LIST_FIELDS:  # FixIngredientsFilter, FixInstructionsFilter (HowToStep -> text), FixToolsFilter
        value = out.get(key) or []
        out[key] = [_text(v).strip() for v in (value if isinstance(value, list) else [value]) if _text(v).strip()]
    keywords = out.get("keywords") or ""  # FixKeywordsFilter: comma-separated string
    items = keywords if isinstance(keywords, list) else str(keywords).split(",")
    out["keywords"] = ",".join(k.strip() for k in items if str(k).strip())
    try:  # FixRecipeYieldFilter: an integer, default 1
        out["recipeYield"] = int(re.findall(r"\d+", str(out.get("recipeYield", 1)))[0])
    except IndexError:
        out["recipeYield"] = 1
    for key in ("prepTime", "cookTime", "totalTime"):  # FixDurationsFilter: ISO 8601 or null
        value = out.get(key)
        out[key] = value if isinstance(value, str) and value.startswith("P") else None
    if not isinstance(out.get("nutrition"), dict):
        out["nutrition"] = {"@type": "NutritionInformation"}
    return out


def folder_name(name: str) -> str:
    """``RecipeNameHelper::getFolderName``: forbidden characters replaced."""
    return re.sub(r'[/\\:*?"<>|]', "_", name)


class CookbookBackend:
    """All users' cookbooks, plus the seeded pages (``url -> Page``) shared by the instance."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.pages: dict[str, Page] = {}
        self._users: dict[str, _UserCookbook] = {}

    @classmethod
    def of(cls, state: FakeState) -> CookbookBackend:
        return state.backend("cookbook", cls)

    def storage_used(self, uid: str) -> int:
        return sum(len(json.dumps(r)) for r in self.user(uid).recipes.values())

    def user(self, uid: str) -> _UserCookbook:
        return self._users.setdefault(uid, _UserCookbook())

    def now(self) -> str:
        """PHP ``date(DATE_ISO8601)`` (``+0000``)."""
        return datetime.fromtimestamp(self.state.time(), UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")

    # -- recipes --------------------------------------------------------------------------------------

    def add(self, uid: str, data: Any) -> int:
        """``RecipeService::addRecipe``: the id in the *body* decides between update and create (the
        ``PUT /recipes/{id}`` path id is ignored by ``RecipeImplementation::update``)."""
        if not isinstance(data, dict) or not data.get("name"):
            raise _exception(
                422,
                "No recipe name was given. A unique name is required to store the recipe.",
                "lib/Service/RecipeService.php",
            )
        recipe = normalize(data)
        recipes = self.user(uid).recipes
        taken = {folder_name(r["name"]): rid for rid, r in recipes.items()}
        now = self.now()
        raw_id = data.get("id")
        if raw_id:
            recipe_id = int(raw_id)
            if recipe_id not in recipes:  # getById()[0] is null -> RuntimeException, not caught -> 500
                raise CookbookError(500, "Unexpected node received for recipe folder.")
            other = taken.get(folder_name(recipe["name"]))
            if other is not None and other != recipe_id:
                raise _exception(409, "Another recipe with that name already exists", "lib/Service/RecipeService.php")
            # RecipeService::addRecipe sets dateCreated only for a new recipe: an update stores the body's, and
            # lib/Helper/Filter/JSON/FixTimestampsFilter.php turns a missing one into null
            recipe["dateCreated"] = data.get("dateCreated") or None
        else:
            if folder_name(recipe["name"]) in taken:
                raise _exception(409, "Another recipe with that name already exists", "lib/Service/RecipeService.php")
            recipe_id = self.state.next_file_id()
            recipe["dateCreated"] = now
        recipe["id"] = str(recipe_id)
        recipe["dateModified"] = now
        recipes[recipe_id] = recipe
        return recipe_id

    def get(self, uid: str, recipe_id: int) -> dict[str, Any] | None:
        recipe = self.user(uid).recipes.get(recipe_id)
        return dict(recipe) if recipe is not None else None

    def delete(self, uid: str, recipe_id: int) -> None:
        """``RecipeService::deleteRecipe``: an unknown id is silently ignored."""
        self.user(uid).recipes.pop(recipe_id, None)

    def stub(self, recipe_id: int, recipe: dict[str, Any]) -> dict[str, Any]:
        """A listing entry after ``RecipeStubFilter`` (``recipe_id`` int, ``id`` string)."""
        # RecipeStubFilter: linkToRoute('cookbook.recipe.image', ...), so under the webroot
        image = f"{webroot()}/index.php/apps/cookbook/webapp/recipes/{recipe_id}/image"
        return {
            "recipe_id": recipe_id,
            "id": str(recipe_id),
            "name": recipe["name"],
            "keywords": recipe.get("keywords", ""),
            "category": recipe.get("recipeCategory") or None,
            # the search index fills a null dateCreated from dateModified (lib/Helper/Filter/DB/RecipeDatesFilter.php)
            "dateCreated": recipe.get("dateCreated") or recipe.get("dateModified"),
            "dateModified": recipe.get("dateModified"),
            "imageUrl": f"{image}?size=thumb",
            "imagePlaceholderUrl": f"{image}?size=thumb16",
        }

    def stubs(self, uid: str, keep: Any = None) -> list[dict[str, Any]]:
        recipes = self.user(uid).recipes
        chosen = [(rid, r) for rid, r in recipes.items() if keep is None or keep(r)]
        return [self.stub(rid, r) for rid, r in sorted(chosen, key=lambda item: item[1]["name"])]

    def search(self, uid: str, query: str) -> list[dict[str, Any]]:
        """``findRecipesInSearchIndex``: terms split on spaces/commas, any term LIKE-matching name, a keyword
        or the category (case-insensitive)."""
        terms = re.findall(r"[^ ,]+", query.lower())
        if not terms:
            return self.stubs(uid)

        def hit(r: dict[str, Any]) -> bool:
            fields = [r["name"].lower(), str(r.get("recipeCategory", "")).lower()]
            fields += [k.lower() for k in r.get("keywords", "").split(",")]
            return any(t in f for t in terms for f in fields)

        return self.stubs(uid, hit)

    def in_category(self, uid: str, category: str) -> list[dict[str, Any]]:
        """``getRecipesByCategory``: ``_`` selects recipes without category."""
        wanted = "" if category == "_" else category
        return self.stubs(uid, lambda r: (r.get("recipeCategory") or "") == wanted)

    def with_keywords(self, uid: str, keywords: str) -> list[dict[str, Any]]:
        """``getRecipesByKeywords``: comma-separated, every keyword required (``HAVING COUNT = n``)."""
        wanted = set(keywords.split(","))
        return self.stubs(uid, lambda r: wanted <= set(r.get("keywords", "").split(",")))

    def categories(self, uid: str) -> list[dict[str, Any]]:
        """``RecipeDb::findAllCategories``: named categories by name, then ``*`` = uncategorised count."""
        counts: dict[str, int] = {}
        for r in self.user(uid).recipes.values():
            counts[r.get("recipeCategory") or "*"] = counts.get(r.get("recipeCategory") or "*", 0) + 1
        out = [{"name": n, "recipe_count": c} for n, c in sorted(counts.items()) if n != "*"]
        return [*out, {"name": "*", "recipe_count": counts.get("*", 0)}]

    def keywords(self, uid: str) -> list[dict[str, Any]]:
        counts: dict[str, int] = {}
        for r in self.user(uid).recipes.values():
            for k in filter(None, r.get("keywords", "").split(",")):
                counts[k] = counts.get(k, 0) + 1
        return [{"name": n, "recipe_count": c} for n, c in sorted(counts.items())]

    # -- config, import -------------------------------------------------------------------------------

    def config(self, uid: str) -> dict[str, Any]:
        """``ConfigImplementation::list`` with ``UserConfigHelper`` defaults."""
        stored = self.user(uid).config
        return {
            "folder": stored.get("folder", "/Recipes"),
            "update_interval": stored.get("update_interval", 5),
            "print_image": stored.get("print_image", True),
            "visibleInfoBlocks": stored.get("visibleInfoBlocks", dict(DEFAULT_INFO_BLOCKS)),
        }

    def set_config(self, uid: str, data: dict[str, Any]) -> None:
        stored = self.user(uid).config
        if "folder" in data:
            stored["folder"] = str(data["folder"])
        if "update_interval" in data:
            stored["update_interval"] = int(data["update_interval"])
        if "print_image" in data:
            stored["print_image"] = bool(data["print_image"])
        if isinstance(data.get("visibleInfoBlocks"), dict):
            stored["visibleInfoBlocks"] = data["visibleInfoBlocks"]

    def import_url(self, uid: str, url: str) -> dict[str, Any]:
        """``RecipeImplementation::import`` -> ``downloadRecipe``: errors are 400 with a bare string."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or not host or host == "localhost" or _is_ip(host):
            raise CookbookError(400, "The provided URL is not allowed.")  # isDownloadUrlValid
        page = self.pages.get(url)
        if page is None:  # HtmlDownloadService: the DownloadHelper's curl error, wrapped
            raise CookbookError(
                400,
                f"Exception while downloading recipe from {url}.: Error occurred while downloading the file: "
                f"Could not resolve host: {host}",
            )
        if not 200 <= page.status < 300:
            raise CookbookError(
                400, f"Download from {url} failed as HTTP status code {page.status} is not in expected range."
            )
        recipe = extract_recipe(page.html)
        if recipe is None:
            raise CookbookError(400, "No parser found for the given import.")
        recipe.pop("id", None)
        recipe["url"] = url
        recipe_id = self.add(uid, recipe)
        stored = self.get(uid, recipe_id)
        assert stored is not None
        return stored


def _is_ip(host: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+", host)) or ":" in host


def app_version(state: FakeState) -> list[int | str]:
    """``ApiVersion::getAppVersion``: ``[major, minor, patch]`` plus the tag (``"-alpha1"``) when there is one,
    e.g. ``[0, 11, 10, "-alpha1"]``; the capability and ``/api/version`` publish this array, not a string."""
    base, dash, tag = state.apps["cookbook"].partition("-")
    parts: list[int | str] = [int(p) for p in base.split(".")[:3]]
    return [*parts, f"-{tag}"] if dash else parts


#: ``ApiVersion::getApiVersion`` (API 1.2).
API_VERSION = {"epoch": 0, "major": 1, "minor": 2}

#: The first release with a capability: nextcloud/cookbook 2329e55a (tag v0.11.5, 2025-10-30) added
#: ``lib/AppInfo/Capabilities.php`` and ``$context->registerCapability(Capabilities::class)`` in
#: ``lib/AppInfo/Application.php``; up to v0.11.4 ``register()`` registered only the search provider, so
#: ``/cloud/capabilities`` had no ``cookbook`` block and only ``/api/version`` told the app was there.
FIRST_WITH_CAPABILITY = (0, 11, 5)


def capability(state: FakeState) -> dict[str, Any] | None:
    """The ``cookbook`` capability block of the installed version (``Capabilities::getCapabilities``), or None
    for a version that publishes none (before 0.11.5)."""
    numbers = tuple(part for part in app_version(state) if isinstance(part, int))
    if numbers < FIRST_WITH_CAPABILITY:
        return None
    return {"version": app_version(state)}
