"""News tools against the fake Nextcloud: folders, feeds (bad URLs, duplicates), articles, paging, marks, the
"since" digest, alice/bob isolation, app presence (probe) and OAuth (the API is #[CORS]: Bearer works)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud.app import FakeNextcloud
from support.mcp_helpers import McpFactory, error_text, structured
from support.oauth_apps import oauth_gate

pytestmark = pytest.mark.anyio
URL = "https://planet.example/rss"
RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>Planet</title><link>https://planet.example/</link>{}</channel></rss>'
ENTRY = (
    "<item><title>{0}</title><link>https://planet.example/{0}</link><guid>urn:{0}</guid>"
    "<description>&lt;p&gt;About {0}&lt;/p&gt;</description></item>"
)


def rss(*names: str) -> str:
    return RSS.format("".join(ENTRY.format(n) for n in names))


async def _seed(control: httpx2.AsyncClient, feeds: dict[str, Any], update: bool = False) -> None:
    response = await control.post("/__testbed__/seed/news-feeds", json={"feeds": feeds, "update": update})
    assert response.status_code == 201, response.text


async def test_folders_and_feeds(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, {URL: {"xml": rss("a", "b")}, "https://gone.example/rss": {"status": 404},
                          "https://plain.example/": {"html": "<html>no feed here</html>"}})  # fmt: skip
    async with mcp_as("alice") as client:
        folder = structured(await client.call_tool("nc_news_create_folder", {"name": "Tech"}))
        assert folder == {"id": folder["id"], "name": "Tech"}
        feed = structured(await client.call_tool("nc_news_create_feed", {"url": URL, "folder_id": folder["id"]}))
        assert feed["title"] == "Planet" and feed["folder_id"] == folder["id"] and feed["unread_count"] == 2
        again = await client.call_tool("nc_news_create_feed", {"url": URL})
        assert again.is_error and "Feed with this URL exists" in error_text(again)
        missing = await client.call_tool("nc_news_create_feed", {"url": "https://nowhere.example/x"})
        assert missing.is_error and "Could not resolve host" in error_text(missing)
        assert "nc_news_create_feed" in error_text(missing)
        gone = await client.call_tool("nc_news_create_feed", {"url": "https://gone.example/rss"})
        assert gone.is_error and "HTTP 404 Not Found" in error_text(gone)
        plain = await client.call_tool("nc_news_create_feed", {"url": "https://plain.example/"})
        assert plain.is_error and "No parser can handle this stream" in error_text(plain)

        listed = structured(await client.call_tool("nc_news_list_feeds", {}))
        assert [f["id"] for f in listed["items"]] == [feed["id"]] and listed["total"] == 1
        assert structured(await client.call_tool("nc_news_list_feeds", {"folder_id": 0}))["items"] == []
        args = {"feed_id": feed["id"], "title": "P", "folder_id": 0, "mark_read": True}
        updated = structured(await client.call_tool("nc_news_update_feed", args))
        assert updated["title"] == "P" and updated["folder_id"] is None and updated["unread_count"] == 0
        renamed = structured(await client.call_tool("nc_news_update_folder", {"folder_id": folder["id"], "name": "T2"}))
        assert renamed == {"id": folder["id"], "name": "T2"}
        folders = structured(await client.call_tool("nc_news_list_folders", {}))
        assert folders["items"] == [renamed] and folders["next_cursor"] is None
        nope = await client.call_tool("nc_news_update_folder", {"folder_id": 9999, "name": "X"})
        assert nope.is_error and "does not exist" in error_text(nope) and "nc_news_list_folders" in error_text(nope)
        deleted = structured(await client.call_tool("nc_news_delete_folder", {"folder_id": folder["id"]}))
        assert deleted == {"id": folder["id"], "deleted": True}
        assert structured(await client.call_tool("nc_news_delete_feed", {"feed_id": feed["id"]}))["deleted"] is True
        gone_feed = await client.call_tool("nc_news_delete_feed", {"feed_id": feed["id"]})
        assert gone_feed.is_error and "nc_news_list_feeds" in error_text(gone_feed)
        stale = await client.call_tool("nc_news_update_feed", {"feed_id": feed["id"], "title": "X"})
        assert stale.is_error and "does not exist" in error_text(stale)


async def test_items_paging_marks_and_isolation(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _seed(control, {URL: {"xml": rss("a", "b", "c")}})
    async with mcp_as("alice") as client:
        feed = structured(await client.call_tool("nc_news_create_feed", {"url": URL}))
        first = structured(await client.call_tool("nc_news_list_items", {"limit": 2}))
        assert [i["title"] for i in first["items"]] == ["a", "b"] and first["total"] is None
        assert first["items"][0]["excerpt"] == "About a" and first["items"][0]["body"] is None
        rest = structured(await client.call_tool("nc_news_list_items", {"limit": 2, "cursor": first["next_cursor"]}))
        assert [i["title"] for i in rest["items"]] == ["c"] and rest["next_cursor"] is None
        ids = [i["id"] for i in first["items"] + rest["items"]]
        full = structured(await client.call_tool("nc_news_list_items", {"feed_id": feed["id"], "full_text": True}))
        assert full["items"][0]["body"] == "<p>About a</p>"

        marked = structured(await client.call_tool("nc_news_update_items", {"item_ids": ids[:2], "read": True}))
        assert marked == {"item_ids": ids[:2], "read": True, "starred": None}
        await client.call_tool("nc_news_update_items", {"item_ids": [ids[2]], "starred": True})
        unread = structured(await client.call_tool("nc_news_list_items", {"unread_only": True}))
        assert [i["id"] for i in unread["items"]] == [ids[2]]
        starred = structured(await client.call_tool("nc_news_list_items", {"starred_only": True}))
        assert [i["id"] for i in starred["items"]] == [ids[2]] and starred["items"][0]["starred"] is True
        both = {"starred_only": True, "feed_id": feed["id"], "unread_only": True}
        assert [i["id"] for i in structured(await client.call_tool("nc_news_list_items", both))["items"]] == [ids[2]]
        oldest = structured(await client.call_tool("nc_news_list_items", {"oldest_first": True, "limit": 1}))
        assert oldest["items"][0]["id"] == ids[2]

        missing = await client.call_tool("nc_news_update_items", {"item_ids": [99999], "read": True})
        assert missing.is_error and "nc_news_list_items" in error_text(missing)
        nothing = await client.call_tool("nc_news_update_items", {"item_ids": ids})
        assert nothing.is_error and "read and/or starred" in error_text(nothing)
        clash = await client.call_tool("nc_news_list_items", {"feed_id": feed["id"], "folder_id": 0})
        assert clash.is_error and "not both" in error_text(clash)
    async with mcp_as("bob") as client:
        assert structured(await client.call_tool("nc_news_list_items", {}))["items"] == []
        assert structured(await client.call_tool("nc_news_list_feeds", {}))["items"] == []
        foreign = await client.call_tool("nc_news_update_items", {"item_ids": [ids[0]], "read": False})
        assert foreign.is_error and "does not exist" in error_text(foreign)
        other = await client.call_tool("nc_news_update_feed", {"feed_id": feed["id"], "mark_read": True})
        assert other.is_error and "does not exist" in error_text(other)
        # bob can subscribe to the same URL
        assert structured(await client.call_tool("nc_news_create_feed", {"url": URL}))["id"] != feed["id"]


async def test_since_digest(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    """`since` uses items/updated: new articles from the background update, and changed (read/starred) ones."""
    await control.post("/__testbed__/clock", json={"set": 1_800_000_000})
    await _seed(control, {URL: {"xml": rss("old")}})
    async with mcp_as("alice") as client:
        await client.call_tool("nc_news_create_feed", {"url": URL})
        await control.post("/__testbed__/clock", json={"advance": 3600})
        since = "2027-01-15T08:30:00+00:00"  # 1_800_001_800, between the two
        assert structured(await client.call_tool("nc_news_list_items", {"since": since}))["items"] == []
        await _seed(control, {URL: {"xml": rss("new", "old")}}, update=True)
        digest = structured(await client.call_tool("nc_news_list_items", {"since": since, "unread_only": True}))
        assert [i["title"] for i in digest["items"]] == ["new"] and digest["total"] == 1
        assert digest["items"][0]["modified"] == "2027-01-15T09:00:00+00:00"
        bad = await client.call_tool("nc_news_list_items", {"since": "yesterday"})
        assert bad.is_error and "ISO 8601" in error_text(bad)


async def test_tools_hidden_when_the_app_is_disabled(mcp_as: McpFactory, fake: FakeNextcloud) -> None:
    async with mcp_as("alice") as client:
        assert "nc_news_list_items" in {t.name for t in (await client.list_tools()).tools}  # found by its probe
    fake.fake_state.disable_app("news")
    async with mcp_as("alice") as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert not any(n.startswith("nc_news_") for n in names)


@pytest.mark.parametrize("patched", [False, True])
async def test_oauth_scopes_and_bearer(fake: FakeNextcloud, control: httpx2.AsyncClient, patched: bool) -> None:
    """Scopes gate the toolset; the API is #[CORS] and not #[PublicPage], so Nextcloud's login takes the Bearer
    token, and the client's OCS-APIRequest header keeps it through CORSMiddleware without the Bearer patch."""
    await _seed(control, {URL: {"xml": rss("a")}})
    async with oauth_gate(fake, patched=patched) as gate:
        assert "nc_news_list_items" not in await gate.tool_names(scope="notes:read")
        scope = "news:read news:write"
        assert "nc_news_create_feed" in await gate.tool_names(scope=scope)
        read_only = await gate.tool_names(scope="news:read")
        assert "nc_news_list_feeds" in read_only and "nc_news_create_feed" not in read_only
        made = await gate.call("nc_news_create_feed", {"url": URL}, scope=scope)
        assert not made.error, made.text
        listed = await gate.call("nc_news_list_items", {}, scope=scope)
        assert not listed.error and [i["title"] for i in listed.data["items"]] == ["a"]
        bobs = await gate.call("nc_news_list_items", {}, user="bob", scope=scope)
        assert bobs.data["items"] == []
