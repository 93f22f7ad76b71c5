"""FilesClient over MockTransport: uid from cloud/user, multistatus parsing, charsets, conflicts, streaming."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from nextcloud_mcp.apps.files.advice import explain
from nextcloud_mcp.apps.files.client import FilesClient, decode_text
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core import errors
from nextcloud_mcp.core.dav import parse_multistatus
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import CoreClient
from nextcloud_mcp.core.paths import InvalidPath

pytestmark = pytest.mark.anyio
ROOT = "/remote.php/dav/files/u%201/"


def _prop(href: str, *, folder: bool = False, size: int = 5, fav: int = 0, etag: str = "abc") -> str:
    rtype = "<d:collection/>" if folder else ""
    return (
        f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>"
        f"<d:getlastmodified>Thu, 26 Nov 2026 10:00:00 GMT</d:getlastmodified><d:getetag>&quot;{etag}&quot;</d:getetag>"
        f"<d:resourcetype>{rtype}</d:resourcetype><oc:size>{size}</oc:size><oc:fileid>42</oc:fileid>"
        f"<oc:permissions>RGDNVW</oc:permissions><oc:favorite>{fav}</oc:favorite>"
        "<d:getcontenttype>text/markdown</d:getcontenttype>"
        "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
        "<d:propstat><d:prop><nc:has-preview/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>"
        "</d:response>"
    )


def _ms(*responses: str) -> bytes:
    return (
        '<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" '
        f'xmlns:nc="http://nextcloud.org/ns">{"".join(responses)}</d:multistatus>'
    ).encode()


def _user(request: httpx2.Request) -> httpx2.Response | None:
    if request.url.path == "/ocs/v2.php/cloud/user":
        return httpx2.Response(200, json={"ocs": {"meta": {"status": "ok", "statuscode": 200}, "data": {"id": "u 1"}}})
    return None


def _client(
    make_settings: Callable[..., Settings], handler: Callable[[httpx2.Request], httpx2.Response], key: str = "k"
) -> FilesClient:
    def wrapped(request: httpx2.Request) -> httpx2.Response:
        return _user(request) or handler(request)

    http = NextcloudHTTP(make_settings(), transport=httpx2.MockTransport(wrapped))
    auth = httpx2.BasicAuth("login-name", "pw")
    return FilesClient(http, auth, key, CoreClient(http, auth))


def test_multistatus_parsing() -> None:
    body = _ms(_prop(ROOT + "Docs/", folder=True), _prop(ROOT + "Docs/a%20b.md", fav=1))
    folder, item = parse_multistatus(body, "/remote.php/dav/files/u 1/")
    assert folder.is_dir and folder.path == "Docs"
    assert item.path == "Docs/a b.md" and item.etag == "abc" and item.favorite and item.file_id == 42
    assert item.modified == "2026-11-26T10:00:00Z" and item.size == 5 and item.content_type == "text/markdown"
    assert not item.has_preview  # its propstat was 404


def test_malformed_and_hostile_xml_is_a_protocol_error() -> None:
    with pytest.raises(errors.ProtocolError):
        parse_multistatus(b"<not xml", "/")
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(errors.ProtocolError):
        parse_multistatus(bomb, "/")


@pytest.mark.parametrize(
    ("data", "ctype", "text", "enc"),
    [
        (b"\xef\xbb\xbfhi", None, "hi", "utf-8-sig"),
        ("é".encode("latin-1"), "text/plain; charset=ISO-8859-1", "é", "ISO-8859-1"),
        ("é".encode(), "text/plain", "é", "utf-8"),
        ("hé".encode("utf-16"), None, "hé", "utf-16"),
    ],
)
def test_decode_text(data: bytes, ctype: str | None, text: str, enc: str) -> None:
    assert decode_text(data, ctype) == (text, enc)


def test_binary_is_not_decoded() -> None:
    assert decode_text(b"\x89PNG\x00\x00", "image/png") is None
    assert decode_text(b"\xff\xfe\xfd"[1:] + b"\xc3", "application/octet-stream") is None


async def test_uid_comes_from_cloud_user_and_is_cached(make_settings: Callable[..., Settings]) -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.raw_path.decode())
        assert request.headers["Depth"] == "1"
        return httpx2.Response(207, content=_ms(_prop(ROOT, folder=True), _prop(ROOT + "x.md")))

    client = _client(make_settings, handler, key="cache-test")
    me, children = await client.list_folder("/")
    assert me.path == "" and [c.path for c in children] == ["x.md"]
    await client.list_folder("")
    assert seen == [ROOT, ROOT]  # the uid, not the login name, and only one cloud/user call (not in `seen`)


async def test_path_escape_is_refused_before_any_request(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise AssertionError(f"no request expected: {request.url}")

    client = _client(make_settings, handler)
    with pytest.raises(InvalidPath):
        await client.list_folder("../other")
    with pytest.raises(InvalidPath):
        await client.write_text("a/\x07b", "x", etag=None, force=False)


async def test_read_text_binary_and_too_large(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "PROPFIND":
            size = 10 if "small" in request.url.path else 10_000
            return httpx2.Response(207, content=_ms(_prop(request.url.raw_path.decode(), size=size)))
        return httpx2.Response(200, content=b"\x00\x01binary", headers={"Content-Type": "application/octet-stream"})

    client = _client(make_settings, handler)
    got = await client.read_text("small.bin", 100)
    assert got.text is None and got.reason and "binary" in got.reason
    big = await client.read_text("big.txt", 100)
    assert big.text is None and big.reason and "limit" in big.reason


async def test_write_with_stale_etag_is_a_conflict_that_names_the_read_tool(
    make_settings: Callable[..., Settings],
) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "PROPFIND":
            return httpx2.Response(207, content=_ms(_prop(request.url.raw_path.decode(), etag="new")))
        assert request.headers["If-Match"] == '"old"' and "If-None-Match" not in request.headers
        return httpx2.Response(412)

    client = _client(make_settings, handler)
    expected = "changed since you read it; read it again with nc_files_read_file"
    with pytest.raises(errors.Conflict, match=expected) as exc:
        await client.write_text("a.md", "x", etag="old", force=False)
    assert exc.value.current == "new" and "already exists" not in str(exc.value)


async def test_write_without_etag_only_creates_and_says_the_file_exists(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.method == "PUT", "no re-read: the 412 of If-None-Match means it exists"
        assert request.headers["If-None-Match"] == "*" and "If-Match" not in request.headers
        return httpx2.Response(412)

    client = _client(make_settings, handler)
    with pytest.raises(errors.Conflict) as exc:
        await client.write_text("/Docs/a.md", "x", etag=None, force=False)
    message = str(exc.value)
    assert message.startswith("/Docs/a.md already exists") and "etag" in message and "force=true" in message
    assert "changed" not in message and "nc_files_stat" not in message


async def test_write_with_an_etag_of_a_file_gone_meanwhile(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(412) if request.method == "PUT" else httpx2.Response(404)

    client = _client(make_settings, handler)
    with pytest.raises(errors.Conflict, match="no longer exists"):
        await client.write_text("a.md", "x", etag="old", force=False)


async def test_forced_write_sends_no_precondition(make_settings: Callable[..., Settings]) -> None:
    seen: list[httpx2.Headers] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "PUT":
            seen.append(request.headers)
            return httpx2.Response(204)
        return httpx2.Response(207, content=_ms(_prop(request.url.raw_path.decode())))

    entry = await _client(make_settings, handler).write_text("a.md", "x", etag=None, force=True)
    assert entry.path == "a.md"
    assert "If-Match" not in seen[0] and "If-None-Match" not in seen[0]


async def test_move_without_overwrite_maps_412(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.method == "MOVE" and request.headers["Overwrite"] == "F"
        assert request.headers["Destination"].endswith(ROOT + "b%20c/d.md")
        return httpx2.Response(412)

    client = _client(make_settings, handler)
    with pytest.raises(errors.Conflict, match="overwrite=true"):
        await client.transfer("MOVE", "a.md", "b c/d.md", overwrite=False)


async def test_mkdir_with_parents_tolerates_existing(make_settings: Callable[..., Settings]) -> None:
    made: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "MKCOL":
            made.append(request.url.path)
            return httpx2.Response(405 if len(made) == 1 else 201)
        return httpx2.Response(207, content=_ms(_prop(request.url.raw_path.decode(), folder=True)))

    client = _client(make_settings, handler)
    entry = await client.mkdir("a/b", parents=True)
    assert entry.is_dir and made == ["/remote.php/dav/files/u 1/a/", "/remote.php/dav/files/u 1/a/b/"]


async def test_chunked_upload_and_streamed_download(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    payload = os.urandom(2500)
    local = tmp_path / "in.bin"
    local.write_bytes(payload)
    calls: list[tuple[str, str, dict[str, str]]] = []
    chunks: dict[str, bytes] = {}

    def handler(request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        calls.append((request.method, path, dict(request.headers)))
        if request.method == "PUT":
            chunks[path] = request.content
            return httpx2.Response(201)
        if request.method in ("MKCOL", "MOVE"):
            return httpx2.Response(201)
        if request.method == "GET":
            return httpx2.Response(200, content=payload)
        return httpx2.Response(207, content=_ms(_prop(request.url.raw_path.decode(), size=len(payload))))

    progress: list[int] = []

    async def report(done: int, total: int | None) -> None:
        progress.append(done)

    client = _client(make_settings, handler)
    await client.upload(local, "big.bin", force=True, progress=report, threshold=1000)
    methods = [c[0] for c in calls]
    assert methods == ["MKCOL", "PUT", "PUT", "PUT", "MOVE", "PROPFIND"]
    upload_dir = calls[0][1]
    assert upload_dir.startswith("/remote.php/dav/uploads/u 1/")
    assert calls[0][2]["destination"].endswith(ROOT + "big.bin")
    assert [p.rsplit("/", 1)[1] for p in chunks] == ["00001", "00002", "00003"]
    assert all(c[2]["oc-total-length"] == "2500" for c in calls[1:4])
    assert calls[4][1] == upload_dir + "/.file" and calls[4][2]["overwrite"] == "T"
    assert b"".join(chunks.values()) == payload and progress[-1] == 2500

    out = tmp_path / "out.bin"
    entry, written = await client.download("big.bin", out)
    assert written == 2500 and hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(payload).digest()
    assert entry.path == "big.bin" and not (tmp_path / "out.bin.part").exists()


async def test_failed_chunked_upload_cleans_up(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    local = tmp_path / "in.bin"
    local.write_bytes(b"x" * 30)
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.method)
        return httpx2.Response(507) if request.method == "PUT" else httpx2.Response(201)

    client = _client(make_settings, handler)
    with pytest.raises(errors.InsufficientStorage):
        await client.upload(local, "q.bin", force=True, threshold=10)
    assert seen == ["MKCOL", "PUT", "DELETE"]  # a streamed PUT is never retried


async def test_search_body(make_settings: Callable[..., Settings]) -> None:
    bodies: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.method == "SEARCH" and request.url.path == "/remote.php/dav/"
        bodies.append(request.content.decode())
        return httpx2.Response(207, content=_ms(_prop(ROOT + "Docs/r.md")))

    client = _client(make_settings, handler)
    found = await client.search(
        path="Docs",
        name="*.md",
        mime=None,
        min_size=1,
        max_size=None,
        modified_after=None,
        modified_before=None,
        favorite=True,
        limit=5,
        offset=10,
    )
    assert [f.path for f in found] == ["Docs/r.md"]
    body: Any = bodies[0]
    assert "<d:literal>%.md</d:literal>" in body and "/files/u%201/Docs</d:href>" in body
    assert "<oc:favorite/>" in body and "<d:nresults>5</d:nresults>" in body
    # the offset is read in SearchDAV's namespace only (icewind1991/SearchDAV src/XML/Limit.php)
    assert '<sd:firstresult xmlns:sd="https://github.com/icewind1991/SearchDAV/ns">10</sd:firstresult>' in body


async def test_failed_download_maps_the_status_and_leaves_no_file(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "PROPFIND":
            return httpx2.Response(207, content=_ms(_prop(request.url.raw_path.decode())))
        return httpx2.Response(423)

    client = _client(make_settings, handler)
    with pytest.raises(errors.Locked):
        await client.download("x.bin", tmp_path / "x.bin")
    assert not (tmp_path / "x.bin").exists() and not (tmp_path / "x.bin.part").exists()


async def test_single_put_upload_refuses_to_replace(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    local = tmp_path / "small.txt"
    local.write_bytes(b"abc")
    headers: list[httpx2.Headers] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        headers.append(request.headers)
        return httpx2.Response(412)

    client = _client(make_settings, handler)
    with pytest.raises(errors.Conflict):
        await client.upload(local, "a/small.txt")
    assert headers[0]["if-none-match"] == "*" and headers[0]["x-nc-webdav-automkcol"] == "1"
    assert headers[0]["content-length"] == "3" and len(headers) == 1


async def test_read_text_caps_a_body_larger_than_its_size_property(make_settings: Callable[..., Settings]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "PROPFIND":
            return httpx2.Response(207, content=_ms(_prop(request.url.raw_path.decode(), size=1)))
        return httpx2.Response(200, content=b"a" * 1000, headers={"Content-Type": "text/plain"})

    got = await _client(make_settings, handler).read_text("lies.txt", 100)
    assert got.text is None and got.reason and "larger than 100" in got.reason


async def test_chunked_upload_checks_the_etag_before_the_final_move(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    local = tmp_path / "in.bin"
    local.write_bytes(b"x" * 30)
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.method)
        return httpx2.Response(207, content=_ms(_prop(request.url.raw_path.decode(), etag="now")))

    client = _client(make_settings, handler)
    with pytest.raises(errors.Conflict, match="changed since you read it"):
        await client.upload(local, "q.bin", etag="before", threshold=10)
    with pytest.raises(errors.Conflict, match="already exists"):
        await client.upload(local, "q.bin", threshold=10)
    assert seen == ["PROPFIND", "PROPFIND"]  # refused before any chunk was sent


def _chunked(fail: Callable[[httpx2.Request], httpx2.Response | None], seen: list[str]) -> Callable[..., Any]:
    """A Nextcloud for a forced chunked upload of 30 bytes in parts of 10 where `fail` may answer a request."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(f"{request.method} {request.url.path.rsplit('/', 1)[-1]}")
        answer = fail(request)
        if answer is not None:
            return answer
        if request.method == "PROPFIND":
            return httpx2.Response(207, content=_ms(_prop(request.url.raw_path.decode())))
        return httpx2.Response(201)

    return handler


