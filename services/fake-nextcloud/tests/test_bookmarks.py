"""Bookmarks REST API v2 (nextcloud/bookmarks v16.2.6, lib/Controller/*Controller.php, docs/*.rst; the app ships
no OpenAPI spec, so answers are checked against docs/bookmark.rst, docs/folder.rst and docs/tag.rst)."""

from __future__ import annotations

import httpx2
import pytest

from support.fake_support import ALICE, BOB

pytestmark = pytest.mark.anyio
API = "/index.php/apps/bookmarks/public/rest/v2"


async def test_create_get_and_the_documented_shape(client: httpx2.AsyncClient) -> None:
    created = await client.post(f"{API}/bookmark", json={"url": "https://Example.org", "tags": ["a"]}, auth=ALICE)
    assert created.status_code == 200 and created.json()["status"] == "success"
    item = created.json()["item"]
    # docs/bookmark.rst "Bookmark model"; Bookmark::toArray adds target, UrlNormalizer lowercases the host
    assert item["url"] == item["target"] == "https://example.org/" and item["title"] == ""
    assert item["folders"] == [-1] and item["tags"] == ["a"] and item["userId"] == "alice"
    shown = await client.get(f"{API}/bookmark/{item['id']}", auth=ALICE)
    assert shown.json() == {"item": item, "status": "success"}


async def test_an_existing_url_is_reused_and_merged(client: httpx2.AsyncClient) -> None:
    """BookmarkService::_addBookmark: findByUrl -> the same bookmark; tags added (TagMapper::addTo)."""
    first = (await client.post(f"{API}/bookmark", json={"url": "https://a.example/", "tags": ["x"]}, auth=ALICE)).json()
    again = await client.post(
        f"{API}/bookmark", json={"url": "https://a.example/", "title": "A", "tags": ["y"]}, auth=ALICE
    )
    item = again.json()["item"]
    assert item["id"] == first["item"]["id"] and item["title"] == "A" and item["tags"] == ["x", "y"]


async def test_query_filters_and_paging(client: httpx2.AsyncClient) -> None:
    for n, tags in ((1, ["t"]), (2, ["t", "u"]), (3, [])):
        body = {"url": f"https://{n}.example/", "title": f"Site {n}", "tags": tags}
        await client.post(f"{API}/bookmark", json=body, auth=ALICE)
    listed = (await client.get(f"{API}/bookmark", params=[("tags[]", "t"), ("tags[]", "u")], auth=ALICE)).json()
    assert [b["title"] for b in listed["data"]] == ["Site 2"]  # BookmarkMapper::_filterTags: every tag
    words = await client.get(f"{API}/bookmark", params=[("search[]", "site"), ("search[]", "3")], auth=ALICE)
    assert len(words.json()["data"]) == 3  # conjunction "or" by default
    both = {"search[]": ["site", "3"], "conjunction": "and"}
    assert [b["title"] for b in (await client.get(f"{API}/bookmark", params=both, auth=ALICE)).json()["data"]] == [
        "Site 3"
    ]
    paged = await client.get(f"{API}/bookmark", params={"page": 1, "limit": 2}, auth=ALICE)
    assert len(paged.json()["data"]) == 1
    by_url = await client.get(f"{API}/bookmark", params={"url": "https://1.EXAMPLE"}, auth=ALICE)
    assert [b["title"] for b in by_url.json()["data"]] == ["Site 1"]  # _filterUrl normalizes
    assert (await client.get(f"{API}/bookmark", auth=BOB)).json()["data"] == []


