"""provisioning_api account lists: ``GET /cloud/users``, ``/cloud/users/details`` (nextcloud/server
``apps/provisioning_api/lib/Controller/UsersController.php::getUsers``/``getUsersDetails``), and the route table
of the provisioning endpoints served from this package (account administration: ``user_admin.py``; groups:
``groups.py``). ``GET /cloud/user`` and ``GET /cloud/users/{userId}`` are in ``routes.py``.

Both lists need a sub-admin (``ProvisioningApiMiddleware``: 403 "Logged in account must be at least a sub admin"
for anyone else). Admins search everyone (``IUserManager::search``: user id or display name contains the term,
case-insensitive, ordered by uid); a sub-admin gets the members of the groups they administer
(``IGroupManager::displayNamesInGroup`` per group, each with its own ``limit``/``offset``, merged without
duplicates); in the details, an account the caller may not administer (an admin in their group) is only
``{"id"}``. Both take ``string $search = '', ?int $limit = null, int $offset = 0``
(``UsersController.php``; ``int $limit = null`` before the PHP 8.4 clean-up, the same parameter).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.core.groups import GROUP_ROUTES, SEARCH_PARAMETERS, page
from fake_nextcloud.apps.core.models import user_details
from fake_nextcloud.apps.core.provisioning import caller, provisioning_api
from fake_nextcloud.apps.core.user_admin import USER_ADMIN_ROUTES
from fake_nextcloud.core.appframework import Annotations, OcsResult, controller
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.state import User

__all__ = ["USERS_ROUTES"]


def _matches(user: User, term: str) -> bool:
    return not term or term in user.uid.lower() or term in user.display_name.lower()


def _search_users(ctx: NcContext) -> list[User]:
    user, directory = caller(ctx)
    term = ctx.args["search"].lower()
    if user.is_admin:
        return page(
            ctx, sorted((u for u in ctx.state.users.values() if _matches(u, term)), key=lambda u: u.uid.lower())
        )
    found: dict[str, User] = {}
    for gid in directory.subadmin_groups(user):
        for user in page(ctx, [u for u in directory.members(gid) if _matches(u, term)]):
            found.setdefault(user.uid, user)
    return list(found.values())


@controller(Annotations(ocs=True))
@provisioning_api("subadmin")
@php_method("UsersController::getUsers", SEARCH_PARAMETERS)
async def get_users(ctx: NcContext, request: Request) -> OcsResult:
    """``UsersController::getUsers``: ``{"users": [uid, …]}``."""
    return OcsResult({"users": [u.uid for u in _search_users(ctx)]})


@controller(Annotations(ocs=True))
@provisioning_api("subadmin")
@php_method("UsersController::getUsersDetails", SEARCH_PARAMETERS)
async def get_users_details(ctx: NcContext, request: Request) -> OcsResult:
    """``UsersController::getUsersDetails``: ``{"users": {uid: UserDetails}}``."""
    viewer, directory = caller(ctx)
    users = {}
    for user in _search_users(ctx):
        visible = viewer.uid == user.uid or directory.can_administer(viewer, user)
        details = user_details(ctx.state, user, viewer=viewer, include_scopes=False)
        users[user.uid] = details if visible else {"id": user.uid}
    return OcsResult({"users": users})


USERS_ROUTES: list[BaseRoute] = [
    Route("/cloud/users", get_users, methods=["GET"]),
    Route("/cloud/users/details", get_users_details, methods=["GET"]),
    *USER_ADMIN_ROUTES,
    *GROUP_ROUTES,
]
