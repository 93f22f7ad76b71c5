"""Users tools (`nc_users_*`): who am I, and looking up other users."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.provisioning_api.client import ME_TOOL, SEARCH_TOOL, users_client
from nextcloud_mcp.core.contract import Cursor, Limit, Page, next_cursor, offset_of
from nextcloud_mcp.core.instance import UserDetails
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]


class UserSummary(BaseModel):
    id: str
    name: str
    email: str | None


class UserInfo(UserSummary):
    groups: list[str]
    language: str | None
    quota_used: float | None
    quota_total: float | None


def _u(user: UserDetails) -> UserInfo:
    q = user.quota
    return UserInfo(
        id=user.id, name=user.display_name, email=user.email or None, groups=user.groups,
        language=user.language or None, quota_used=q.used if q else None, quota_total=q.total if q else None,
    )  # fmt: skip


@tool(
    ME_TOOL, "Who am I", "The current user: id, name, groups, language and quota.",
    app="provisioning_api", read_only=True, idempotent=True,
)  # fmt: skip
async def users_get_me(ctx: Context) -> UserInfo:
    return _u(await users_client(session(ctx)).me())


@tool(
    "nc_users_get_user", "Get a user", "Get a user by id, display name or e-mail (others: admins/group admins only).",
    app="provisioning_api", read_only=True, idempotent=True,
)  # fmt: skip
async def users_get_user(
    ctx: Context,
    user_id: Annotated[
        str, Field(min_length=1, max_length=255, description=f"User id from {SEARCH_TOOL}, or name/e-mail")
    ],
) -> UserInfo:
    return _u(await users_client(session(ctx)).get(user_id.strip()))


@tool(
    SEARCH_TOOL, "Search users", "Search users by id or display name (admins and group admins only).",
    app="provisioning_api", read_only=True, idempotent=True,
)  # fmt: skip
async def users_search_users(
    ctx: Context,
    term: Annotated[str, Field(description="Part of an id or display name; '' lists all")] = "",
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[UserSummary]:
    offset = offset_of(cursor)
    users = await users_client(session(ctx)).search(term, limit, offset)
    found = [UserSummary(id=u.id, name=u.display_name, email=u.email or None) for u in users]
    return Page[UserSummary](items=found, next_cursor=next_cursor(offset, len(users), None, limit), total=None)


TOOLS: list[ToolSpec] = [users_get_me, users_get_user, users_search_users]
