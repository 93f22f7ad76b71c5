"""Talk's wire objects as the compact items the tools return, and conversations found by token or name.

Conversation: token, name, type, description, unread_messages, unread_mention, last_activity, last_message,
moderator, etag (+ participants from get/create/update). Message: id, author, author_name, time, text (rich
placeholders such as `{actor}` filled in), system, reply_to, reactions, mine, edited, deleted, silent, etag.
Poll: id, question, options, status, max_votes, hidden_results, voted, votes, voters.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from nextcloud_mcp.apps.spreed.client import TalkClient
from nextcloud_mcp.core.contract import iso
from nextcloud_mcp.core.errors import InvalidInput, NotFound
from nextcloud_mcp.core.tool import Item

__all__ = ["conversation", "fingerprint", "message", "participant", "poll", "resolve"]

#: lib/Room.php TYPE_* (conversation types) and lib/Participant.php participant types.
TYPES = {1: "one_to_one", 2: "group", 3: "public", 4: "changelog", 5: "former_one_to_one", 6: "note_to_self"}
_ROLES = {1: "owner", 2: "moderator", 3: "user", 4: "guest", 5: "user", 6: "guest_moderator"}
_PLACEHOLDER = re.compile(r"\{([a-z0-9_-]+)\}")
_TOKEN = re.compile(r"^[a-z0-9]{4,30}$")


def fingerprint(*parts: Any) -> str:
    """A version of an item Talk keeps none for (a message's text and edit time, a conversation's name)."""
    return hashlib.sha1("\x00".join(str(p) for p in parts).encode(), usedforsecurity=False).hexdigest()[:16]


def _drop_empty(data: Item) -> Item:
    return {k: v for k, v in data.items() if v not in (None, "", [], {}, False) or k in ("unread_messages",)}


def conversation(room: dict[str, Any], participants: list[dict[str, Any]] | None = None) -> Item:
    last = room.get("lastMessage")
    item: Item = {
        "token": room["token"],
        "name": room.get("displayName") or room.get("name"),
        "type": TYPES.get(room.get("type", 0), str(room.get("type"))),
        "description": room.get("description"),
        "unread_messages": room.get("unreadMessages", 0),
        "unread_mention": room.get("unreadMention"),
        "last_activity": iso(room.get("lastActivity")) if room.get("lastActivity") else None,
        "last_message": message(last, brief=True) if isinstance(last, dict) and last else None,
        "moderator": room.get("participantType") in (1, 2),
        "etag": fingerprint(room.get("displayName"), room.get("description")),
    }
    if participants is not None:
        item["participants"] = [participant(p) for p in participants]
    return _drop_empty(item)


def participant(p: dict[str, Any]) -> Item:
    role = _ROLES.get(p.get("participantType", 3), "user")
    return {"user": p.get("actorId"), "name": p.get("displayName"), "role": role}


def _text(m: dict[str, Any]) -> str:
    """The message with its rich-object placeholders (`{actor}`, `{file}`, …) replaced by their names."""
    params = m.get("messageParameters") or {}

    def fill(match: re.Match[str]) -> str:
        value = params.get(match.group(1)) if isinstance(params, dict) else None
        return str(value.get("name") or value.get("id")) if isinstance(value, dict) else match.group(0)

    return _PLACEHOLDER.sub(fill, str(m.get("message", "")))


def message(m: dict[str, Any], *, brief: bool = False) -> Item:
    parent = m.get("parent")
    item: Item = {
        "id": m.get("id"),
        "author": m.get("actorId"),
        "author_name": m.get("actorDisplayName"),
        "time": iso(m.get("timestamp")),
        "text": _text(m),
        "system": m.get("systemMessage"),
        "reply_to": parent.get("id") if isinstance(parent, dict) else None,
        "reactions": m.get("reactions"),
        "mine": m.get("reactionsSelf"),
        "edited": iso(m.get("lastEditTimestamp")) if m.get("lastEditTimestamp") else None,
        "deleted": bool(m.get("deleted")),
        "silent": bool(m.get("silent")),
    }
    if not brief:
        item["etag"] = fingerprint(m.get("message"), m.get("lastEditTimestamp"))
    return _drop_empty(item)


def poll(p: dict[str, Any]) -> Item:
    return _drop_empty(
        {
            "id": p.get("id"),
            "question": p.get("question"),
            "options": p.get("options"),
            "status": "closed" if p.get("status") == 1 else "open",
            "max_votes": p.get("maxVotes"),
            "hidden_results": p.get("resultMode") == 1,
            "voted": p.get("votedSelf"),
            "votes": {k.removeprefix("option-"): v for k, v in (p.get("votes") or {}).items()},
            "voters": p.get("numVoters"),
        }
    )


async def resolve(talk: TalkClient, conversation_ref: str) -> str:
    """A conversation's token from its token or its name (case-insensitive); ambiguous or unknown names are
    answered with the valid ones."""
    ref = conversation_ref.strip()
    rooms = await talk.rooms()
    if any(r.get("token") == ref for r in rooms):
        return ref
    lowered = ref.casefold()
    named = [r for r in rooms if lowered in {str(r.get("displayName", "")).casefold(), str(r.get("name")).casefold()}]
    if len(named) == 1:
        return str(named[0]["token"])
    listing = ", ".join(f"{r.get('displayName')!r} ({r.get('token')})" for r in (named or rooms)[:20])
    if len(named) > 1:
        raise InvalidInput(f"conversation {ref!r} names several conversations: {listing}; pass the token.")
    if _TOKEN.match(ref) and not rooms:
        return ref  # let Talk answer for an unlisted token (a conversation listed nowhere yet)
    raise NotFound(
        f"Talk: no conversation of yours is called {ref!r}. Yours: {listing or 'none'} "
        "(nc_talk_list_conversations lists them)."
    )
