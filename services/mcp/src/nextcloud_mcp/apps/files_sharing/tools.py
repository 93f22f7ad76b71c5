"""Sharing tools (`nc_shares_*`): shares as named permission flags, never bitmasks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.files_sharing.client import (
    Permission,
    Share,
    ShareType,
    flags,
    mask,
    share_type_name,
    sharing_client,
)
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

ShareId = Annotated[str, Field(pattern=r"^\d{1,18}$")]
Perms = Annotated[list[Permission] | None, Field(max_length=5)]
Expiry = Annotated[str | None, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]
Secret = Annotated[str | None, Field(max_length=200)]


class ShareSummary(BaseModel):
    # "" stands for absent: non-null fields keep tools/list small
    id: str
    type: str
    path: str
    owner: str
    to: str
    perms: list[str]
    expires: str
    url: str
    pending: bool


class Done(BaseModel):
    id: str
    ok: bool


class Sharee(BaseModel):
    type: str
    id: str
    label: str


def _s(share: Share) -> ShareSummary:
    return ShareSummary(
        id=share.id,
        type=share_type_name(share.share_type),
        path=share.path or "",
        owner=share.uid_owner,
        to=share.share_with_displayname or share.share_with or "",
        perms=flags(share.permissions),
        expires=share.expiration or "",
        url=share.url or "",
        pending=share.state == 1,
    )


def _fields(perms: Sequence[str] | None, password: str | None, expires: str | None, note: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if perms is not None:
        fields["permissions"] = mask(perms)
    if password is not None:
        fields["password"] = password
    if expires is not None:
        fields["expireDate"] = expires
    if note is not None:
        fields["note"] = note
    return fields


@tool(
    "nc_shares_list",
    "List shares",
    "List shares: mine, shared with me, pending, or those of one path.",
    app="files_sharing",
    read_only=True,
    idempotent=True,
)
async def shares_list(
    ctx: Context,
    which: Literal["mine", "with_me", "pending"] = "mine",
    path: Annotated[str | None, Field(max_length=4096)] = None,
) -> list[ShareSummary]:
    shares = await sharing_client(session(ctx)).list_shares(
        path=path, shared_with_me=which == "with_me", pending=which == "pending"
    )
    return [_s(s) for s in shares]


@tool("nc_shares_get", "Get a share", "Get one share.", app="files_sharing", read_only=True, idempotent=True)
async def shares_get(ctx: Context, share_id: ShareId) -> ShareSummary:
    return _s(await sharing_client(session(ctx)).get(share_id))


@tool(
    "nc_shares_create",
    "Share a file",
    "Share a file or folder with a user, group, email, or as a public link.",
    app="files_sharing",
    read_only=False,
)
async def shares_create(
    ctx: Context,
    path: Annotated[str, Field(max_length=4096)],
    type: ShareType,
    to: Annotated[str | None, Field(max_length=255, description="Not for links.")] = None,
    perms: Perms = None,
    password: Secret = None,
    expires: Expiry = None,
    note: Annotated[str | None, Field(max_length=1000)] = None,
) -> ShareSummary:
    fields = _fields(perms, password, expires, note)
    if to is not None:
        fields["shareWith"] = to
    return _s(await sharing_client(session(ctx)).create(path, type, fields))


@tool(
    "nc_shares_update",
    "Update a share",
    "Change a share's permissions, password, expiry date or note.",
    app="files_sharing",
    read_only=False,
    idempotent=True,
)
async def shares_update(
    ctx: Context,
    share_id: ShareId,
    perms: Perms = None,
    password: Secret = None,
    expires: Expiry = None,
    note: Annotated[str | None, Field(max_length=1000)] = None,
) -> ShareSummary:
    return _s(await sharing_client(session(ctx)).update(share_id, _fields(perms, password, expires, note)))


@tool(
    "nc_shares_delete",
    "Delete a share",
    "Stop sharing: delete a share.",
    app="files_sharing",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def shares_delete(ctx: Context, share_id: ShareId) -> Done:
    await sharing_client(session(ctx)).delete(share_id)
    return Done(id=share_id, ok=True)


@tool(
    "nc_shares_accept",
    "Accept a share",
    "Accept a pending share (federated=true for a remote share).",
    app="files_sharing",
    read_only=False,
    idempotent=True,
)
async def shares_accept(ctx: Context, share_id: ShareId, federated: bool = False) -> Done:
    await sharing_client(session(ctx)).accept(share_id, federated)
    return Done(id=share_id, ok=True)


@tool(
    "nc_shares_search_sharees",
    "Find sharees",
    "Find users, groups and emails to share with.",
    app="files_sharing",
    read_only=True,
    idempotent=True,
)
async def shares_search_sharees(
    ctx: Context, term: Annotated[str, Field(max_length=255)], limit: Annotated[int, Field(ge=1, le=100)] = 20
) -> list[Sharee]:
    return [Sharee(**s) for s in await sharing_client(session(ctx)).sharees(term, limit)]


TOOLS: list[ToolSpec] = [
    shares_list,
    shares_get,
    shares_create,
    shares_update,
    shares_delete,
    shares_accept,
    shares_search_sharees,
]
