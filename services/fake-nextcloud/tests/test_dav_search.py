"""WebDAV SEARCH (RFC 5323 subset) and chunked upload v2."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import httpx2
import pytest

from support.fake_support import ALICE, T0

pytestmark = pytest.mark.anyio

FILES = "/remote.php/dav/files/alice"
D = "{DAV:}"


def _hrefs(response: httpx2.Response) -> list[str]:
    root = ET.fromstring(response.content)  # noqa: S314 - our own fake's output
    return [r.findtext(f"{D}href") or "" for r in root.iter(f"{D}response")]


def _search(where: str, *, scope: str = "/files/alice", order: str = "", limit: str = "") -> bytes:
    return (
        '<?xml version="1.0"?><d:searchrequest xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"'
        ' xmlns:nc="http://nextcloud.org/ns"><d:basicsearch>'
        "<d:select><d:prop><d:displayname/><oc:fileid/><oc:size/></d:prop></d:select>"
        f"<d:from><d:scope><d:href>{scope}</d:href><d:depth>infinity</d:depth></d:scope></d:from>"
        f"<d:where>{where}</d:where>{order}{limit}</d:basicsearch></d:searchrequest>"
    ).encode()


@pytest.fixture
async def seeded(client: httpx2.AsyncClient) -> None:
    files = [
        {"path": "Photos/cat.jpg", "size": 3000, "mtime": T0 - 86400},
        {"path": "Photos/dog.JPG", "size": 100, "mtime": T0 - 3600, "favorite": True},
        {"path": "notes.txt", "content": "hello", "mtime": T0},
        {"path": "Docs/report.md", "content": "# r", "mtime": T0 - 60},
    ]
    response = await client.post("/__testbed__/seed/files", json={"user": "alice", "files": files})
    assert response.status_code == 201


@pytest.mark.usefixtures("seeded")
async def test_search_like_is_case_insensitive(client: httpx2.AsyncClient) -> None:
    where = "<d:like><d:prop><d:displayname/></d:prop><d:literal>%.jpg</d:literal></d:like>"
    response = await client.request("SEARCH", "/remote.php/dav/", auth=ALICE, content=_search(where))
    assert response.status_code == 207
    assert sorted(_hrefs(response)) == [f"{FILES}/Photos/cat.jpg", f"{FILES}/Photos/dog.JPG"]


@pytest.mark.usefixtures("seeded")
async def test_search_and_or_not_mime_size_mtime(client: httpx2.AsyncClient) -> None:
    where = (
        "<d:and><d:like><d:prop><d:getcontenttype/></d:prop><d:literal>image/%</d:literal></d:like>"
        "<d:gt><d:prop><oc:size/></d:prop><d:literal>1000</d:literal></d:gt></d:and>"
    )
    response = await client.request("SEARCH", "/remote.php/dav", auth=ALICE, content=_search(where))
    assert _hrefs(response) == [f"{FILES}/Photos/cat.jpg"]
    recent = f"<d:gte><d:prop><d:getlastmodified/></d:prop><d:literal>{T0 - 3600}</d:literal></d:gte>"
    no_folders = f"<d:and>{recent}<d:not><d:is-collection/></d:not></d:and>"
    response = await client.request("SEARCH", "/remote.php/dav", auth=ALICE, content=_search(no_folders))
    assert sorted(_hrefs(response)) == [f"{FILES}/Docs/report.md", f"{FILES}/Photos/dog.JPG", f"{FILES}/notes.txt"]
    favs = "<d:eq><d:prop><oc:favorite/></d:prop><d:literal>1</d:literal></d:eq>"
    response = await client.request("SEARCH", "/remote.php/dav", auth=ALICE, content=_search(favs))
    assert _hrefs(response) == [f"{FILES}/Photos/dog.JPG"]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("literal", ["-2147483643", "1e400", "not a date"])
async def test_search_mtime_literals_are_cast_like_php(client: httpx2.AsyncClient, literal: str) -> None:
    # FileSearchBackend::castValue: negative -> 0, unparsable -> 0; never a 500
    where = f"<d:gt><d:prop><d:getlastmodified/></d:prop><d:literal>{literal}</d:literal></d:gt>"
    response = await client.request("SEARCH", "/remote.php/dav/", auth=ALICE, content=_search(where))
    assert response.status_code == 207
    assert len(_hrefs(response)) >= 4  # every seeded file is newer than 0


@pytest.mark.usefixtures("seeded")
async def test_search_orderby_limit_and_scope(client: httpx2.AsyncClient) -> None:
    files_only = "<d:not><d:is-collection/></d:not>"
    order = "<d:orderby><d:order><d:prop><d:getlastmodified/></d:prop><d:descending/></d:order></d:orderby>"
    limit = "<d:limit><d:nresults>2</d:nresults></d:limit>"
    response = await client.request(
        "SEARCH", "/remote.php/dav", auth=ALICE, content=_search(files_only, order=order, limit=limit)
    )
    assert _hrefs(response) == [f"{FILES}/notes.txt", f"{FILES}/Docs/report.md"]
    scoped = await client.request(
        "SEARCH", "/remote.php/dav", auth=ALICE, content=_search(files_only, scope="/files/alice/Photos")
    )
    assert sorted(_hrefs(scoped)) == [f"{FILES}/Photos/cat.jpg", f"{FILES}/Photos/dog.JPG"]
    foreign = await client.request(
        "SEARCH", "/remote.php/dav", auth=ALICE, content=_search(files_only, scope="/files/b0b")
    )
    assert foreign.status_code == 400


async def test_chunked_upload_v2(client: httpx2.AsyncClient) -> None:
    upload = "/remote.php/dav/uploads/alice/web-file-upload-123"
    dest = {"Destination": f"http://nc.test{FILES}/big/file.bin"}
    assert (await client.request("MKCOL", FILES + "/big", auth=ALICE)).status_code == 201
    assert (await client.request("MKCOL", upload, auth=ALICE, headers=dest)).status_code == 201
    assert (await client.put(f"{upload}/2", auth=ALICE, content=b"world", headers=dest)).status_code == 201
    assert (await client.put(f"{upload}/1", auth=ALICE, content=b"hello ", headers=dest)).status_code == 201
    wrong = await client.request("MOVE", f"{upload}/.file", auth=ALICE, headers={**dest, "OC-Total-Length": "99"})
    assert wrong.status_code == 400
    done = await client.request("MOVE", f"{upload}/.file", auth=ALICE, headers={**dest, "OC-Total-Length": "11"})
    assert done.status_code == 201
    assert done.headers["oc-fileid"].endswith("ocfakenc01")
    assert (await client.get(FILES + "/big/file.bin", auth=ALICE)).content == b"hello world"
    gone = await client.request("MOVE", f"{upload}/.file", auth=ALICE, headers=dest)
    assert gone.status_code == 404


async def test_chunked_upload_abort_and_bad_chunk(client: httpx2.AsyncClient) -> None:
    upload = "/remote.php/dav/uploads/alice/u2"
    await client.request("MKCOL", upload, auth=ALICE, headers={"Destination": f"http://nc.test{FILES}/x.bin"})
    bad = await client.put(f"{upload}/10001", auth=ALICE, content=b"x")
    assert bad.status_code == 400
    assert (await client.delete(upload, auth=ALICE)).status_code == 204
    assert (await client.put(f"{upload}/1", auth=ALICE, content=b"x")).status_code == 404
