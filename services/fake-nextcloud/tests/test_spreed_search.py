"""Talk's unified-search providers (nextcloud/spreed lib/Search/MessageSearch.php, ConversationSearch.php;
core CommentsManager::searchForObjectsWithFilters): see fake_nextcloud/apps/spreed/search.py."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud import FakeState
from support.fake_support import ALICE, BOB

pytestmark = pytest.mark.anyio
H = {"OCS-APIRequest": "true", "Accept": "application/json"}
TALK = "/ocs/v2.php/apps/spreed/api"
SEARCH = "/ocs/v2.php/search/providers"


def _data(response: httpx2.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["ocs"]["data"]


async def _room(client: httpx2.AsyncClient, name: str, *members: str) -> str:
    made = await client.post(f"{TALK}/v4/room", json={"roomType": 2, "roomName": name}, auth=ALICE, headers=H)
    token: str = made.json()["ocs"]["data"]["token"]
    for uid in members:
        await client.post(f"{TALK}/v4/room/{token}/participants", json={"newParticipant": uid}, auth=ALICE, headers=H)
    return token


async def _say(client: httpx2.AsyncClient, token: str, text: str, auth: Any = ALICE) -> int:
    sent = await client.post(f"{TALK}/v1/chat/{token}", json={"message": text}, auth=auth, headers=H)
    assert sent.status_code == 201
    return int(sent.json()["ocs"]["data"]["id"])


async def _search(client: httpx2.AsyncClient, provider: str, auth: Any = ALICE, **params: Any) -> httpx2.Response:
    return await client.get(f"{SEARCH}/{provider}/search", params=params, auth=auth, headers=H)


async def test_message_search_newest_first_by_offset(client: httpx2.AsyncClient) -> None:
    team = await _room(client, "Team", "b0b")
    private = await _room(client, "Private")
    ids = [await _say(client, team, f"budget item {i}") for i in range(3)]
    secret = await _say(client, private, "the budget secret")
    await _say(client, team, "unrelated")
    first = await _search(client, "talk-message", term="BUDGET", limit=2)
    # not validated against core.json: its "attributes: array of string" is wrong (real ones are an object)
    data = _data(first)
    assert data["isPaginated"] is True and data["cursor"] == 2  # offset + limit
    assert [e["attributes"]["messageId"] for e in data["entries"]] == [str(secret), str(ids[2])]
    entry = data["entries"][1]
    assert entry["title"] == "Alice A. in Team" and entry["subline"] == "budget item 2"
    assert entry["resourceUrl"].endswith(f"/call/{team}#message_{ids[2]}") and entry["rounded"] is True
    assert entry["attributes"]["conversation"] == team and entry["attributes"]["actorId"] == "alice"
    rest = _data(await _search(client, "talk-message", term="budget", limit=2, cursor=2))
    assert [e["attributes"]["messageId"] for e in rest["entries"]] == [str(ids[1]), str(ids[0])]
    assert rest["cursor"] == 4  # paginated even on the last page
    # bob is only in Team; the conversation filter narrows to one room and drops "in {conversation}"
    bobs = _data(await _search(client, "talk-message", BOB, term="budget"))
    assert str(secret) not in [e["attributes"]["messageId"] for e in bobs["entries"]] and len(bobs["entries"]) == 3
    hidden = _data(await _search(client, "talk-message", BOB, term="budget", conversation=private))
    assert hidden == {"name": "Messages", "isPaginated": False, "entries": [], "cursor": None}
    only = _data(await _search(client, "talk-message", term="budget", conversation=private))
    assert [e["title"] for e in only["entries"]] == ["Alice A."]


async def test_long_message_is_cut_before_the_match(client: httpx2.AsyncClient) -> None:
    token = await _room(client, "Notes")
    await _say(client, token, "a" * 40 + " needle at the end")
    [entry] = _data(await _search(client, "talk-message", term="needle"))["entries"]
    assert entry["subline"] == "…aaaaaaaaa needle at the end"  # mb_stripos > 30: '…' . substr(position - 10)


async def test_conversation_search_and_paging_by_token(client: httpx2.AsyncClient, state: FakeState) -> None:
    tokens = {name: await _room(client, name) for name in ("Project B", "Project A", "Project C", "Other")}
    found = _data(await _search(client, "talk-conversations", term="project", limit=5))
    assert found["isPaginated"] is False and len(found["entries"]) == 3  # complete: up to limit
    first = _data(await _search(client, "talk-conversations", term="project", limit=2))
    assert [e["title"] for e in first["entries"]] == ["Project A", "Project B"]
    assert first["cursor"] == tokens["Project B"]
    second = _data(await _search(client, "talk-conversations", term="project", limit=2, cursor=first["cursor"]))
    assert [e["title"] for e in second["entries"]] == ["Project C"] and second["cursor"] == ""
    assert second["entries"][0]["attributes"] == {"conversation": tokens["Project C"]}
    state.disable_app("spreed")
    gone = await _search(client, "talk-message", term="x")
    assert gone.status_code == 404
