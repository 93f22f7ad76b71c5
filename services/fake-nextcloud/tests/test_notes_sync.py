"""Notes synchronisation: list ETag/304, ``pruneBefore`` id-only entries and chunked listing."""

from __future__ import annotations

from email.utils import formatdate

import httpx2
import pytest

from fake_nextcloud import ManualClock
from support.fake_support import ALICE, NOTES, T0

pytestmark = pytest.mark.anyio


async def _new(client: httpx2.AsyncClient, title: str) -> int:
    response = await client.post(f"{NOTES}/notes", json={"title": title, "content": title}, auth=ALICE)
    note_id: int = response.json()["id"]
    return note_id


async def test_list_etag_if_none_match_gives_304_with_api_versions(client: httpx2.AsyncClient) -> None:
    """NotModifiedMiddleware: If-None-Match must equal the quoted ETag exactly."""
    await _new(client, "a")
    first = await client.get(f"{NOTES}/notes", auth=ALICE)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    cached = await client.get(f"{NOTES}/notes", headers={"If-None-Match": etag}, auth=ALICE)
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["x-notes-api-versions"] == "0.2, 1.3, 1.4"
    unquoted = await client.get(f"{NOTES}/notes", headers={"If-None-Match": etag.strip('"')}, auth=ALICE)
    assert unquoted.status_code == 200


async def test_list_etag_changes_when_a_note_changes(client: httpx2.AsyncClient) -> None:
    note_id = await _new(client, "a")
    before = (await client.get(f"{NOTES}/notes", auth=ALICE)).headers["etag"]
    await client.put(f"{NOTES}/notes/{note_id}", json={"favorite": True}, auth=ALICE)
    after = await client.get(f"{NOTES}/notes", headers={"If-None-Match": before}, auth=ALICE)
    assert after.status_code == 200
    assert after.headers["etag"] != before


async def test_get_one_if_none_match_gives_304(client: httpx2.AsyncClient) -> None:
    note_id = await _new(client, "a")
    etag = (await client.get(f"{NOTES}/notes/{note_id}", auth=ALICE)).json()["etag"]
    cached = await client.get(f"{NOTES}/notes/{note_id}", headers={"If-None-Match": f'"{etag}"'}, auth=ALICE)
    assert cached.status_code == 304


async def test_last_modified_is_the_sync_start_in_rfc2822_form(client: httpx2.AsyncClient) -> None:
    """Response::getHeaders formats Last-Modified with DateTimeInterface::RFC2822 (+0000, not GMT)."""
    response = await client.get(f"{NOTES}/notes", auth=ALICE)
    assert response.headers["last-modified"] == "Tue, 14 Nov 2023 22:13:20 +0000"
    assert response.headers["cache-control"] == "no-cache, no-store, must-revalidate"


async def test_echoing_last_modified_never_gives_304(client: httpx2.AsyncClient) -> None:
    """NotModifiedMiddleware compares If-Modified-Since with the RFC 7231 form of the date."""
    first = await client.get(f"{NOTES}/notes", auth=ALICE)
    echoed = await client.get(
        f"{NOTES}/notes", headers={"If-Modified-Since": first.headers["last-modified"]}, auth=ALICE
    )
    assert echoed.status_code == 200
    rfc7231 = await client.get(f"{NOTES}/notes", headers={"If-Modified-Since": formatdate(T0, usegmt=True)}, auth=ALICE)
    assert rfc7231.status_code == 304


async def test_prune_before_returns_id_only_entries_for_unchanged_notes(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    """Notes whose lastUpdate is older than pruneBefore come back as {"id": N}, after the full ones."""
    a, b, c = [await _new(client, t) for t in ("a", "b", "c")]
    clock.advance(100)
    await client.put(f"{NOTES}/notes/{b}", json={"content": "changed"}, auth=ALICE)
    response = await client.get(f"{NOTES}/notes", params={"pruneBefore": T0 + 50}, auth=ALICE)
    body = response.json()
    assert body[0]["id"] == b
    assert body[0]["content"] == "changed"
    assert body[1:] == [{"id": a}, {"id": c}]
    # A deleted note simply disappears from the id list.
    await client.delete(f"{NOTES}/notes/{a}", auth=ALICE)
    again = await client.get(f"{NOTES}/notes", params={"pruneBefore": T0 + 200}, auth=ALICE)
    assert again.json() == [{"id": b}, {"id": c}]


async def test_chunked_listing_puts_pruned_entries_only_in_the_last_chunk(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    ids = []
    for title in ("n1", "n2", "n3", "n4", "n5"):
        ids.append(await _new(client, title))
        clock.advance(1)
    start = int(clock.now())
    first = await client.get(f"{NOTES}/notes", params={"chunkSize": 2}, auth=ALICE)
    assert [n["id"] for n in first.json()] == ids[:2]
    assert first.headers["x-notes-chunk-pending"] == "3"
    cursor = first.headers["x-notes-chunk-cursor"]
    assert cursor == f"{start}-{T0 + 1}-{ids[1]}"  # timeStart-noteLastUpdate-noteId (ChunkCursor)

    clock.advance(30)
    second = await client.get(f"{NOTES}/notes", params={"chunkSize": 2, "chunkCursor": cursor}, auth=ALICE)
    assert [n["id"] for n in second.json()] == ids[2:4]
    assert second.headers["x-notes-chunk-pending"] == "1"
    assert second.headers["last-modified"] == first.headers["last-modified"]

    last = await client.get(
        f"{NOTES}/notes", params={"chunkSize": 2, "chunkCursor": second.headers["x-notes-chunk-cursor"]}, auth=ALICE
    )
    assert "x-notes-chunk-cursor" not in last.headers
    body = last.json()
    assert body[0]["id"] == ids[4]
    assert body[0]["title"] == "n5"
    assert body[1:] == [{"id": i} for i in ids[:4]]  # only the last chunk can reveal deletions
    assert last.headers["last-modified"] == first.headers["last-modified"]
    assert first.headers["last-modified"] == formatdate(start, usegmt=False).replace("-0000", "+0000")


async def test_chunking_with_prune_before_sends_only_changed_notes(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    old = await _new(client, "old")
    clock.advance(60)
    new = await _new(client, "new")
    response = await client.get(f"{NOTES}/notes", params={"chunkSize": 5, "pruneBefore": T0 + 30}, auth=ALICE)
    assert response.json()[0]["id"] == new
    assert response.json()[1:] == [{"id": old}]


async def test_invalid_chunk_cursor_restarts_from_the_beginning(client: httpx2.AsyncClient) -> None:
    await _new(client, "a")
    response = await client.get(f"{NOTES}/notes", params={"chunkCursor": "garbage"}, auth=ALICE)
    assert [n["title"] for n in response.json()] == ["a"]
