"""Talk polls and reactions: ``/ocs/v{1,2}.php/apps/spreed/api/v1/poll/{token}…``, ``…/reaction/{token}/{id}``.

Routes: nextcloud/spreed ``appinfo/routes/routesPollController.php``, ``routesReactionController.php``;
controllers ``lib/Controller/PollController.php`` (``createPoll``, ``showPoll``, ``votePoll``, ``closePoll``) with
``lib/Service/PollService.php``, and ``lib/Controller/ReactionController.php`` (``react``, ``delete``,
``getReactions``) with ``lib/Chat/ReactionManager.php``; operation ids ``poll-*``, ``reaction-*`` of
``openapi/spreed.json``. Not modelled: poll drafts (``draft=true``), reactions of guests.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.spreed.common import PARTICIPANT, error, spreed_controller, talk_of
from fake_nextcloud.apps.spreed.formats import poll_json
from fake_nextcloud.apps.spreed.models import MODERATOR, OWNER, TYPE_GROUP, TYPE_PUBLIC, Message, Poll
from fake_nextcloud.core.appframework import OcsResult
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.signature import php_method

__all__ = ["POLL_ROUTES"]

_Result = Response | OcsResult
_V1 = "/apps/spreed/api/v1"


def _render(request: Request, poll: Poll, status: int = 200) -> OcsResult:
    talk, _, me = talk_of(request)
    moderator = me.participant_type in (OWNER, MODERATOR)
    return OcsResult(poll_json(talk, poll, me.uid, moderator=moderator), status)


@spreed_controller(PARTICIPANT)
@php_method(
    "PollController::createPoll",
    "string $question, array $options, int $resultMode, int $maxVotes, bool $draft = false",
)
async def create_poll(ctx: NcContext, request: Request) -> _Result:
    """Only group and public rooms (400 ``room``); the trimmed question must not be blank (400 ``question``);
    at least two non-blank options (400 ``options``); result mode 0/1 and ``maxVotes`` ≥ 0 (400 ``poll``). The poll
    is shared into the chat as an ``object_shared`` message ``{object}`` of type ``talk-poll``; 201."""
    talk, room, me = talk_of(request)
    a = ctx.args
    if room.type not in (TYPE_GROUP, TYPE_PUBLIC):
        return error(400, "room")
    question = str(a["question"]).strip()
    if question == "":
        return error(400, "question")
    options = [str(o).strip() for o in a["options"]] if isinstance(a["options"], list) else []
    if len(options) < 2 or "" in options:
        return error(400, "options")
    if a["resultMode"] not in (0, 1) or a["maxVotes"] < 0:
        return error(400, "poll")
    poll = Poll(talk.next_id("poll"), room.token, question, options, me.uid, a["resultMode"], a["maxVotes"])
    talk.polls[poll.id] = poll
    obj = {"type": "talk-poll", "id": str(poll.id), "name": question}
    talk.post(room, me.uid, "object_shared", "{object}", parameters={"object": obj})
    return _render(request, poll, 201)


def _poll(request: Request, poll_id: int) -> Poll | OcsResult:
    """``PollService::getPoll``: a poll of another room is not found (404 ``poll``)."""
    talk, room, _ = talk_of(request)
    poll = talk.polls.get(poll_id)
    if poll is None or poll.token != room.token:
        return error(404, "poll")
    return poll


@spreed_controller(PARTICIPANT)
@php_method("PollController::showPoll", "int $pollId")
async def show_poll(ctx: NcContext, request: Request) -> _Result:
    poll = _poll(request, ctx.args["pollId"])
    return poll if isinstance(poll, OcsResult) else _render(request, poll)


@spreed_controller(PARTICIPANT)
@php_method("PollController::votePoll", "int $pollId, array $optionIds = []")
async def vote_poll(ctx: NcContext, request: Request) -> _Result:
    """A closed poll 400 ``poll``; option ids outside the options, repeated, or more than ``maxVotes`` (when not
    0) 400 ``options``; an empty list withdraws the vote. Posts the hidden ``poll_voted`` system message."""
    talk, room, me = talk_of(request)
    poll = _poll(request, ctx.args["pollId"])
    if isinstance(poll, OcsResult):
        return poll
    if poll.status == 1:
        return error(400, "poll")
    ids = ctx.args["optionIds"] if isinstance(ctx.args["optionIds"], list) else []
    try:
        chosen = [int(i) for i in ids]
    except (TypeError, ValueError):
        return error(400, "options")
    valid = all(0 <= i < len(poll.options) for i in chosen) and len(set(chosen)) == len(chosen)
    if not valid or (poll.max_votes and len(chosen) > poll.max_votes):
        return error(400, "options")
    poll.votes[me.uid] = chosen
    talk.post_system(room, me.uid, "poll_voted", "Someone voted on the poll {poll}", hidden=True)
    return _render(request, poll)


@spreed_controller(PARTICIPANT)
@php_method("PollController::closePoll", "int $pollId")
async def close_poll(ctx: NcContext, request: Request) -> _Result:
    """Only its author or a moderator (403 ``poll``); an already closed poll 400 ``poll``. Posts the visible
    ``poll_closed`` system message."""
    talk, room, me = talk_of(request)
    poll = _poll(request, ctx.args["pollId"])
    if isinstance(poll, OcsResult):
        return poll
    if poll.author != me.uid and me.participant_type not in (OWNER, MODERATOR):
        return error(403, "poll")
    if poll.status == 1:
        return error(400, "poll")
    poll.status = 1
    params = {"poll": {"type": "talk-poll", "id": str(poll.id), "name": poll.question}}
    talk.post_system(room, me.uid, "poll_closed", "{actor} ended the poll {poll}", parameters=params)
    return _render(request, poll)


# -- reactions -----------------------------------------------------------------------------------------------


def _reactable(request: Request, message_id: int) -> Message | None:
    """``ReactionManager::getCommentToReact``: only comments and shared objects (else not found)."""
    _, room, _ = talk_of(request)
    message = room.message(message_id)
    ok = message is not None and message.verb in ("comment", "object_shared") and not message.hidden
    return message if ok else None


def _is_emoji(text: str) -> bool:
    """``EmojiHelper::isValidSingleEmoji`` (approximated: a short text without letters, digits or spaces)."""
    return 0 < len(text) <= 8 and not any(c.isalnum() or c.isspace() for c in text)


def _reactions(request: Request, message: Message, only: str | None = None) -> Any:
    """``ReactionManager::getReactionsByActorForMessage``: emoji → reactions; none is PHP's empty array ``[]``."""
    talk = talk_of(request)[0]
    out: dict[str, Any] = {}
    for emoji, who in message.reactions.items():
        if who and (only is None or emoji == only):
            out[emoji] = [
                {"actorType": "users", "actorId": uid, "actorDisplayName": _name(talk.state, uid), "timestamp": ts}
                for uid, ts in who
            ]
    return out or []