async def test_chunked_upload_failing_at_a_part_says_nothing_was_written(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    local = tmp_path / "in.bin"
    local.write_bytes(b"x" * 30)
    seen: list[str] = []
    part2 = _chunked(lambda r: httpx2.Response(500) if r.url.path.endswith("/00002") else None, seen)
    with pytest.raises(errors.Unavailable) as failed:
        await _client(make_settings, part2).upload(local, "q.bin", force=True, threshold=10)
    text = str(failed.value)
    assert "Uploading /q.bin failed while sending part 2 of 3" in text and "Its parts were removed" in text
    assert "Nothing was written to /q.bin; nc_files_upload_file can be called again" in text
    assert [s.split()[0] for s in seen] == ["MKCOL", "PUT", "PUT", "DELETE"]


async def test_chunked_upload_whose_parts_cannot_be_removed_says_so(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    local = tmp_path / "in.bin"
    local.write_bytes(b"x" * 30)
    seen: list[str] = []
    broken = _chunked(lambda r: httpx2.Response(500) if r.method in ("MOVE", "DELETE") else None, seen)
    with pytest.raises(errors.Unavailable) as failed:
        await _client(make_settings, broken).upload(local, "q.bin", force=True, threshold=10)
    text = str(failed.value)
    assert "failed while assembling the parts" in text and "could not be removed (mcp-" in text
    assert "Nextcloud deletes unfinished uploads after a day" in text and "Nothing was written to /q.bin" in text


async def test_chunked_upload_without_an_answer_to_the_final_move_is_unsure(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    local = tmp_path / "in.bin"
    local.write_bytes(b"x" * 30)

    def drop(request: httpx2.Request) -> httpx2.Response | None:
        if request.method == "MOVE":
            raise httpx2.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx2.Response(404) if request.method == "DELETE" else None

    with pytest.raises(errors.Unavailable) as failed:
        await _client(make_settings, _chunked(drop, [])).upload(local, "q.bin", force=True, threshold=10)
    text = str(failed.value)
    assert "/q.bin may or may not have been written: check it with nc_files_get_file" in text
    assert "Nothing was written" not in text


@pytest.mark.parametrize(
    ("status", "method", "kind", "says"),
    [
        (409, "PUT", errors.Conflict, "The folder /a for /a/q.txt does not exist or is a file"),
        (423, "PUT", errors.Locked, "/a/q.txt is locked"),
        (507, "PUT", errors.InsufficientStorage, "Not enough storage for /a/q.txt: the quota is used up"),
    ],
)
async def test_dav_refusals_are_explained_with_nextclouds_message(
    make_settings: Callable[..., Settings], status: int, method: str, kind: type[errors.NextcloudError], says: str
) -> None:
    body = (
        b'<?xml version="1.0"?><d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
        b"<s:exception>Sabre\\DAV\\Exception</s:exception><s:message>Said by Nextcloud</s:message></d:error>"
    )

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, content=body) if request.method == method else httpx2.Response(201)

    with pytest.raises(kind) as failed:
        await _client(make_settings, handler).write_text("a/q.txt", "x", etag=None, force=True)
    text = str(failed.value)
    assert says in text and '(Nextcloud: "Said by Nextcloud")' in text and "parent is missing" not in text


def test_refusals_name_the_users_path_under_a_nextcloud_base_path() -> None:
    root = "/remote.php/dav/files/u%201/"
    base = "https://cloud.example/nc/remote.php/dav/files/u%201/"
    request = httpx2.Request("MOVE", base + "Docs/a%20b.txt")
    response = httpx2.Response(409, request=request)
    moved = explain(response, root, {"Destination": base + "New/a%20b.txt"})
    assert isinstance(moved, errors.Conflict) and "The target folder /New does not exist" in str(moved)
    locked = explain(httpx2.Response(423, request=request), root, {"Destination": base + "New/a%20b.txt"})
    assert isinstance(locked, errors.Locked) and locked.message.startswith("/Docs/a b.txt is locked")
    restore = httpx2.Request("MOVE", "https://cloud.example/nc/remote.php/dav/trashbin/u%201/trash/x.d1")
    elsewhere = explain(httpx2.Response(409, request=restore), root, {"Destination": "https://cloud.example/x"})
    assert "does not exist" not in str(elsewhere) and "conflict" in str(elsewhere)
