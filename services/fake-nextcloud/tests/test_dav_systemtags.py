"""System tags over WebDAV (apps/dav/lib/SystemTag/, lib/private/SystemTag/, nextcloud/server): the tag
collection, a file's tags under ``systemtags-relations``, ``nc:system-tags`` on files and the ``oc:systemtag`` rule
of ``REPORT oc:filter-files`` (apps/dav/lib/Connector/Sabre/FilesReportPlugin.php)."""

from __future__ import annotations

import hashlib
from xml.etree import ElementTree as ET

import httpx2
import pytest

from fake_nextcloud import FakeState, ManualClock
from fake_nextcloud.apps.dav.models import DavBackend
from fake_nextcloud.apps.dav.systemtags import SystemTagStore
from support.fake_support import ADMIN, ALICE, BOB, T0

pytestmark = pytest.mark.anyio

DAV = "/remote.php/dav"
TAGS = f"{DAV}/systemtags"
FILES = f"{DAV}/files/alice"
REL = f"{DAV}/systemtags-relations/files"
D, OC, NC, S = "{DAV:}", "{http://owncloud.org/ns}", "{http://nextcloud.org/ns}", "{http://sabredav.org/ns}"
NS = 'xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"'
TAG_PROPS = (
    "<d:getetag/><d:resourcetype/><oc:id/><oc:display-name/><oc:user-visible/><oc:user-assignable/>"
    "<oc:can-assign/><nc:color/>"
)
JSON = {"Content-Type": "application/json"}


def _propfind(props: str) -> bytes:
    return f'<?xml version="1.0"?><d:propfind {NS}><d:prop>{props}</d:prop></d:propfind>'.encode()


def _proppatch(props: str) -> bytes:
    update = f"<d:propertyupdate {NS}><d:set><d:prop>{props}</d:prop></d:set></d:propertyupdate>"
    return f'<?xml version="1.0"?>{update}'.encode()


def _report(rules: str, props: str = "<oc:fileid/>") -> bytes:
    body = (
        f"<d:prop>{props}</d:prop><oc:filter-rules>{rules}</oc:filter-rules>" if rules else f"<d:prop>{props}</d:prop>"
    )
    return f'<?xml version="1.0"?><oc:filter-files {NS}>{body}</oc:filter-files>'.encode()


def _md5(ts: int) -> str:
    return hashlib.md5(str(ts).encode()).hexdigest()


def _responses(response: httpx2.Response) -> dict[str, dict[str, str]]:
    """href -> {prop: text} (200 propstats), ``"404"`` for props in a 404 propstat."""
    out: dict[str, dict[str, str]] = {}
    for resp in ET.fromstring(response.content).iter(f"{D}response"):  # noqa: S314 - our own fake's output
        props: dict[str, str] = {}
        for propstat in resp.iter(f"{D}propstat"):
            status = propstat.findtext(f"{D}status") or ""
            for child in propstat.iter(f"{D}prop"):
                for prop in child:
                    text = prop.text or ""
                    if prop.tag == f"{D}resourcetype":
                        text = "collection" if prop.find(f"{D}collection") is not None else ""
                    props[prop.tag] = text if "200" in status else status.split(" ", 1)[1]
        out[resp.findtext(f"{D}href") or ""] = props
    return out


def _error(response: httpx2.Response) -> tuple[str, str]:
    root = ET.fromstring(response.content)  # noqa: S314 - our own fake's output
    return root.findtext(f"{S}exception") or "", root.findtext(f"{S}message") or ""


async def _create(client: httpx2.AsyncClient, auth: tuple[str, str], **fields: object) -> int:
    response = await client.post(f"{TAGS}/", auth=auth, json=fields)
    assert response.status_code == 201, response.text
    return int(response.headers["content-location"].rsplit("/", 1)[1])


async def _seed(client: httpx2.AsyncClient, *paths: str) -> dict[str, int]:
    files = [{"path": p, "content": p} for p in paths]
    response = await client.post("/__testbed__/seed/files", json={"user": "alice", "files": files})
    assert response.status_code == 201, response.text
    return {f["path"]: f["fileid"] for f in response.json()["files"]}


async def _assign(client: httpx2.AsyncClient, file_id: int, tag_id: int, auth: tuple[str, str] = ALICE) -> None:
    response = await client.put(f"{REL}/{file_id}/{tag_id}", auth=auth)
    assert response.status_code == 201, response.text