def _name(state: Any, uid: str) -> str:
    user = state.user(uid)
    return user.display_name if user is not None else uid


@spreed_controller(PARTICIPANT)
@php_method("ReactionController::react", "int $messageId, string $reaction")
async def react(ctx: NcContext, request: Request) -> _Result:
    """Unknown or non-comment message 404; not a single emoji 400; 200 when the caller had already reacted so,
    201 when added (with the hidden ``reaction`` system message). Answers every reaction of the message."""
    talk, room, me = talk_of(request)
    message = _reactable(request, ctx.args["messageId"])
    if message is None:
        return OcsResult([], 404)
    emoji: str = ctx.args["reaction"]
    if not _is_emoji(emoji):
        return OcsResult([], 400)
    who = message.reactions.setdefault(emoji, [])
    if any(uid == me.uid for uid, _ in who):
        return OcsResult(_reactions(request, message))
    who.append((me.uid, ctx.state.time()))
    talk.post_system(room, me.uid, "reaction", emoji, parent=message.id, hidden=True)
    return OcsResult(_reactions(request, message), 201)


@spreed_controller(PARTICIPANT)
@php_method("ReactionController::delete", "int $messageId, string $reaction")
async def delete_reaction(ctx: NcContext, request: Request) -> _Result:
    """A reaction the caller did not give 404 (``ReactionManager::deleteReactionMessage``)."""
    talk, room, me = talk_of(request)
    message = _reactable(request, ctx.args["messageId"])
    emoji: str = ctx.args["reaction"]
    who = message.reactions.get(emoji, []) if message is not None else []
    if message is None or not any(uid == me.uid for uid, _ in who):
        return OcsResult([], 404)
    message.reactions[emoji] = [(uid, ts) for uid, ts in who if uid != me.uid]
    talk.post_system(room, me.uid, "reaction_revoked", "{actor} deleted a reaction", parent=message.id, hidden=True)
    return OcsResult(_reactions(request, message))


@spreed_controller(PARTICIPANT)
@php_method("ReactionController::getReactions", "int $messageId, ?string $reaction")
async def get_reactions(ctx: NcContext, request: Request) -> _Result:
    message = _reactable(request, ctx.args["messageId"])
    if message is None:
        return OcsResult([], 404)
    return OcsResult(_reactions(request, message, ctx.args["reaction"]))


POLL_ROUTES: list[BaseRoute] = [
    Route(_V1 + "/poll/{token}", create_poll, methods=["POST"]),
    Route(_V1 + "/poll/{token}/{pollId:int}", show_poll, methods=["GET"]),
    Route(_V1 + "/poll/{token}/{pollId:int}", vote_poll, methods=["POST"]),
    Route(_V1 + "/poll/{token}/{pollId:int}", close_poll, methods=["DELETE"]),
    Route(_V1 + "/reaction/{token}/{messageId:int}", react, methods=["POST"]),
    Route(_V1 + "/reaction/{token}/{messageId:int}", delete_reaction, methods=["DELETE"]),
    Route(_V1 + "/reaction/{token}/{messageId:int}", get_reactions, methods=["GET"]),
]
