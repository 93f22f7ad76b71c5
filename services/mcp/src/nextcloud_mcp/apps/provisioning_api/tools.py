"""Users tools (`nc_users_*`): who am I, and looking up other users."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.provisioning_api.client import users_client
from nextcloud_mcp.core.instance import UserDetails
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

UserId = Annotated[str, Field(min_length=1, max_length=64)]


class UserInfo(BaseModel):
    id: str
    name: str
    email: str | None
    groups: list[str]
    language: str
    quota_used: float | None
    quota_total: float | None


def _u(user: UserDetails) -> UserInfo:
    q = user.quota
    return UserInfo(
        id=user.id,
        name=user.display_name,
        email=user.email,
        groups=user.groups,
        language=user.language,
        quota_used=q.used if q else None,
        quota_total=q.total if q else None,
    )


@tool(
    "nc_users_me",
    "Who am I",
    "The current user: id, name, groups, language and quota.",
    app="provisioning_api",
    read_only=True,
    idempotent=True,
)
async def users_me(ctx: Context) -> UserInfo:
    return _u(await users_client(session(ctx)).me())


@tool(
    "nc_users_get",
    "Get a user",
    "Look up a user by id (other users need admin or group-admin rights).",
    app="provisioning_api",
    read_only=True,
    idempotent=True,
)
async def users_get(ctx: Context, user_id: UserId) -> UserInfo:
    return _u(await users_client(session(ctx)).get(user_id))


@tool(
    "nc_users_search",
    "Search users",
    "Search users by id, name or email.",
    app="provisioning_api",
    read_only=True,
    idempotent=True,
)
async def users_search(
    ctx: Context,
    term: Annotated[str, Field(max_length=255)],
    limit: Annotated[int, Field(ge=1, le=100)] = 20,
    offset: Annotated[int, Field(ge=0)] = 0,
) -> list[UserInfo]:
    return [_u(u) for u in await users_client(session(ctx)).search(term, limit, offset)]


TOOLS: list[ToolSpec] = [users_me, users_get, users_search]