async def test_edit_delete_and_errors(client: httpx2.AsyncClient) -> None:
    item = (await client.post(f"{API}/bookmark", json={"url": "https://e.example/"}, auth=ALICE)).json()["item"]
    other = (await client.post(f"{API}/bookmark", json={"url": "https://f.example/"}, auth=ALICE)).json()["item"]
    edited = await client.put(f"{API}/bookmark/{item['id']}", json={"title": "E", "tags": ["k"]}, auth=ALICE)
    assert edited.json()["item"]["title"] == "E" and edited.json()["item"]["tags"] == ["k"]
    clash = await client.put(f"{API}/bookmark/{item['id']}", json={"url": other["url"]}, auth=ALICE)
    assert clash.status_code == 400 and clash.json()["data"] == ["Bookmark already exists"]
    bad = await client.put(f"{API}/bookmark/{item['id']}", json={"url": "no-protocol"}, auth=ALICE)
    assert bad.status_code == 400 and bad.json()["data"] == ["Invald URL"]  # sic, editBookmark
    foreign = await client.put(f"{API}/bookmark/{item['id']}", json={"title": "B"}, auth=BOB)
    assert foreign.status_code == 404 and foreign.json()["data"] == ["Could not edit bookmark"]
    assert (await client.get(f"{API}/bookmark/{item['id']}", auth=BOB)).status_code == 404
    assert (await client.delete(f"{API}/bookmark/{item['id']}", auth=BOB)).json() == {"status": "success"}
    assert (await client.delete(f"{API}/bookmark/{item['id']}", auth=ALICE)).json() == {"status": "success"}
    assert (await client.get(f"{API}/bookmark/{item['id']}", auth=ALICE)).status_code == 404


async def test_folders_and_tags(client: httpx2.AsyncClient) -> None:
    top = (await client.post(f"{API}/folder", json={"title": "Top"}, auth=ALICE)).json()["item"]
    assert top["parent_folder"] == -1 and top["title"] == "Top"
    sub = (await client.post(f"{API}/folder", json={"title": "Sub", "parent_folder": top["id"]}, auth=ALICE)).json()
    tree = (await client.get(f"{API}/folder", auth=ALICE)).json()
    assert tree["status"] == "success" and tree["data"][0]["children"][0]["id"] == sub["item"]["id"]
    denied = await client.post(f"{API}/folder", json={"title": "X", "parent_folder": top["id"]}, auth=BOB)
    assert denied.status_code == 400 and denied.json()["data"] == ["Could not find parent folder"]
    body = {"url": "https://g.example/", "tags": ["one"], "folders": [top["id"]]}
    made = await client.post(f"{API}/bookmark", json=body, auth=ALICE)
    assert made.json()["item"]["folders"] == [top["id"]]
    in_folder = await client.get(f"{API}/bookmark", params={"folder": top["id"]}, auth=ALICE)
    assert len(in_folder.json()["data"]) == 1
    assert (await client.get(f"{API}/bookmark", params={"folder": top["id"]}, auth=BOB)).status_code == 400
    assert (await client.get(f"{API}/tag", auth=ALICE)).json() == ["one"]
    assert (await client.get(f"{API}/tag", params={"count": "true"}, auth=ALICE)).json() == [
        {"name": "one", "count": 1}
    ]


async def test_only_basic_auth_is_accepted(client: httpx2.AsyncClient) -> None:
    """Authorizer::setCredentials: a Bearer token that is no Bookmarks ticket -> UnauthenticatedError -> 401."""
    anonymous = await client.get(f"{API}/bookmark")
    assert anonymous.status_code == 401 and anonymous.json()["data"] == ["Please authenticate first"]
    bearer = await client.get(f"{API}/bookmark", headers={"Authorization": "Bearer abc"})
    assert bearer.status_code == 401 and "WWW-Authenticate" in bearer.headers


async def test_capability(client: httpx2.AsyncClient) -> None:
    caps = await client.get("/ocs/v2.php/cloud/capabilities", params={"format": "json"}, auth=ALICE,
                            headers={"OCS-APIRequest": "true"})  # fmt: skip
    assert caps.json()["ocs"]["data"]["capabilities"]["bookmarks"]["javascript-bookmarks"] is True


async def test_a_url_with_a_malformed_authority_is_invalid(client: httpx2.AsyncClient) -> None:
    """``UrlNormalizer::normalize`` throws ``UrlParseError`` for an authority it cannot parse; ``BookmarkService``
    turns it into ``BookmarksError`` 400 "Invalid URL" (found by tests/security/test_tool_fuzz.py: ``[`` in the
    host made the fake answer 500)."""
    response = await client.post(f"{API}/bookmark", json={"url": "https://^[^@:]+@[^@]+$"}, auth=ALICE)
    assert response.status_code == 400 and response.json()["data"] == ["Invalid URL"]