async def test_create_then_list_with_named_properties(client: httpx2.AsyncClient) -> None:
    """SystemTagPlugin::httpPost (201, Content-Location = request URL + id), SystemTagsByIdCollection::getChildren,
    SystemTagPlugin::handleGetProperties; the ETag is SystemTagManager::createTag's md5((string)time())."""
    created = await client.post(TAGS, auth=ALICE, json={"name": "Red"})
    assert created.status_code == 201
    assert created.headers["content-location"] == f"{TAGS}/1"
    await _create(client, ALICE, name="blue")
    listing = await client.request("PROPFIND", f"{TAGS}/", auth=ALICE, content=_propfind(TAG_PROPS))
    assert listing.status_code == 207
    entries = _responses(listing)
    assert list(entries) == [f"{TAGS}/", f"{TAGS}/1/", f"{TAGS}/2/"]  # ORDER BY name: "Red" < "blue"
    assert entries[f"{TAGS}/"][f"{D}resourcetype"] == "collection"
    assert entries[f"{TAGS}/"][f"{OC}id"] == "404 Not Found"
    assert entries[f"{TAGS}/1/"] == {
        f"{D}getetag": f'"{_md5(T0)}"',
        f"{D}resourcetype": "collection",  # SystemTagNode is an ICollection (object types below it)
        f"{OC}id": "1",
        f"{OC}display-name": "Red",
        f"{OC}user-visible": "true",
        f"{OC}user-assignable": "true",
        f"{OC}can-assign": "true",
        f"{NC}color": "",
    }


async def test_allprop_only_answers_resourcetype_and_etag(client: httpx2.AsyncClient) -> None:
    """sabre-io/dav lib/DAV/PropFind.php: allprop is seeded with the RFC 4918 live properties only, and
    SystemTagPlugin answers through PropFind::handle, so oc:id & co. are missing."""
    tag = await _create(client, ALICE, name="Red")
    response = await client.request("PROPFIND", f"{TAGS}/{tag}", auth=ALICE, headers={"Depth": "0"})
    assert _responses(response) == {
        f"{TAGS}/{tag}/": {f"{D}resourcetype": "collection", f"{D}getetag": f'"{_md5(T0)}"'}
    }


async def test_create_errors_follow_create_tag(client: httpx2.AsyncClient, state: FakeState) -> None:
    """SystemTagPlugin::createTag and SystemTagManager::createTag."""
    await _create(client, ALICE, name="Red")
    duplicate = await client.post(TAGS, auth=ALICE, json={"name": "RED"})  # mb_strtolower comparison
    assert (duplicate.status_code, _error(duplicate)) == (
        409,
        ("Sabre\\DAV\\Exception\\Conflict", "Tag already exists"),
    )
    missing = await client.post(TAGS, auth=ALICE, json={"userVisible": True})
    assert (missing.status_code, _error(missing)[1]) == (400, 'Missing "name" attribute')
    broken = await client.post(TAGS, auth=ALICE, content=b"{nope", headers=JSON)
    assert (broken.status_code, _error(broken)) == (500, ("JsonException", "Syntax error"))  # JSON_THROW_ON_ERROR
    plain = await client.post(TAGS, auth=ALICE, content=b'{"name": "x"}', headers={"Content-Type": "text/plain"})
    assert (plain.status_code, _error(plain)[0]) == (415, "Sabre\\DAV\\Exception\\UnsupportedMediaType")
    for fields in ({"userVisible": False}, {"userAssignable": 0}, {"groups": "team"}):
        refused = await client.post(TAGS, auth=ALICE, json={"name": "Secret", **fields})
        assert (refused.status_code, _error(refused)[1]) == (400, "Not sufficient permissions"), fields
    assert await _create(client, ADMIN, name="Secret", userVisible=False) == 2
    state.config.set_app_value("systemtags", "restrict_creation_to_admin", "true")
    restricted = await client.post(TAGS, auth=ALICE, json={"name": "Green"})
    assert (restricted.status_code, _error(restricted)[1]) == (403, "You don\u2019t have permissions to create tags")
    assert await _create(client, ADMIN, name="Green") == 3


