"""What a refused WebDAV write of the files tools means, and what to do about it (409, 423, 507).

Sabre says why in its error body (`<s:message>`, sabre-io/dav lib/DAV/Server.php `exec`), which is kept; the
status alone decides the cause, per method:
- 409 is never "already exists" on files (that is 405 for MKCOL and 412 for PUT/MOVE/COPY preconditions): a PUT
  or MKCOL whose parent folder is missing or is a file (sabre-io/dav lib/DAV/Tree.php, CorePlugin::httpMkcol,
  "Parent node does not exist"), a MOVE/COPY whose target folder is missing ("The destination node is not found")
  or that would put a folder into itself ("The destination may not be part of the same subtree as the source
  path."; both sabre-io/dav lib/DAV/Server.php::getCopyAndMoveInfo);
- 415 on MOVE/COPY: the target's parent is a file ("The destination node is not a collection",
  Server::getCopyAndMoveInfo);
- 423: the file is locked (a WebDAV lock, or a lock of the files_lock app: nextcloud/server
  apps/dav/lib/Connector/Sabre/Exception/FileLocked.php, LockPlugin), usually because someone edits it;
- 507: the quota is used up (apps/dav/lib/Connector/Sabre/QuotaPlugin.php::checkQuota). Files in the trash and
  old versions do not count against a quota (Nextcloud admin manual, "Setting storage quotas"), and in a folder
  shared with the user the owner's quota applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx2

from nextcloud_mcp.core.dav import parse_xml
from nextcloud_mcp.core.errors import Conflict, InsufficientStorage, Locked, NextcloudError, ProtocolError
from nextcloud_mcp.core.partial import after_write

__all__ = ["EXPLAINED", "EXPLAINED_TRANSFER", "explain", "sabre_message", "saved_but_unread"]

SABRE = "http://sabredav.org/ns"
#: statuses whose meaning depends on the method and that the files tools explain themselves
EXPLAINED = (409, 423, 507)
#: explained for MOVE/COPY only (a 415 elsewhere is a malformed request: an MKCOL body, an unknown REPORT)
EXPLAINED_TRANSFER = (415,)
#: Sabre's getCopyAndMoveInfo message for a destination inside the source
_SUBTREE = "same subtree as the source"


def sabre_message(body: bytes) -> str:
    """The `<s:message>` of a Sabre error answer ("" when there is none)."""
    if b"sabredav.org" not in body[:2000]:
        return ""
    try:
        return (parse_xml(body, "an error answer").findtext(f"{{{SABRE}}}message") or "").strip()
    except ProtocolError:
        return ""


def saved_but_unread(exc: NextcloudError, path: str, what: str) -> NextcloudError:
    """A write succeeded and only reading the result back failed."""
    return after_write(
        exc,
        f"{what}, but reading it back failed:",
        f"It is done; do not repeat it. Read {path} with nc_files_get_file for its etag.",
    )


def _under(url: str, root: str) -> str | None:
    """The part of `url` (a request URL or an absolute Destination, with Nextcloud's own base path, if any, in
    front) below the DAV `root`, or None when it is not below it."""
    path, root_path = urlsplit(url).path, urlsplit(root).path
    at = path.find(root_path)
    return path[at + len(root_path) :] if at >= 0 else None


def _user_path(url: str, root: str) -> str:
    """`url` as the user's path (/Documents/a.txt), else as it is."""
    below = _under(url, root)
    return "/" + unquote(below).strip("/") if below is not None else unquote(urlsplit(url).path)


def _folder(path: str) -> str:
    return path.rpartition("/")[0] or "/"


def explain(response: httpx2.Response, root: str, headers: Mapping[str, str] | None) -> NextcloudError:
    """The error for a 409/423/507 (or MOVE/COPY 415) answer to a files request under the user's DAV `root`."""
    status, method = response.status_code, response.request.method
    where: dict[str, Any] = {"method": method, "path": response.request.url.path, "status": status}
    said = sabre_message(response.content)
    quoted = f' (Nextcloud: "{said.rstrip(".")}")' if said else ""
    destination = (headers or {}).get("Destination")
    target = _user_path(str(response.request.url), root)
    if destination and "/uploads/" in target:  # a chunked upload: its Destination is the file being written
        target = _user_path(destination, root)
    if status == 507:
        return InsufficientStorage(
            f"Not enough storage for {target}: the quota is used up{quoted}. Nothing was stored. Free space by "
            "deleting files you no longer need with nc_files_delete_file (the trash does not count against the "
            "quota), or ask an admin to raise it; in a folder shared with you, the owner's quota applies.",
            **where,
        )
    if status == 423:
        return Locked(
            f"{target} is locked{quoted}: someone is editing it or a client holds a lock on it. Nothing was changed; "
            "retry once it is unlocked (nc_files_get_file shows it), or ask whoever has it open.",
            **where,
        )
    if method in ("MOVE", "COPY") and destination and _under(destination, root) is not None:
        if status == 415:
            return Conflict(
                f"{_folder(_user_path(destination, root))} is a file, not a folder{quoted}; nothing was changed. "
                "Choose a target inside a folder.",
                **where,
            )
        if _SUBTREE in said:
            return Conflict(
                f"A folder cannot be moved or copied into itself{quoted}; nothing was changed. Choose a target "
                "outside it.",
                **where,
            )
        folder = _folder(_user_path(destination, root))
        return Conflict(
            f"The target folder {folder} does not exist{quoted}; nothing was changed. Create it with "
            "nc_files_create_folder, then retry.",
            **where,
        )
    if method in ("PUT", "MKCOL"):
        return Conflict(
            f"The folder {_folder(target)} for {target} does not exist or is a file{quoted}; nothing was written. "
            "Create it with nc_files_create_folder (or check it with nc_files_get_file), then retry.",
            **where,
        )
    return Conflict(
        f"Nextcloud refused to change {target} because of a conflict{quoted}; nothing was changed. Check it with "
        "nc_files_get_file.",
        **where,
    )
