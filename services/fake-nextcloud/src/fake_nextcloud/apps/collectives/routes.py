"""Collectives OCS API at ``/ocs/v2.php/apps/collectives/api/v1.0/…`` (nextcloud/collectives v4.4.3, f361bdf0).

Routes: ``appinfo/routes.php`` (``ocs`` section; ``apiVersion`` must be ``1.0``, ids ``\\d+``). Controllers:
``lib/Controller/CollectiveController.php``, ``PageController.php``, ``PageTrashController.php``,
``TagController.php``; all are ``OCSController``s with ``#[NoAdminRequired]``, answering through
``OCSExceptionHelper::handleErrorResponse`` (403/404/400 with the service's message). A disabled app has no routes
(OCS 998).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.collectives.models import Collective, CollectivesBackend, CollectivesError
from fake_nextcloud.apps.collectives.pages import PageStore
from fake_nextcloud.apps.dav.models import DavError
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import OcsError
from fake_nextcloud.core.signature import php_method

__all__ = ["OCS_ROUTES"]

_OCS = Annotations(ocs=True)
Endpoint = Callable[[Request], Awaitable[Response]]


def _uid(ctx: NcContext) -> str:
    assert ctx.user is not None  # guaranteed by the security checks
    return ctx.user.uid


def _run(ctx: NcContext, work: Callable[[CollectivesBackend, str], Any]) -> OcsResult:
    """The method body inside ``handleErrorResponse``; a files failure (``FilesNotPermittedException``) becomes
    the service's ``NotPermittedException``."""
    if not ctx.state.app_enabled("collectives"):
        raise OcsError(998, "")
    try:
        return OcsResult(work(CollectivesBackend.of(ctx.state), _uid(ctx)))
    except CollectivesError as error:
        raise OcsError(error.status, error.message) from error
    except DavError as error:
        raise OcsError(403 if error.status == 403 else 404, error.message) from error


def _pages(backend: CollectivesBackend, uid: str, collective_id: int) -> PageStore:
    return PageStore(backend, uid, backend.get(uid, collective_id))


# -- CollectiveController -----------------------------------------------------------------------------------------


