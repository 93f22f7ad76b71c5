"""WebDAV files (apps/dav): PROPFIND, PUT/GET, MKCOL, MOVE/COPY, favourites, trashbin, versions, quota."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import AsyncIterator
from xml.etree import ElementTree as ET

import httpx2
import pytest

from fake_nextcloud import FakeState, build_app
from fake_nextcloud.apps.dav.models import DavBackend
from fake_nextcloud.control.files import seed_pattern
from support.fake_oidc import create_client, token_for
from support.fake_support import ALICE, BOB, T0

pytestmark = pytest.mark.anyio

FILES = "/remote.php/dav/files/alice"
D, OC, NC, S = "{DAV:}", "{http://owncloud.org/ns}", "{http://nextcloud.org/ns}", "{http://sabredav.org/ns}"

PROPFIND_NAMED = (
    b'<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
    b"<d:prop><d:getetag/><oc:fileid/><oc:favorite/><oc:nonexistent/></d:prop></d:propfind>"
)


def _xml(response: httpx2.Response) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 - our own fake's output


def _responses(response: httpx2.Response) -> dict[str, dict[str, str | None]]:
    out: dict[str, dict[str, str | None]] = {}
    for resp in _xml(response).iter(f"{D}response"):
        href = resp.findtext(f"{D}href") or ""
        props: dict[str, str | None] = {}
        for propstat in resp.iter(f"{D}propstat"):
            status = propstat.findtext(f"{D}status") or ""
            for prop in propstat.iter(f"{D}prop"):
                for child in prop:
                    props[child.tag] = (child.text or "") if "200" in status else "404"
                    if child.tag == f"{D}resourcetype":
                        props[child.tag] = "collection" if child.find(f"{D}collection") is not None else ""
        out[href] = props
    return out


def _error(response: httpx2.Response) -> tuple[str, str]:
    root = _xml(response)
    assert root.tag == f"{D}error"
    return root.findtext(f"{S}exception") or "", root.findtext(f"{S}message") or ""


async def _seed(client: httpx2.AsyncClient, files: list[dict[str, object]], **extra: object) -> httpx2.Response:
    response = await client.post("/__testbed__/seed/files", json={"user": "alice", "files": files, **extra})
    assert response.status_code == 201, response.text
    return response


async def test_propfind_depth1_lists_children_with_nextcloud_props(client: httpx2.AsyncClient) -> None:
    await _seed(client, [{"path": "Docs/a.txt", "content": "hello", "favorite": True}, {"path": "b.md", "size": 10}])
    response = await client.request("PROPFIND", FILES + "/", auth=ALICE, headers={"Depth": "1"})
    assert response.status_code == 207
    entries = _responses(response)
    assert list(entries) == [f"{FILES}/", f"{FILES}/Docs/", f"{FILES}/b.md"]
    root, docs, md = entries[f"{FILES}/"], entries[f"{FILES}/Docs/"], entries[f"{FILES}/b.md"]
    assert root[f"{D}resourcetype"] == "collection"
    assert root[f"{D}quota-available-bytes"] == "-3"  # SPACE_UNLIMITED
    assert docs[f"{OC}size"] == "5"
    assert docs[f"{OC}permissions"] == "RGDNVCK"
    assert md[f"{D}getcontentlength"] == "10"
    assert md[f"{D}getcontenttype"] == "text/markdown"
    assert md[f"{OC}permissions"] == "RGDNVW"
    etag = md[f"{D}getetag"]
    assert etag is not None
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert md[f"{OC}owner-id"] == "alice"
    assert md[f"{OC}owner-display-name"] == "Alice A."
    assert md[f"{OC}id"] == f"{int(md[f'{OC}fileid'] or 0):08d}ocfakenc01"
    assert md[f"{NC}has-preview"] == "false"


async def test_propfind_named_props_unknown_in_404_propstat(client: httpx2.AsyncClient) -> None:
    await _seed(client, [{"path": "a.txt", "content": "x", "favorite": True}])
    response = await client.request(
        "PROPFIND", FILES + "/a.txt", auth=ALICE, headers={"Depth": "0"}, content=PROPFIND_NAMED
    )
    props = _responses(response)[f"{FILES}/a.txt"]
    assert props[f"{OC}favorite"] == "1"
    assert props[f"{OC}nonexistent"] == "404"
    assert set(props) == {f"{D}getetag", f"{OC}fileid", f"{OC}favorite", f"{OC}nonexistent"}


async def test_propfind_depth_infinity_and_missing(client: httpx2.AsyncClient) -> None:
    await _seed(client, [{"path": "x/y/z.txt", "content": "z"}])
    response = await client.request("PROPFIND", FILES + "/", auth=ALICE, headers={"Depth": "infinity"})
    assert f"{FILES}/x/y/z.txt" in _responses(response)
    missing = await client.request("PROPFIND", FILES + "/nope", auth=ALICE, headers={"Depth": "0"})
    assert missing.status_code == 404
    assert _error(missing) == ("Sabre\\DAV\\Exception\\NotFound", "File with name nope could not be located")


async def test_auth_required_and_wrong_password(client: httpx2.AsyncClient) -> None:
    anonymous = await client.request("PROPFIND", FILES + "/")
    assert anonymous.status_code == 401
    assert _error(anonymous)[0] == "Sabre\\DAV\\Exception\\NotAuthenticated"
    assert "Basic" in anonymous.headers["www-authenticate"]
    wrong = await client.request("PROPFIND", FILES + "/", auth=("alice", "wrong"))
    assert wrong.status_code == 401
    assert _error(wrong)[0] == "Sabre\\DAV\\Exception\\NotAuthenticated"


async def test_other_users_home_is_an_empty_collection(client: httpx2.AsyncClient) -> None:
    """apps/dav/lib/Files/RootCollection.php::getChildForPrincipal: SimpleCollection for other users."""
    await _seed(client, [{"path": "secret.txt", "content": "s"}])
    listing = await client.request("PROPFIND", FILES + "/", auth=BOB, headers={"Depth": "1"})
    assert listing.status_code == 207
    assert list(_responses(listing)) == [f"{FILES}/"]
    read = await client.get(FILES + "/secret.txt", auth=BOB)
    assert read.status_code == 404


async def test_put_create_overwrite_get_head(client: httpx2.AsyncClient) -> None:
    created = await client.put(FILES + "/new.txt", auth=ALICE, content=b"one")
    assert created.status_code == 201
    assert created.headers["oc-etag"] == created.headers["etag"]
    assert created.headers["oc-fileid"].endswith("ocfakenc01")
    assert created.headers["x-nc-ownerid"] == "alice"
    overwritten = await client.put(FILES + "/new.txt", auth=ALICE, content=b"two!")
    assert overwritten.status_code == 204
    assert overwritten.headers["etag"] != created.headers["etag"]
    got = await client.get(FILES + "/new.txt", auth=ALICE)
    assert got.status_code == 200
    assert got.content == b"two!"
    assert got.headers["etag"] == overwritten.headers["etag"]
    assert got.headers["content-type"].startswith("text/plain")
    head = await client.head(FILES + "/new.txt", auth=ALICE)
    assert head.headers["content-length"] == "4"
    assert head.content == b""


async def test_put_conditional_headers(client: httpx2.AsyncClient) -> None:
    first = await client.put(FILES + "/c.txt", auth=ALICE, content=b"1")
    etag = first.headers["etag"]
    stale = await client.put(FILES + "/c.txt", auth=ALICE, content=b"2", headers={"If-Match": '"stale"'})
    assert stale.status_code == 412
    assert _error(stale)[0] == "Sabre\\DAV\\Exception\\PreconditionFailed"
    ok = await client.put(FILES + "/c.txt", auth=ALICE, content=b"2", headers={"If-Match": etag})
    assert ok.status_code == 204
    exists = await client.put(FILES + "/c.txt", auth=ALICE, content=b"3", headers={"If-None-Match": "*"})
    assert exists.status_code == 412
    absent = await client.put(FILES + "/d.txt", auth=ALICE, content=b"3", headers={"If-Match": "*"})
    assert absent.status_code == 412


async def test_put_missing_parent_and_automkcol(client: httpx2.AsyncClient) -> None:
    conflict = await client.put(FILES + "/a/b/c.txt", auth=ALICE, content=b"x")
    assert conflict.status_code == 409
    auto = await client.put(FILES + "/a/b/c.txt", auth=ALICE, content=b"x", headers={"X-NC-WebDAV-AutoMkcol": "1"})
    assert auto.status_code == 201
    folder = await client.request("PROPFIND", FILES + "/a/b", auth=ALICE, headers={"Depth": "0"})
    assert _responses(folder)[f"{FILES}/a/b/"][f"{D}resourcetype"] == "collection"


async def test_quota_exceeded_is_507(client: httpx2.AsyncClient) -> None:
    await _seed(client, [{"path": "big.bin", "size": 900}], quota=1000)
    response = await client.put(FILES + "/more.bin", auth=ALICE, content=b"x" * 200)
    assert response.status_code == 507
    assert _error(response) == (
        "Sabre\\DAV\\Exception\\InsufficientStorage",
        "Insufficient space in more.bin, 200 required, 100 available",
    )
    root = await client.request("PROPFIND", FILES + "/", auth=ALICE, headers={"Depth": "0"})
    assert _responses(root)[f"{FILES}/"][f"{D}quota-available-bytes"] == "100"


async def test_mkcol_statuses(client: httpx2.AsyncClient) -> None:
    assert (await client.request("MKCOL", FILES + "/f", auth=ALICE)).status_code == 201
    again = await client.request("MKCOL", FILES + "/f", auth=ALICE)
    assert again.status_code == 405
    assert _error(again) == (
        "Sabre\\DAV\\Exception\\MethodNotAllowed",
        "The resource you tried to create already exists",
    )
    orphan = await client.request("MKCOL", FILES + "/missing/f", auth=ALICE)
    assert orphan.status_code == 409


async def test_get_folder_is_not_implemented(client: httpx2.AsyncClient) -> None:
    await client.request("MKCOL", FILES + "/f", auth=ALICE)
    response = await client.get(FILES + "/f", auth=ALICE)
    assert response.status_code == 501
    assert _error(response)[0] == "Sabre\\DAV\\Exception\\NotImplemented"


async def test_move_and_copy_statuses(client: httpx2.AsyncClient) -> None:
    await _seed(client, [{"path": "a.txt", "content": "A"}, {"path": "b.txt", "content": "B"}])
    dest = f"http://nc.test{FILES}/b.txt"
    refused = await client.request(
        "MOVE", FILES + "/a.txt", auth=ALICE, headers={"Destination": dest, "Overwrite": "F"}
    )
    assert refused.status_code == 412
    same = await client.request(
        "MOVE", FILES + "/a.txt", auth=ALICE, headers={"Destination": f"http://nc.test{FILES}/a.txt"}
    )
    assert same.status_code == 403
    orphan = await client.request(
        "COPY", FILES + "/a.txt", auth=ALICE, headers={"Destination": f"http://nc.test{FILES}/x/a.txt"}
    )
    assert orphan.status_code == 409
    copied = await client.request(
        "COPY", FILES + "/a.txt", auth=ALICE, headers={"Destination": f"http://nc.test{FILES}/c.txt"}
    )
    assert copied.status_code == 201
    moved = await client.request("MOVE", FILES + "/a.txt", auth=ALICE, headers={"Destination": dest})
    assert moved.status_code == 204
    assert (await client.get(FILES + "/b.txt", auth=ALICE)).content == b"A"
    assert (await client.get(FILES + "/c.txt", auth=ALICE)).content == b"A"
    assert (await client.get(FILES + "/a.txt", auth=ALICE)).status_code == 404
    outside = await client.request(
        "MOVE", FILES + "/b.txt", auth=ALICE, headers={"Destination": "http://nc.test/remote.php/dav/files/b0b/b.txt"}
    )
    assert outside.status_code == 403


async def test_favorites_proppatch_and_report(client: httpx2.AsyncClient) -> None:
    await _seed(client, [{"path": "d/a.txt", "content": "A"}, {"path": "b.txt", "content": "B"}])
    patch = (
        b'<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
        b"<d:set><d:prop><oc:favorite>1</oc:favorite></d:prop></d:set></d:propertyupdate>"
    )
    response = await client.request("PROPPATCH", FILES + "/d/a.txt", auth=ALICE, content=patch)
    assert response.status_code == 207
    report = (
        b'<?xml version="1.0"?><oc:filter-files xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">'
        b"<d:prop><oc:fileid/><oc:favorite/></d:prop>"
        b"<oc:filter-rules><oc:favorite>1</oc:favorite></oc:filter-rules></oc:filter-files>"
    )
    listed = await client.request("REPORT", FILES + "/", auth=ALICE, content=report)
    assert listed.status_code == 207
    assert list(_responses(listed)) == [f"{FILES}/d/a.txt"]


async def test_delete_trashbin_restore_and_purge(client: httpx2.AsyncClient, state: FakeState) -> None:
    await _seed(client, [{"path": "d/a.txt", "content": "A"}, {"path": "b.txt", "content": "B"}])
    assert (await client.delete(FILES + "/d", auth=ALICE)).status_code == 204
    assert (await client.get(FILES + "/d/a.txt", auth=ALICE)).status_code == 404
    trash = "/remote.php/dav/trashbin/alice/trash"
    listing = await client.request("PROPFIND", trash, auth=ALICE, headers={"Depth": "1"})
    entries = _responses(listing)
    item = entries[f"{trash}/d.d{T0}"]
    assert item[f"{NC}trashbin-filename"] == "d"
    assert item[f"{NC}trashbin-original-location"] == "d"
    assert item[f"{NC}trashbin-deletion-time"] == str(T0)
    restore = await client.request(
        "MOVE",
        f"{trash}/d.d{T0}",
        auth=ALICE,
        headers={"Destination": f"http://nc.test/remote.php/dav/trashbin/alice/restore/d.d{T0}"},
    )
    assert restore.status_code == 201
    assert (await client.get(FILES + "/d/a.txt", auth=ALICE)).content == b"A"
    await client.delete(FILES + "/b.txt", auth=ALICE)
    assert (await client.delete(trash, auth=ALICE)).status_code == 204
    assert len(_responses(await client.request("PROPFIND", trash, auth=ALICE, headers={"Depth": "1"}))) == 1
    assert DavBackend.of(state).trash["alice"] == []


async def test_versions_list_and_restore(client: httpx2.AsyncClient, state: FakeState) -> None:
    created = await client.put(FILES + "/v.txt", auth=ALICE, content=b"old")
    file_id = int(created.headers["oc-fileid"][:8])
    state.clock.advance(60)  # type: ignore[attr-defined]
    await client.put(FILES + "/v.txt", auth=ALICE, content=b"new")
    base = f"/remote.php/dav/versions/alice/versions/{file_id}"
    listing = _responses(await client.request("PROPFIND", base, auth=ALICE, headers={"Depth": "1"}))
    assert list(listing) == [f"{base}/", f"{base}/{T0}"]
    assert (await client.get(f"{base}/{T0}", auth=ALICE)).content == b"old"
    restore = await client.request(
        "MOVE",
        f"{base}/{T0}",
        auth=ALICE,
        headers={"Destination": "http://nc.test/remote.php/dav/versions/alice/restore/target"},
    )
    assert restore.status_code == 201
    assert (await client.get(FILES + "/v.txt", auth=ALICE)).content == b"old"


async def test_legacy_webdav_endpoint(client: httpx2.AsyncClient) -> None:
    await _seed(client, [{"path": "a.txt", "content": "A"}])
    response = await client.request("PROPFIND", "/remote.php/webdav/", auth=ALICE, headers={"Depth": "1"})
    assert "/remote.php/webdav/a.txt" in _responses(response)


async def test_large_upload_and_download_stream_from_disk(client: httpx2.AsyncClient, state: FakeState) -> None:
    size = 8 * 1024 * 1024 + 17
    digest = hashlib.sha256(seed_pattern(size)).hexdigest()

    async def chunks() -> AsyncIterator[bytes]:
        data = seed_pattern(size)
        for offset in range(0, size, 1 << 20):
            yield data[offset : offset + (1 << 20)]

    response = await client.put(FILES + "/big.bin", auth=ALICE, content=chunks())
    assert response.status_code == 201
    node = DavBackend.of(state).get("alice", "big.bin")
    assert node is not None
    assert node.blob is not None
    assert node.blob.stat().st_size == size  # stored on disk, not in memory
    seen = hashlib.sha256()
    async with client.stream("GET", FILES + "/big.bin", auth=ALICE) as download:
        async for chunk in download.aiter_bytes():
            seen.update(chunk)
    assert seen.hexdigest() == digest


async def test_reset_removes_blob_directory(client: httpx2.AsyncClient, state: FakeState) -> None:
    await _seed(client, [{"path": "a.txt", "content": "A"}])
    root = DavBackend.of(state).root
    assert root.exists()
    state.reset()
    gc.collect()
    assert not root.exists()


async def test_bearer_token_from_oidc_logs_in_on_dav(client: httpx2.AsyncClient, state: FakeState) -> None:
    """user_oidc's Bearer backend runs before Basic for remote.php too (``OC_User::handleApacheAuth``)."""
    registered = await create_client(client)
    token = (await token_for(build_app(state), client, registered))["access_token"]
    response = await client.request("PROPFIND", FILES + "/", headers={"Authorization": f"Bearer {token}", "Depth": "0"})
    assert response.status_code == 207
    assert list(_responses(response)) == [f"{FILES}/"]


