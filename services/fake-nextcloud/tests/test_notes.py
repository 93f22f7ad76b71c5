"""Notes API v1: CRUD, errors and the app's quirks (nextcloud/notes NotesApiController, Helper, NoteUtil)."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx2
import pytest

from fake_nextcloud import FakeState, ManualClock
from support.fake_support import ALICE, BOB, NOTES, T0

pytestmark = pytest.mark.anyio


async def _create(client: httpx2.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post(f"{NOTES}/notes", json=fields, auth=ALICE)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def test_create_answers_200_not_201_with_the_full_note(client: httpx2.AsyncClient) -> None:
    response = await client.post(f"{NOTES}/notes", json={"title": "Groceries", "content": "milk"}, auth=ALICE)
    assert response.status_code == 200
    assert response.headers["x-notes-api-versions"] == "0.2, 1.3, 1.4"  # Helper::handleErrorResponse
    assert "etag" not in {k.lower() for k in response.headers}
    note = response.json()
    assert set(note) == {
        "id",
        "title",
        "modified",
        "category",
        "favorite",
        "readonly",
        "internalPath",
        "shareTypes",
        "isShared",
        "error",
        "errorType",
        "content",
        "etag",
    }
    assert note["title"] == "Groceries"
    assert note["modified"] == T0
    assert note["internalPath"] == "/Notes/Groceries.md"  # default suffix is .md (SettingsService)
    assert note["error"] is False
    assert note["errorType"] == ""


async def test_etag_is_md5_of_the_php_json_meta_fields(client: httpx2.AsyncClient) -> None:
    """MetaService::generateEtag: md5(json_encode([id, title, modified, category, favorite, readonly,
    md5(content)]))."""
    note = await _create(client, title="Hello", content="x", category="a/b")
    content_md5 = hashlib.md5(b"x").hexdigest()
    raw = f'[{note["id"]},"Hello",{T0},"a\\/b",false,false,"{content_md5}"]'
    assert note["etag"] == hashlib.md5(raw.encode()).hexdigest()


async def test_empty_title_is_new_note_not_the_first_content_line(client: httpx2.AsyncClient) -> None:
    """API 1.0: "no auto rename based on content" - NoteUtil::getSafeTitle('') -> 'New note'."""
    first = await _create(client, content="My first line\nmore")
    second = await _create(client, title="0", content="zero")  # PHP empty("0") is true
    assert first["title"] == "New note"
    assert second["title"] == "New note (2)"


async def test_v02_create_derives_title_from_markdown_content(client: httpx2.AsyncClient) -> None:
    response = await client.post(
        "/index.php/apps/notes/api/v0.2/notes", json={"content": "# *Plan* for today\nx"}, auth=ALICE
    )
    assert response.json()["title"] == "Plan for today"


async def test_title_collisions_get_a_counter_suffix(client: httpx2.AsyncClient) -> None:
    titles = [(await _create(client, title="Todo"))["title"] for _ in range(3)]
    assert titles == ["Todo", "Todo (2)", "Todo (3)"]
    other_category = await _create(client, title="Todo", category="work")
    assert other_category["title"] == "Todo"  # collisions are per folder


async def test_title_is_sanitized_like_a_file_name(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title='  ..a/b\\c:d*e?f"g<h>i|j  \nsecond line')
    assert note["title"] == "abcdefghij"
    long = await _create(client, title="x" * 150)
    assert long["title"] == "x" * 100


async def test_category_segments_are_sanitized_and_empty_ones_dropped(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="t", category="/Work//..Projects/ .hidden:x/")
    assert note["category"] == "Work/Projects/hiddenx"
    assert note["internalPath"] == "/Notes/Work/Projects/hiddenx/t.md"


async def test_get_one_etag_header_is_the_quoted_etag_attribute(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="t")
    response = await client.get(f"{NOTES}/notes/{note['id']}", auth=ALICE)
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{note["etag"]}"'
    assert response.json()["etag"] == note["etag"]


async def test_exclude_drops_fields_but_never_the_etag(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="t", content="long text")
    response = await client.get(f"{NOTES}/notes/{note['id']}?exclude=content,title", auth=ALICE)
    data = response.json()
    assert "content" not in data
    assert "title" not in data
    assert data["etag"] == note["etag"]


async def test_missing_note_is_404_with_error_type(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{NOTES}/notes/424242", auth=ALICE)
    assert response.status_code == 404
    assert response.json() == {"errorType": "Exception"}
    assert response.headers["x-notes-api-versions"] == "0.2, 1.3, 1.4"


async def test_notes_of_other_users_are_not_found(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="private")
    assert (await client.get(f"{NOTES}/notes/{note['id']}", auth=BOB)).status_code == 404
    assert (await client.delete(f"{NOTES}/notes/{note['id']}", auth=BOB)).status_code == 404


async def test_non_numeric_id_hits_the_catch_all_fail_route(client: httpx2.AsyncClient) -> None:
    """GET /api/{catchAll} -> NotesApiController::fail: 400 with body []."""
    response = await client.get(f"{NOTES}/notes/abc", auth=ALICE)
    assert response.status_code == 400
    assert response.json() == []
    assert response.headers["x-notes-api-versions"] == "0.2, 1.3, 1.4"


async def test_non_numeric_id_on_put_and_delete_is_method_not_allowed(client: httpx2.AsyncClient) -> None:
    """Only the GET catch-all and the OPTIONS preflight match the path -> Symfony MethodNotAllowed."""
    assert (await client.put(f"{NOTES}/notes/abc", json={}, auth=ALICE)).status_code == 405
    assert (await client.delete(f"{NOTES}/notes/abc", auth=ALICE)).status_code == 405


async def test_invalid_json_body_is_a_server_error(client: httpx2.AsyncClient) -> None:
    """Request::throwDecodingExceptionIfAny runs before login and routing."""
    response = await client.post(
        f"{NOTES}/notes", content=b"{not json", headers={"Content-Type": "application/json"}, auth=ALICE
    )
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")


async def test_json_null_means_absent(client: httpx2.AsyncClient) -> None:
    """IRequest::getParam uses isset(): an explicit null falls back to the method default."""
    note = await _create(client, title="keep", content="body")
    response = await client.put(f"{NOTES}/notes/{note['id']}", json={"title": None, "content": None}, auth=ALICE)
    assert response.json()["title"] == "keep"
    assert response.json()["content"] == "body"


async def test_update_with_quoted_if_match_succeeds(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    note = await _create(client, title="t", content="v1")
    clock.advance(10)
    response = await client.put(
        f"{NOTES}/notes/{note['id']}", json={"content": "v2"}, headers={"If-Match": f'"{note["etag"]}"'}, auth=ALICE
    )
    assert response.status_code == 200
    assert response.json()["content"] == "v2"
    assert response.json()["modified"] == T0 + 10
    assert response.json()["etag"] != note["etag"]


async def test_if_match_with_unquoted_etag_is_412_with_the_server_note(client: httpx2.AsyncClient) -> None:
    """Helper::getNoteWithETagCheck compares against '"' . etag . '"' although the attribute is unquoted."""
    note = await _create(client, title="t", content="server")
    response = await client.put(
        f"{NOTES}/notes/{note['id']}", json={"content": "client"}, headers={"If-Match": note["etag"]}, auth=ALICE
    )
    assert response.status_code == 412
    assert response.json()["content"] == "server"
    assert response.json()["etag"] == note["etag"]


async def test_if_match_mismatch_is_412_and_nothing_changes(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="t", content="server")
    response = await client.put(
        f"{NOTES}/notes/{note['id']}", json={"title": "new"}, headers={"If-Match": '"stale"'}, auth=ALICE
    )
    assert response.status_code == 412
    assert response.json()["title"] == "t"
    assert response.headers["x-notes-api-versions"] == "0.2, 1.3, 1.4"


async def test_if_match_accepts_a_comma_separated_list(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="t")
    response = await client.put(
        f"{NOTES}/notes/{note['id']}",
        json={"favorite": True},
        headers={"If-Match": f'"old",  "{note["etag"]}"'},
        auth=ALICE,
    )
    assert response.status_code == 200
    assert response.json()["favorite"] is True


async def test_readonly_note_refuses_changes_with_403(state: FakeState, client: httpx2.AsyncClient) -> None:
    response = await client.post(
        "/__testbed__/seed/notes",
        json={"user": "alice", "notes": [{"title": "shared", "content": "ro", "readonly": True}]},
    )
    note = response.json()["notes"][0]
    assert note["readonly"] is True
    url = f"{NOTES}/notes/{note['id']}"
    for change in ({"content": "changed"}, {"title": "renamed"}, {"category": "moved"}, {"modified": 5}):
        denied = await client.put(url, json=change, auth=ALICE)
        assert denied.status_code == 403
        assert denied.json() == {"errorType": "Exception"}
    assert (await client.delete(url, auth=ALICE)).status_code == 403
    # Only changed attributes are written: unchanged values and favorites are allowed.
    same = await client.put(url, json={"content": "ro", "title": "shared", "favorite": True}, auth=ALICE)
    assert same.status_code == 200
    assert same.json()["favorite"] is True


async def test_delete_answers_empty_list_then_404(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="gone")
    response = await client.delete(f"{NOTES}/notes/{note['id']}", auth=ALICE)
    assert response.status_code == 200
    assert response.json() == []
    assert (await client.delete(f"{NOTES}/notes/{note['id']}", auth=ALICE)).status_code == 404


async def test_rename_and_move_keep_the_id_and_resolve_collisions(client: httpx2.AsyncClient) -> None:
    await _create(client, title="Same", category="x")
    note = await _create(client, title="Other")
    response = await client.put(f"{NOTES}/notes/{note['id']}", json={"title": "Same", "category": "x"}, auth=ALICE)
    assert response.json()["id"] == note["id"]
    assert response.json()["title"] == "Same (2)"
    assert response.json()["category"] == "x"


async def test_pretty_url_without_index_php(client: httpx2.AsyncClient) -> None:
    await _create(client, title="t")
    response = await client.get("/apps/notes/api/v1/notes", auth=ALICE)
    assert response.status_code == 200
    assert len(response.json()) == 1


async def test_string_false_is_false_for_a_bool_parameter_in_json_and_forms(client: httpx2.AsyncClient) -> None:
    """nextcloud/server lib/private/AppFramework/Http/Dispatcher.php::executeController: ``$value === 'false'`` for
    a ``bool`` parameter becomes ``false`` whatever the body type; any other string goes through ``settype``."""
    json_note = await _create(client, title="j", favorite="false")
    assert json_note["favorite"] is False
    assert (await _create(client, title="k", favorite="no"))["favorite"] is True  # settype('no', 'bool')
    form = await client.post(f"{NOTES}/notes", data={"title": "f", "favorite": "false"}, auth=ALICE)
    assert form.json()["favorite"] is False


async def test_byte_order_marks_are_stripped_on_read(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="t", content="\ufeffhello\ufeff")
    assert note["content"] == "hello"


async def test_insufficient_storage_is_507_and_rolls_back(state: FakeState, client: httpx2.AsyncClient) -> None:
    state.users["alice"].quota = 10
    response = await client.post(f"{NOTES}/notes", json={"title": "big", "content": "x" * 11}, auth=ALICE)
    assert response.status_code == 507
    assert response.json() == {"errorType": "Exception"}
    assert (await client.get(f"{NOTES}/notes", auth=ALICE)).json() == []


async def test_settings_are_sanitized_and_custom_suffixes_apply(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{NOTES}/settings", auth=ALICE)
    assert response.json() == {"fileSuffix": ".md", "notesPath": "Notes", "noteMode": "rich"}
    response = await client.put(
        f"{NOTES}/settings", json={"fileSuffix": "o*rg", "noteMode": "bogus", "unknown": 1}, auth=ALICE
    )
    assert response.status_code == 200
    assert response.json() == {"fileSuffix": ".org", "notesPath": "Notes", "noteMode": "rich"}
    note = await _create(client, title="t")
    assert note["internalPath"] == "/Notes/t.org"


async def test_changing_notes_path_switches_the_visible_notes(client: httpx2.AsyncClient) -> None:
    await _create(client, title="old")
    response = await client.put(f"{NOTES}/settings", json={"notesPath": "./Elsewhere/../Other/"}, auth=ALICE)
    assert response.json()["notesPath"] == "Other"
    assert (await client.get(f"{NOTES}/notes", auth=ALICE)).json() == []
    await client.put(f"{NOTES}/settings", json={"notesPath": "Notes"}, auth=ALICE)
    assert [n["title"] for n in (await client.get(f"{NOTES}/notes", auth=ALICE)).json()] == ["old"]


async def test_category_filter_matches_exactly_and_empty_means_uncategorized(client: httpx2.AsyncClient) -> None:
    await _create(client, title="a", category="work")
    await _create(client, title="b", category="work/sub")
    await _create(client, title="c")
    work = await client.get(f"{NOTES}/notes", params={"category": "work"}, auth=ALICE)
    assert [n["title"] for n in work.json()] == ["a"]
    none = await client.get(f"{NOTES}/notes", params={"category": ""}, auth=ALICE)
    assert [n["title"] for n in none.json()] == ["c"]


async def test_cors_origin_is_echoed_and_preflight_is_public(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{NOTES}/notes", headers={"Origin": "https://app.example"}, auth=ALICE)
    assert response.headers["access-control-allow-origin"] == "https://app.example"
    preflight = await client.options(f"{NOTES}/notes", headers={"Origin": "https://app.example"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-methods"] == "PUT, POST, GET, DELETE, PATCH"


async def test_unimplemented_notes_routes_are_marked(client: httpx2.AsyncClient) -> None:
    """The web UI's routes (``NotesController``, session + CSRF) are not served; API 1.4 attachments are
    (test_notes_files.py)."""
    response = await client.get("/index.php/apps/notes/notes/1/attachment", auth=ALICE)
    assert response.status_code == 404
    assert response.headers["x-fake-nextcloud"] == "not-implemented"
    assert (await client.get("/index.php/apps/spreed/api/v4/room", auth=ALICE)).headers[
        "x-fake-nextcloud"
    ] == "not-implemented"


async def test_v02_update_renames_from_the_new_content(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="old", content="old")
    response = await client.put(
        f"/index.php/apps/notes/api/v0.2/notes/{note['id']}", json={"content": "- New *title*\nbody"}, auth=ALICE
    )
    assert response.json()["title"] == "New title"


async def test_ids_are_global_increasing_file_ids(client: httpx2.AsyncClient) -> None:
    first = await _create(client, title="a")
    other = await client.post(f"{NOTES}/notes", json={"title": "b"}, auth=BOB)
    second = await _create(client, title="c")
    assert first["id"] < other.json()["id"] < second["id"]


async def test_public_dav_is_not_implemented_yet(client: httpx2.AsyncClient) -> None:
    response = await client.request("PROPFIND", "/public.php/dav/files/token/", auth=ALICE)
    assert response.status_code == 404
    assert response.headers["x-fake-nextcloud"] == "not-implemented"
