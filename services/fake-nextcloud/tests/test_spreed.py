"""Talk (``spreed``) OCS API of the fake (nextcloud/spreed lib/Controller/*), validated against ``spreed.json``."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud import FakeState, ManualClock
from support.fake_support import ALICE, BOB
from support.openapi import validate_nullable

pytestmark = pytest.mark.anyio
API = "/ocs/v2.php/apps/spreed/api"
H = {"OCS-APIRequest": "true", "Accept": "application/json"}
SPEC = "spreed.json"


async def _call(client: httpx2.AsyncClient, method: str, path: str, auth: Any = ALICE, **kw: Any) -> httpx2.Response:
    return await client.request(method, API + path, auth=auth, headers=H, **kw)


def _data(response: httpx2.Response) -> Any:
    return response.json()["ocs"]["data"]


async def _group(client: httpx2.AsyncClient, name: str = "Team") -> str:
    created = await _call(client, "POST", "/v4/room", json={"roomType": 2, "roomName": name})
    assert created.status_code == 201, created.text
    validate_nullable(SPEC, created)
    token: str = _data(created)["token"]
    return token


async def test_conversations_participants_and_isolation(client: httpx2.AsyncClient) -> None:
    token = await _group(client)
    listed = await _call(client, "GET", "/v4/room")
    validate_nullable(SPEC, listed)
    assert [r["token"] for r in _data(listed)] == [token] and "X-Nextcloud-Talk-Hash" in listed.headers
    assert _data(listed)[0]["lastMessage"]["systemMessage"] == "conversation_created"
    assert _data(await _call(client, "GET", "/v4/room", BOB)) == []  # bob sees nothing of alice's
    stranger = await _call(client, "GET", f"/v4/room/{token}", BOB)
    assert stranger.status_code == 404 and _data(stranger) == []  # ParticipantNotFoundException
    added = await _call(client, "POST", f"/v4/room/{token}/participants", json={"newParticipant": "b0b"})
    assert added.status_code == 200 and _data(added) == []  # DataResponse([]): not the spec's object
    unknown = await _call(client, "POST", f"/v4/room/{token}/participants", json={"newParticipant": "nobody"})
    assert unknown.status_code == 404 and _data(unknown) == {"error": "new-participant"}
    people = await _call(client, "GET", f"/v4/room/{token}/participants")
    validate_nullable(SPEC, people)
    assert [(p["actorId"], p["participantType"]) for p in _data(people)] == [("alice", 1), ("b0b", 3)]
    bob_view = await _call(client, "GET", f"/v4/room/{token}", BOB)
    validate_nullable(SPEC, bob_view)
    assert _data(bob_view)["participantType"] == 3 and _data(bob_view)["canDeleteConversation"] is False
    not_moderator = await _call(client, "PUT", f"/v4/room/{token}", BOB, json={"roomName": "x"})
    assert not_moderator.status_code == 403  # NotAModeratorException
    renamed = await _call(client, "PUT", f"/v4/room/{token}", json={"roomName": "  Core  "})
    validate_nullable(SPEC, renamed)
    assert _data(renamed)["displayName"] == "Core"
    blank = await _call(client, "PUT", f"/v4/room/{token}", json={"roomName": " "})
    assert blank.status_code == 400 and _data(blank) == {"error": "value"}
    bob_attendee = next(p["attendeeId"] for p in _data(people) if p["actorId"] == "b0b")
    removed = await _call(client, "DELETE", f"/v4/room/{token}/attendees", params={"attendeeId": bob_attendee})
    assert removed.status_code == 200
    assert (await _call(client, "GET", f"/v4/room/{token}", BOB)).status_code == 404
    last = await _call(client, "DELETE", f"/v4/room/{token}/participants/self")
    assert last.status_code == 200 and (await _call(client, "GET", "/v4/room")).json()["ocs"]["data"] == []


async def test_one_to_one_rooms(client: httpx2.AsyncClient) -> None:
    made = await _call(client, "POST", "/v4/room", json={"roomType": 1, "invite": "b0b"})
    assert made.status_code == 201
    again = await _call(client, "POST", "/v4/room", json={"roomType": 1, "invite": "b0b"})
    assert again.status_code == 200 and _data(again)["token"] == _data(made)["token"]  # existing room
    assert _data(made)["name"] == "b0b" and _data(made)["displayName"] == "Bob"
    for body, status, reason in [
        ({"roomType": 1, "invite": "nobody"}, 404, "invite"),
        ({"roomType": 1, "invite": "alice"}, 403, "invite"),
        ({"roomType": 7, "roomName": "x"}, 400, "type"),
        ({"roomType": 2, "roomName": ""}, 400, "name"),
    ]:
        refused = await _call(client, "POST", "/v4/room", json=body)
        assert (refused.status_code, _data(refused)) == (status, {"error": reason})
    token = _data(made)["token"]
    assert (await _call(client, "DELETE", f"/v4/room/{token}")).status_code == 400
    rename = await _call(client, "PUT", f"/v4/room/{token}", json={"roomName": "x"})
    assert rename.status_code == 400 and _data(rename) == {"error": "type"}
    missing = await _call(client, "POST", "/v4/room", json={})
    assert missing.status_code == 500  # TypeError: int $roomType, null given


async def test_chat_paging_headers_and_limits(client: httpx2.AsyncClient) -> None:
    token = await _group(client)
    await _call(client, "POST", f"/v4/room/{token}/participants", json={"newParticipant": "b0b"})
    ids = []
    for i in range(5):
        sent = await _call(client, "POST", f"/v1/chat/{token}", json={"message": f"m{i} @b0b"})
        assert sent.status_code == 201 and "X-Chat-Last-Common-Read" in sent.headers
        validate_nullable(SPEC, sent)
        ids.append(_data(sent)["id"])
    history = await _call(client, "GET", f"/v1/chat/{token}", params={"lookIntoFuture": 0, "limit": 2})
    validate_nullable(SPEC, history)
    assert [m["id"] for m in _data(history)] == [ids[4], ids[3]] and history.headers["X-Chat-Last-Given"] == str(ids[3])
    older = await _call(client, "GET", f"/v1/chat/{token}", params={"lookIntoFuture": 0, "lastKnownMessageId": ids[3]})
    assert [m["id"] for m in _data(older)][:3] == [ids[2], ids[1], ids[0]]
    newer = await _call(client, "GET", f"/v1/chat/{token}", params={"lookIntoFuture": 1, "lastKnownMessageId": ids[2]})
    assert [m["id"] for m in _data(newer)] == [ids[3], ids[4]] and newer.headers["X-Chat-Last-Given"] == str(ids[4])
    polled = await _call(
        client, "GET", f"/v1/chat/{token}", params={"lookIntoFuture": 1, "lastKnownMessageId": ids[4], "timeout": 1}
    )
    assert polled.status_code == 304  # long poll timed out without a message
    rooms = _data(await _call(client, "GET", "/v4/room", BOB))
    assert rooms[0]["unreadMessages"] == 5 and rooms[0]["unreadMention"] is True
    read = await _call(client, "POST", f"/v1/chat/{token}/read", BOB, json={"lastReadMessage": ids[2]})
    validate_nullable(SPEC, read)
    assert _data(read)["unreadMessages"] == 2 and read.headers["X-Chat-Last-Common-Read"] == str(ids[2])
    too_long = await _call(client, "POST", f"/v1/chat/{token}", json={"message": "x" * 32001})
    assert too_long.status_code == 413 and _data(too_long) == {"error": "message"}
    blank = await _call(client, "POST", f"/v1/chat/{token}", json={"message": "  "})
    assert blank.status_code == 400 and _data(blank) == {"error": "message"}
    bad_reply = await _call(client, "POST", f"/v1/chat/{token}", json={"message": "r", "replyTo": 9999})
    assert _data(bad_reply) == {"error": "reply-to"}
    reply = await _call(
        client, "POST", f"/v1/chat/{token}", BOB, json={"message": "r", "replyTo": ids[0], "silent": True}
    )
    assert _data(reply)["parent"]["id"] == ids[0] and _data(reply)["silent"] is True
    stranger = await _call(client, "GET", f"/v1/chat/{token}", ("carol", "x"), params={"lookIntoFuture": 0})
    assert stranger.status_code == 401


async def test_long_poll_wakes_on_a_new_message(client: httpx2.AsyncClient) -> None:
    import anyio

    token = await _group(client)
    last = _data(await _call(client, "POST", f"/v1/chat/{token}", json={"message": "a"}))["id"]
    got: dict[str, httpx2.Response] = {}

    async def poll() -> None:
        params = {"lookIntoFuture": 1, "lastKnownMessageId": last, "timeout": 5}
        got["r"] = await _call(client, "GET", f"/v1/chat/{token}", params=params)

    with anyio.fail_after(4):
        async with anyio.create_task_group() as tg:
            tg.start_soon(poll)
            await anyio.sleep(0.1)
            await _call(client, "POST", f"/v1/chat/{token}", json={"message": "b"})
    assert [m["message"] for m in _data(got["r"])] == ["b"]


async def test_edit_delete_and_their_limits(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    token = await _group(client)
    await _call(client, "POST", f"/v4/room/{token}/participants", json={"newParticipant": "b0b"})
    mine = _data(await _call(client, "POST", f"/v1/chat/{token}", BOB, json={"message": "bob's"}))["id"]
    edited = await _call(client, "PUT", f"/v1/chat/{token}/{mine}", BOB, json={"message": "bob's v2"})
    validate_nullable(SPEC, edited)
    assert _data(edited)["systemMessage"] == "message_edited" and _data(edited)["parent"]["message"] == "bob's v2"
    assert _data(edited)["parent"]["lastEditActorId"] == "b0b"
    alice_msg = _data(await _call(client, "POST", f"/v1/chat/{token}", json={"message": "alice's"}))["id"]
    refused = await _call(client, "PUT", f"/v1/chat/{token}/{alice_msg}", BOB, json={"message": "x"})
    assert refused.status_code == 403 and _data(refused) == {"error": "permission"}
    history = _data(await _call(client, "GET", f"/v1/chat/{token}", params={"lookIntoFuture": 0}))
    system_id = next(m["id"] for m in history if m["systemMessage"] == "user_added")
    system = await _call(client, "DELETE", f"/v1/chat/{token}/{system_id}")
    assert system.status_code == 405
    assert (await _call(client, "DELETE", f"/v1/chat/{token}/9999")).status_code == 404
    clock.advance(7 * 3600)
    old = await _call(client, "DELETE", f"/v1/chat/{token}/{mine}", BOB)
    assert old.status_code == 400 and _data(old) == {"error": "age"}
    fresh = _data(await _call(client, "POST", f"/v1/chat/{token}", json={"message": "gone soon"}))["id"]
    deleted = await _call(client, "DELETE", f"/v1/chat/{token}/{fresh}")  # a moderator may delete any
    validate_nullable(SPEC, deleted)
    assert _data(deleted)["parent"]["messageType"] == "comment_deleted" and _data(deleted)["parent"]["deleted"]
    history = _data(await _call(client, "GET", f"/v1/chat/{token}", params={"lookIntoFuture": 0}))
    assert "message_deleted" not in [m["systemMessage"] for m in history]  # hidden system messages


async def test_reactions_polls_and_shared_items(client: httpx2.AsyncClient) -> None:
    token = await _group(client)
    await _call(client, "POST", f"/v4/room/{token}/participants", json={"newParticipant": "b0b"})
    msg = _data(await _call(client, "POST", f"/v1/chat/{token}", json={"message": "vote!"}))["id"]
    first = await _call(client, "POST", f"/v1/reaction/{token}/{msg}", BOB, json={"reaction": "👍"})
    validate_nullable(SPEC, first)
    assert first.status_code == 201 and [r["actorId"] for r in _data(first)["👍"]] == ["b0b"]
    again = await _call(client, "POST", f"/v1/reaction/{token}/{msg}", BOB, json={"reaction": "👍"})
    assert again.status_code == 200
    assert (await _call(client, "POST", f"/v1/reaction/{token}/{msg}", json={"reaction": "ok"})).status_code == 400
    gone = await _call(client, "DELETE", f"/v1/reaction/{token}/{msg}", BOB, params={"reaction": "👍"})
    assert gone.status_code == 200 and _data(gone) == []
    assert (await _call(client, "DELETE", f"/v1/reaction/{token}/{msg}", params={"reaction": "👍"})).status_code == 404
    body = {"question": "Lunch?", "options": ["Pizza", "Salad"], "resultMode": 0, "maxVotes": 1}
    created = await _call(client, "POST", f"/v1/poll/{token}", json=body)
    validate_nullable(SPEC, created)
    poll = _data(created)
    assert created.status_code == 201 and poll["votes"] == {}
    two = await _call(client, "POST", f"/v1/poll/{token}/{poll['id']}", BOB, json={"optionIds": [0, 1]})
    assert two.status_code == 400 and _data(two) == {"error": "options"}
    voted = await _call(client, "POST", f"/v1/poll/{token}/{poll['id']}", BOB, json={"optionIds": [1]})
    validate_nullable(SPEC, voted)
    assert _data(voted)["votedSelf"] == [1] and _data(voted)["votes"] == {"option-1": 1}
    not_author = await _call(client, "DELETE", f"/v1/poll/{token}/{poll['id']}", BOB)
    assert not_author.status_code == 403
    closed = await _call(client, "DELETE", f"/v1/poll/{token}/{poll['id']}")
    validate_nullable(SPEC, closed)
    assert _data(closed)["status"] == 1 and _data(closed)["details"][0]["actorId"] == "b0b"
    assert (await _call(client, "POST", f"/v1/poll/{token}/{poll['id']}", json={"optionIds": [0]})).status_code == 400
    shared = await _call(client, "GET", f"/v1/chat/{token}/share", params={"objectType": "poll"})
    validate_nullable(SPEC, shared)
    [item] = _data(shared).values()
    assert item["messageParameters"]["object"]["type"] == "talk-poll" and "X-Chat-Last-Given" in shared.headers
    one = await _call(client, "POST", "/v4/room", json={"roomType": 1, "invite": "b0b"})
    refused = await _call(client, "POST", f"/v1/poll/{_data(one)['token']}", json=body)
    assert _data(refused) == {"error": "room"}


async def test_capability_and_disabled_app(client: httpx2.AsyncClient, state: FakeState) -> None:
    caps = _data(await client.get("/ocs/v2.php/cloud/capabilities", auth=ALICE, headers=H))["capabilities"]
    assert caps["spreed"]["config"]["chat"]["max-length"] == 32000 and "talk-polls" in caps["spreed"]["features"]
    state.disable_app("spreed")
    caps = _data(await client.get("/ocs/v2.php/cloud/capabilities", auth=ALICE, headers=H))["capabilities"]
    assert "spreed" not in caps
    gone = await _call(client, "GET", "/v4/room")
    assert gone.json()["ocs"]["meta"]["statuscode"] == 998