async def test_invisible_and_restricted_tags(client: httpx2.AsyncClient) -> None:
    """SystemTagManager::canUserSeeTag / canUserAssignTag; SystemTagsByIdCollection::getChild (404 for an
    invisible tag, 400 for a non-numeric id); the oc:groups property is admin-only (handleGetProperties)."""
    public = await _create(client, ALICE, name="Public")
    hidden = await _create(client, ADMIN, name="Hidden", userVisible=False)
    restricted = await _create(client, ADMIN, name="Restricted", userAssignable=False, groups="team|staff")
    mine = _responses(await client.request("PROPFIND", TAGS, auth=ALICE, content=_propfind("<oc:can-assign/>")))
    assert mine == {
        f"{TAGS}/": {f"{OC}can-assign": "404 Not Found"},
        f"{TAGS}/{public}/": {f"{OC}can-assign": "true"},
        f"{TAGS}/{restricted}/": {f"{OC}can-assign": "false"},
    }
    everything = await client.request("PROPFIND", TAGS, auth=ADMIN, content=_propfind("<oc:can-assign/>"))
    assert list(_responses(everything)) == [
        f"{TAGS}/",
        f"{TAGS}/{hidden}/",
        f"{TAGS}/{public}/",
        f"{TAGS}/{restricted}/",
    ]
    invisible = await client.request("PROPFIND", f"{TAGS}/{hidden}", auth=ALICE, headers={"Depth": "0"})
    assert (invisible.status_code, _error(invisible)[1]) == (404, f"Tag with id {hidden} not found")
    nonsense = await client.request("PROPFIND", f"{TAGS}/abc", auth=ALICE)
    assert (nonsense.status_code, _error(nonsense)[1]) == (400, "Invalid tag id")
    groups = _propfind("<oc:groups/>")
    assert (await client.request("PROPFIND", f"{TAGS}/{restricted}", auth=ALICE, content=groups)).status_code == 403
    admin_view = await client.request("PROPFIND", f"{TAGS}/{restricted}", auth=ADMIN, content=groups)
    assert _responses(admin_view)[f"{TAGS}/{restricted}/"] == {f"{OC}groups": "staff|team"}  # ORDER BY gid


async def test_assign_list_and_unassign(client: httpx2.AsyncClient, clock: ManualClock) -> None:
    """PUT creates the mapping (SystemTagsObjectMappingCollection::createFile, 201), a second PUT hits the
    existing SystemTagMappingNode (sabre-io/dav CorePlugin::httpPut: 409); DELETE unassigns
    (SystemTagMappingNode::delete), then the node is gone (getChild: "not present"). Assigning and unassigning
    renew the tag's ETag (SystemTagObjectMapper::updateEtagForTags)."""
    ids = await _seed(client, "a.txt")
    red, blue = await _create(client, ALICE, name="Red"), await _create(client, ALICE, name="blue")
    clock.advance(10)
    await _assign(client, ids["a.txt"], red)
    again = await client.put(f"{REL}/{ids['a.txt']}/{red}", auth=ALICE)
    assert (again.status_code, _error(again)[1]) == (409, "PUT is not allowed on non-files.")
    await _assign(client, ids["a.txt"], blue)
    listing = await client.request("PROPFIND", f"{REL}/{ids['a.txt']}", auth=ALICE, content=_propfind(TAG_PROPS))
    entries = _responses(listing)
    assert list(entries) == [f"{REL}/{ids['a.txt']}/", f"{REL}/{ids['a.txt']}/{red}", f"{REL}/{ids['a.txt']}/{blue}"]
    assert entries[f"{REL}/{ids['a.txt']}/{red}"][f"{D}resourcetype"] == ""  # a mapping node is no collection
    assert entries[f"{REL}/{ids['a.txt']}/{red}"][f"{D}getetag"] == f'"{_md5(T0 + 10)}"'
    assert entries[f"{REL}/{ids['a.txt']}/{blue}"][f"{OC}display-name"] == "blue"
    clock.advance(5)
    assert (await client.delete(f"{REL}/{ids['a.txt']}/{red}", auth=ALICE)).status_code == 204
    gone = await client.delete(f"{REL}/{ids['a.txt']}/{red}", auth=ALICE)
    assert (gone.status_code, _error(gone)[1]) == (404, f"Tag with id {red} not present for object {ids['a.txt']}")
    tag = _responses(await client.request("PROPFIND", f"{TAGS}/{red}", auth=ALICE, content=_propfind("<d:getetag/>")))
    assert tag[f"{TAGS}/{red}/"][f"{D}getetag"] == f'"{_md5(T0 + 15)}"'