async def test_comments_add_and_list(client: httpx2.AsyncClient) -> None:
    seeded = await _seed(client, [{"path": "a.txt", "content": "A"}])
    file_id = seeded.json()["files"][0]["fileid"]
    base = f"/remote.php/dav/comments/files/{file_id}"
    added = await client.post(base, auth=ALICE, json={"actorType": "users", "verb": "comment", "message": "hi"})
    assert added.status_code == 201
    assert added.headers["content-location"] == f"{base}/1"
    bad = await client.post(base, auth=ALICE, json={"actorType": "robots", "verb": "comment", "message": "x"})
    assert bad.status_code == 400
    listing = _responses(await client.request("PROPFIND", base, auth=ALICE, headers={"Depth": "1"}))
    assert listing[f"{base}/1"][f"{OC}message"] == "hi"
    assert listing[f"{base}/1"][f"{OC}actorId"] == "alice"
    report = b'<oc:filter-comments xmlns:oc="http://owncloud.org/ns"><oc:limit>5</oc:limit><oc:offset>0</oc:offset></oc:filter-comments>'
    assert f"{base}/1" in _responses(await client.request("REPORT", base, auth=ALICE, content=report))
    foreign = await client.request("PROPFIND", base, auth=BOB, headers={"Depth": "1"})
    assert foreign.status_code == 404
