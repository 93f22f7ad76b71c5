"""Talk tools for chat messages, reactions, the read marker, polls and shared items (`nc_talk_*`).

Reading never moves the read marker (`setReadMarker=0`); nc_talk_set_read_marker does. Paging follows Talk's
`lastKnownMessageId`: a cursor is a message id (`X-Chat-Last-Given`).

Searching goes through Talk's unified-search provider `talk-message` (nextcloud/spreed lib/Search/MessageSearch.php:
the messages of my conversations, newest first, or of one with its `conversation` filter; the cursor is an offset,
the entry's `subline` the message text, cut before the match in long ones; attributes `conversation`,
`messageId`, `actorId`, `timestamp`)."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from nextcloud_mcp.apps.search.client import search_client
from nextcloud_mcp.apps.spreed.client import MAX_LENGTH, talk_client
from nextcloud_mcp.apps.spreed.models import conversation, fingerprint, message, poll, resolve
from nextcloud_mcp.apps.spreed.tools import Conversation
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Page, iso, offset_of, require_etag
from nextcloud_mcp.core.errors import BadRequest, Conflict, InvalidInput, NotFound
from nextcloud_mcp.core.tool import Item, ToolSpec, session, tool

__all__ = ["TOOLS"]

MessageId = Annotated[int, Field(ge=1, description="Message id (nc_talk_list_messages).")]
PollId = Annotated[int, Field(ge=1, description="Poll id (nc_talk_create_poll, shared items).")]
Text = Annotated[str, Field(min_length=1, description=f"Markdown text, at most {MAX_LENGTH} characters.")]
ChatLimit = Annotated[int, Field(ge=1, le=200, description="Page size.")]


def _check_length(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise InvalidInput(
            f"text has {len(text)} characters; Talk allows {MAX_LENGTH} per message. Shorten it or send it as "
            "several messages."
        )


@tool(
    "nc_talk_list_messages",
    "List messages",
    "Chat messages: older (history, newest first) or newer than the cursor (default: my unread ones).",
    app="spreed",
    read_only=True,
    idempotent=True,
)
async def list_messages(
    ctx: Context,
    conversation: Conversation,
    direction: Annotated[
        Literal["older", "newer"], Field(description="older: history; newer: after cursor.")
    ] = "older",
    wait: Annotated[int, Field(ge=0, le=30, description="newer: seconds to wait for new messages.")] = 0,
    limit: ChatLimit = 50,
    cursor: Cursor = None,
) -> Page[Item]:
    talk = talk_client(session(ctx))
    token = await resolve(talk, conversation)
    known = offset_of(cursor)
    future = direction == "newer"
    if future and not cursor:
        known = int((await talk.room(token)).get("lastReadMessage") or 0)
    answer = await talk.messages(token, future=future, known=known, limit=limit, wait=wait)
    items = [message(m) for m in answer.data or []]
    given = answer.headers.get("X-Chat-Last-Given")
    more = given is not None and (future or len(answer.data or []) >= limit)
    return Page[Item](items=items, next_cursor=given if more else None, total=None)


@tool(
    "nc_talk_create_message",
    "Send a message",
    "Send a chat message, optionally as a reply or silently (no notifications).",
    app="spreed",
    read_only=False,
)
async def create_message(
    ctx: Context,
    conversation: Conversation,
    text: Text,
    reply_to: Annotated[int, Field(ge=0, description="Id of the message answered; 0: none.")] = 0,
    silent: Annotated[bool, Field(description="Send without notifying anyone.")] = False,
) -> Item:
    _check_length(text)
    talk = talk_client(session(ctx))
    return message(await talk.send(await resolve(talk, conversation), text, reply_to, silent))


@tool(
    "nc_talk_update_message",
    "Edit a message",
    "Replace the text of a message (own, or any as moderator; within 24 h; etag from nc_talk_list_messages).",
    app="spreed",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def update_message(
    ctx: Context, conversation: Conversation, message_id: MessageId, text: Text, etag: Etag = None, force: Force = False
) -> Item:
    require_etag(etag, force, what="message", get_tool="nc_talk_list_messages")
    _check_length(text)
    talk = talk_client(session(ctx))
    token = await resolve(talk, conversation)
    current = await talk.message(token, message_id)
    if current is None:
        raise NotFound(f"Talk: message {message_id} is not in {token}; see nc_talk_list_messages.")
    now = fingerprint(current.get("message"), current.get("lastEditTimestamp"))
    if not force and etag != now:
        raise Conflict(
            f"Message {message_id} changed since you read it; nothing was edited. Read it again with "
            "nc_talk_list_messages.",
            current={"etag": now, "text": current.get("message")},
        )
    answer = await talk.edit(token, message_id, text)
    return message(answer.get("parent") or answer)


@tool(
    "nc_talk_delete_message",
    "Delete a message",
    "Delete a message for everyone (own, or any as moderator; within 6 hours).",
    app="spreed",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def delete_message(ctx: Context, conversation: Conversation, message_id: MessageId) -> Item:
    talk = talk_client(session(ctx))
    answer = await talk.delete_message(await resolve(talk, conversation), message_id)
    return message(answer.get("parent") or answer)


@tool(
    "nc_talk_set_reaction",
    "React to a message",
    "Add (or remove) my emoji reaction to a message; returns every reaction.",
    app="spreed",
    read_only=False,
    idempotent=True,
)
async def set_reaction(
    ctx: Context,
    conversation: Conversation,
    message_id: MessageId,
    reaction: Annotated[str, Field(min_length=1, max_length=16, description="One emoji, e.g. 👍.")],
    present: Annotated[bool, Field(description="false removes my reaction.")] = True,
) -> Item:
    talk = talk_client(session(ctx))
    data = await talk.react(await resolve(talk, conversation), message_id, reaction, add=present)
    return {
        "message_id": message_id,
        "reactions": {emoji: [r.get("actorId") for r in who] for emoji, who in data.items()},
    }


@tool(
    "nc_talk_set_read_marker",
    "Mark as read",
    "Mark a conversation read up to a message (default: all); returns its unread counts.",
    app="spreed",
    read_only=False,
    idempotent=True,
)
async def set_read_marker(
    ctx: Context,
    conversation: Conversation,
    message_id: Annotated[int | None, Field(ge=0, description="Last message read; omit for all.")] = None,
) -> Item:
    talk = talk_client(session(ctx))
    return conversation_summary(await talk.read_marker(await resolve(talk, conversation), message_id))


def conversation_summary(room: Item) -> Item:
    return {k: v for k, v in conversation(room).items() if k not in ("last_message", "description")}


@tool(
    "nc_talk_create_poll",
    "Create a poll",
    "Post a poll in a group or public conversation.",
    app="spreed",
    read_only=False,
)
async def create_poll(
    ctx: Context,
    conversation: Conversation,
    question: Annotated[str, Field(min_length=1, max_length=32000, description="The question.")],
    options: Annotated[list[str], Field(min_length=2, max_length=30, description="Answers (2+).")],
    max_votes: Annotated[int, Field(ge=0, description="Answers one may pick; 0: any.")] = 1,
    hidden_results: Annotated[bool, Field(description="Show results only when closed.")] = False,
) -> Item:
    talk = talk_client(session(ctx))
    body = {"question": question, "options": options, "resultMode": int(hidden_results), "maxVotes": max_votes}
    return poll(await talk.create_poll(await resolve(talk, conversation), body))


@tool(
    "nc_talk_set_vote",
    "Vote in a poll",
    "Vote in a poll (replaces my earlier vote; [] withdraws it).",
    app="spreed",
    read_only=False,
    idempotent=True,
)
async def set_vote(
    ctx: Context,
    conversation: Conversation,
    poll_id: PollId,
    options: Annotated[list[int], Field(max_length=30, description="Option numbers, 0 first.")],
) -> Item:
    talk = talk_client(session(ctx))
    return poll(await talk.vote(await resolve(talk, conversation), poll_id, options))


@tool(
    "nc_talk_complete_poll",
    "Close a poll",
    "Close a poll: voting ends and results show (author or moderators).",
    app="spreed",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def complete_poll(ctx: Context, conversation: Conversation, poll_id: PollId) -> Item:
    talk = talk_client(session(ctx))
    return poll(await talk.close_poll(await resolve(talk, conversation), poll_id))


@tool(
    "nc_talk_list_shared_items",
    "List shared items",
    "Items shared in a conversation (polls, files, media, …), newest first.",
    app="spreed",
    read_only=True,
    idempotent=True,
)
async def list_shared_items(
    ctx: Context,
    conversation: Conversation,
    type: Annotated[
        Literal["poll", "file", "media", "audio", "voice", "location", "deckcard", "recording", "other"],
        Field(description="Kind of item."),
    ] = "poll",
    limit: ChatLimit = 50,
    cursor: Cursor = None,
) -> Page[Item]:
    talk = talk_client(session(ctx))
    answer = await talk.shared(await resolve(talk, conversation), type, offset_of(cursor), limit)
    found = list(answer.data.values()) if isinstance(answer.data, dict) else []
    items = []
    for m in found:
        obj = (m.get("messageParameters") or {}).get("object") or (m.get("messageParameters") or {}).get("file")
        items.append({**message(m, brief=True), "object": obj})
    given = answer.headers.get("X-Chat-Last-Given")
    return Page[Item](items=items, next_cursor=given if given and len(found) >= limit else None, total=None)


@tool(
    "nc_talk_search_messages",
    "Search messages",
    "Find chat messages by their words in my conversations, newest first.",
    app="spreed",
    read_only=True,
    idempotent=True,
)
async def search_messages(
    ctx: Context,
    query: Annotated[str, Field(min_length=1, max_length=200, description="Words to find, e.g. budget.")],
    conversation: Annotated[
        str | None, Field(min_length=1, max_length=255, description="Only this conversation (token or name).")
    ] = None,
    limit: Annotated[int, Field(ge=1, le=25, description="Page size (1-25).")] = 10,
    cursor: Cursor = None,
) -> Page[Item]:
    term = query.strip()
    if not term:
        raise InvalidInput("query is blank; give the words to search for.")
    sess = session(ctx)
    talk = talk_client(sess)
    token = await resolve(talk, conversation) if conversation is not None else None
    offset = offset_of(cursor)
    fetch = min(limit + 1, 25)  # one more than asked says whether a next page exists (the provider's cap is 25)
    try:
        result = await search_client(sess).search(
            "talk-message", term, fetch, str(offset) if offset else None, {"conversation": token} if token else None
        )
    except (NotFound, BadRequest):
        raise NotFound(
            "This Nextcloud's Talk offers no message search (no talk-message search provider). Read the history "
            "with nc_talk_list_messages instead."
        ) from None
    entries = result.entries[:limit]
    rooms = await talk.rooms() if entries else []
    names = {r.get("token"): r.get("displayName") or r.get("name") for r in rooms}
    items: list[Item] = []
    for entry in entries:
        attrs = entry.attributes if isinstance(entry.attributes, dict) else {}
        room = str(attrs.get("conversation", ""))
        if token and room != token:
            continue  # Nextcloud before 28 ignores the conversation filter
        stamp = str(attrs.get("timestamp", ""))
        item: Item = {
            "conversation": room,
            "conversation_name": names.get(room),
            "id": int(attrs["messageId"]) if str(attrs.get("messageId", "")).isdigit() else None,
            "author": attrs.get("actorId"),
            "time": iso(int(stamp)) if stamp.isdigit() else None,
            "text": entry.subline,
        }
        items.append(item)
    more = result.is_paginated and len(result.entries) > (limit if fetch > limit else limit - 1)
    return Page[Item](items=items, next_cursor=str(offset + limit) if more else None, total=None)


TOOLS: list[ToolSpec] = [
    list_messages,
    search_messages,
    create_message,
    update_message,
    delete_message,
    set_reaction,
    set_read_marker,
    create_poll,
    set_vote,
    complete_poll,
    list_shared_items,
]