async def test_assign_refusals(client: httpx2.AsyncClient, state: FakeState) -> None:
    """SystemTagsObjectTypeCollection::getChild (the file must be in the caller's files), the mapping collection's
    createFile (412 unknown/invisible tag, 403 canUserAssignTag, 403 without PERMISSION_UPDATE) and childExists
    (400 for a non-numeric id)."""
    ids = await _seed(client, "a.txt", "ro.txt")
    file_id = ids["a.txt"]
    hidden = await _create(client, ADMIN, name="Hidden", userVisible=False)
    restricted = await _create(client, ADMIN, name="Restricted", userAssignable=False, groups="team")
    public = await _create(client, ALICE, name="Public")
    cases = [
        (f"{REL}/999999/{public}", 404, "Entity does not exist or is not available"),
        (f"{REL}/{file_id}/999", 412, "Tag with id 999 does not exist, cannot assign"),
        (f"{REL}/{file_id}/{hidden}", 412, f"Tag with id {hidden} does not exist, cannot assign"),
        (f"{REL}/{file_id}/{restricted}", 403, f"No permission to assign tag {restricted}"),
        (f"{REL}/{file_id}/x1", 400, "Invalid tag id"),
    ]
    for url, status, message in cases:
        response = await client.put(url, auth=ALICE)
        assert (response.status_code, _error(response)[1]) == (status, message), url
    other = await client.put(f"{REL}/{file_id}/{public}", auth=BOB)  # not in bob's files
    assert (other.status_code, _error(other)[1]) == (404, "Entity does not exist or is not available")
    DavBackend.of(state).require("alice", "ro.txt").readonly = True
    readonly = await client.put(f"{REL}/{ids['ro.txt']}/{public}", auth=ALICE)
    assert (readonly.status_code, _error(readonly)[1]) == (403, f"No permission to assign tag to {ids['ro.txt']}")
    state.users["alice"].groups.append("team")  # a member of one of the tag's groups may assign it
    await _assign(client, file_id, restricted)
    admin_only = await client.put(f"{REL}/{file_id}/{hidden}", auth=ADMIN)  # admins see every tag, not every file
    assert (admin_only.status_code, _error(admin_only)[1]) == (404, "Entity does not exist or is not available")
    store = SystemTagStore.of(state)
    store.assign(str(file_id), store.tags[hidden])  # server-side (a workflow app, files_automatedtagging)
    mine = await client.request("PROPFIND", f"{REL}/{file_id}", auth=ALICE, content=_propfind("<oc:id/>"))
    assert list(_responses(mine)) == [f"{REL}/{file_id}/", f"{REL}/{file_id}/{restricted}"]  # hidden filtered out


async def test_file_properties_list_visible_tags(client: httpx2.AsyncClient, state: FakeState) -> None:
    """SystemTagPlugin::propfindForFile / getTagsForFile: nc:system-tags holds the visible tags in natural name
    order, as SystemTagList::xmlSerialize writes them (attributes can-assign, id, user-assignable, user-visible,
    color)."""
    ids = await _seed(client, "a.txt", "b.txt")
    t10, t9 = await _create(client, ALICE, name="tag10"), await _create(client, ALICE, name="tag9")
    hidden = await _create(client, ADMIN, name="Hidden", userVisible=False)
    for tag in (t10, t9):
        await _assign(client, ids["a.txt"], tag)
    store = SystemTagStore.of(state)
    store.assign(str(ids["a.txt"]), store.tags[hidden])  # server-side (a workflow app, files_automatedtagging)
    response = await client.request(
        "PROPFIND", f"{FILES}/", auth=ALICE, headers={"Depth": "1"}, content=_propfind("<nc:system-tags/>")
    )
    root = ET.fromstring(response.content)  # noqa: S314 - our own fake's output
    by_href = {r.findtext(f"{D}href"): r.find(f".//{NC}system-tags") for r in root.iter(f"{D}response")}
    tags = by_href[f"{FILES}/a.txt"]
    assert tags is not None
    assert [(t.text, t.get(f"{OC}id")) for t in tags] == [("tag9", str(t9)), ("tag10", str(t10))]
    assert tags[0].attrib == {
        f"{OC}can-assign": "true",
        f"{OC}id": str(t9),
        f"{OC}user-assignable": "true",
        f"{OC}user-visible": "true",
        f"{NC}color": "",
    }
    empty = by_href[f"{FILES}/b.txt"]
    assert empty is not None and len(empty) == 0


