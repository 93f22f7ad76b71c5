"""Notes are files of the WebDAV tree (nextcloud/notes 6.0.2 ``lib/Service/NotesService.php``, ``NoteUtil.php``,
``Note.php``, ``MetaService.php``, ``lib/Listener/NoteFileEventsListener.php``) and API 1.4 attachments
(``NotesApiController::getAttachment``/``uploadFile``)."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree as ET

import httpx2
import pytest

from fake_nextcloud import FakeState, ManualClock
from support.fake_support import ALICE, BOB, NOTES, T0

pytestmark = pytest.mark.anyio

FILES = "/remote.php/dav/files/alice"
ATTACHMENT = "/index.php/apps/notes/api/v1.4/attachment"
D, OC = "{DAV:}", "{http://owncloud.org/ns}"
PROPS = (
    b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
    b"<d:prop><d:getetag/><oc:fileid/><oc:favorite/></d:prop></d:propfind>"
)


async def _create(client: httpx2.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post(f"{NOTES}/notes", json=fields, auth=ALICE)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def _listing(client: httpx2.AsyncClient, path: str = "Notes", depth: str = "1") -> dict[str, dict[str, str]]:
    """href (relative to the user's root) -> {etag, fileid, favorite}."""
    response = await client.request("PROPFIND", f"{FILES}/{path}", content=PROPS, headers={"Depth": depth}, auth=ALICE)
    assert response.status_code == 207, response.text
    out: dict[str, dict[str, str]] = {}
    for resp in ET.fromstring(response.content).iter(f"{D}response"):  # noqa: S314 - the fake's own output
        href = unquote(resp.findtext(f"{D}href") or "").removeprefix(FILES + "/")
        out[href] = {
            "etag": (resp.findtext(f".//{D}getetag") or "").strip('"'),
            "fileid": resp.findtext(f".//{OC}fileid") or "",
            "favorite": resp.findtext(f".//{OC}favorite") or "",
        }
    return out


async def _notes(client: httpx2.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{NOTES}/notes", params=params, auth=ALICE)
    assert response.status_code == 200, response.text
    notes: list[dict[str, Any]] = response.json()
    return notes


async def _put(client: httpx2.AsyncClient, path: str, data: bytes, **headers: str) -> httpx2.Response:
    return await client.put(f"{FILES}/{path}", content=data, headers=headers, auth=ALICE)


async def test_the_notes_folder_exists_in_webdav_after_the_first_notes_call(client: httpx2.AsyncClient) -> None:
    """NoteUtil::getOrCreateNotesFolder: every API call but the settings ones creates ``notesPath``."""
    assert (await client.request("PROPFIND", f"{FILES}/Notes", auth=ALICE)).status_code == 404
    assert (await client.get(f"{NOTES}/settings", auth=ALICE)).status_code == 200
    assert (await client.request("PROPFIND", f"{FILES}/Notes", auth=ALICE)).status_code == 404
    assert await _notes(client) == []
    assert list(await _listing(client)) == ["Notes/"]


async def test_a_note_is_a_file_with_the_same_id_path_and_content(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="Groceries", content="milk\n", category="home/weekly")
    assert note["internalPath"] == "/Notes/home/weekly/Groceries.md"
    listing = await _listing(client, "Notes", "infinity")
    assert set(listing) == {"Notes/", "Notes/home/", "Notes/home/weekly/", "Notes/home/weekly/Groceries.md"}
    assert int(listing["Notes/home/weekly/Groceries.md"]["fileid"]) == note["id"]
    body = await client.get(f"{FILES}/Notes/home/weekly/Groceries.md", auth=ALICE)
    assert body.content == b"milk\n"
    assert body.headers["last-modified"] == "Tue, 14 Nov 2023 22:13:20 GMT"  # note["modified"] == T0


async def test_files_put_over_webdav_are_notes(client: httpx2.AsyncClient) -> None:
    """NotesService::gatherNoteFiles: note extensions (case-insensitive) below the notes folder, depth first in
    name order, no hidden folders; the title is the name without the last extension."""
    await client.request("MKCOL", f"{FILES}/Notes", auth=ALICE)
    for folder in ("Notes/Work", "Notes/.attachments.7"):
        await client.request("MKCOL", f"{FILES}/{folder}", auth=ALICE)
    await _put(client, "Notes/Work/Plan.v2.MD", b"# Plan", **{"X-OC-MTime": "1600000000"})
    await _put(client, "Notes/a.txt", b"first")
    await _put(client, "Notes/picture.png", b"\x89PNG")
    await _put(client, "Notes/.attachments.7/hidden.md", b"not listed")
    await _put(client, "elsewhere.md", b"not in the notes folder")
    notes = {n["title"]: n for n in await _notes(client)}
    assert {(n["title"], n["category"]) for n in notes.values()} == {("a", ""), ("Plan.v2", "Work")}
    plan = notes["Plan.v2"]
    assert plan["modified"] == 1_600_000_000
    assert plan["content"] == "# Plan"
    assert plan["internalPath"] == "/Notes/Work/Plan.v2.MD"
    listing = await _listing(client, "Notes/Work")
    assert int(listing["Notes/Work/Plan.v2.MD"]["fileid"]) == plan["id"]


async def test_get_by_id_finds_note_files_in_hidden_folders_but_not_other_files(client: httpx2.AsyncClient) -> None:
    """NotesService::getFileById: any note file below the notes folder (``getFirstNodeById``), hidden folders
    included; an image or a file outside the notes folder is 404."""
    await _notes(client)
    await client.request("MKCOL", f"{FILES}/Notes/.attachments.7", auth=ALICE)
    hidden = await _put(client, "Notes/.attachments.7/hidden.md", b"x")
    image = await _put(client, "Notes/picture.png", b"x")
    outside = await _put(client, "elsewhere.md", b"x")
    hidden_id, image_id, outside_id = (int(r.headers["oc-fileid"][:8]) for r in (hidden, image, outside))
    response = await client.get(f"{NOTES}/notes/{hidden_id}", auth=ALICE)
    assert response.status_code == 200
    assert response.json()["category"] == ".attachments.7"
    for other in (image_id, outside_id):
        assert (await client.get(f"{NOTES}/notes/{other}", auth=ALICE)).status_code == 404


async def test_webdav_writes_change_the_note_and_its_etag(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    note = await _create(client, title="Shared", content="v1")
    clock.advance(5)
    assert (await _put(client, "Notes/Shared.md", b"v2 from the desktop client")).status_code == 204
    stale = await client.put(
        f"{NOTES}/notes/{note['id']}", json={"content": "mine"}, headers={"If-Match": f'"{note["etag"]}"'}, auth=ALICE
    )
    assert stale.status_code == 412
    assert stale.json()["content"] == "v2 from the desktop client"
    assert stale.json()["modified"] == T0 + 5
    assert stale.json()["etag"] != note["etag"]


async def test_api_writes_change_the_file_etag_and_keep_versions(
    client: httpx2.AsyncClient, clock: ManualClock
) -> None:
    note = await _create(client, title="Log", content="one")
    before = (await _listing(client))["Notes/Log.md"]["etag"]
    clock.advance(1)
    await client.put(f"{NOTES}/notes/{note['id']}", json={"content": "two"}, auth=ALICE)
    assert (await _listing(client))["Notes/Log.md"]["etag"] != before
    versions = await client.request(
        "PROPFIND", f"/remote.php/dav/versions/alice/versions/{note['id']}", headers={"Depth": "1"}, auth=ALICE
    )
    # files_versions keeps "one" only: the empty file NotesService::create starts with is not versioned
    assert versions.text.count("<d:response>") == 2


async def test_webdav_moves_rename_and_recategorise_notes(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="Draft", content="x")
    await client.request("MKCOL", f"{FILES}/Notes/Done", auth=ALICE)
    moved = await client.request(
        "MOVE", f"{FILES}/Notes/Draft.md", headers={"Destination": f"{FILES}/Notes/Done/Final.txt"}, auth=ALICE
    )
    assert moved.status_code == 201
    data = (await client.get(f"{NOTES}/notes/{note['id']}", auth=ALICE)).json()
    assert (data["title"], data["category"], data["internalPath"]) == ("Final", "Done", "/Notes/Done/Final.txt")
    await client.request(
        "MOVE", f"{FILES}/Notes/Done/Final.txt", headers={"Destination": f"{FILES}/Final.txt"}, auth=ALICE
    )
    assert (await client.get(f"{NOTES}/notes/{note['id']}", auth=ALICE)).status_code == 404
    assert await _notes(client) == []


async def test_api_renames_keep_the_extension_and_drop_empty_category_folders(client: httpx2.AsyncClient) -> None:
    """Note::setTitleCategory moves the file (keeping ``.txt``) and NoteUtil::deleteEmptyFolder trashes the
    folders left empty; a folder with the same name as the target takes the title too (generateFileName)."""
    await _notes(client)
    put = await _put(client, "Notes/a/b/Old.txt", b"x", **{"X-NC-WebDAV-AutoMkcol": "1"})
    note_id = int(put.headers["oc-fileid"][:8])
    await client.request("MKCOL", f"{FILES}/Notes/New.txt", auth=ALICE)
    response = await client.put(f"{NOTES}/notes/{note_id}", json={"title": "New", "category": ""}, auth=ALICE)
    assert response.json()["internalPath"] == "/Notes/New (2).txt"
    assert set(await _listing(client)) == {"Notes/", "Notes/New.txt/", "Notes/New (2).txt"}
    trash = await client.request("PROPFIND", "/remote.php/dav/trashbin/alice/trash", headers={"Depth": "1"}, auth=ALICE)
    assert "<nc:trashbin-filename>a</nc:trashbin-filename>" in trash.text


async def test_deleting_a_note_trashes_its_file_and_webdav_deletes_remove_notes(client: httpx2.AsyncClient) -> None:
    kept = await _create(client, title="Kept", category="c")
    gone = await _create(client, title="Gone", category="c")
    assert (await client.delete(f"{NOTES}/notes/{gone['id']}", auth=ALICE)).json() == []
    trash = await client.request("PROPFIND", "/remote.php/dav/trashbin/alice/trash", headers={"Depth": "1"}, auth=ALICE)
    assert "<nc:trashbin-original-location>Notes/c/Gone.md</nc:trashbin-original-location>" in trash.text
    assert (await client.delete(f"{FILES}/Notes/c/Kept.md", auth=ALICE)).status_code == 204
    assert (await client.get(f"{NOTES}/notes/{kept['id']}", auth=ALICE)).status_code == 404
    assert [n["id"] for n in await _notes(client)] == []


async def test_a_touched_file_is_resent_by_the_next_pruned_sync(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    """NoteFileEventsListener drops the notes_meta row before any write, so ``lastUpdate`` moves to now even when
    the note's etag stays the same (same content, same mtime)."""
    note = await _create(client, title="Same", content="same", modified=T0)
    clock.advance(10)
    assert await _notes(client, pruneBefore=T0 + 5) == [{"id": note["id"]}]
    clock.advance(10)
    await _put(client, "Notes/Same.md", b"same", **{"X-OC-MTime": str(T0)})
    [full] = await _notes(client, pruneBefore=T0 + 15)
    assert full["etag"] == note["etag"]
    assert full["content"] == "same"


async def test_favorite_is_the_files_favorite_tag(client: httpx2.AsyncClient) -> None:
    """TagService uses the ``files`` ITags favourites, as WebDAV's ``oc:favorite`` (TagsPlugin)."""
    note = await _create(client, title="Fav", favorite=True)
    assert (await _listing(client))["Notes/Fav.md"]["favorite"] == "1"
    body = (
        b'<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
        b"<d:set><d:prop><oc:favorite>0</oc:favorite></d:prop></d:set></d:propertyupdate>"
    )
    await client.request("PROPPATCH", f"{FILES}/Notes/Fav.md", content=body, auth=ALICE)
    assert (await client.get(f"{NOTES}/notes/{note['id']}", auth=ALICE)).json()["favorite"] is False


async def test_read_only_note_files_refuse_webdav_writes(client: httpx2.AsyncClient) -> None:
    """apps/dav File::put / File::delete: ``throw new Forbidden()`` when not updatable / deletable."""
    seeded = await client.post(
        "/__testbed__/seed/notes", json={"user": "alice", "notes": [{"title": "RO", "content": "x", "readonly": True}]}
    )
    assert seeded.json()["notes"][0]["readonly"] is True
    assert (await _put(client, "Notes/RO.md", b"changed")).status_code == 403
    assert (await client.delete(f"{FILES}/Notes/RO.md", auth=ALICE)).status_code == 403
    assert (await client.get(f"{FILES}/Notes/RO.md", auth=ALICE)).content == b"x"


async def test_a_create_over_quota_leaves_the_empty_file_in_the_trash_bin(
    state: FakeState, client: httpx2.AsyncClient
) -> None:
    """NotesApiController::create: the empty file exists before setContent fails; the roll-back deletes it."""
    state.users["alice"].quota = 10
    response = await client.post(f"{NOTES}/notes", json={"title": "big", "content": "x" * 11}, auth=ALICE)
    assert response.status_code == 507
    assert set(await _listing(client)) == {"Notes/"}
    trash = await client.request("PROPFIND", "/remote.php/dav/trashbin/alice/trash", headers={"Depth": "1"}, auth=ALICE)
    assert "<nc:trashbin-filename>big.md</nc:trashbin-filename>" in trash.text


async def test_non_utf8_files_and_other_users(client: httpx2.AsyncClient) -> None:
    """Note::getContent: invalid UTF-8 becomes '?' (mb_convert_encoding), BOMs are dropped; ids of another
    user's note files are not found."""
    await _notes(client)
    put = await _put(client, "Notes/latin1.txt", b"caf\xe9 \xef\xbb\xbfok")
    note_id = int(put.headers["oc-fileid"][:8])
    assert (await client.get(f"{NOTES}/notes/{note_id}", auth=ALICE)).json()["content"] == "caf? ok"
    assert (await client.get(f"{NOTES}/notes/{note_id}", auth=BOB)).status_code == 404


async def test_a_file_in_place_of_the_notes_folder_is_a_server_error(client: httpx2.AsyncClient) -> None:
    await _put(client, "Notes", b"a file")
    response = await client.get(f"{NOTES}/notes", auth=ALICE)
    assert response.status_code == 500
    assert response.json() == {"errorType": "Exception"}


async def test_attachments_are_files_relative_to_the_note(client: httpx2.AsyncClient) -> None:
    note = await _create(client, title="Trip", category="travel")
    folder = f"Notes/travel/.attachments.{note['id']}"
    await client.request("MKCOL", f"{FILES}/{folder}", auth=ALICE)
    await _put(client, f"{folder}/map.png", b"\x89PNG map")
    await _put(client, "Notes/logo.svg", b"<svg/>")
    url = f"{ATTACHMENT}/{note['id']}"
    response = await client.get(url, params={"path": f".attachments.{note['id']}/map.png"}, auth=ALICE)
    assert response.status_code == 200
    assert response.content == b"\x89PNG map"
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == 'attachment; filename="map.png"'
    assert response.headers["cache-control"] == "private, max-age=3600, must-revalidate"
    assert "x-notes-api-versions" not in response.headers
    # ".." climbs from the category, never above the notes folder; SVG is sent as text/plain
    svg = await client.get(url, params={"path": "../../../logo.svg"}, auth=ALICE)
    assert (svg.status_code, svg.headers["content-type"]) == (200, "text/plain; charset=utf-8")
    for path in ("missing.png", ".attachments.1", ""):
        missing = await client.get(url, params={"path": path}, auth=ALICE)
        assert (missing.status_code, missing.json()) == (404, {"errorType": "Exception"})
        assert "x-notes-api-versions" not in missing.headers
    no_path = await client.get(url, auth=ALICE)  # `string $path` without default: TypeError
    assert no_path.status_code == 500
    assert no_path.headers["content-type"].startswith("text/html")


async def test_uploaded_attachments_land_next_to_the_note(client: httpx2.AsyncClient) -> None:
    """NotesService::createImage: ``<32 hex>.<last dot part of the name>`` in the note's category folder."""
    note = await _create(client, title="Trip", category="travel")
    url = f"{ATTACHMENT}/{note['id']}"
    response = await client.post(url, files={"file": ("photo.large.JPG", b"jpeg bytes", "image/jpeg")}, auth=ALICE)
    assert response.status_code == 200
    assert response.headers["x-notes-api-versions"] == "0.2, 1.3, 1.4"
    filename = response.json()["filename"]
    assert len(filename) == 32 + 4 and filename.endswith(".JPG")
    assert (await client.get(f"{FILES}/Notes/travel/{filename}", auth=ALICE)).content == b"jpeg bytes"
    again = await client.get(url, params={"path": filename}, auth=ALICE)
    assert hashlib.md5(again.content).hexdigest() == hashlib.md5(b"jpeg bytes").hexdigest()
    assert [n["id"] for n in await _notes(client)] == [note["id"]]  # an image is not a note
    empty = await client.post(url, files={"file": ("e.png", b"", "image/png")}, auth=ALICE)
    assert (empty.status_code, empty.json()) == (500, {"errorType": "Exception"})  # fread($fp, 0): ValueError
    assert (await client.post(url, json={}, auth=ALICE)).status_code == 500
    missing = await client.post(f"{ATTACHMENT}/999999", files={"file": ("a.png", b"x", "image/png")}, auth=ALICE)
    assert missing.status_code == 404
