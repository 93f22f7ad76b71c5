"""Talk's JSON shapes: ``lib/Service/RoomFormatter.php::formatRoomV4`` (Room), ``lib/Chat/MessageParser.php`` +
``lib/Model/Message.php::toArray`` (ChatMessage), ``RoomController::formatParticipantList`` (Participant),
``lib/Service/PollService.php`` via ``PollController::renderPoll`` (Poll) - the schemas of ``openapi/spreed.json``.
"""

from __future__ import annotations

from typing import Any

from fake_nextcloud.apps.spreed.models import (
    MODERATOR,
    OWNER,
    PERMISSIONS_MAX_DEFAULT,
    PERMISSIONS_USER,
    TYPE_ONE_TO_ONE,
    Attendee,
    Message,
    Poll,
    Room,
    SpreedBackend,
)
from fake_nextcloud.core.state import FakeState

__all__ = ["message_json", "participant_json", "poll_json", "room_json"]


def _display(state: FakeState, uid: str) -> str:
    user = state.user(uid)
    return user.display_name if user is not None else uid


def _permissions(attendee: Attendee) -> int:
    """``Participant::getPermissions`` with default room permissions: moderators get every permission."""
    return PERMISSIONS_MAX_DEFAULT if attendee.participant_type in (OWNER, MODERATOR) else PERMISSIONS_USER


def room_json(talk: SpreedBackend, room: Room, uid: str) -> dict[str, Any]:
    """``RoomFormatter::formatRoomV4`` for a user attendee (no call, lobby, SIP, breakout rooms or federation).
    A one-to-one room is named by the other user's id and shown with their display name."""
    state = talk.state
    attendee = room.attendees[uid]
    other = next((u for u in room.attendees if u != uid), uid)
    name = other if room.type == TYPE_ONE_TO_ONE else room.name
    display = _display(state, other) if room.type == TYPE_ONE_TO_ONE else room.name
    unread, mention = talk.unread(room, attendee)
    moderator = attendee.participant_type in (OWNER, MODERATOR)
    last = room.last_message()
    return {
        "id": room.id,
        "token": room.token,
        "type": room.type,
        "name": name,
        "displayName": display,
        "description": room.description,
        "objectType": "",
        "objectId": "",
        "actorType": "users",
        "actorId": uid,
        "attendeeId": attendee.id,
        "attendeePermissions": 0,
        "attendeePin": None,
        "participantType": attendee.participant_type,
        "participantFlags": 0,
        "permissions": _permissions(attendee),
        "defaultPermissions": 0,
        "callPermissions": 0,
        "readOnly": 0,
        "listable": 0,
        "hasPassword": False,
        "hasCall": False,
        "callFlag": 0,
        "callStartTime": 0,
        "callRecording": 0,
        "canStartCall": True,
        "canDeleteConversation": moderator and room.type != TYPE_ONE_TO_ONE,
        # RoomFormatter: leaving is possible unless the user is the last moderator of a group conversation
        "canLeaveConversation": room.type == TYPE_ONE_TO_ONE or not moderator or len(room.moderators()) > 1,
        "canEnableSIP": False,
        "sipEnabled": 0,
        "lobbyState": 0,
        "lobbyTimer": 0,
        "lastPing": 0,
        "sessionId": "0",
        "lastActivity": room.last_activity,
        "lastReadMessage": attendee.last_read,
        "lastCommonReadMessage": talk.last_common_read(room),
        "unreadMessages": unread,
        "unreadMention": mention,
        "unreadMentionDirect": mention,
        "isFavorite": False,
        "isArchived": False,
        "isImportant": False,
        "isSensitive": False,
        "notificationLevel": 1 if room.type == TYPE_ONE_TO_ONE else 2,  # default: always (1-1), mention (group)
        "notificationCalls": 1,
        "messageExpiration": 0,
        "avatarVersion": "",
        "isCustomAvatar": False,
        "breakoutRoomMode": 0,
        "breakoutRoomStatus": 0,
        "recordingConsent": 0,
        "mentionPermissions": 0,
        "lastMessage": message_json(talk, room, last, uid, with_parent=False) if last is not None else [],
    }


