"""WebDAV preconditions on the files tree: sabre-io/dav lib/DAV/Server.php::checkPreconditions (If-Match,
If-None-Match, If-(Un)Modified-Since, the RFC 4918 ``If`` header of getIfConditions) on every method, and
Server::getCopyAndMoveInfo for MOVE/COPY (plain and the chunked upload's final MOVE)."""

from __future__ import annotations

from email.utils import formatdate
from xml.etree import ElementTree as ET

import httpx2
import pytest

from support.fake_support import ALICE, T0

pytestmark = pytest.mark.anyio

FILES = "/remote.php/dav/files/alice"
URL = f"http://nc.test{FILES}"
D, S = "{DAV:}", "{http://sabredav.org/ns}"
FAILED = "Sabre\\DAV\\Exception\\PreconditionFailed"


def _error(response: httpx2.Response) -> tuple[str, str, str | None]:
    root = ET.fromstring(response.content)  # noqa: S314 - our own fake's output
    assert root.tag == f"{D}error"
    return root.findtext(f"{S}exception") or "", root.findtext(f"{S}message") or "", root.findtext(f"{S}header")


async def _put(client: httpx2.AsyncClient, name: str, body: bytes = b"x") -> str:
    response = await client.put(f"{FILES}/{name}", auth=ALICE, content=body)
    assert response.status_code in (201, 204), response.text
    return response.headers["etag"]


async def _dav(client: httpx2.AsyncClient, method: str, name: str, **headers: str) -> httpx2.Response:
    return await client.request(method, f"{FILES}/{name}", auth=ALICE, headers=headers)


async def test_if_tagged_with_the_destination_guards_move_and_copy(client: httpx2.AsyncClient) -> None:
    """`If: <dest> (["etag"])`: the destination is overwritten only while it still has that ETag."""
    await _put(client, "a.txt", b"A")
    dest_etag = await _put(client, "b.txt", b"B")
    for method in ("MOVE", "COPY"):
        refused = await _dav(
            client, method, "a.txt", Destination=f"{URL}/b.txt", Overwrite="T", If=f'<{URL}/b.txt> (["wrong"])'
        )
        assert refused.status_code == 412
        assert _error(refused) == (FAILED, "Failed to find a valid token/etag combination for files/alice/b.txt", "If")
    assert (await client.get(f"{FILES}/b.txt", auth=ALICE)).content == b"B"
    relative = await _dav(  # a server-root-relative tag works too (Server::calculateUri)
        client, "COPY", "a.txt", Destination=f"{URL}/b.txt", If=f"<{FILES}/b.txt> ([{dest_etag}])"
    )
    assert relative.status_code == 204
    assert (await client.get(f"{FILES}/b.txt", auth=ALICE)).content == b"A"


async def test_if_untagged_lists_apply_to_the_request_uri_on_every_method(client: httpx2.AsyncClient) -> None:
    etag = await _put(client, "c.txt", b"1")
    for method in ("PUT", "DELETE", "PROPFIND", "PROPPATCH", "GET"):
        response = await _dav(client, method, "c.txt", If='(["stale"])')
        assert response.status_code == 412, method
        assert _error(response)[1] == "Failed to find a valid token/etag combination for files/alice/c.txt"
    assert (
        await client.put(f"{FILES}/c.txt", auth=ALICE, content=b"2", headers={"If": f"([{etag}])"})
    ).status_code == 204
    # two lists for one resource: either may hold (the second extends the first's alternatives)
    fresh = (await _dav(client, "HEAD", "c.txt")).headers["etag"]
    either = await _dav(client, "DELETE", "c.txt", If=f'(["stale"]) ([{fresh}])')
    assert either.status_code == 204


