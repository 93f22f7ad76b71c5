"""Collectives OCS API (nextcloud/collectives v4.4.3, f361bdf0) and its files in the members' WebDAV trees.

Sources: ``appinfo/routes.php``; ``lib/Controller/{Collective,Page,PageTrash,Tag}Controller.php``;
``lib/Service/PageService.php`` (tree, create, move, trash, restore); ``lib/Model/PageInfo.php`` (fields, titles);
``lib/Mount/MountProvider.php`` + ``lib/Fs/UserFolderHelper.php`` (mounted at ``/.Collectives/<name>``);
``lib/Controller/OCSExceptionHelper.php`` (403/404/400 with the service's message). Responses are validated
against the app's own ``openapi.json`` (vendored as ``openapi/collectives.json``).
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from fake_nextcloud import FakeState
from support.fake_support import ALICE, BOB, OCS_HEADERS
from support.openapi import validate

pytestmark = pytest.mark.anyio

API = "/ocs/v2.php/apps/collectives/api/v1.0/collectives"
DAV = "/remote.php/dav/files"


def _data(response: httpx2.Response) -> Any:
    return response.json()["ocs"]["data"]


def _checked(response: httpx2.Response) -> httpx2.Response:
    """Validate against openapi.json; the spec marks ``slug``, ``emoji``, … optional strings, while
    ``PageInfo::jsonSerialize``/``Collective::jsonSerialize`` send them as null, so nulls are dropped first."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if v is not None}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    copy = httpx2.Response(
        response.status_code,
        headers={"Content-Type": "application/json"},
        content=json.dumps(strip(response.json())).encode(),
        request=response.request,
    )
    validate("collectives.json", copy)
    return response


async def _seed(client: httpx2.AsyncClient, **spec: Any) -> dict[str, Any]:
    body = {"user": "alice", "collectives": [{"name": "Handbook", "members": ["bob@corp"], **spec}]}
    response = await client.post("/__testbed__/seed/collectives", json=body)
    assert response.status_code == 201, response.text
    seeded: dict[str, Any] = response.json()["collectives"][0]
    return seeded


async def _pages(client: httpx2.AsyncClient, cid: int, auth: tuple[str, str] = ALICE) -> list[dict[str, Any]]:
    response = _checked(await client.get(f"{API}/{cid}/pages", headers=OCS_HEADERS, auth=auth))
    pages: list[dict[str, Any]] = _data(response)["pages"]
    return pages


async def test_collectives_list_members_only(client: httpx2.AsyncClient, state: FakeState) -> None:
    seeded = await _seed(client)
    state.add_user("carol", "carol-secret")
    mine = _checked(await client.get(API, headers=OCS_HEADERS, auth=ALICE))
    [collective] = _data(mine)["collectives"]
    assert collective["id"] == seeded["id"] and collective["name"] == "Handbook"
    assert collective["level"] == 9 and collective["canEdit"] is True and collective["canLeave"] is False
    assert [c["level"] for c in _data(await client.get(API, headers=OCS_HEADERS, auth=BOB))["collectives"]] == [1]
    assert _data(await client.get(API, headers=OCS_HEADERS, auth=("carol", "carol-secret")))["collectives"] == []
    # CollectiveServiceBase::getCollective: not a member is "not found"
    other = await client.get(f"{API}/{seeded['id']}/pages", headers=OCS_HEADERS, auth=("carol", "carol-secret"))
    assert other.status_code == 404
    assert other.json()["ocs"]["meta"]["message"] == f"Collective not found: {seeded['id']}"


async def test_landing_page_is_readme_in_the_mounted_folder(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client)
    [landing] = await _pages(client, seeded["id"])
    assert landing["title"] == "Landing page" and landing["fileName"] == "Readme.md" and landing["parentId"] == 0
    assert landing["filePath"] == "" and landing["collectivePath"] == ".Collectives/Handbook"
    for user, auth in (("alice", ALICE), ("b0b", BOB)):  # mounted for every member at the same place
        got = await client.get(f"{DAV}/{user}/.Collectives/Handbook/Readme.md", auth=auth)
        assert got.status_code == 200 and got.text.startswith("# Welcome Handbook")


