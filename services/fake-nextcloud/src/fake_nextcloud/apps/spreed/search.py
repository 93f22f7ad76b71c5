"""Talk's unified-search providers, which the search app lists while ``spreed`` is enabled.

Sources (nextcloud/spreed):

- ``lib/Search/MessageSearch.php`` (id ``talk-message``, ``getOrder`` 15 outside Talk): the ``comment`` messages
  (``ChatManager::VERB_MESSAGE``) of the rooms the user is in (``Manager::getRoomsForUser``), or of one of them
  with the custom ``conversation`` filter (a token; a room the user is not in gives ``SearchResult::complete``
  with no entries). ``ChatManager::searchForObjectsWithFilters`` -> core ``CommentsManager``: ``message ILIKE
  %term%`` (an empty term matches all), ``ORDER BY creation_timestamp DESC, id DESC``, ``OFFSET (int) cursor``,
  ``LIMIT limit``; ``SearchResult::paginated`` with cursor ``offset + limit`` (also on a short page). Entry
  (``commentToSearchResultEntry``): thumbnail the author's avatar, title ``{user} in {conversation}`` (``{user}``
  in one-to-one rooms or with the conversation filter), subline the message with ``@name``/``name`` for its
  placeholders, cut to ``…`` + 10 characters before the match when it starts after 30 of more than 40; resource
  ``/call/<token>#message_<id>``, icon ``icon-talk``, rounded; attributes ``conversation``, ``messageId``,
  ``actorType``, ``actorId``, ``timestamp`` (strings). Not modelled: the ``since``/``until``/``person`` filters,
  lobbies, expiring messages, ``talk-message-current`` (its ``getOrder`` is null outside a conversation, so it
  is not listed).
- ``lib/Search/ConversationSearch.php`` (id ``talk-conversations``, ``getOrder`` 25): rooms whose name (group)
  or other user's id or display name (one-to-one) contains the term (``stripos``). Up to ``limit`` matches:
  ``complete``; more: sorted by ``lower(displayName#token)`` and ``paginated``, the cursor the last token given.
"""

from __future__ import annotations

from typing import Any

from fake_nextcloud.apps.spreed.models import TYPE_ONE_TO_ONE, Room, SpreedBackend
from fake_nextcloud.core.context import NcContext

__all__ = ["CONVERSATIONS", "MESSAGES", "search_conversations", "search_messages", "talk_providers"]

MESSAGES, CONVERSATIONS = "talk-message", "talk-conversations"


def talk_providers(ctx: NcContext) -> list[dict[str, Any]]:
    """The providers' entries of ``GET /search/providers`` (none while Talk is disabled)."""
    if not ctx.state.app_enabled("spreed"):
        return []
    icon = ctx.absolute_url("/apps/spreed/img/app-dark.svg")
    message_filters = {"term": "string", "since": "datetime", "until": "datetime", "person": "person"}
    return [
        {
            "id": MESSAGES,
            "appId": "spreed",
            "name": "Messages",
            "icon": icon,
            "order": 15,
            "triggers": [MESSAGES],
            "filters": {**message_filters, "conversation": "string"},  # getCustomFilters: FilterDefinition string
            "inAppSearch": False,
        },
        {
            "id": CONVERSATIONS,
            "appId": "spreed",
            "name": "Conversations",
            "icon": icon,
            "order": 25,
            "triggers": [CONVERSATIONS],
            "filters": {"term": "string"},
            "inAppSearch": False,
        },
    ]


def _display(ctx: NcContext, uid: str) -> str:
    user = ctx.state.user(uid)
    return user.display_name if user is not None else uid


def _room_display(ctx: NcContext, room: Room, uid: str) -> str:
    """``Room::getDisplayName``: a one-to-one room shows the other user's display name."""
    if room.type == TYPE_ONE_TO_ONE:
        return _display(ctx, next((u for u in room.attendees if u != uid), uid))
    return room.name


