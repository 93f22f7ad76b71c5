"""Talk tools for conversations and participants (`nc_talk_*`); chat, reactions and polls are in
message_tools.py. Conversations are named by token or by name (models.resolve)."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.spreed.client import TalkClient, talk_client
from nextcloud_mcp.apps.spreed.models import conversation, fingerprint, resolve
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, page, require_etag
from nextcloud_mcp.core.errors import Conflict, InvalidInput, NextcloudError, NotFound
from nextcloud_mcp.core.partial import after_write
from nextcloud_mcp.core.tool import Item, ToolSpec, session, tool

__all__ = ["TOOLS", "Conversation"]

Conversation = Annotated[
    str, Field(min_length=1, max_length=255, description="Conversation token or name (nc_talk_list_conversations).")
]
User = Annotated[str, Field(min_length=1, max_length=255, description="User id (nc_users_search_users).")]
Name = Annotated[str, Field(min_length=1, max_length=255, description="Conversation name.")]
_GET = "nc_talk_get_conversation"


@tool(
    "nc_talk_list_conversations",
    "List conversations",
    "My Talk conversations, latest activity first, with unread counts.",
    app="spreed",
    read_only=True,
    idempotent=True,
)
async def list_conversations(ctx: Context, limit: Limit = 50, cursor: Cursor = None) -> Page[Item]:
    rooms = sorted(await talk_client(session(ctx)).rooms(), key=lambda r: -int(r.get("lastActivity") or 0))
    return page([conversation(r) for r in rooms], limit, cursor)


async def _full(talk: TalkClient, token: str) -> Item:
    return conversation(await talk.room(token), await talk.participants(token))


@tool(
    "nc_talk_get_conversation",
    "Get a conversation",
    "A conversation with its participants and etag.",
    app="spreed",
    read_only=True,
    idempotent=True,
)
async def get_conversation(ctx: Context, conversation: Conversation) -> Item:
    talk = talk_client(session(ctx))
    return await _full(talk, await resolve(talk, conversation))


@tool(
    "nc_talk_create_conversation",
    "Create a conversation",
    "Start a one-to-one chat with a user, or a group or public conversation with participants.",
    app="spreed",
    read_only=False,
)
async def create_conversation(
    ctx: Context,
    type: Annotated[Literal["one_to_one", "group", "public"], Field(description="public: joinable by link.")] = "group",
    name: Annotated[str, Field(max_length=255, description="Name (group/public).")] = "",
    participants: Annotated[
        list[str], Field(max_length=50, description="User ids to add; one_to_one: exactly one.")
    ] = [],  # noqa: B006 - pydantic copies defaults
) -> Item:
    talk = talk_client(session(ctx))
    if type == "one_to_one":
        if len(participants) != 1:
            raise InvalidInput("participants: a one_to_one conversation needs exactly one user id.")
        room = await talk.create_room({"roomType": 1, "invite": participants[0]})
        return await _read_back(talk, room["token"], "The one-to-one conversation exists")
    if not name.strip():
        raise InvalidInput("name: a group or public conversation needs a name (1-255 characters).")
    room = await talk.create_room({"roomType": 2 if type == "group" else 3, "roomName": name})
    token, failed = room["token"], []
    for user in participants:
        try:
            await talk.add_participant(token, user)
        except NextcloudError as exc:
            failed.append({"user": user, "error": exc.message})
    item = await _read_back(talk, token, f"Conversation {token} was created")
    if failed:  # partial success: the conversation exists, these users are not in it
        item["not_added"] = failed
    return item


async def _read_back(talk: TalkClient, token: str, done: str) -> Item:
    try:
        return await _full(talk, token)
    except NextcloudError as exc:
        raise after_write(exc, f"{done}, but reading it back failed:", f"Read it with {_GET} ({token}).") from None


@tool(
    "nc_talk_update_conversation",
    "Rename a conversation",
    "Rename a group or public conversation (etag from nc_talk_get_conversation).",
    app="spreed",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def update_conversation(
    ctx: Context, conversation: Conversation, name: Name, etag: Etag = None, force: Force = False
) -> Item:
    require_etag(etag, force, what="conversation", get_tool=_GET)
    talk = talk_client(session(ctx))
    token = await resolve(talk, conversation)
    current = await talk.room(token)
    now = fingerprint(current.get("displayName"), current.get("description"))
    if not force and etag != now:
        raise Conflict(
            f"Conversation {token} changed since you read it (now {current.get('displayName')!r}); nothing was "
            f"renamed. Read it again with {_GET}.",
            current={"etag": now, "name": current.get("displayName")},
        )
    await talk.rename(token, name)
    return await _read_back(talk, token, f"Conversation {token} was renamed")


@tool(
    "nc_talk_delete_conversation",
    "Delete a conversation",
    "Delete a group or public conversation with its chat, for everyone (moderators only).",
    app="spreed",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_conversation(ctx: Context, conversation: Conversation) -> Item:
    talk = talk_client(session(ctx))
    token = await resolve(talk, conversation)
    await talk.delete_room(token)
    return {"token": token, "ok": True}


@tool(
    "nc_talk_add_participant",
    "Add a participant",
    "Add a user to a group or public conversation (moderators only).",
    app="spreed",
    read_only=False,
    idempotent=True,
)
async def add_participant(ctx: Context, conversation: Conversation, user: User) -> Item:
    talk = talk_client(session(ctx))
    token = await resolve(talk, conversation)
    await talk.add_participant(token, user)
    return await _read_back(talk, token, f"{user} was added to {token}")


@tool(
    "nc_talk_remove_participant",
    "Remove a participant",
    "Remove a participant (by user id or name) from a conversation; my own user id leaves it.",
    app="spreed",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def remove_participant(
    ctx: Context,
    conversation: Conversation,
    user: Annotated[str, Field(min_length=1, max_length=255, description="User id or display name.")],
) -> Item:
    talk = talk_client(session(ctx))
    token = await resolve(talk, conversation)
    people = await talk.participants(token)
    wanted = user.strip().casefold()
    match = [p for p in people if str(p.get("actorId")).casefold() == wanted] or [
        p for p in people if str(p.get("displayName")).casefold() == wanted
    ]
    if len(match) != 1:
        names = ", ".join(f"{p.get('displayName')} ({p.get('actorId')})" for p in people)
        why = "matches several participants" if match else "is not a participant"
        raise NotFound(f"Talk: {user!r} {why} of {token}. Participants: {names}.")
    if match[0].get("actorId") == (await talk.room(token)).get("actorId"):
        await talk.leave(token)  # removeSelfFromRoom: no moderator rights needed
    else:
        await talk.remove_attendee(token, int(match[0]["attendeeId"]))
    return {"token": token, "removed": match[0].get("actorId"), "ok": True}


TOOLS: list[ToolSpec] = [
    list_conversations,
    get_conversation,
    create_conversation,
    update_conversation,
    delete_conversation,
    add_participant,
    remove_participant,
]