def message_json(
    talk: SpreedBackend, room: Room, message: Message, uid: str, *, with_parent: bool = True
) -> dict[str, Any]:
    """A ChatMessage; ``parent`` (replies, and the edited/deleted message of an edit/delete system message) is
    added unless ``with_parent`` is false (``lastMessage`` of a room never carries it)."""
    data: dict[str, Any] = {
        "id": message.id,
        "token": room.token,
        "actorType": "users",
        "actorId": message.actor,
        "actorDisplayName": _display(talk.state, message.actor),
        "timestamp": message.timestamp,
        "message": message.message,
        "messageParameters": _parameters(talk, message),
        "systemMessage": message.system,
        "messageType": message.verb,
        "isReplyable": message.verb in ("comment", "object_shared"),
        "referenceId": message.reference_id,
        "expirationTimestamp": 0,
        "markdown": message.verb == "comment",
        "reactions": {emoji: len(who) for emoji, who in message.reactions.items() if who},
    }
    if with_parent:
        data["reactionsSelf"] = [e for e, who in message.reactions.items() if any(w == uid for w, _ in who)]
    if message.verb == "comment_deleted":
        data["deleted"] = True
    if message.silent:
        data["silent"] = True
    if message.edited_by:
        data["lastEditActorType"] = "users"
        data["lastEditActorId"] = message.edited_by
        data["lastEditActorDisplayName"] = _display(talk.state, message.edited_by)
        data["lastEditTimestamp"] = message.edited_at
    parent = room.message(message.parent) if message.parent else None
    if with_parent and parent is not None:
        data["parent"] = message_json(talk, room, parent, uid, with_parent=False)
    return data


def _parameters(talk: SpreedBackend, message: Message) -> dict[str, Any]:
    """``messageParameters``: ``actor`` for system messages, the rich objects stored with the message."""
    params = dict(message.parameters)
    if message.verb in ("system", "comment_deleted") or "{actor}" in message.message:
        params["actor"] = {"type": "user", "id": message.actor, "name": _display(talk.state, message.actor)}
    return params


def participant_json(talk: SpreedBackend, room: Room, attendee: Attendee) -> dict[str, Any]:
    """``RoomController::formatParticipantList`` for a user attendee without sessions."""
    return {
        "roomToken": room.token,
        "actorType": "users",
        "actorId": attendee.uid,
        "displayName": _display(talk.state, attendee.uid),
        "attendeeId": attendee.id,
        "participantType": attendee.participant_type,
        "attendeePermissions": 0,
        "attendeePin": "",
        "permissions": _permissions(attendee),
        "inCall": 0,
        "lastPing": 0,
        "sessionIds": [],
    }


def poll_json(talk: SpreedBackend, poll: Poll, uid: str, *, moderator: bool) -> dict[str, Any]:
    """``PollController::renderPoll``: votes are shown when the poll is closed, or to a voter of a public poll
    (result mode 0); ``details`` (who voted what) only for closed public polls."""
    voted = poll.votes.get(uid, [])
    data: dict[str, Any] = {
        "id": poll.id,
        "question": poll.question,
        "options": list(poll.options),
        "actorType": "users",
        "actorId": poll.author,
        "actorDisplayName": _display(talk.state, poll.author),
        "status": poll.status,
        "resultMode": poll.result_mode,
        "maxVotes": poll.max_votes,
        "votedSelf": list(voted),
        "numVoters": len([v for v in poll.votes.values() if v]),
        "votes": {},
    }
    closed = poll.status == 1
    if closed or (voted and poll.result_mode == 0) or (moderator and poll.result_mode == 0 and voted):
        counts: dict[str, int] = {}
        for options in poll.votes.values():
            for option in options:
                counts[f"option-{option}"] = counts.get(f"option-{option}", 0) + 1
        data["votes"] = counts
    if closed and poll.result_mode == 0:
        data["details"] = [
            {"actorType": "users", "actorId": who, "actorDisplayName": _display(talk.state, who), "optionId": o}
            for who, options in poll.votes.items()
            for o in options
        ]
    return data
