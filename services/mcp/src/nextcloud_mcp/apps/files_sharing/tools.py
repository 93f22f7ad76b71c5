"""Sharing tools (`nc_shares_*`): shares with named permission flags, recipients by id, name or e-mail."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.files_sharing.client import (
    Permission,
    Share,
    ShareType,
    SharingClient,
    mask,
    share_etag,
    share_type_name,
    sharing_client,
)
from nextcloud_mcp.core.contract import (
    Cursor,
    Etag,
    Force,
    Limit,
    Page,
    next_cursor,
    offset_of,
    page,
    require_etag,
    share_flags,
)
from nextcloud_mcp.core.errors import Conflict, InvalidInput, NextcloudError
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

ShareId = Annotated[str, Field(pattern=r"^\d{1,18}$", description="Share id from nc_shares_list_shares.")]
Perms = Annotated[
    list[Permission] | None, Field(max_length=5, description="Named flags; a file takes no create/delete.")
]
Password = Annotated[str | None, Field(description="Password for a link or e-mail share.")]
Note = Annotated[str | None, Field(description="Note to the recipient.")]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
#: user and group recipients can be resolved from a display name or e-mail through the sharee search
_RESOLVABLE = {"user": "account", "group": "group"}


class ShareInfo(BaseModel):
    id: str
    type: str
    path: str
    owner: str
    to: str | None
    permissions: list[str]
    expires: str | None
    url: str | None
    note: str | None
    etag: str


class Done(BaseModel):
    id: str
    ok: bool


class ShareeInfo(BaseModel):
    type: str
    id: str
    label: str


def _info(share: Share) -> ShareInfo:
    # formatShare sends expiration as "Y-m-d H:i:s" (midnight in the server's zone): the date is what was set
    match = _DATE.match(share.expiration or "")
    return ShareInfo(
        id=share.id,
        type=share_type_name(share.share_type),
        path=share.path or "/",
        owner=share.uid_owner,
        to=share.share_with if share.share_type != 3 else None,  # a link's share_with is its password hash
        permissions=share_flags(share.permissions),
        expires=match.group(0) if match else None,
        url=share.url,
        note=share.note or None,
        etag=share_etag(share),
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


async def _recipient(client: SharingClient, kind: str, to: str) -> str:
    """The `shareWith` for `to`: an id as given, or the one account/group whose name or e-mail it is.

    ShareAPIController::createShare takes only ids ("Please specify a valid account to share with" otherwise), so
    a display name or e-mail is looked up with the sharee search first; several matches are refused, listed."""
    try:
        found = await client.sharees(to, 50)
    except NextcloudError:
        return to  # the search is restricted or off: let createShare judge the value
    wanted = to.casefold()
    matches = [
        s
        for s in found
        if s.type == kind and (s.exact or wanted in (s.label.casefold(), s.unique.casefold(), s.id.casefold()))
    ]
    if any(s.id == to for s in matches) or not matches:
        return to
    if len(matches) == 1:
        return matches[0].id
    listed = ", ".join(f"{s.label} <{s.unique or s.id}> (id {s.id})" for s in matches[:10])
    raise InvalidInput(f"{to!r} matches several {_RESOLVABLE[kind]}s: {listed}. Pass one id as `to`.")


@tool(
    "nc_shares_list_shares",
    "List shares",
    "List shares: mine, shared with me, pending acceptance, or those of one path.",
    app="files_sharing",
    read_only=True,
    idempotent=True,
)
async def list_shares(
    ctx: Context,
    which: Annotated[
        Literal["mine", "with_me", "pending"], Field(description="mine, with_me, or pending (to accept).")
    ] = "mine",
    path: Annotated[str | None, Field(description="Only the shares of this path, e.g. /Documents.")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[ShareInfo]:
    shares = await sharing_client(session(ctx)).list_shares(
        path=path, shared_with_me=which == "with_me", pending=which == "pending"
    )
    return page([_info(s) for s in shares], limit, cursor)


@tool(
    "nc_shares_get_share",
    "Get a share",
    "Get one share, with the etag nc_shares_update_share needs.",
    app="files_sharing",
    read_only=True,
    idempotent=True,
)
async def get_share(ctx: Context, share_id: ShareId) -> ShareInfo:
    return _info(await sharing_client(session(ctx)).get(share_id))


@tool(
    "nc_shares_create_share",
    "Share a file",
    "Share a file or folder with a user, group or e-mail, or as a public link.",
    app="files_sharing",
    read_only=False,
)
async def create_share(
    ctx: Context,
    path: Annotated[str, Field(description="Path, e.g. /Documents/a.txt.")],
    type: Annotated[ShareType, Field(description="Recipient kind; link: a public link.")] = "user",
    to: Annotated[str | None, Field(description="User/group id, name or e-mail (nc_shares_search_sharees).")] = None,
    permissions: Perms = None,
    password: Password = None,
    expires: Annotated[str | None, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD.")] = None,
    note: Note = None,
) -> ShareInfo:
    client = sharing_client(session(ctx))
    fields = _fields(permissions, password, expires, note)
    if type == "link":
        if to:
            raise InvalidInput("A link share has no recipient; omit `to`, or pick another type.")
    elif not to:
        raise InvalidInput(f"A {type} share needs `to`; find the recipient with nc_shares_search_sharees.")
    else:
        fields["shareWith"] = await _recipient(client, type, to) if type in _RESOLVABLE else to
    return _info(await client.create(path, type, fields))


@tool(
    "nc_shares_update_share",
    "Update a share",
    "Change a share's permissions, password, expiry date or note (needs its etag).",
    app="files_sharing",
    read_only=False,
    idempotent=True,
)
async def update_share(
    ctx: Context,
    share_id: ShareId,
    permissions: Perms = None,
    password: Password = None,
    expires: Annotated[
        str | None, Field(pattern=r"^(\d{4}-\d{2}-\d{2})?$", description='YYYY-MM-DD; "" removes it.')
    ] = None,
    note: Note = None,
    etag: Etag = None,
    force: Force = False,
) -> ShareInfo:
    fields = _fields(permissions, password, expires, note)
    if not fields:
        raise InvalidInput("Nothing to change: give permissions, password, expires or note.")
    require_etag(etag, force, what="share", get_tool="nc_shares_get_share")
    client = sharing_client(session(ctx))
    if not force:
        current = await client.get(share_id)
        if share_etag(current) != etag:
            raise Conflict(
                f"Share {share_id} changed since you read it; read it again with nc_shares_get_share and retry "
                "with its etag.",
                current=share_etag(current),
            )
    return _info(await client.update(share_id, fields))


@tool(
    "nc_shares_delete_share",
    "Delete a share",
    "Stop sharing: delete a share (the file itself stays).",
    app="files_sharing",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_share(ctx: Context, share_id: ShareId) -> Done:
    await sharing_client(session(ctx)).delete(share_id)
    return Done(id=share_id, ok=True)


@tool(
    "nc_shares_accept_share",
    "Accept a share",
    "Accept a pending share (from nc_shares_list_shares which=pending).",
    app="files_sharing",
    read_only=False,
    idempotent=True,
)
async def accept_share(
    ctx: Context,
    share_id: ShareId,
    federated: Annotated[bool, Field(description="true: a share from another server.")] = False,
) -> Done:
    await sharing_client(session(ctx)).accept(share_id, federated)
    return Done(id=share_id, ok=True)


@tool(
    "nc_shares_search_sharees",
    "Find sharees",
    "Find users, groups and e-mail addresses to share with.",
    app="files_sharing",
    read_only=True,
    idempotent=True,
)
async def search_sharees(
    ctx: Context,
    term: Annotated[str, Field(description="Part of a name, id or e-mail.")],
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[ShareeInfo]:
    # Nextcloud pages each kind (users, groups, e-mails...) on its own, so one large page is asked and cut here
    offset = offset_of(cursor)
    found = await sharing_client(session(ctx)).sharees(term, max(200, offset + limit))
    items = [ShareeInfo(type=s.type, id=s.id, label=s.label) for s in found[offset : offset + limit]]
    return Page[ShareeInfo](items=items, next_cursor=next_cursor(offset, len(items), len(found), limit), total=None)


TOOLS: list[ToolSpec] = [
    list_shares,
    get_share,
    create_share,
    update_share,
    delete_share,
    accept_share,
    search_sharees,
]