async def test_if_not_and_lock_tokens(client: httpx2.AsyncClient) -> None:
    """Nextcloud validates no lock token (no Locks plugin): a token list fails, `Not <token>` holds."""
    etag = await _put(client, "d.txt")
    assert (await _dav(client, "PROPFIND", "d.txt", Depth="0", If=f"(Not [{etag}])")).status_code == 412
    assert (await _dav(client, "PROPFIND", "d.txt", Depth="0", If='(Not ["other"])')).status_code == 207
    token = "<opaquelocktoken:181d4fae-7d8c-11d0-a765-00a0c91e6bf2>"
    assert (await _dav(client, "PROPFIND", "d.txt", Depth="0", If=f"({token})")).status_code == 412
    assert (await _dav(client, "PROPFIND", "d.txt", Depth="0", If=f"({token} [{etag}])")).status_code == 412
    assert (await _dav(client, "PROPFIND", "d.txt", Depth="0", If=f"(Not {token})")).status_code == 207
    assert (await _dav(client, "PROPFIND", "d.txt", Depth="0", If=f"(not {token} [{etag}])")).status_code == 207
    # FakeLockerPlugin (macOS Finder, Office) declares every opaquelocktoken valid
    finder = await _dav(
        client, "PROPFIND", "d.txt", Depth="0", If=f"({token} [{etag}])", **{"User-Agent": "WebDAVFS/3.0"}
    )
    assert finder.status_code == 207


async def test_if_quirks_folders_missing_resources_and_tags(client: httpx2.AsyncClient) -> None:
    await client.request("MKCOL", f"{FILES}/f", auth=ALICE)
    folder_etag = (await _dav(client, "PROPFIND", "f", Depth="0")).text.split("<d:getetag>")[1].split("<")[0]
    folder_etag = folder_etag.replace("&quot;", '"')
    # only files (IFile) have an ETag for Sabre: a folder's never matches, in If or If-Match
    assert (await _dav(client, "PROPFIND", "f", Depth="0", If=f"([{folder_etag}])")).status_code == 412
    assert (await _dav(client, "PROPFIND", "f", Depth="0", **{"If-Match": folder_etag})).status_code == 412
    assert (await _dav(client, "PROPFIND", "f", Depth="0", **{"If-Match": "*"})).status_code == 207
    await _put(client, "e.txt")
    # an ETag condition on a missing resource: getNodeForPath throws NotFound
    missing = await _dav(client, "PROPFIND", "e.txt", Depth="0", If=f'<{URL}/nope.txt> (["x"])')
    assert missing.status_code == 404
    outside = await _dav(client, "PROPFIND", "e.txt", Depth="0", If='<http://nc.test/elsewhere/x> (["x"])')
    assert outside.status_code == 403
    assert "is out of base uri (/remote.php/dav/)" in _error(outside)[1]
    # a tag needs exactly one whitespace before its list, else the list is untagged (the request URI's)
    glued = await _dav(client, "PROPFIND", "e.txt", Depth="0", If=f'<{URL}/f>(["x"])')
    assert _error(glued)[1] == "Failed to find a valid token/etag combination for files/alice/e.txt"
    # every tagged resource must hold
    e_etag = (await _dav(client, "HEAD", "e.txt")).headers["etag"]
    both = await _dav(client, "PROPFIND", "e.txt", Depth="0", If=f'<{URL}/e.txt> ([{e_etag}]) <{URL}/f> (["x"])')
    assert _error(both)[1] == "Failed to find a valid token/etag combination for files/alice/f"