async def test_proppatch_tag(client: httpx2.AsyncClient) -> None:
    """SystemTagPlugin::handleUpdateProperties + SystemTagNode::update: renaming (trimmed), colour validation, the
    admin-only permission flags, the case-insensitive duplicate check; sabre-io/dav PropPatch::commit: a protected
    property (oc:id) fails with 403 and the others with 424; unhandled properties are stored as dead properties
    (apps/dav/lib/DAV/CustomPropertiesBackend.php::propPatch)."""
    red, blue = await _create(client, ALICE, name="Red"), await _create(client, ALICE, name="Blue")
    renamed = await client.request(
        "PROPPATCH", f"{TAGS}/{red}", auth=ALICE, content=_proppatch("<oc:display-name>  Crimson </oc:display-name>")
    )
    assert _responses(renamed) == {f"{TAGS}/{red}/": {f"{OC}display-name": ""}}
    coloured = await client.request(
        "PROPPATCH", f"{TAGS}/{red}", auth=ALICE, content=_proppatch("<nc:color>ff0000</nc:color>")
    )
    assert coloured.status_code == 207
    props = _propfind("<oc:display-name/><nc:color/>")
    shown = _responses(await client.request("PROPFIND", f"{TAGS}/{red}", auth=ALICE, content=props))
    assert shown[f"{TAGS}/{red}/"] == {f"{OC}display-name": "Crimson", f"{NC}color": "ff0000"}
    refusals = [
        ("<oc:user-visible>false</oc:user-visible>", 403, f"No permission to update permissions for tag {red}"),
        ("<nc:color>#ff00</nc:color>", 400, "Color must be a 6-digit hexadecimal value"),
        ("<oc:display-name>blue</oc:display-name>", 409, 'Tag with the properties "blue", 1, 1 already exists'),
        ("<nc:files-assigned>3</nc:files-assigned>", 403, ""),
    ]
    for body, status, message in refusals:
        response = await client.request("PROPPATCH", f"{TAGS}/{red}", auth=ALICE, content=_proppatch(body))
        assert (response.status_code, _error(response)[1]) == (status, message), body
    protected = await client.request(
        "PROPPATCH",
        f"{TAGS}/{blue}",
        auth=ALICE,
        content=_proppatch("<oc:id>7</oc:id><oc:display-name>X</oc:display-name>"),
    )
    assert _responses(protected) == {
        f"{TAGS}/{blue}/": {f"{OC}id": "403 Forbidden", f"{OC}display-name": "424 Failed Dependency"}
    }
    dead = await client.request(
        "PROPPATCH", f"{TAGS}/{blue}", auth=ALICE, content=_proppatch('<x:note xmlns:x="urn:x">hi</x:note>')
    )
    assert _responses(dead) == {f"{TAGS}/{blue}/": {"{urn:x}note": ""}}
    named = _propfind('<x:note xmlns:x="urn:x"/><oc:display-name/>')
    read = _responses(await client.request("PROPFIND", f"{TAGS}/{blue}", auth=ALICE, content=named))
    assert read[f"{TAGS}/{blue}/"] == {"{urn:x}note": "hi", f"{OC}display-name": "Blue"}  # the 424 changed nothing
    flags = await client.request(
        "PROPPATCH", f"{TAGS}/{blue}", auth=ADMIN, content=_proppatch("<oc:user-assignable>0</oc:user-assignable>")
    )
    assert flags.status_code == 207
    after = _responses(
        await client.request("PROPFIND", f"{TAGS}/{blue}", auth=ALICE, content=_propfind("<oc:can-assign/>"))
    )
    assert after[f"{TAGS}/{blue}/"] == {f"{OC}can-assign": "false"}


