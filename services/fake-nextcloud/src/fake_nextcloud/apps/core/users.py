"""provisioning_api user and group lists: ``GET /cloud/users``, ``/cloud/users/details``, ``/cloud/groups``
(apps/provisioning_api/lib/Controller/UsersController.php, GroupsController.php in nextcloud/server)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.core.models import user_details
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.state import User

__all__ = ["USERS_ROUTES"]


def _page(ctx: NcContext, items: list[Any]) -> list[Any]:
    offset = max(0, int(ctx.param("offset", 0) or 0))
    limit = ctx.param("limit")
    end = offset + int(limit) if limit not in (None, "", "-1") and int(limit) >= 0 else None
    return items[offset:end]


def _search_users(ctx: NcContext) -> list[User]:
    """``UsersController::getUsers``: admins search everyone (``IUserManager::search``: user id or display
    name contains the term, case-insensitive, ordered by uid); other users (no sub-admin support here) get
    an empty list, not an error."""
    assert ctx.user is not None
    if not ctx.user.is_admin:
        return []
    term = str(ctx.param("search", "")).lower()
    found = [u for u in ctx.state.users.values() if not term or term in u.uid.lower() or term in u.display_name.lower()]
    return _page(ctx, sorted(found, key=lambda u: u.uid.lower()))


@controller(Annotations(ocs=True))
async def get_users(ctx: NcContext, request: Request) -> OcsResult:
    return OcsResult({"users": [u.uid for u in _search_users(ctx)]})


@controller(Annotations(ocs=True))
async def get_users_details(ctx: NcContext, request: Request) -> OcsResult:
    """``UsersController::getUsersDetails``: ``{"users": {uid: UserDetails}}``."""
    assert ctx.user is not None
    viewer = ctx.user
    users = {u.uid: user_details(ctx.state, u, viewer=viewer, include_scopes=False) for u in _search_users(ctx)}
    return OcsResult({"users": users})


@controller(Annotations(ocs=True))
async def get_groups(ctx: NcContext, request: Request) -> OcsResult:
    """``GroupsController::getGroups`` (``#[NoAdminRequired]``: any user may list group ids)."""
    term = str(ctx.param("search", "")).lower()
    groups = sorted({g for u in ctx.state.users.values() for g in u.groups if term in g.lower()})
    return OcsResult({"groups": _page(ctx, groups)})


USERS_ROUTES: list[BaseRoute] = [
    Route("/cloud/users", get_users, methods=["GET"]),
    Route("/cloud/users/details", get_users_details, methods=["GET"]),
    Route("/cloud/groups", get_groups, methods=["GET"]),
]