async def test_http_conditionals_on_every_method(client: httpx2.AsyncClient) -> None:
    etag = await _put(client, "g.txt", b"G")
    cached = await _dav(client, "GET", "g.txt", **{"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.headers["etag"] == etag
    head = await _dav(client, "HEAD", "g.txt", **{"If-None-Match": etag})  # HEAD passes invokeMethod as HEAD first
    assert head.status_code == 412
    move = await _dav(client, "MOVE", "g.txt", Destination=f"{URL}/h.txt", **{"If-Match": '"stale"'})
    assert move.status_code == 412
    assert move.headers["etag"] == etag
    assert _error(move) == (
        FAILED,
        "An If-Match header was specified, but none of the specified ETags matched.",
        "If-Match",
    )
    created = await client.request("MKCOL", f"{FILES}/g.txt", auth=ALICE, headers={"If-None-Match": "*"})
    assert _error(created)[2] == "If-None-Match"
    later, earlier = formatdate(T0 + 60, usegmt=True), formatdate(T0 - 60, usegmt=True)
    not_modified = await _dav(client, "GET", "g.txt", **{"If-Modified-Since": later})
    assert not_modified.status_code == 304
    assert (await _dav(client, "GET", "g.txt", **{"If-Modified-Since": "yesterday"})).status_code == 200
    changed = await _dav(client, "DELETE", "g.txt", **{"If-Unmodified-Since": earlier})
    assert _error(changed)[2] == "If-Unmodified-Since"
    assert (await _dav(client, "DELETE", "g.txt", **{"If-Unmodified-Since": later})).status_code == 204


async def test_copy_move_info_checks_in_sabres_order(client: httpx2.AsyncClient) -> None:
    await _put(client, "a.txt")
    await client.request("MKCOL", f"{FILES}/d", auth=ALICE)
    await _put(client, "d/x.txt")
    bad_overwrite = await _dav(client, "MOVE", "a.txt", Destination=f"{URL}/b.txt", Overwrite="yes")
    assert _error(bad_overwrite)[1] == "The HTTP Overwrite header should be either T or F"
    shallow = await _dav(client, "MOVE", "a.txt", Destination=f"{URL}/b.txt", Depth="0")
    assert _error(shallow)[1] == 'The HTTP Depth header must only contain "infinity" for MOVE'
    inside = await _dav(client, "MOVE", "d", Destination=f"{URL}/d/e")
    assert inside.status_code == 409
    assert _error(inside)[1] == "The destination may not be part of the same subtree as the source path."
    under_file = await _dav(client, "COPY", "a.txt", Destination=f"{URL}/a.txt/b")
    assert under_file.status_code == 415
    kept = await _dav(client, "COPY", "a.txt", Destination=f"{URL}/d/x.txt", Overwrite="F")
    assert _error(kept) == (
        FAILED,
        "The destination node already exists, and the overwrite header is set to false",
        "Overwrite",
    )
    # the destination is checked before the source: a missing source with a missing target folder is a 409
    assert (await _dav(client, "MOVE", "nope.txt", Destination=f"{URL}/no/b.txt")).status_code == 409
    dotted = await _dav(client, "COPY", "a.txt", Destination=f"{URL}/d/../c.txt")  # Uri\normalize
    assert dotted.status_code == 201
    assert (await client.get(f"{FILES}/c.txt", auth=ALICE)).status_code == 200


async def test_chunked_upload_final_move_honours_if_and_overwrite(client: httpx2.AsyncClient) -> None:
    await _put(client, "big.bin", b"old")
    upload = "/remote.php/dav/uploads/alice/up-1"
    target = {"Destination": f"{URL}/big.bin"}
    assert (await client.request("MKCOL", upload, auth=ALICE, headers=target)).status_code == 201
    put = await client.put(f"{upload}/00001", auth=ALICE, content=b"new", headers={**target, "If": '(["x"])'})
    assert put.status_code == 201  # ChunkingV2Plugin::beforePut answers before any precondition
    guarded = await client.request(
        "MOVE", f"{upload}/.file", auth=ALICE, headers={**target, "If": f'<{URL}/big.bin> (["x"])'}
    )
    assert guarded.status_code == 412
    refused = await client.request("MOVE", f"{upload}/.file", auth=ALICE, headers={**target, "Overwrite": "F"})
    assert _error(refused)[2] == "Overwrite"
    assert (await client.get(f"{FILES}/big.bin", auth=ALICE)).content == b"old"
    etag = (await _dav(client, "HEAD", "big.bin")).headers["etag"]
    done = await client.request(
        "MOVE", f"{upload}/.file", auth=ALICE, headers={**target, "If": f"<{URL}/big.bin> ([{etag}])"}
    )
    assert done.status_code == 204
    assert (await client.get(f"{FILES}/big.bin", auth=ALICE)).content == b"new"


async def test_head_on_a_folder_is_a_200_carrying_the_real_status(client: httpx2.AsyncClient) -> None:
    """CorePlugin::httpHead turns the GET sub-request's NotImplemented into a 200 (GET stays a 501)."""
    await client.request("MKCOL", f"{FILES}/folder", auth=ALICE)
    head = await _dav(client, "HEAD", "folder")
    assert head.status_code == 200
    assert head.headers["x-sabre-real-status"] == "501"
    assert (await _dav(client, "GET", "folder")).status_code == 501
