"""The trashbin (apps/files_trashbin/lib/Sabre/) and versions (apps/files_versions/lib/Sabre/) collections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from fake_nextcloud.apps.dav.models import DavError, Node, TrashItem, mime_type
from fake_nextcloud.apps.dav.xmlio import DAV, NC, OC, PropValue, href, http_date, multistatus, parse_propfind, q

if TYPE_CHECKING:
    from fake_nextcloud.apps.dav.view import DavView
    from fake_nextcloud.core.state import User

__all__ = ["trashbin", "versions"]

_NOT_FOUND = "NotFound"


def _other_user(owner: str) -> DavError:
    # apps/dav/lib/RootCollection.php: principal-scoped collections only exist for the logged-in user
    return DavError(404, _NOT_FOUND, f"File with name {owner} could not be located")


def _collection_props() -> dict[str, PropValue]:
    import xml.etree.ElementTree as ET

    resource = ET.Element(q(DAV, "resourcetype"))
    ET.SubElement(resource, q(DAV, "collection"))
    return {q(DAV, "resourcetype"): resource}


def _trash_props(item: TrashItem) -> dict[str, PropValue]:
    import xml.etree.ElementTree as ET

    node = item.nodes[0]
    resource = ET.Element(q(DAV, "resourcetype"))
    if node.is_dir:
        ET.SubElement(resource, q(DAV, "collection"))
    size = sum(n.size for n in item.nodes if not n.is_dir)
    props: dict[str, PropValue] = {
        q(DAV, "resourcetype"): resource,
        q(DAV, "getlastmodified"): http_date(node.mtime),
        q(DAV, "getcontenttype"): node.content_type,
        q(DAV, "getetag"): f'"{node.etag}"',
        q(OC, "fileid"): str(node.file_id),
        q(OC, "size"): str(size),
        # apps/files_trashbin/lib/Sabre/TrashbinPlugin.php::propFind
        q(NC, "trashbin-filename"): node.name,
        q(NC, "trashbin-original-location"): item.original,
        q(NC, "trashbin-deletion-time"): str(item.deleted_at),
        q(NC, "trashbin-title"): node.name,
    }
    if not node.is_dir:
        props[q(DAV, "getcontentlength")] = str(node.size)
    return props


async def trashbin(app: DavView, request: Request, user: User, owner: str, rest: str) -> Response:
    """``/remote.php/dav/trashbin/{uid}/{trash|restore}[/{name}]``."""
    if owner != user.uid:
        raise _other_user(owner)
    backend = app.backend
    prefix = f"/remote.php/dav/trashbin/{owner}"
    section, _, name = rest.strip("/").partition("/")
    items = backend.trash.get(owner, [])
    if section not in ("trash", "restore", ""):
        raise DavError(404, _NOT_FOUND, f"File with name {section} could not be located")
    if request.method == "PROPFIND":
        requested = parse_propfind(await request.body())
        depth = request.headers.get("depth", "infinity")
        if section == "trash" and name:
            item = next((i for i in items if i.name == name), None)
            if item is None:
                raise DavError(404, _NOT_FOUND, f"File with name {name} could not be located")
            return multistatus([(href(prefix, f"trash/{name}", False), _trash_props(item))], requested)
        entries = [(f"{prefix}/{section}/" if section else f"{prefix}/", _collection_props())]
        if section == "trash" and depth != "0":
            entries += [(href(prefix, f"trash/{i.name}", False), _trash_props(i)) for i in items]
        return multistatus(entries, requested)
    if request.method == "DELETE" and section == "trash":
        backend.purge(owner, name or None)  # files_trashbin TrashRoot::delete empties the bin
        return Response(status_code=204)
    if request.method == "MOVE" and section == "trash" and name:
        from fake_nextcloud.apps.dav.transfer import destination_path

        dest = destination_path(request, prefix)
        if not dest.startswith("restore/"):
            raise DavError(403, "Forbidden", "Permission denied to rename this file")
        backend.restore(owner, name)  # apps/files_trashbin/lib/Sabre/RestoreFolder.php::moveInto
        return Response(status_code=201)
    raise DavError(405, "MethodNotAllowed", f"{request.method} is not allowed here")


async def versions(app: DavView, request: Request, user: User, owner: str, rest: str) -> Response:
    """``/remote.php/dav/versions/{uid}/versions/{fileid}[/{version}]`` and ``…/restore/target``."""
    if owner != user.uid:
        raise _other_user(owner)
    backend = app.backend
    prefix = f"/remote.php/dav/versions/{owner}"
    parts = rest.strip("/").split("/")
    if len(parts) < 2 or parts[0] != "versions" or not parts[1].isdigit():
        raise DavError(404, _NOT_FOUND, f"File with name {rest} could not be located")
    file_id = int(parts[1])
    node = backend.find_by_id(owner, file_id)
    if node is None or node.is_dir:
        # apps/files_versions/lib/Sabre/VersionCollection: unknown file id
        raise DavError(404, _NOT_FOUND, f"File with name {file_id} could not be located")
    history = backend.versions.get(file_id, [])
    version_name = parts[2] if len(parts) > 2 else ""
    version = next((v for v in history if str(v.mtime) == version_name), None)
    if version_name and version is None:
        raise DavError(404, _NOT_FOUND, f"File with name {version_name} could not be located")
    base = f"{prefix}/versions/{file_id}"
    if request.method == "PROPFIND":
        requested = parse_propfind(await request.body())
        entries: list[tuple[str, dict[str, PropValue]]] = []
        shown = [version] if version is not None else history
        if version is None:
            entries.append((f"{base}/", _collection_props()))
        if version is not None or request.headers.get("depth", "infinity") != "0":
            for v in sorted(shown, key=lambda v: -v.mtime):
                entries.append(
                    (
                        f"{base}/{v.mtime}",
                        {
                            q(DAV, "getlastmodified"): http_date(v.mtime),
                            q(DAV, "getcontentlength"): str(v.size),
                            q(DAV, "getcontenttype"): mime_type(node.name),
                            q(DAV, "getetag"): f'"{v.etag}"',
                            q(DAV, "resourcetype"): None,
                            q(NC, "version-label"): "",
                        },
                    )
                )
        return multistatus(entries, requested)
    if request.method in ("GET", "HEAD") and version is not None:
        from fake_nextcloud.apps.dav.transfer import file_response

        view = Node(node.path, False, file_id, version.etag, version.mtime, size=version.size, blob=version.blob)
        return file_response(request, view)
    if request.method == "MOVE" and version is not None:
        from fake_nextcloud.apps.dav.transfer import destination_path

        if destination_path(request, prefix) != "restore/target":
            raise DavError(403, "Forbidden", "Permission denied to rename this file")
        backend.restore_version(owner, file_id, version.mtime)  # files_versions RestoreFolder::moveInto
        return Response(status_code=201)
    raise DavError(405, "MethodNotAllowed", f"{request.method} is not allowed here")