async def test_create_page_writes_a_file_and_sub_pages_turn_it_into_a_folder(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client)
    cid = seeded["id"]
    created = _checked(
        await client.post(f"{API}/{cid}/pages/0", json={"title": "Guide"}, headers=OCS_HEADERS, auth=ALICE)
    )
    guide = _data(created)["page"]
    assert guide["fileName"] == "Guide.md" and guide["title"] == "Guide" and guide["size"] == 0
    assert (await client.get(f"{DAV}/b0b/.Collectives/Handbook/Guide.md", auth=BOB)).status_code == 200
    again = await client.post(f"{API}/{cid}/pages/0", json={"title": "Guide"}, headers=OCS_HEADERS, auth=ALICE)
    assert _data(again)["page"]["fileName"] == "Guide (2).md"  # NodeHelper::generateFilename
    sub = await client.post(f"{API}/{cid}/pages/{guide['id']}", json={"title": "a/b?"}, headers=OCS_HEADERS, auth=BOB)
    sub_page = _data(sub)["page"]
    assert sub_page["fileName"] == "a-b.md" and sub_page["filePath"] == "Guide" and sub_page["parentId"] == guide["id"]
    # PageService::initSubFolder: Guide.md moved to Guide/Readme.md, same file id, title from the folder
    pages = {p["id"]: p for p in await _pages(client, cid)}
    assert pages[guide["id"]]["fileName"] == "Readme.md" and pages[guide["id"]]["title"] == "Guide"
    assert pages[guide["id"]]["subpageOrder"] == [sub_page["id"]]
    assert (await client.get(f"{DAV}/alice/.Collectives/Handbook/Guide/a-b.md", auth=ALICE)).status_code == 200


async def test_webdav_writes_show_in_the_api(client: httpx2.AsyncClient, clock: Any) -> None:
    seeded = await _seed(client, pages=[{"title": "Notes", "content": "hello"}])
    page_id = seeded["pages"]["Notes"]
    clock.advance(60)
    put = await client.put(f"{DAV}/b0b/.Collectives/Handbook/Notes.md", content=b"hello world!", auth=BOB)
    assert put.status_code == 204
    page = _data(await client.get(f"{API}/{seeded['id']}/pages/{page_id}", headers=OCS_HEADERS, auth=ALICE))["page"]
    assert page["size"] == 12 and page["timestamp"] == int(clock.now())
    # a file added over WebDAV is a page too
    await client.put(f"{DAV}/alice/.Collectives/Handbook/Extra.md", content=b"x", auth=ALICE)
    assert "Extra" in [p["title"] for p in await _pages(client, seeded["id"], BOB)]


async def test_move_and_rename(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client, pages=[{"title": "A"}, {"title": "B"}])
    cid, a, b = seeded["id"], seeded["pages"]["A"], seeded["pages"]["B"]
    renamed = _checked(
        await client.put(f"{API}/{cid}/pages/{a}", json={"title": "Alpha"}, headers=OCS_HEADERS, auth=ALICE)
    )
    assert _data(renamed)["page"]["fileName"] == "Alpha.md" and _data(renamed)["page"]["id"] == a
    moved = await client.put(f"{API}/{cid}/pages/{a}", json={"parentId": b}, headers=OCS_HEADERS, auth=ALICE)
    page = _data(moved)["page"]
    assert page["filePath"] == "B" and page["parentId"] == b
    assert (await client.get(f"{DAV}/alice/.Collectives/Handbook/B/Alpha.md", auth=ALICE)).status_code == 200
    landing = (await _pages(client, cid))[0]["id"]
    refused = await client.put(f"{API}/{cid}/pages/{landing}", json={"title": "x"}, headers=OCS_HEADERS, auth=ALICE)
    assert refused.status_code == 403
    assert refused.json()["ocs"]["meta"]["message"] == "Not allowed to move or copy landing page"
    into_itself = await client.put(f"{API}/{cid}/pages/{b}", json={"parentId": a}, headers=OCS_HEADERS, auth=ALICE)
    assert into_itself.status_code == 403


