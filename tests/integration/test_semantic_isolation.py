"""Semantic search under changing permissions and over time (issue 25): alice and bob share one index folder; a
share granted is searchable by bob under his own user, a share revoked or a file moved out of it is never shown to
him (every hit is checked with Nextcloud before it is returned, before any sync), a deleted note neither; the store
filters every call on the user. Then freshness: a search after the interval syncs first, the activity stream lets
a check skip the walk, the background schedule of BasicAuth mode picks up a new note and stops with the server,
and the status tool says all of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from support.fixtures import USERS
from support.mcp_helpers import McpFactory, error_text, structured
from support.semantic import NEEDS_SEMANTIC, close_index  # noqa: F401 (autouse fixture)

pytestmark = [
    pytest.mark.anyio,
    NEEDS_SEMANTIC,
]

SEARCH, UPDATE, STATUS = "nc_semantic_search_items", "nc_semantic_update_index", "nc_semantic_get_index"
SHARES = "/ocs/v2.php/apps/files_sharing/api/v1/shares"
OCS = {"OCS-APIRequest": "true", "Accept": "application/json"}
DEADLINE = 30.0  # generous: polling stops as soon as the condition holds


@pytest.fixture
def no_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    """The background schedule off, so that only searches sync (the schedule has its own test)."""

    async def idle(_: Any) -> None:
        return None

    monkeypatch.setattr("nextcloud_mcp.semantic.schedule.run_schedule", idle)


def _env(tmp_path: Path, interval: int = 0) -> dict[str, str]:
    return {
        "MCP_SEMANTIC": "true",
        "MCP_SEMANTIC_PATH": str(tmp_path / "index"),
        "MCP_SEMANTIC_SYNC_INTERVAL": str(interval),
    }


def _auth(user: str) -> tuple[str, str]:
    return (user, USERS[user])


async def _seed_files(control: httpx2.AsyncClient, user: str, *files: dict[str, Any]) -> None:
    response = await control.post("/__testbed__/seed/files", json={"user": user, "files": list(files)})
    assert response.status_code in (200, 201), response.text


async def _seed_notes(control: httpx2.AsyncClient, user: str, *notes: dict[str, Any]) -> list[dict[str, Any]]:
    response = await control.post("/__testbed__/seed/notes", json={"user": user, "notes": list(notes)})
    assert response.status_code == 201, response.text
    created: list[dict[str, Any]] = response.json()["notes"]
    return created


async def _share(control: httpx2.AsyncClient, owner: str, path: str, to: str) -> str:
    response = await control.post(
        SHARES, auth=_auth(owner), headers=OCS, data={"path": path, "shareType": "0", "shareWith": to}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["ocs"]["data"]["id"])


async def _unshare(control: httpx2.AsyncClient, owner: str, share_id: str) -> None:
    response = await control.delete(f"{SHARES}/{share_id}", auth=_auth(owner), headers=OCS)
    assert response.status_code == 200, response.text


async def _search(client: Any, query: str, limit: int = 10) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = structured(await client.call_tool(SEARCH, {"query": query, "limit": limit}))["items"]
    return items


async def _requests(control: httpx2.AsyncClient) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = (await control.get("/__testbed__/requests")).json()["requests"]
    return log


def _walks(log: list[dict[str, Any]], user: str) -> list[str]:
    """The requests of a sync's walk: the Notes list and the PROPFIND of the files root."""
    return [
        f"{r['method']} {r['path']}"
        for r in log
        if (r["method"] == "GET" and r["path"].endswith("/apps/notes/api/v1/notes"))
        or (r["method"] == "PROPFIND" and r["path"].rstrip("/") == f"/remote.php/dav/files/{user}")
    ]


