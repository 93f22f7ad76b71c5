"""Talk (`spreed`): conversations, participants, chat, reactions and polls over OCS.

Sources: nextcloud/spreed appinfo/routes/*.php and lib/Controller/{Room,Chat,Reaction,Poll}Controller.php, the
OpenAPI spec vendored as services/fake-nextcloud/openapi/spreed.json. Rooms are API `v4`, the rest `v1`; every
call is OCS (Bearer tokens work without the CORS patch). Talk answers failures as OCS envelopes whose status is
the HTTP status and whose data is `{"error": "<reason>"}` (or empty): the reason is turned into advice here.
Paging is by message id: `X-Chat-Last-Given` is the next `lastKnownMessageId`; no messages is `304`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2

from nextcloud_mcp.core.errors import BadRequest, Forbidden, NextcloudError, NotFound, ProtocolError, RateLimited
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["MAX_LENGTH", "Answer", "TalkClient", "talk_client"]

_BASE = "/ocs/v2.php/apps/spreed/api"
_HANDLED = (304, 400, 403, 404, 405, 413, 429, 501)
MAX_LENGTH = 32000  # lib/Chat/ChatManager.php::MAX_CHAT_LENGTH (capability config.chat.max-length)
_CHECK = "Check the conversation with nc_talk_get_conversation."

#: Talk's `error` reasons (controllers' `['error' => …]`), as advice.
_REASONS = {
    "message": "the text is empty, or the item is not a chat message (system messages cannot be changed).",
    "reply-to": "reply_to is not a message of this conversation that can be answered; see nc_talk_list_messages.",
    "age": "Talk allows editing messages for 24 hours and deleting them for 6 hours only.",
    "permission": "only the author (or a moderator of a group conversation) may change this message.",
    "name": "the name must have 1 to 255 characters.",
    "value": "the name must have 1 to 255 characters.",
    "description": "the description is longer than 2000 characters.",
    "type": "one-to-one conversations cannot be renamed or deleted; leave one with nc_talk_remove_participant.",
    "room-type": "one-to-one conversations have exactly two participants; create a group conversation instead.",
    "invite": "that user cannot be invited (unknown, or yourself); use a user id (nc_users_search_users).",
    "new-participant": "no such user; use the user id (nc_users_search_users finds it).",
    "source": "only users can be added by this tool.",
    "participant": "that participant is not in the conversation; see nc_talk_get_conversation.",
    "owner": "only an owner may remove an owner.",
    "last-moderator": "you are the last moderator; make someone else moderator or delete the conversation.",
    "room": "polls exist only in group and public conversations.",
    "question": "the question is empty.",
    "options": "give at least two non-empty options; votes must name valid option numbers (0 first), at most "
    "max_votes of them.",
    "poll": "the poll is closed, unknown, or you may not close it (only its author or a moderator).",
}


@dataclass(frozen=True)
class Answer:
    """An OCS answer: its data, status and the headers Talk pages with."""

    data: Any
    status: int
    headers: httpx2.Headers


def _reason(body: Any) -> str:
    try:
        data = body["ocs"]["data"]
    except (KeyError, TypeError):
        return ""
    return str(data.get("error") or "") if isinstance(data, dict) else ""


def _error(response: httpx2.Response, reason: str, what: str) -> NextcloudError:
    where: dict[str, Any] = {
        "method": response.request.method,
        "path": response.request.url.path,
        "status": response.status_code,
    }
    status = response.status_code
    advice = _REASONS.get(reason, "")
    if status == 413:
        return BadRequest(
            f"Talk refused the message: it is longer than {MAX_LENGTH} characters. Shorten it or split it into "
            "several messages.",
            **where,
        )
    if status == 429:
        wait = response.headers.get("Retry-After")
        return RateLimited(
            f"Talk's rate limit was reached ({what}); nothing was done. Wait "
            f"{wait + ' seconds' if wait else 'a minute'} before sending more.",
            **where,
        )
    if status == 404:
        said = f" ({advice})" if advice else ""
        return NotFound(f"Talk: {what}: not found, or you are not a participant{said}. {_CHECK}", **where)
    if status == 403:
        return Forbidden(f"Talk: {what}: not allowed: {advice or 'only moderators may do this.'}", **where)
    if status == 405:
        return BadRequest(f"Talk: {what}: system messages cannot be edited or deleted.", **where)
    return BadRequest(f"Talk rejected {what}: {advice or reason or 'bad request'} {_CHECK}", **where)


class TalkClient:
    """Talk for one user's credentials."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http, self._auth = http, auth

    async def call(self, method: str, path: str, what: str, *, reason: str = "", **kw: Any) -> Answer:
        """One OCS call below `/apps/spreed/api`; `what` names the action in errors, `reason` is the advice key
        for failures Talk answers without one."""
        params = {"format": "json", **kw.pop("params", {})}
        response = await self._http.request(
            method, _BASE + path, auth=self._auth, params=params, headers={"OCS-APIRequest": "true"}, ok=_HANDLED, **kw
        )
        if response.status_code == 304:
            return Answer([], 304, response.headers)
        try:
            body = response.json()
        except ValueError as exc:
            raise ProtocolError("Talk sent an answer that is not JSON.", path=_BASE + path) from exc
        if response.status_code in _HANDLED:
            raise _error(response, _reason(body) or reason, what)
        if not isinstance(body, dict) or "ocs" not in body:
            raise ProtocolError("Talk sent an answer that is not an OCS envelope.", path=_BASE + path)
        return Answer(body["ocs"]["data"], response.status_code, response.headers)

    # -- conversations ----------------------------------------------------------------------------------------

    async def rooms(self) -> list[dict[str, Any]]:
        return list((await self.call("GET", "/v4/room", "listing conversations")).data or [])

    async def room(self, token: str) -> dict[str, Any]:
        data: dict[str, Any] = (await self.call("GET", f"/v4/room/{token}", f"conversation {token}")).data
        return data

    async def create_room(self, body: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = (await self.call("POST", "/v4/room", "creating the conversation", json=body)).data
        return data

    async def rename(self, token: str, name: str) -> None:
        await self.call("PUT", f"/v4/room/{token}", f"renaming {token}", json={"roomName": name})

    async def delete_room(self, token: str) -> None:
        await self.call("DELETE", f"/v4/room/{token}", f"deleting {token}", reason="type")  # 400: one-to-one

    async def participants(self, token: str) -> list[dict[str, Any]]:
        return list((await self.call("GET", f"/v4/room/{token}/participants", f"participants of {token}")).data)

    async def add_participant(self, token: str, user: str) -> None:
        body = {"newParticipant": user, "source": "users"}
        await self.call("POST", f"/v4/room/{token}/participants", f"adding {user!r}", json=body)

    async def leave(self, token: str) -> None:
        await self.call("DELETE", f"/v4/room/{token}/participants/self", f"leaving {token}")

    async def remove_attendee(self, token: str, attendee_id: int) -> None:
        params = {"attendeeId": attendee_id}
        await self.call("DELETE", f"/v4/room/{token}/attendees", "removing the participant", params=params)

    # -- chat -------------------------------------------------------------------------------------------------

    async def messages(self, token: str, *, future: bool, known: int, limit: int, wait: int) -> Answer:
        """`receiveMessages` without moving the read marker (`setReadMarker=0`)."""
        params = {
            "lookIntoFuture": int(future),
            "lastKnownMessageId": known,
            "limit": limit,
            "timeout": wait,
            "setReadMarker": 0,
            "markNotificationsAsRead": 0,
        }
        return await self.call("GET", f"/v1/chat/{token}", f"reading messages of {token}", params=params)

    async def message(self, token: str, message_id: int) -> dict[str, Any] | None:
        """One message, through `getMessageContext` with no neighbours."""
        answer = await self.call(
            "GET", f"/v1/chat/{token}/{message_id}/context", f"message {message_id}", params={"limit": 0}
        )
        return next((m for m in answer.data or [] if m.get("id") == message_id), None)

    async def send(self, token: str, text: str, reply_to: int, silent: bool) -> dict[str, Any]:
        body = {"message": text, "replyTo": reply_to, "silent": silent}
        data: dict[str, Any] = (await self.call("POST", f"/v1/chat/{token}", "sending the message", json=body)).data
        return data

    async def edit(self, token: str, message_id: int, text: str) -> dict[str, Any]:
        path, what = f"/v1/chat/{token}/{message_id}", f"editing message {message_id}"
        data: dict[str, Any] = (await self.call("PUT", path, what, json={"message": text})).data
        return data

    async def delete_message(self, token: str, message_id: int) -> dict[str, Any]:
        path, what = f"/v1/chat/{token}/{message_id}", f"deleting message {message_id}"
        data: dict[str, Any] = (await self.call("DELETE", path, what)).data
        return data

    async def read_marker(self, token: str, message_id: int | None) -> dict[str, Any]:
        body = {"lastReadMessage": message_id} if message_id is not None else {}
        data: dict[str, Any] = (await self.call("POST", f"/v1/chat/{token}/read", "marking read", json=body)).data
        return data

    async def react(self, token: str, message_id: int, reaction: str, *, add: bool) -> dict[str, Any]:
        path, what = f"/v1/reaction/{token}/{message_id}", f"reacting to message {message_id}"
        if add:
            answer = await self.call("POST", path, what, json={"reaction": reaction})
        else:
            answer = await self.call("DELETE", path, what, params={"reaction": reaction})
        return dict(answer.data or {})

    async def shared(self, token: str, kind: str, known: int, limit: int) -> Answer:
        params = {"objectType": kind, "lastKnownMessageId": known, "limit": limit}
        return await self.call("GET", f"/v1/chat/{token}/share", "listing shared items", params=params)

    # -- polls ------------------------------------------------------------------------------------------------

    async def create_poll(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = (await self.call("POST", f"/v1/poll/{token}", "creating the poll", json=body)).data
        return data

    async def vote(self, token: str, poll_id: int, options: list[int]) -> dict[str, Any]:
        what, body = f"voting on poll {poll_id}", {"optionIds": options}
        data: dict[str, Any] = (await self.call("POST", f"/v1/poll/{token}/{poll_id}", what, json=body)).data
        return data

    async def close_poll(self, token: str, poll_id: int) -> dict[str, Any]:
        data: dict[str, Any] = (
            await self.call("DELETE", f"/v1/poll/{token}/{poll_id}", f"closing poll {poll_id}")
        ).data
        return data


def talk_client(session: NextcloudSession) -> TalkClient:
    """The session's TalkClient."""
    return session.client(TalkClient, lambda: TalkClient(session.http, session.auth))
