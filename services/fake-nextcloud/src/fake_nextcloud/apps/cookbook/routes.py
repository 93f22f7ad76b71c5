"""Cookbook API v1 at ``/index.php/apps/cookbook/api/v1/…`` (also without ``index.php``).

nextcloud/cookbook 24348cdf ``appinfo/routes.php``: ``recipe_api`` resource + ``recipe_api#{import,category,
tags,search}``, ``keyword_api#keywords``, ``category_api#categories``, ``config_api#{list,config,reindex}``.
Every API method is ``#[CORS]``, ``#[NoCSRFRequired]``, ``#[NoAdminRequired]`` (``lib/Controller/*ApiController.php``),
so a Bearer token gets 401 "CORS requires basic auth" unless the Bearer patch is applied. Answers are
``JSONResponse``s from ``lib/Controller/Implementation/{Recipe,Category,Keyword,Config}Implementation.php``.

Controller arguments (``@php_method``): every ``*ApiController`` method takes untyped URL parameters (``show($id)``,
``search($query)``, ``category($category)``, ``tags($keywords)``…) or none, so nothing is ever a ``TypeError``;
bodies and ``?keywords=`` are read by the implementations themselves (``RestParameterParser::getParameters``,
``$_GET['keywords']``). The app registers no middleware (``lib/AppInfo/Application.php`` only registers a search
provider and capabilities): an uncaught exception is Nextcloud's 500 page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, Router
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.cookbook.models import API_VERSION, CookbookBackend, CookbookError, app_version
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import html_error_page, json_response
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.state import FakeState

__all__ = ["CookbookApp"]

_API = Annotations(cors=True, no_csrf=True)


def _run(ctx: NcContext, work: Callable[[CookbookBackend, str], Any]) -> Response:
    assert ctx.user is not None
    try:
        result = work(CookbookBackend.of(ctx.state), ctx.user.uid)
    except CookbookError as error:
        if error.status == 500:  # uncaught exception -> Nextcloud's error page
            return html_error_page(500)
        return json_response(error.body, error.status)
    return result if isinstance(result, Response) else json_response(result)


def _body(ctx: NcContext) -> dict[str, Any]:
    """``RestParameterParser::getParameters``: the decoded JSON (or form) body - read from the request by the
    implementation, not a controller argument."""
    return {k: v for k, v in ctx.params.items() if k != "format"}


@controller(_API)
@php_method("RecipeApiController::index")
async def index(ctx: NcContext, request: Request) -> Response:
    """``GET /recipes`` (``?keywords=`` searches like ``/search``)."""
    keywords = ctx.query.get("keywords")  # RecipeImplementation::index reads $_GET['keywords'] (query string only)
    return _run(ctx, lambda b, uid: b.search(uid, keywords) if keywords else b.stubs(uid))


@controller(_API)
@php_method("RecipeApiController::show", "$id")
async def show(ctx: NcContext, request: Request) -> Response:
    """``GET /recipes/{id}``: 404 answers the id (as a JSON string); else the recipe + ``printImage``, ``imageUrl``."""
    raw = str(ctx.args["id"])

    def work(b: CookbookBackend, uid: str) -> Any:
        recipe = b.get(uid, int(raw)) if raw.isdigit() else None
        if recipe is None:
            return json_response(raw, 404)
        recipe["printImage"] = b.config(uid)["print_image"]
        recipe["imageUrl"] = ctx.link(f"/index.php/apps/cookbook/webapp/recipes/{raw}/image") + "?size=full"
        return recipe

    return _run(ctx, work)


@controller(_API)
@php_method("RecipeApiController::create")
async def create(ctx: NcContext, request: Request) -> Response:
    """``POST /recipes``: answers the new id (an integer)."""
    data = _body(ctx)
    return _run(ctx, lambda b, uid: b.add(uid, data))


@controller(_API)
@php_method("RecipeApiController::update", "$id")
async def update(ctx: NcContext, request: Request) -> Response:
    """``PUT /recipes/{id}``: the path id is ignored, the body's ``id`` is used (without one a new recipe is
    created - RecipeImplementation::update calls addRecipe($recipeData))."""
    data = _body(ctx)
    return _run(ctx, lambda b, uid: b.add(uid, data))


@controller(_API)
@php_method("RecipeApiController::destroy", "$id")
async def destroy(ctx: NcContext, request: Request) -> Response:
    """``DELETE /recipes/{id}``: "Recipe N deleted successfully", also for an unknown id."""
    raw = str(ctx.args["id"])

    def work(b: CookbookBackend, uid: str) -> Any:
        if not raw.isdigit():
            raise CookbookError(502, f"Recipe with id {raw} was not found.")
        b.delete(uid, int(raw))
        return f"Recipe {raw} deleted successfully"

    return _run(ctx, work)


@controller(_API)
@php_method("RecipeApiController::import")
async def import_recipe(ctx: NcContext, request: Request) -> Response:
    """``POST /import`` (``url``): the imported recipe; 400 with a bare string on failure, 409 on a name clash."""
    url = _body(ctx).get("url")  # RecipeImplementation::import: $this->restParser->getParameters()['url']

    def work(b: CookbookBackend, uid: str) -> Any:
        if url is None:
            raise CookbookError(400, 'Field "url" is required')
        return b.import_url(uid, str(url))

    return _run(ctx, work)


@controller(_API)
@php_method("RecipeApiController::search", "$query")
async def search(ctx: NcContext, request: Request) -> Response:
    """``GET /search/{query}`` (urldecoded once more by the app)."""
    query = unquote(str(ctx.args["query"]))
    return _run(ctx, lambda b, uid: b.search(uid, query))


@controller(_API)
@php_method("RecipeApiController::category", "$category")
async def category(ctx: NcContext, request: Request) -> Response:
    """``GET /category/{category}`` (``_`` = uncategorised)."""
    name = unquote(str(ctx.args["category"]))
    return _run(ctx, lambda b, uid: b.in_category(uid, name))


@controller(_API)
@php_method("RecipeApiController::tags", "$keywords")
async def tags(ctx: NcContext, request: Request) -> Response:
    """``GET /tags/{keywords}`` (comma-separated, all required)."""
    keywords = unquote(str(ctx.args["keywords"]))
    return _run(ctx, lambda b, uid: b.with_keywords(uid, keywords))


@controller(_API)
@php_method("CategoryApiController::categories")
async def categories(ctx: NcContext, request: Request) -> Response:
    """``GET /categories``."""
    return _run(ctx, lambda b, uid: b.categories(uid))


@controller(_API)
@php_method("KeywordApiController::keywords")
async def keywords(ctx: NcContext, request: Request) -> Response:
    """``GET /keywords``."""
    return _run(ctx, lambda b, uid: b.keywords(uid))


@controller(_API)
@php_method("ConfigApiController::list")
async def get_config(ctx: NcContext, request: Request) -> Response:
    """``GET /config``."""
    return _run(ctx, lambda b, uid: b.config(uid))


@controller(_API)
@php_method("ConfigApiController::config")
async def set_config(ctx: NcContext, request: Request) -> Response:
    """``POST /config``: "OK"."""
    data = _body(ctx)

    def work(b: CookbookBackend, uid: str) -> Any:
        b.set_config(uid, data)
        return "OK"

    return _run(ctx, work)


@controller(_API)
@php_method("ConfigApiController::reindex")
async def reindex(ctx: NcContext, request: Request) -> Response:
    """``POST /reindex``."""
    return _run(ctx, lambda b, uid: "Search index rebuilt successfully")


@controller(_API)
@php_method("UtilApiController::getApiVersion")
async def version(ctx: NcContext, request: Request) -> Response:
    """``GET /api/version`` (``UtilApiController::getApiVersion``)."""
    return json_response({"cookbook_version": app_version(ctx.state), "api_version": API_VERSION})


_B = "/api/v1"
ROUTES: list[BaseRoute] = [
    Route("/api/version", version, methods=["GET"]),
    Route(f"{_B}/import", import_recipe, methods=["POST"]),
    Route(f"{_B}/category/{{category:path}}", category, methods=["GET"]),
    Route(f"{_B}/tags/{{keywords:path}}", tags, methods=["GET"]),
    Route(f"{_B}/search/{{query:path}}", search, methods=["GET"]),
    Route(f"{_B}/keywords", keywords, methods=["GET"]),
    Route(f"{_B}/categories", categories, methods=["GET"]),
    Route(f"{_B}/config", get_config, methods=["GET"]),
    Route(f"{_B}/config", set_config, methods=["POST"]),
    Route(f"{_B}/reindex", reindex, methods=["POST"]),
    Route(f"{_B}/recipes", index, methods=["GET"]),
    Route(f"{_B}/recipes", create, methods=["POST"]),
    Route(f"{_B}/recipes/{{id}}", show, methods=["GET"]),
    Route(f"{_B}/recipes/{{id}}", update, methods=["PUT"]),
    Route(f"{_B}/recipes/{{id}}", destroy, methods=["DELETE"]),
]


class CookbookApp:
    """The cookbook route group; absent (404 page) while the app is disabled."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.router = Router(ROUTES, redirect_slashes=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.state.app_enabled("cookbook"):
            await html_error_page(404)(scope, receive, send)
            return
        await self.router(scope, receive, send)