async def test_delete_tag_is_admin_only_and_drops_mappings(client: httpx2.AsyncClient) -> None:
    """SystemTagNode::delete (403 for non-admins), SystemTagManager::deleteTags (mappings first)."""
    ids = await _seed(client, "a.txt")
    red = await _create(client, ALICE, name="Red")
    await _assign(client, ids["a.txt"], red)
    refused = await client.delete(f"{TAGS}/{red}", auth=ALICE)
    assert (refused.status_code, _error(refused)[1]) == (403, f"No permission to delete tag {red}")
    assert (await client.delete(f"{TAGS}/{red}", auth=ADMIN)).status_code == 204
    assert (await client.request("PROPFIND", f"{TAGS}/{red}", auth=ADMIN)).status_code == 404
    listing = await client.request("PROPFIND", f"{REL}/{ids['a.txt']}", auth=ALICE, content=_propfind("<oc:id/>"))
    assert list(_responses(listing)) == [f"{REL}/{ids['a.txt']}/"]
    collection = await client.delete(f"{TAGS}/", auth=ADMIN)
    assert (collection.status_code, _error(collection)[1]) == (403, "Permission denied to delete this collection")


async def test_post_to_a_file_creates_and_assigns(client: httpx2.AsyncClient) -> None:
    """SystemTagPlugin::httpPost on a SystemTagsObjectMappingCollection: createFile with the new id, and
    Content-Location = base URL + systemtags/{id}."""
    ids = await _seed(client, "a.txt")
    response = await client.post(f"{REL}/{ids['a.txt']}", auth=ALICE, json={"name": "Red"})
    assert (response.status_code, response.headers["content-location"]) == (201, f"{TAGS}/1")
    listing = await client.request("PROPFIND", f"{REL}/{ids['a.txt']}", auth=ALICE, content=_propfind("<oc:id/>"))
    assert _responses(listing)[f"{REL}/{ids['a.txt']}/1"] == {f"{OC}id": "1"}


async def test_relations_collection(client: httpx2.AsyncClient) -> None:
    """SystemTagsRelationsCollection (a SimpleCollection with the child ``files``) and
    SystemTagsObjectTypeCollection::getChildren ("do not list object ids": 405)."""
    listing = await client.request("PROPFIND", f"{DAV}/systemtags-relations/", auth=ALICE, headers={"Depth": "1"})
    assert list(_responses(listing)) == [f"{DAV}/systemtags-relations/", f"{REL}/"]
    files = await client.request("PROPFIND", f"{REL}/", auth=ALICE, headers={"Depth": "1"})
    assert (files.status_code, _error(files)[0]) == (405, "Sabre\\DAV\\Exception\\MethodNotAllowed")
    other = await client.request("PROPFIND", f"{DAV}/systemtags-relations/calendars", auth=ALICE)
    assert (other.status_code, _error(other)[1]) == (404, "File not found: calendars in 'systemtags-relations'")


async def test_deleted_file_keeps_its_mappings(client: httpx2.AsyncClient) -> None:
    """No listener drops mappings on deletion (SystemTagObjectMapper has none; orphans go with the
    DeleteOrphanedItems background job once the file leaves the file cache): a trashed file is unreachable under
    systemtags-relations, and a restore (same file id) brings its tags back."""
    ids = await _seed(client, "a.txt")
    red = await _create(client, ALICE, name="Red")
    await _assign(client, ids["a.txt"], red)
    assert (await client.delete(f"{FILES}/a.txt", auth=ALICE)).status_code == 204
    trashed = await client.request("PROPFIND", f"{REL}/{ids['a.txt']}", auth=ALICE)
    assert (trashed.status_code, _error(trashed)[1]) == (404, "Entity does not exist or is not available")
    restore = await client.request(
        "MOVE",
        f"{DAV}/trashbin/alice/trash/a.txt.d{T0}",
        auth=ALICE,
        headers={"Destination": f"http://nc.test{DAV}/trashbin/alice/restore/a.txt.d{T0}"},
    )
    assert restore.status_code == 201
    back = await client.request("PROPFIND", f"{REL}/{ids['a.txt']}", auth=ALICE, content=_propfind("<oc:id/>"))
    assert list(_responses(back)) == [f"{REL}/{ids['a.txt']}/", f"{REL}/{ids['a.txt']}/{red}"]