async def test_shared_file_is_found_by_bob_and_gone_the_moment_the_share_is_revoked(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    await _seed_files(
        control, "alice",
        {"path": "/Project/zeppelin.md", "content": "The zeppelin launch is planned for Tuesday at the airfield."},
        {"path": "/Private/diary.md", "content": "Dear diary: my aardvark recipe needs more paprika."},
    )  # fmt: skip
    share = await _share(control, "alice", "/Project", "bob")
    async with mcp_as("bob", **_env(tmp_path)) as bob:
        hits = await _search(bob, "when does the zeppelin launch")  # bob's first search indexes bob
        assert hits and hits[0]["id"] == "/Project/zeppelin.md" and "zeppelin" in hits[0]["snippet"], hits
        assert structured(await bob.call_tool(STATUS, {}))["chunks"]["files"] == 1
        assert all("aardvark" not in h["snippet"] for h in await _search(bob, "aardvark recipe paprika"))

        await _unshare(control, "alice", share)
        # no sync in between: the hit is checked with Nextcloud, found unreadable, dropped and its chunks removed
        assert all("zeppelin" not in h["id"] for h in await _search(bob, "when does the zeppelin launch"))
        assert structured(await bob.call_tool(STATUS, {}))["chunks"]["files"] == 0
        after = structured(await bob.call_tool(UPDATE, {}))
        assert after["chunks"]["files"] == 0 and after["user"] == "bob"


async def test_a_file_moved_out_of_the_shared_folder_is_not_shown_to_bob(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    await _seed_files(
        control, "alice",
        {"path": "/Project/plan.md", "content": "Project plan: build the greenhouse in spring."},
        {"path": "/Project/budget.md", "content": "Budget figures: the greenhouse costs 12000 euros."},
        {"path": "/Private/keep.md", "content": "nothing to see"},
    )  # fmt: skip
    await _share(control, "alice", "/Project", "bob")
    async with mcp_as("bob", **_env(tmp_path)) as bob:
        indexed = structured(await bob.call_tool(UPDATE, {}))
        assert indexed["last_changes"]["indexed"]["files"] == 2
        assert (await _search(bob, "budget figures euros"))[0]["id"] == "/Project/budget.md"
        async with mcp_as("alice") as alice:  # alice moves it into her private folder
            move = {"path": "/Project/budget.md", "target": "/Private/b.md"}
            moved = await alice.call_tool("nc_files_move_file", move)
            assert not moved.is_error, moved
        hits = await _search(bob, "budget figures euros")
        assert all("budget" not in h["id"] and "12000" not in h["snippet"] for h in hits), hits
        assert any(h["id"] == "/Project/plan.md" for h in await _search(bob, "greenhouse plan"))
    async with mcp_as("alice", **_env(tmp_path)) as alice:  # still alice's, under her path
        assert (await _search(alice, "budget figures euros"))[0]["id"] == "/Private/b.md"


async def test_bob_never_gets_alices_private_notes_or_files(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    secrets = {
        "wombat": "The wombat vault code is 9921, tell nobody.",
        "quokka": "Quokka medical results: all fine.",
        "salary": "My salary negotiation target is 81000.",
    }
    await _seed_notes(control, "alice", *({"title": k.title(), "content": v} for k, v in secrets.items()))
    await _seed_files(control, "alice", {"path": "/Private/taxes.md", "content": "Tax return: refund of 1234 euros."})
    await _seed_notes(control, "bob", {"title": "Bob's list", "content": "wombat food, quokka poster, salary slip"})
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        assert structured(await alice.call_tool(UPDATE, {}))["chunks"]["notes"] == 3
    async with mcp_as("bob", **_env(tmp_path)) as bob:
        structured(await bob.call_tool(UPDATE, {}))
        queries = [*secrets.values(), *secrets, "vault code 9921", "81000", "tax refund 1234 euros", "medical"]
        for query in queries:
            for hit in await _search(bob, query, limit=50):
                assert hit["title"] == "Bob's list", (query, hit)
                assert not any(word in hit["snippet"] for word in ("9921", "81000", "1234", "results")), hit
        chunks = structured(await bob.call_tool(STATUS, {}))["chunks"]
        assert chunks == {"notes": 1, "files": 0, "deck": 0, "calendar": 0, "tasks": 0}


async def test_a_deleted_note_is_not_returned_even_before_a_sync(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    doomed, kept = await _seed_notes(
        control, "alice",
        {"title": "Marmalade recipe", "content": "Seville oranges, sugar, one lemon."},
        {"title": "Jam recipe", "content": "Strawberries and sugar."},
    )  # fmt: skip
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        assert (await _search(alice, "orange marmalade"))[0]["id"] == str(doomed["id"])
        gone = await control.delete(f"/index.php/apps/notes/api/v1/notes/{doomed['id']}", auth=_auth("alice"))
        assert gone.status_code == 200, gone.text
        hits = await _search(alice, "orange marmalade")
        assert all(h["id"] != str(doomed["id"]) for h in hits) and hits[0]["id"] == str(kept["id"]), hits
        assert structured(await alice.call_tool(STATUS, {}))["chunks"]["notes"] == 1  # its chunks went


async def test_a_changed_note_is_reindexed_when_hit_and_the_snippet_is_current(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    [note] = await _seed_notes(control, "alice", {"title": "Garden", "content": "Plant tulips in the garden."})
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        assert (await _search(alice, "garden tulips"))[0]["id"] == str(note["id"])
        changed = await control.put(
            f"/index.php/apps/notes/api/v1/notes/{note['id']}",
            auth=_auth("alice"),
            json={"content": "Plant tulips and daffodils in the garden."},
        )
        assert changed.status_code == 200, changed.text
        [hit] = [h for h in await _search(alice, "garden tulips") if h["id"] == str(note["id"])]
        assert "daffodils" in hit["snippet"], hit


async def test_paging_stays_consistent_when_hits_are_dropped(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    notes = await _seed_notes(
        control, "alice", *({"title": f"Bird {n}", "content": f"Bird watching log {n}: a robin."} for n in range(6))
    )
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        first = structured(await alice.call_tool(SEARCH, {"query": "robin bird watching", "limit": 3}))
        assert len(first["items"]) == 3 and first["next_cursor"] == "3"
        shown = {h["id"] for h in first["items"]}
        for note in notes:  # delete two not shown yet: the second page fills from the next candidates
            if str(note["id"]) not in shown and len(shown) < 5:
                await control.delete(f"/index.php/apps/notes/api/v1/notes/{note['id']}", auth=_auth("alice"))
                shown.add(f"deleted {note['id']}")
        second = structured(
            await alice.call_tool(SEARCH, {"query": "robin bird watching", "limit": 3, "cursor": first["next_cursor"]})
        )
        ids = [h["id"] for h in second["items"]]
        assert len(ids) == 1 and second["next_cursor"] is None and second["total"] == 4, second
        assert not set(ids) & {h["id"] for h in first["items"]}


async def test_hits_that_cannot_be_checked_are_left_out_and_the_answer_says_so(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    [note] = await _seed_notes(control, "alice", {"title": "Heron", "content": "A grey heron at the pond."})
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        assert (await _search(alice, "heron pond"))[0]["id"] == str(note["id"])
        fault = {"method": "GET", "path": f"/apps/notes/api/v1/notes/{note['id']}$", "action": {"status": 503}}
        assert (await control.post("/__testbed__/faults", json=fault)).status_code == 201
        result = await alice.call_tool(SEARCH, {"query": "heron pond"})
        assert structured(result)["items"] == []
        assert "1 hit(s) could not be checked with Nextcloud" in error_text(result)
        await control.delete("/__testbed__/faults")
        assert (await _search(alice, "heron pond"))[0]["id"] == str(note["id"])  # kept in the index


async def test_a_search_that_cannot_wait_for_the_first_index_says_it_is_being_built(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nextcloud_mcp.semantic.freshness.SEARCH_WAIT", 0.0)
    await _seed_notes(control, "alice", {"title": "Owl", "content": "A barn owl hunts at dusk."})
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        result = await alice.call_tool(SEARCH, {"query": "barn owl"})
        assert "Your index is being built in the background" in error_text(result), error_text(result)
        with anyio.fail_after(DEADLINE):
            while True:
                if structured(await alice.call_tool(STATUS, {}))["last_sync"] is not None:
                    break
                await anyio.sleep(0.1)
        assert (await _search(alice, "barn owl"))[0]["title"] == "Owl"


async def test_store_filters_every_call_on_the_user(tmp_path: Path) -> None:
    from nextcloud_mcp.semantic.store import Chunk, close_stores, open_store

    store = open_store(str(tmp_path / "store"), url=False, api_key=None, space="test-space")
    try:
        for user in ("alice", "bob"):
            chunk = Chunk("notes", "1", "Same title", f"etag-{user}", 0, "identical text about lighthouses")
            await store.replace(user, "notes", "1", [chunk], [[1.0, 0.0, 0.0, 0.0]])
        for user in ("alice", "bob"):
            found = await store.search(user, "lighthouses", [1.0, 0.0, 0.0, 0.0], 10)
            assert [f.etag for f in found] == [f"etag-{user}"]
            assert await store.versions(user, "notes") == {"1": f"etag-{user}"}
            assert await store.counts(user, ["notes"]) == {"notes": 1}
        await store.remove("alice", "notes", "1")
        assert await store.counts("alice", ["notes"]) == {"notes": 0}
        assert await store.counts("bob", ["notes"]) == {"notes": 1}
        assert await store.search("carol", "lighthouses", [1.0, 0.0, 0.0, 0.0], 10) == []
    finally:
        await close_stores()


@pytest.mark.usefixtures("no_schedule")
async def test_a_search_after_the_interval_syncs_first_and_the_activity_stream_skips_needless_walks(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    await _seed_notes(control, "alice", {"title": "Kettle", "content": "Descale the kettle monthly."})
    async with mcp_as("alice", **_env(tmp_path, interval=1)) as alice:
        assert (await _search(alice, "descale kettle"))[0]["title"] == "Kettle"  # first search: a sync
        synced = structured(await alice.call_tool(STATUS, {}))
        await anyio.sleep(1.2)  # the interval passes; nothing happened in Nextcloud
        await control.delete("/__testbed__/requests")
        await _search(alice, "descale kettle")
        log = await _requests(control)
        assert any(r["path"].endswith("/apps/activity/api/v2/activity") for r in log), log
        assert _walks(log, "alice") == [], log  # no new activity: no walk, only the check recorded
        checked = structured(await alice.call_tool(STATUS, {}))
        assert checked["last_sync"] == synced["last_sync"] and checked["last_check"] >= synced["last_check"]

        await _seed_notes(control, "alice", {"title": "Bicycle", "content": "Oil the bicycle chain."})
        await anyio.sleep(1.2)
        await control.delete("/__testbed__/requests")
        hits = await _search(alice, "oil the bicycle chain")  # new activity: this search syncs before searching
        assert hits[0]["title"] == "Bicycle", hits
        assert _walks(await _requests(control), "alice"), "the search should have walked"


async def test_the_background_schedule_picks_up_a_new_note_and_stops_with_the_server(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    await _seed_notes(control, "alice", {"title": "Kettle", "content": "Descale the kettle monthly."})
    async with mcp_as("alice", **_env(tmp_path, interval=1)) as alice:
        first = structured(await alice.call_tool(UPDATE, {}))
        assert first["chunks"]["notes"] == 1
        assert first["mode"].startswith("Indexed every 1 s in the background")
        assert first["next_sync"] is not None and first["running"] is None and first["last_errors"] == []
        await _seed_notes(control, "alice", {"title": "Bicycle", "content": "Oil the bicycle chain."})
        with anyio.fail_after(DEADLINE):  # the status tool never syncs: only the schedule can index it
            while True:
                if structured(await alice.call_tool(STATUS, {}))["chunks"]["notes"] >= 2:
                    break
                await anyio.sleep(0.2)
        status = structured(await alice.call_tool(STATUS, {}))
        assert status["last_sync"] >= first["last_sync"] and status["last_changes"]["indexed"]["notes"] == 1
    from nextcloud_mcp.semantic import service

    assert all(ix.next_round is None for ix in service._INDEXERS.values())  # the schedule ended with the server
    await control.delete("/__testbed__/requests")
    await anyio.sleep(2.5)
    assert await _requests(control) == []


async def test_status_says_when_the_index_is_updated(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path
) -> None:
    async with mcp_as("alice", **_env(tmp_path)) as alice:
        never = structured(await alice.call_tool(STATUS, {}))
        assert never["last_sync"] is None and never["next_sync"] is None and never["chunks"] == {}
        assert never["mode"].startswith("Indexed before your first search")
        done = structured(await alice.call_tool(UPDATE, {}))
        assert set(done) >= {"chunks", "last_sync", "last_check", "next_sync", "running", "last_errors", "mode"}
        assert done["last_sync"] == done["last_check"] and done["running"] is None
    async with mcp_as("alice", **_env(tmp_path, interval=900)) as alice:
        status = structured(await alice.call_tool(STATUS, {}))
        assert status["mode"].startswith("Indexed every 15 min in the background")
        assert status["next_sync"] is not None