def search_messages(ctx: NcContext, term: str, limit: int, cursor: int, conversation: str | None) -> dict[str, Any]:
    """``MessageSearch::search`` + ``performSearch``."""
    assert ctx.user is not None
    uid = ctx.user.uid
    talk = SpreedBackend.of(ctx.state)
    filtered = conversation is not None and conversation != ""
    if filtered:
        room = talk.rooms.get(str(conversation))
        rooms = [room] if room is not None and uid in room.attendees else []
    else:
        rooms = talk.rooms_for(uid)
    if not rooms:
        return {"name": "Messages", "isPaginated": False, "entries": [], "cursor": None}
    needle = term.casefold()
    found = [(m, r) for r in rooms for m in r.messages if m.verb == "comment" and needle in m.message.casefold()]
    found.sort(key=lambda mr: (-mr[0].timestamp, -mr[0].id))
    entries = []
    for message, room in found[cursor : cursor + limit]:
        text = message.message
        for key, param in message.parameters.items():
            name = str(param.get("name", "")) if isinstance(param, dict) else ""
            user = isinstance(param, dict) and param.get("type") == "user"
            text = text.replace("{" + key + "}", "@" + name if user else name)
        at = text.casefold().find(needle) if needle else 0
        if at > 30 and len(text) > 40:
            text = "…" + text[at - 10 :]
        template = "{user}" if filtered or room.type == TYPE_ONE_TO_ONE else "{user} in {conversation}"
        title = template.replace("{user}", _display(ctx, message.actor))
        entries.append(
            {
                "thumbnailUrl": ctx.absolute_url(f"/index.php/avatar/{message.actor}/512"),
                "title": title.replace("{conversation}", _room_display(ctx, room, uid)),
                "subline": text,
                "resourceUrl": ctx.absolute_url(f"/index.php/call/{room.token}#message_{message.id}"),
                "icon": "icon-talk",
                "rounded": True,
                "attributes": {
                    "conversation": room.token,
                    "messageId": str(message.id),
                    "actorType": "users",
                    "actorId": message.actor,
                    "timestamp": str(message.timestamp),
                },
            }
        )
    return {"name": "Messages", "isPaginated": True, "entries": entries, "cursor": cursor + limit}


def search_conversations(ctx: NcContext, term: str, limit: int, cursor: str) -> dict[str, Any]:
    """``ConversationSearch::search``."""
    assert ctx.user is not None
    uid = ctx.user.uid
    needle = term.casefold()
    matches: dict[str, dict[str, Any]] = {}
    cursor_key = None
    for room in SpreedBackend.of(ctx.state).rooms_for(uid):
        display = _room_display(ctx, room, uid)
        if room.type == TYPE_ONE_TO_ONE:
            other = next((u for u in room.attendees if u != uid), uid)
            if needle not in other.casefold() and needle not in display.casefold():
                continue
        elif needle not in room.name.casefold():
            continue
        key = f"{display}#{room.token}".lower()
        matches[key] = {
            "thumbnailUrl": ctx.absolute_url(f"/ocs/v2.php/apps/spreed/api/v1/room/{room.token}/avatar"),
            "title": display,
            "subline": "",
            "resourceUrl": ctx.absolute_url(f"/index.php/call/{room.token}"),
            "icon": "",
            "rounded": True,
            "attributes": {"conversation": room.token},
        }
        if cursor == room.token:
            cursor_key = key
    if len(matches) <= limit:
        return {"name": "Conversations", "isPaginated": False, "entries": list(matches.values()), "cursor": None}
    keys = sorted(matches)
    start = keys.index(cursor_key) + 1 if cursor_key is not None else 0
    given = keys[start : start + limit]  # an unknown cursor starts over, as no cursor does
    following = given[-1] if given and start + limit < len(keys) else "#"
    return {
        "name": "Conversations",
        "isPaginated": True,
        "entries": [matches[k] for k in given],
        "cursor": following.rsplit("#", 1)[-1],
    }