async def test_trash_and_restore(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client, pages=[{"title": "Old", "content": "keep me"}, {"title": "Child", "parent": "Old"}])
    cid, old, child = seeded["id"], seeded["pages"]["Old"], seeded["pages"]["Child"]
    trashed = _checked(await client.delete(f"{API}/{cid}/pages/{old}", headers=OCS_HEADERS, auth=BOB))
    assert _data(trashed)["page"]["trashTimestamp"] > 0
    assert [p["title"] for p in await _pages(client, cid)] == ["Landing page"]  # the sub-page went along
    assert (await client.get(f"{DAV}/alice/.Collectives/Handbook/Old/Readme.md", auth=ALICE)).status_code == 404
    listed = _data(_checked(await client.get(f"{API}/{cid}/pages/trash", headers=OCS_HEADERS, auth=ALICE)))["pages"]
    assert [(p["id"], p["title"], p["filePath"]) for p in listed] == [(old, "Old", "")]
    restored = _checked(await client.patch(f"{API}/{cid}/pages/trash/{old}", headers=OCS_HEADERS, auth=ALICE))
    assert _data(restored)["page"]["title"] == "Old"
    assert {p["id"] for p in await _pages(client, cid)} >= {old, child}
    missing = await client.patch(f"{API}/{cid}/pages/trash/{old}", headers=OCS_HEADERS, auth=ALICE)
    assert missing.status_code == 404
    assert missing.json()["ocs"]["meta"]["message"] == f"Failed to restore page {old}. Not found in trash."


async def test_webdav_delete_lands_in_the_collective_trash(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client, pages=[{"title": "Gone"}])
    assert (await client.delete(f"{DAV}/alice/.Collectives/Handbook/Gone.md", auth=ALICE)).status_code == 204
    listed = _data(await client.get(f"{API}/{seeded['id']}/pages/trash", headers=OCS_HEADERS, auth=BOB))["pages"]
    assert [p["id"] for p in listed] == [seeded["pages"]["Gone"]]
    mount = await client.delete(f"{DAV}/alice/.Collectives/Handbook", auth=ALICE)
    assert mount.status_code == 403  # a mount point is not deletable


async def test_readers_cannot_edit(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client, members=[], readers=["bob@corp"])
    refused = await client.post(f"{API}/{seeded['id']}/pages/0", json={"title": "x"}, headers=OCS_HEADERS, auth=BOB)
    assert refused.status_code == 403
    assert refused.json()["ocs"]["meta"]["message"] == "Not allowed to edit collective"


async def test_search_and_tags(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client, pages=[{"title": "Onboarding", "content": "Laptop setup", "tags": ["howto"]}])
    cid = seeded["id"]
    found = _checked(
        await client.get(f"{API}/{cid}/search", params={"searchString": "laptop"}, headers=OCS_HEADERS, auth=BOB)
    )
    assert [p["title"] for p in _data(found)["pages"]] == ["Onboarding"]
    tags = _data(_checked(await client.get(f"{API}/{cid}/tags", headers=OCS_HEADERS, auth=ALICE)))["tags"]
    assert [t["name"] for t in tags] == ["howto"]
    created = _checked(
        await client.post(f"{API}/{cid}/tags", json={"name": "faq", "color": "ff0000"}, headers=OCS_HEADERS, auth=ALICE)
    )
    tag_id = _data(created)["tag"]["id"]
    page = seeded["pages"]["Onboarding"]
    added = await client.put(f"{API}/{cid}/pages/{page}/tags/{tag_id}", headers=OCS_HEADERS, auth=ALICE)
    assert _data(added)["page"]["tags"] == [tags[0]["id"], tag_id]
    bad = await client.post(f"{API}/{cid}/tags", json={"name": "x", "color": "red"}, headers=OCS_HEADERS, auth=ALICE)
    assert bad.status_code == 400 and bad.json()["ocs"]["meta"]["message"] == "Collective color is not valid: red"


async def test_create_collective_and_disabled_app(client: httpx2.AsyncClient, state: FakeState) -> None:
    created = _checked(await client.post(API, json={"name": "Team"}, headers=OCS_HEADERS, auth=ALICE))
    assert _data(created)["collective"]["name"] == "Team"
    assert (await client.get(f"{DAV}/alice/.Collectives/Team/Readme.md", auth=ALICE)).status_code == 200
    state.disable_app("collectives")
    gone = await client.get(API, headers=OCS_HEADERS, auth=ALICE)
    assert gone.json()["ocs"]["meta"]["statuscode"] == 998
