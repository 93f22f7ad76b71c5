"""Talk (``spreed``) state: conversations, attendees, chat messages, reactions and polls.

Sources (nextcloud/spreed, API v4 rooms / v1 chat; the vendored ``openapi/spreed.json``): constants from
``lib/Room.php`` (``TYPE_*``), ``lib/Participant.php`` (``OWNER``…``USER_SELF_JOINED``), ``lib/Model/Attendee.php``
(``PERMISSIONS_*``); tokens from ``lib/Manager.php::getNewToken`` (8 characters of ``[a-z0-9]`` without ``l``,
``0``, ``1``); the chat length limit ``lib/Chat/ChatManager.php::MAX_CHAT_LENGTH`` (32000). Conversations are
instance-wide (one ``talk_rooms`` table), so the backend is not partitioned per user: what a user sees is decided
by attendance, as ``lib/Manager.php::getRoomsForUser`` and ``getRoomForUserByToken`` decide it.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from fake_nextcloud.core.state import FakeState

__all__ = [
    "MAX_CHAT_LENGTH",
    "MODERATOR",
    "OWNER",
    "TYPE_GROUP",
    "TYPE_ONE_TO_ONE",
    "TYPE_PUBLIC",
    "USER",
    "Attendee",
    "Message",
    "Poll",
    "Room",
    "SpreedBackend",
]

TYPE_ONE_TO_ONE, TYPE_GROUP, TYPE_PUBLIC = 1, 2, 3  # lib/Room.php
OWNER, MODERATOR, USER = 1, 2, 3  # lib/Participant.php
PERMISSIONS_MAX_DEFAULT = 254  # lib/Model/Attendee.php: every permission but CUSTOM (1)
PERMISSIONS_USER = PERMISSIONS_MAX_DEFAULT & ~8  # users do not ignore the lobby (LOBBY_IGNORE = 8)
MAX_CHAT_LENGTH = 32000  # lib/Chat/ChatManager.php::MAX_CHAT_LENGTH
_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"  # Manager::getNewToken: CHAR_LOWER . CHAR_DIGITS minus l, 0, 1
_MENTION = re.compile(r'@(?:"([^"]+)"|([\w.@-]+))')


@dataclass
class Attendee:
    """A row of ``talk_attendees`` for a user (guests, groups and federated users are not modelled)."""

    id: int
    uid: str
    participant_type: int
    last_read: int = 0


@dataclass
class Message:
    """A chat comment (``comments`` table, ``object_type`` = ``chat``). ``verb`` is ``comment``, ``system``,
    ``object_shared`` or ``comment_deleted``; ``hidden`` system messages (edits, deletions, reactions, votes) only
    move the id forward (``SystemMessage::parseMessage`` sets them invisible, ``ChatController`` skips them)."""

    id: int
    actor: str
    verb: str
    message: str
    timestamp: int
    system: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    parent: int = 0
    silent: bool = False
    reference_id: str = ""
    hidden: bool = False
    edited_by: str = ""
    edited_at: int = 0
    reactions: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


@dataclass
class Poll:
    """``talk_polls`` (``lib/Model/Poll.php``): status 0 open, 1 closed; result mode 0 public, 1 hidden."""

    id: int
    token: str
    question: str
    options: list[str]
    author: str
    result_mode: int
    max_votes: int
    status: int = 0
    votes: dict[str, list[int]] = field(default_factory=dict)  # user id -> option ids


@dataclass
class Room:
    id: int
    token: str
    type: int
    name: str
    created: int
    description: str = ""
    attendees: dict[str, Attendee] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    last_activity: int = 0

    def attendee(self, uid: str) -> Attendee | None:
        return self.attendees.get(uid)

    def visible_messages(self) -> list[Message]:
        return [m for m in self.messages if not m.hidden]

    def message(self, message_id: int) -> Message | None:
        return next((m for m in self.messages if m.id == message_id), None)

    def last_message(self) -> Message | None:
        visible = self.visible_messages()
        return visible[-1] if visible else None

    def moderators(self) -> list[Attendee]:
        return [a for a in self.attendees.values() if a.participant_type in (OWNER, MODERATOR)]


class SpreedBackend:
    """All conversations of the instance, with the ids Talk's tables would hand out."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.rooms: dict[str, Room] = {}
        self.polls: dict[int, Poll] = {}
        self._ids = {"room": 0, "attendee": 0, "comment": 0, "poll": 0}
        self.changed = asyncio.Event()  # set on every new message, for long polling

    @classmethod
    def of(cls, state: FakeState) -> SpreedBackend:
        return state.backend("spreed", cls)

    def storage_used(self, uid: str) -> int:
        return 0

    def next_id(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def new_token(self) -> str:
        while True:
            token = "".join(secrets.choice(_ALPHABET) for _ in range(8))
            if token not in self.rooms:
                return token

    # -- rooms --------------------------------------------------------------------------------------------

    def create_room(self, kind: int, name: str, owner: str, *, members: tuple[str, ...] = ()) -> Room:
        now = self.state.time()
        room = Room(self.next_id("room"), self.new_token(), kind, name, now, last_activity=now)
        self.rooms[room.token] = room
        # RoomService::createConversation: the creator is OWNER; one-to-one rooms make both users OWNER
        self.add_attendee(room, owner, OWNER)
        for uid in members:
            self.add_attendee(room, uid, OWNER if kind == TYPE_ONE_TO_ONE else USER)
        self.post_system(room, owner, "conversation_created", "{actor} created the conversation")
        return room

    def add_attendee(self, room: Room, uid: str, participant_type: int) -> Attendee:
        # ParticipantService::addUsers: a new attendee has read everything so far (last message id)
        last = room.messages[-1].id if room.messages else 0
        attendee = Attendee(self.next_id("attendee"), uid, participant_type, last_read=last)
        room.attendees[uid] = attendee
        return attendee

    def rooms_for(self, uid: str) -> list[Room]:
        return [r for r in self.rooms.values() if uid in r.attendees]

    def one_to_one(self, a: str, b: str) -> Room | None:
        """``Manager::getOne2OneRoom``: the room named by the two user ids, sorted (``json_encode``)."""
        for room in self.rooms.values():
            if room.type == TYPE_ONE_TO_ONE and set(room.attendees) == {a, b}:
                return room
        return None

    # -- chat ---------------------------------------------------------------------------------------------

    def post(self, room: Room, actor: str, verb: str, text: str, **kw: Any) -> Message:
        message = Message(self.next_id("comment"), actor, verb, text, self.state.time(), **kw)
        room.messages.append(message)
        room.last_activity = message.timestamp
        self.changed.set()
        self.changed = asyncio.Event()
        return message

    def post_system(self, room: Room, actor: str, system: str, text: str, **kw: Any) -> Message:
        return self.post(room, actor, "system", text, system=system, **kw)

    def unread(self, room: Room, attendee: Attendee) -> tuple[int, bool]:
        """``ChatManager::getUnreadCount`` (verbs ``comment``/``object_shared`` after the read marker) and
        ``unreadMention`` (a mention of the user or ``@all`` after it, ``ChatManager::getUnreadMarker``)."""
        count, mentioned = 0, False
        for message in room.messages:
            if message.id <= attendee.last_read or message.verb not in ("comment", "object_shared"):
                continue
            count += 1
            names = {a or b for a, b in _MENTION.findall(message.message)}
            mentioned = mentioned or bool(names & {attendee.uid, "all"})
        return count, mentioned

    def last_common_read(self, room: Room) -> int:
        """``ChatManager::getLastCommonReadMessage``: the lowest read marker of the users (read privacy public)."""
        return min((a.last_read for a in room.attendees.values()), default=0)
