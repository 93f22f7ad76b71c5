"""User-relative path normalisation for WebDAV: checked before any request is sent.

Paths are relative to the user's root (`/remote.php/dav/files/{uid}/`). A leading `/` is allowed and
means that root; `.` segments and repeated slashes are dropped; `..` is refused outright (even when it
would stay inside the root) so no caller can probe outside it.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from nextcloud_mcp.core.errors import NextcloudMCPError

__all__ = ["MAX_PATH_LENGTH", "MAX_SEGMENT_LENGTH", "InvalidPath", "dav_href", "normalize", "parent", "quote_path"]

MAX_PATH_LENGTH = 4000  # Nextcloud's oc_filecache.path is varchar(4000)
MAX_SEGMENT_LENGTH = 250  # Nextcloud refuses file names longer than 250 bytes (FilenameValidator)


class InvalidPath(NextcloudMCPError):
    """A path the server refuses to send to Nextcloud."""


def normalize(path: str) -> str:
    """Return `path` as 'a/b/c' (no leading or trailing slash; '' is the user's root) or raise InvalidPath."""
    if not isinstance(path, str):
        raise InvalidPath("The path must be a string.")
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidPath(f"The path is {len(path)} characters long; the limit is {MAX_PATH_LENGTH}.")
    for ch in path:
        if unicodedata.category(ch) == "Cs":
            raise InvalidPath("The path contains invalid Unicode (an unpaired surrogate); remove it.")
        if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\u200d":
            raise InvalidPath(f"The path contains a control character ({ch!r}); remove it.")
    if "\\" in path:
        raise InvalidPath("The path contains a backslash; use '/' to separate folders.")
    segments: list[str] = []
    for seg in unicodedata.normalize("NFC", path).split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            raise InvalidPath("The path contains '..'; give a path inside your files, relative to their root.")
        if len(seg.encode()) > MAX_SEGMENT_LENGTH:
            raise InvalidPath(f"A name in the path is longer than {MAX_SEGMENT_LENGTH} bytes.")
        if seg.strip() != seg or seg.endswith("."):
            raise InvalidPath(f"The name {seg!r} starts or ends with a space or ends with a dot.")
        segments.append(seg)
    return "/".join(segments)


def parent(path: str) -> str:
    """The parent of a normalised path ('' for top-level items)."""
    return path.rpartition("/")[0]


def quote_path(path: str) -> str:
    """Percent-encode each segment of a normalised path (keeping the '/' separators)."""
    return "/".join(quote(seg, safe="") for seg in path.split("/")) if path else ""


def dav_href(root: str, path: str, *, folder: bool = False) -> str:
    """`root` (already encoded, ending in '/') joined with the encoded `path`."""
    encoded = quote_path(path)
    return root + encoded + ("/" if folder and encoded else "")
