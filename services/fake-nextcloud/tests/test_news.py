"""News API v1.3 (nextcloud/news 28.7.0, d615f01f: lib/Controller/{Folder,Feed,Item}ApiController.php,
lib/Service/*ServiceV2.php, lib/Db/*MapperV2.php; docs/api/api-v1-3.md, which the code overrides where they differ:
an unreadable feed is 404, not 422)."""

from __future__ import annotations

import hashlib

import httpx2
import pytest

from support.fake_support import ALICE, BOB

pytestmark = pytest.mark.anyio
API = "/index.php/apps/news/api/v1-3"
RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Planet</title><link>https://planet.example/</link>
{items}</channel></rss>"""
ENTRY = "<item><title>{n}</title><link>https://planet.example/{n}</link><guid>urn:{n}</guid>{extra}</item>"
ATOM = """<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><link href="https://blog.example/"/>
<entry><id>tag:blog,1</id><title>Hello</title><link href="https://blog.example/1"/><author><name>Ann</name></author>
<updated>2026-01-02T03:04:05Z</updated><content>Hi</content></entry></feed>"""


def rss(*names: str) -> str:
    return RSS.format(items="".join(ENTRY.format(n=n, extra="") for n in names))


async def seed(client: httpx2.AsyncClient, feeds: dict[str, dict[str, object]], update: bool = False) -> None:
    answer = await client.post("/__testbed__/seed/news-feeds", json={"feeds": feeds, "update": update})
    assert answer.status_code == 201


async def test_add_feed_reads_it_and_lists_counts(client: httpx2.AsyncClient) -> None:
    await seed(client, {"https://planet.example/rss": {"xml": rss("a", "b")}})
    made = await client.post(f"{API}/feeds", json={"url": "https://planet.example/rss"}, auth=ALICE)
    assert made.status_code == 200
    feed = made.json()["feeds"][0]
    # Feed::toAPI; the entity is serialized before FeedServiceV2::fetch, so unreadCount is not loaded yet
    assert feed["title"] == "Planet" and feed["folderId"] is None and feed["unreadCount"] is None
    assert feed["link"] == "https://planet.example/" and made.json()["newestItemId"] >= 1
    listed = (await client.get(f"{API}/feeds", auth=ALICE)).json()
    assert listed["feeds"][0]["unreadCount"] == 2 and listed["starredCount"] == 0
    items = (await client.get(f"{API}/items", auth=ALICE)).json()["items"]
    # FeedServiceV2::fetch inserts in reverse document order: the first entry gets the highest id
    assert [i["title"] for i in items] == ["a", "b"] and items[0]["id"] == listed["newestItemId"]
    assert items[0]["guid"] == "urn:a" and items[0]["guidHash"] == hashlib.md5(b"urn:a").hexdigest()
    assert items[0]["unread"] is True and items[0]["starred"] is False and items[0]["feedId"] == feed["id"]
    assert (await client.get(f"{API}/feeds", auth=BOB)).json() == {"starredCount": 0, "feeds": []}


async def test_add_feed_errors(client: httpx2.AsyncClient) -> None:
    """FeedServiceV2::create: read errors (after auto-discovery) -> ServiceNotFoundException -> 404; a URL the
    user has -> ServiceConflictException 409 'Feed with this URL exists' (FeedApiController::create)."""
    await seed(client, {
        "https://planet.example/rss": {"xml": rss("a")},
        "https://gone.example/rss": {"status": 404},
        "https://page.example/": {"html": '<html><link rel="alternate" type="application/rss+xml" href="/rss"></html>'},
        "https://page.example/rss": {"xml": rss("p")},
        "https://plain.example/": {"html": "<html>no feed</html>"},
    })  # fmt: skip
    missing = await client.post(f"{API}/feeds", json={"url": "https://nowhere.example/x"}, auth=ALICE)
    assert missing.status_code == 404 and "Could not resolve host: nowhere.example" in missing.json()["message"]
    gone = await client.post(f"{API}/feeds", json={"url": "https://gone.example/rss"}, auth=ALICE)
    assert gone.status_code == 404 and gone.json() == {"message": "HTTP 404 Not Found: https://gone.example/rss"}
    plain = await client.post(f"{API}/feeds", json={"url": "https://plain.example/"}, auth=ALICE)
    assert plain.status_code == 404 and plain.json() == {"message": "No parser can handle this stream"}
    found = await client.post(f"{API}/feeds", json={"url": "https://page.example/"}, auth=ALICE)
    assert found.json()["feeds"][0]["url"] == "https://page.example/rss"  # Explorer::discover
    await client.post(f"{API}/feeds", json={"url": "https://planet.example/rss"}, auth=ALICE)
    again = await client.post(f"{API}/feeds", json={"url": "https://planet.example/rss"}, auth=ALICE)
    assert again.status_code == 409 and again.json() == {"message": "Feed with this URL exists"}
    assert (await client.post(f"{API}/feeds", json={"url": "https://planet.example/rss"}, auth=BOB)).status_code == 200


async def test_atom_feed(client: httpx2.AsyncClient) -> None:
    await seed(client, {"https://blog.example/atom": {"xml": ATOM}})
    await client.post(f"{API}/feeds", json={"url": "https://blog.example/atom"}, auth=ALICE)
    (item,) = (await client.get(f"{API}/items", auth=ALICE)).json()["items"]
    assert item["title"] == "Hello" and item["author"] == "Ann" and item["body"] == "Hi"
    assert item["url"] == "https://blog.example/1" and item["pubDate"] == 1767323045


async def test_folders_move_rename_delete(client: httpx2.AsyncClient) -> None:
    await seed(client, {"https://planet.example/rss": {"xml": rss("a")}})
    folder = (await client.post(f"{API}/folders", json={"name": "Tech"}, auth=ALICE)).json()["folders"][0]
    assert folder == {"id": folder["id"], "name": "Tech", "opened": True, "feeds": []}
    feed = (await client.post(f"{API}/feeds", json={"url": "https://planet.example/rss", "folderId": folder["id"]},
                              auth=ALICE)).json()["feeds"][0]  # fmt: skip
    assert feed["folderId"] == folder["id"]
    renamed = await client.put(f"{API}/folders/{folder['id']}", json={"name": "Tech2"}, auth=ALICE)
    assert renamed.status_code == 200 and renamed.json() == []
    assert (await client.get(f"{API}/folders", auth=ALICE)).json()["folders"][0]["name"] == "Tech2"
    assert (await client.put(f"{API}/folders/{folder['id']}", json={"name": "X"}, auth=BOB)).status_code == 404
    moved = await client.post(f"{API}/feeds/{feed['id']}/move", json={"folderId": 0}, auth=ALICE)
    assert moved.json() == [] and (await client.get(f"{API}/feeds", auth=ALICE)).json()["feeds"][0]["folderId"] is None
    title = await client.post(f"{API}/feeds/{feed['id']}/rename", json={"feedTitle": "P"}, auth=ALICE)
    assert title.json() == [] and (await client.get(f"{API}/feeds", auth=ALICE)).json()["feeds"][0]["title"] == "P"
    foreign = await client.post(f"{API}/feeds/{feed['id']}/rename", json={"feedTitle": "B"}, auth=BOB)
    assert foreign.status_code == 404 and "Did expect one result" in foreign.json()["message"]
    assert (await client.delete(f"{API}/folders/{folder['id']}", auth=ALICE)).json() == []
    assert (await client.delete(f"{API}/folders/{folder['id']}", auth=ALICE)).status_code == 404
    assert (await client.delete(f"{API}/feeds/{feed['id']}", auth=ALICE)).json() == []
    assert (await client.delete(f"{API}/feeds/{feed['id']}", auth=ALICE)).status_code == 404
    assert (await client.get(f"{API}/items", auth=ALICE)).json() == {"items": []}


async def test_item_queries(client: httpx2.AsyncClient) -> None:
    """ItemApiController::index: type/id/getRead/batchSize/offset (an item id)/oldestFirst."""
    await seed(client, {"https://planet.example/rss": {"xml": rss("a", "b", "c", "d")}})
    feed = (await client.post(f"{API}/feeds", json={"url": "https://planet.example/rss"}, auth=ALICE)).json()
    ids = [i["id"] for i in (await client.get(f"{API}/items", auth=ALICE)).json()["items"]]
    assert ids == sorted(ids, reverse=True)
    page = await client.get(f"{API}/items", params={"batchSize": 2, "offset": ids[1]}, auth=ALICE)
    assert [i["id"] for i in page.json()["items"]] == ids[2:4]
    oldest = await client.get(f"{API}/items", params={"oldestFirst": "true", "batchSize": 1}, auth=ALICE)
    assert [i["id"] for i in oldest.json()["items"]] == [ids[-1]]
    await client.post(f"{API}/items/{ids[0]}/read", auth=ALICE)
    unread = await client.get(f"{API}/items", params={"getRead": "false"}, auth=ALICE)
    assert [i["id"] for i in unread.json()["items"]] == ids[1:]
    by_feed = {"type": 0, "id": feed["feeds"][0]["id"], "getRead": "false"}
    assert len((await client.get(f"{API}/items", params=by_feed, auth=ALICE)).json()["items"]) == 3
    refused = await client.get(f"{API}/items", params={"type": 2, "getRead": "false"}, auth=ALICE)
    assert refused.status_code == 200 and refused.json() == {"message": "Setting getRead on an already filtered "
                                                             "list is not allowed!"}  # fmt: skip
    assert (await client.get(f"{API}/items", params={"type": 9}, auth=ALICE)).status_code == 500
    assert (await client.get(f"{API}/items", auth=BOB)).json() == {"items": []}


async def test_read_star_single_multiple_and_all(client: httpx2.AsyncClient) -> None:
    await seed(client, {"https://planet.example/rss": {"xml": rss("a", "b", "c")}})
    made = (await client.post(f"{API}/feeds", json={"url": "https://planet.example/rss"}, auth=ALICE)).json()
    feed_id, newest = made["feeds"][0]["id"], made["newestItemId"]
    star = await client.post(f"{API}/items/{newest}/star", auth=ALICE)
    assert star.status_code == 200 and star.json() == []
    assert (await client.post(f"{API}/items/{newest}/star", auth=BOB)).status_code == 404
    assert (await client.post(f"{API}/items/99999/read", auth=ALICE)).status_code == 404
    many = await client.post(f"{API}/items/read/multiple", json={"itemIds": [newest, newest - 1, 99999]}, auth=ALICE)
    assert many.status_code == 200 and many.json() is None  # void; unknown ids are skipped
    listed = (await client.get(f"{API}/feeds", auth=ALICE)).json()
    assert listed["starredCount"] == 1 and listed["feeds"][0]["unreadCount"] == 1
    await client.post(f"{API}/items/unread/multiple", json={"itemIds": [newest]}, auth=BOB)  # not hers: skipped
    await client.post(f"{API}/items/unstar/multiple", json={"itemIds": [newest]}, auth=ALICE)
    assert (await client.get(f"{API}/feeds", auth=ALICE)).json()["starredCount"] == 0
    read = await client.post(f"{API}/feeds/{feed_id}/read", json={"newestItemId": newest}, auth=ALICE)
    assert read.json() is None and (await client.get(f"{API}/feeds", auth=ALICE)).json()["feeds"][0]["unreadCount"] == 0
    assert (await client.post(f"{API}/feeds/{feed_id}/read", json={"newestItemId": 1}, auth=BOB)).status_code == 404


async def test_updated_since(client: httpx2.AsyncClient) -> None:
    """ItemApiController::updated: lastModified in seconds (<= 10 digits) is padded to microseconds; changed items
    (read, starred) count as updated (NewsMapperV2::update); the cron update brings new entries."""
    await client.post("/__testbed__/clock", json={"set": 1_800_000_000})
    await seed(client, {"https://planet.example/rss": {"xml": rss("a")}})
    await client.post(f"{API}/feeds", json={"url": "https://planet.example/rss"}, auth=ALICE)
    await client.post("/__testbed__/clock", json={"advance": 100})
    assert (await client.get(f"{API}/items/updated", params={"lastModified": 1_800_000_050}, auth=ALICE)).json() == {
        "items": []
    }
    await seed(client, {"https://planet.example/rss": {"xml": rss("new", "a")}}, update=True)
    fresh = (await client.get(f"{API}/items/updated", params={"lastModified": 1_800_000_050}, auth=ALICE)).json()
    assert [i["title"] for i in fresh["items"]] == ["new"] and fresh["items"][0]["lastModified"] == 1_800_000_100
    micro = {"lastModified": 1_800_000_050_000_000}
    assert len((await client.get(f"{API}/items/updated", params=micro, auth=ALICE)).json()["items"]) == 1
    assert (await client.get(f"{API}/items/updated", params={"lastModified": 0}, auth=BOB)).json() == {"items": []}


async def test_version_and_login(client: httpx2.AsyncClient) -> None:
    """UtilityApiController::version; the routes are not #[PublicPage]: anonymous calls are 401."""
    assert (await client.get(f"{API}/version", auth=ALICE)).json() == {"version": "28.7.0"}
    assert (await client.get(f"{API}/feeds")).status_code == 401
    assert (await client.get("/apps/news/api/v1-3/feeds", auth=ALICE)).status_code == 200
