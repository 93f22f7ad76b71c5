"""NotesClient: chunked listing, incremental refresh with pruneBefore, quoted If-Match, 412 handling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from nextcloud_mcp.apps.notes.client import NotesCache, NotesClient, supports_notes
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core import errors
from nextcloud_mcp.core.http import NextcloudHTTP

pytestmark = pytest.mark.anyio
DATE = "Thu, 26 Nov 2026 10:00:00 GMT"
DATE_TS = 1795687200


def _note(i: int, **kw: Any) -> dict[str, Any]:
    return {"id": i, "etag": f"e{i}", "title": f"T{i}", "content": f"c{i}", "category": "", "modified": 100 + i, **kw}


def _client(
    make_settings: Callable[..., Settings], handler: Callable[[httpx2.Request], httpx2.Response]
) -> NotesClient:
    http = NextcloudHTTP(make_settings(), transport=httpx2.MockTransport(handler))
    return NotesClient(http, httpx2.BasicAuth("a", "b"), NotesCache(), "user-a")


async def test_chunks_are_followed_and_prune_before_used_next_time(make_settings: Callable[..., Settings]) -> None:
    requests: list[dict[str, str]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        params = dict(request.url.params)
        requests.append(params)
        if "pruneBefore" not in params:
            if "chunkCursor" not in params:
                return httpx2.Response(
                    200, json=[_note(1), _note(2)], headers={"X-Notes-Chunk-Cursor": "c1", "Date": DATE}
                )
            return httpx2.Response(200, json=[_note(3)], headers={"Date": DATE})
        # second sync: note 1 unchanged (id only), note 2 deleted, note 3 changed
        return httpx2.Response(200, json=[{"id": 1}, _note(3, content="new")], headers={"Date": DATE})

    client = _client(make_settings, handler)
    first = await client.list_all()
    assert [n.id for n in first] == [1, 2, 3]
    assert requests[1]["chunkCursor"] == "c1"
    second = await client.list_all()
    assert {n.id: n.content for n in second} == {1: "c1", 3: "new"}
    assert requests[2]["pruneBefore"] == str(DATE_TS - 1)


async def test_last_chunk_ids_of_notes_sent_in_earlier_chunks_keep_them_whole(
    make_settings: Callable[..., Settings],
) -> None:
    """The last chunk adds `{"id": N}` for every note not in it (NotesApiController::index), also for notes sent
    whole in an earlier chunk of the same listing: those stay whole, even with nothing cached yet."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        if "chunkCursor" not in request.url.params:
            return httpx2.Response(200, json=[_note(1), _note(2)], headers={"X-Notes-Chunk-Cursor": "c1", "Date": DATE})
        return httpx2.Response(200, json=[_note(3), {"id": 1}, {"id": 2}], headers={"Date": DATE})

    client = _client(make_settings, handler)
    whole = {i: (f"T{i}", f"c{i}", f"e{i}") for i in (1, 2, 3)}
    for _ in range(2):  # the first listing, then a full one again (nothing pruned: no pruneBefore is answered)
        notes = await client.list_all()
        assert {n.id: (n.title, n.content, n.etag) for n in notes} == whole


async def test_unknown_pruned_id_triggers_a_full_listing(make_settings: Callable[..., Settings]) -> None:
    calls: list[dict[str, str]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(dict(request.url.params))
        if len(calls) == 2:
            return httpx2.Response(200, json=[{"id": 9}])
        return httpx2.Response(200, json=[_note(9)] if len(calls) == 3 else [])

    client = _client(make_settings, handler)
    await client.list_all()
    notes = await client.list_all()
    assert [n.id for n in notes] == [9]
    assert "pruneBefore" not in calls[2]


async def test_update_sends_quoted_if_match_and_raises_conflict_with_server_note(
    make_settings: Callable[..., Settings],
) -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers["If-Match"])
        return httpx2.Response(412, json=_note(4, content="theirs", etag="e-new"))

    client = _client(make_settings, handler)
    with pytest.raises(errors.Conflict) as info:
        await client.update(4, "e-old", {"content": "mine"})
    assert seen == ['"e-old"']
    assert info.value.current.content == "theirs"
    assert "NOT applied" in str(info.value)


async def test_update_without_etag_sends_no_precondition(make_settings: Callable[..., Settings]) -> None:
    """`force=true` sends no If-Match: Helper::getNoteWithETagCheck checks only when the header is present."""
    seen: list[str | None] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers.get("If-Match"))
        return httpx2.Response(200, json=_note(4, content="mine"))

    client = _client(make_settings, handler)
    assert (await client.update(4, None, {"content": "mine"})).content == "mine"
    await client.update(4, '"e-quoted"', {"content": "mine"})
    assert seen == [None, '"e-quoted"']


async def test_readonly_and_missing_notes_get_specific_messages(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(403 if request.method == "PUT" else 404, json={"errorType": "x"})

    client = _client(make_settings, handler)
    with pytest.raises(errors.Forbidden, match=r"Note 5 is read-only.*nc_notes_create_note"):
        await client.update(5, "e", {"content": "x"})
    with pytest.raises(errors.NotFound, match=r"Note 6 does not exist.*nc_notes_list_notes"):
        await client.get(6)


@pytest.mark.parametrize(
    ("cap", "ok"),
    [
        (None, False),
        ({}, False),
        ({"api_version": ["0.2", "1.1"]}, False),
        ({"api_version": ["0.2", "1.3", "1.4"]}, True),
        ({"api_version": ["1.2"]}, True),
        ({"api_version": ["2.0"]}, False),
        ({"api_version": ["garbage", "1.4"]}, True),
    ],
)
def test_supports_notes_requires_api_1_2(cap: dict[str, Any] | None, ok: bool) -> None:
    assert supports_notes(cap) is ok