async def test_report_filters_by_system_tags(client: httpx2.AsyncClient, state: FakeState) -> None:
    """FilesReportPlugin::processFilterRulesForFileNodes: files having ALL given tags, searched over the user's
    whole folder (not only the report target); onReport combines them with the favourites."""
    ids = await _seed(client, "a.txt", "b.txt", "c.txt", "d/x.txt")
    red, blue = await _create(client, ALICE, name="Red"), await _create(client, ALICE, name="Blue")
    for path in ("a.txt", "b.txt", "d/x.txt"):
        await _assign(client, ids[path], red)
    await _assign(client, ids["a.txt"], blue)

    async def found(rules: str, target: str = "") -> list[str]:
        response = await client.request("REPORT", f"{FILES}/{target}", auth=ALICE, content=_report(rules))
        assert response.status_code == 207, response.text
        return [h.removeprefix(f"{FILES}/") for h in _responses(response)]

    assert await found(f"<oc:systemtag>{red}</oc:systemtag>") == ["a.txt", "b.txt", "d/x.txt"]
    assert await found(f"<oc:systemtag>{red}</oc:systemtag><oc:systemtag>{blue}</oc:systemtag>") == ["a.txt"]
    assert await found(f"<oc:systemtag>{blue}</oc:systemtag>", "d") == ["a.txt"]  # outside the target folder
    DavBackend.of(state).require("alice", "b.txt").favorite = True
    DavBackend.of(state).require("alice", "c.txt").favorite = True
    assert await found(f"<oc:favorite/><oc:systemtag>{red}</oc:systemtag>") == ["b.txt"]
    unused = await _create(client, ALICE, name="Unused")
    # onReport: no tag results -> the favourites alone
    assert await found(f"<oc:favorite/><oc:systemtag>{unused}</oc:systemtag>") == ["b.txt", "c.txt"]
    paged = _report(f"<oc:systemtag>{red}</oc:systemtag>").replace(
        b"<oc:filter-rules>",
        b"<d:limit><d:nresults>1</d:nresults><nc:firstresult>1</nc:firstresult></d:limit><oc:filter-rules>",
    )
    assert list(_responses(await client.request("REPORT", f"{FILES}/", auth=ALICE, content=paged))) == [
        f"{FILES}/b.txt"
    ]


async def test_report_refusals(client: httpx2.AsyncClient) -> None:
    """FilesReportPlugin::onReport: no filter rules -> 400; getTagsByIds($ids, $user): unknown or invisible tag ->
    TagNotFoundException -> 412, non-numeric id -> uncaught InvalidArgumentException (500)."""
    hidden = await _create(client, ADMIN, name="Hidden", userVisible=False)
    cases = [
        ("", 400, ("Sabre\\DAV\\Exception\\BadRequest", "Missing filter-rule block in request")),
        (
            "<oc:systemtag>42</oc:systemtag>",
            412,
            ("Sabre\\DAV\\Exception\\PreconditionFailed", "Cannot filter by non-existing tag"),
        ),
        (
            f"<oc:systemtag>{hidden}</oc:systemtag>",
            412,
            ("Sabre\\DAV\\Exception\\PreconditionFailed", "Cannot filter by non-existing tag"),
        ),
        ("<oc:systemtag>red</oc:systemtag>", 500, ("InvalidArgumentException", "Tag id must be integer")),
    ]
    for rules, status, error in cases:
        response = await client.request("REPORT", f"{FILES}/", auth=ALICE, content=_report(rules))
        assert (response.status_code, _error(response)) == (status, error), rules
    admin = await client.request(
        "REPORT", f"{DAV}/files/admin/", auth=ADMIN, content=_report(f"<oc:systemtag>{hidden}</oc:systemtag>")
    )
    assert admin.status_code == 207  # admins see invisible tags


async def test_preconditions_and_unmodelled_collections(client: httpx2.AsyncClient) -> None:
    """sabre-io/dav Server::checkPreconditions: a tag node is no IFile, so no ETag ever matches If-Match (412) while
    ``*`` holds; systemtags-assigned (SystemTagsInUseCollection) is marked as not implemented."""
    tag = await _create(client, ALICE, name="Red")
    star = await client.request("PROPFIND", f"{TAGS}/{tag}", auth=ALICE, headers={"Depth": "0", "If-Match": "*"})
    assert star.status_code == 207
    etag = await client.request(
        "PROPFIND", f"{TAGS}/{tag}", auth=ALICE, headers={"Depth": "0", "If-Match": f'"{_md5(T0)}"'}
    )
    assert etag.status_code == 412
    assigned = await client.request("PROPFIND", f"{DAV}/systemtags-assigned/", auth=ALICE)
    assert (assigned.status_code, assigned.headers["x-fake-nextcloud"]) == (404, "not-implemented")