@controller(_OCS)
@php_method("CollectiveController::index")
async def collectives_index(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /collectives``: ``{"collectives": [...]}`` (``getCollectivesWithShares``)."""
    return _run(ctx, lambda b, uid: {"collectives": [b.collective_json(uid, c) for c in b.visible(uid)]})


@controller(_OCS)
@php_method("CollectiveController::create", "string $name, ?string $emoji = null")
async def collectives_create(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /collectives``: ``{"collective": …, "info": ""}``."""
    name, emoji = ctx.args["name"], ctx.args["emoji"]

    def work(b: CollectivesBackend, uid: str) -> dict[str, Any]:
        collective: Collective = b.create(uid, name, emoji)
        return {"collective": b.collective_json(uid, collective), "info": ""}

    return _run(ctx, work)


# -- PageController -----------------------------------------------------------------------------------------------


@controller(_OCS)
@php_method("PageController::index", "int $collectiveId")
async def pages_index(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /collectives/{collectiveId}/pages``: ``{"pages": [...]}`` (``PageService::findAll``)."""
    cid = ctx.args["collectiveId"]
    return _run(ctx, lambda b, uid: {"pages": _pages(b, uid, cid).find_all()})


@controller(_OCS)
@php_method("PageController::get", "int $collectiveId, int $id")
async def pages_get(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /collectives/{collectiveId}/pages/{id}``: ``{"page": …}``."""
    cid, page_id = ctx.args["collectiveId"], ctx.args["id"]
    return _run(ctx, lambda b, uid: {"page": _pages(b, uid, cid).find(page_id)})


@controller(_OCS)
@php_method("PageController::create", "int $collectiveId, int $parentId, string $title, ?int $templateId = null")
async def pages_create(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /collectives/{collectiveId}/pages/{parentId}`` (``title``; templates are not modelled)."""
    a = ctx.args
    return _run(ctx, lambda b, uid: {"page": _pages(b, uid, a["collectiveId"]).create(a["parentId"], a["title"])})


@controller(_OCS)
@php_method(
    "PageController::moveOrCopy",
    "int $collectiveId, int $id, ?int $parentId = null, ?string $title = null, ?int $index = 0, bool $copy = false",
)
async def pages_move(ctx: NcContext, request: Request) -> OcsResult:
    """``PUT /collectives/{collectiveId}/pages/{id}`` (``parentId``, ``title``; ``copy`` is not modelled: 403)."""
    a = ctx.args

    def work(b: CollectivesBackend, uid: str) -> dict[str, Any]:
        if a["copy"]:
            raise CollectivesError(403, "Copying pages is not modelled by the fake")
        return {"page": _pages(b, uid, a["collectiveId"]).move(a["id"], a["parentId"], a["title"])}

    return _run(ctx, work)


@controller(_OCS)
@php_method("PageController::trash", "int $collectiveId, int $id")
async def pages_trash(ctx: NcContext, request: Request) -> OcsResult:
    """``DELETE /collectives/{collectiveId}/pages/{id}``: the trashed page with its ``trashTimestamp``."""
    cid, page_id = ctx.args["collectiveId"], ctx.args["id"]
    return _run(ctx, lambda b, uid: {"page": _pages(b, uid, cid).trash(page_id)})


@controller(_OCS)
@php_method("PageController::contentSearch", "int $collectiveId, string $searchString")
async def pages_search(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /collectives/{collectiveId}/search?searchString=…``: ``{"pages": [...]}``."""
    cid, text = ctx.args["collectiveId"], ctx.args["searchString"]
    return _run(ctx, lambda b, uid: {"pages": _pages(b, uid, cid).search(text)})


def _tag_change(add: bool) -> Endpoint:
    qualname = "PageController::addTag" if add else "PageController::removeTag"

    @controller(_OCS)
    @php_method(qualname, "int $collectiveId, int $id, int $tagId")
    async def change(ctx: NcContext, request: Request) -> OcsResult:
        """``PUT|DELETE /collectives/{collectiveId}/pages/{id}/tags/{tagId}`` (``PageService::addTag`` /
        ``removeTag``: the tag must belong to the collective)."""
        a = ctx.args

        def work(b: CollectivesBackend, uid: str) -> dict[str, Any]:
            pages = _pages(b, uid, a["collectiveId"])
            b.require_edit(uid, pages.c)
            if a["tagId"] not in {t.id for t in b.collective_tags(pages.c)}:
                raise CollectivesError(404, f"Tag {a['tagId']} not found for collective")
            file = pages.file_by_id(a["id"])
            tags = b.meta(file.file_id).tags
            if add and a["tagId"] not in tags:
                tags.append(a["tagId"])
            elif not add and a["tagId"] in tags:
                tags.remove(a["tagId"])
            return {"page": pages.info(file)}

        return _run(ctx, work)

    return change


# -- PageTrashController ------------------------------------------------------------------------------------------


@controller(_OCS)
@php_method("PageTrashController::index", "int $collectiveId")
async def trash_index(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /collectives/{collectiveId}/pages/trash``: ``{"pages": [...]}``."""
    cid = ctx.args["collectiveId"]
    return _run(ctx, lambda b, uid: {"pages": _pages(b, uid, cid).find_all_trash()})


@controller(_OCS)
@php_method("PageTrashController::restore", "int $collectiveId, int $id")
async def trash_restore(ctx: NcContext, request: Request) -> OcsResult:
    """``PATCH /collectives/{collectiveId}/pages/trash/{id}``: ``{"page": …}``."""
    cid, page_id = ctx.args["collectiveId"], ctx.args["id"]
    return _run(ctx, lambda b, uid: {"page": _pages(b, uid, cid).restore(page_id)})


@controller(_OCS)
@php_method("PageTrashController::delete", "int $collectiveId, int $id")
async def trash_delete(ctx: NcContext, request: Request) -> OcsResult:
    """``DELETE /collectives/{collectiveId}/pages/trash/{id}``: ``[]``."""
    cid, page_id = ctx.args["collectiveId"], ctx.args["id"]

    def work(b: CollectivesBackend, uid: str) -> list[Any]:
        _pages(b, uid, cid).delete(page_id)
        return []

    return _run(ctx, work)


# -- TagController ------------------------------------------------------------------------------------------------


@controller(_OCS)
@php_method("TagController::index", "int $collectiveId")
async def tags_index(ctx: NcContext, request: Request) -> OcsResult:
    """``GET /collectives/{collectiveId}/tags``: ``{"tags": [...]}``."""
    cid = ctx.args["collectiveId"]
    return _run(ctx, lambda b, uid: {"tags": [t.to_json() for t in b.collective_tags(b.get(uid, cid))]})


@controller(_OCS)
@php_method("TagController::create", "int $collectiveId, string $name, string $color")
async def tags_create(ctx: NcContext, request: Request) -> OcsResult:
    """``POST /collectives/{collectiveId}/tags``: ``{"tag": …, "info": ""}``."""
    a = ctx.args

    def work(b: CollectivesBackend, uid: str) -> dict[str, Any]:
        tag = b.create_tag(uid, b.get(uid, a["collectiveId"]), a["name"], a["color"])
        return {"tag": tag.to_json(), "info": ""}

    return _run(ctx, work)


_A = "/apps/collectives/api/v1.0/collectives"  # requirements: apiVersion (1.0)
_P = _A + "/{collectiveId:int}/pages"
#: Mounted into the OCS router (``/ocs/v{1,2}.php``), in ``appinfo/routes.php`` order.
OCS_ROUTES: list[BaseRoute] = [
    Route(_A, collectives_index, methods=["GET"]),
    Route(_A, collectives_create, methods=["POST"]),
    Route(_A + "/{collectiveId:int}/search", pages_search, methods=["GET"]),
    Route(_P, pages_index, methods=["GET"]),
    Route(_P + "/trash", trash_index, methods=["GET"]),
    Route(_P + "/trash/{id:int}", trash_delete, methods=["DELETE"]),
    Route(_P + "/trash/{id:int}", trash_restore, methods=["PATCH"]),
    Route(_P + "/{id:int}", pages_get, methods=["GET"]),
    Route(_P + "/{parentId:int}", pages_create, methods=["POST"]),
    Route(_P + "/{id:int}", pages_move, methods=["PUT"]),
    Route(_P + "/{id:int}/tags/{tagId:int}", _tag_change(True), methods=["PUT"]),
    Route(_P + "/{id:int}/tags/{tagId:int}", _tag_change(False), methods=["DELETE"]),
    Route(_P + "/{id:int}", pages_trash, methods=["DELETE"]),
    Route(_A + "/{collectiveId:int}/tags", tags_index, methods=["GET"]),
    Route(_A + "/{collectiveId:int}/tags", tags_create, methods=["POST"]),
]
