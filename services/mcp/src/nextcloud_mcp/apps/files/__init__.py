"""Files (`files` app over `dav`): WebDAV browsing, reading and writing, trash, versions, favourites, comments."""

from __future__ import annotations

from nextcloud_mcp.core.app import App, always
from nextcloud_mcp.core.resource import Resources, Template

__all__ = ["APP", "FILE"]

FILE = Template(
    "nextcloud://files/{+path}",
    "file",
    "File",
    "A file (path as in nc_files_list_files, without the leading /): text, or bytes with its type; up to 512 KiB.",
    None,
    "nc_files_read_file",
    "read_file",
    complete={"path": "path"},
)
RESOURCES = Resources("nextcloud_mcp.apps.files.resources", (FILE,), listing="favorite_files", values={"path": "paths"})
APP = App(
    "files",
    "files",
    always,
    ("nextcloud_mcp.apps.files.tools", "nextcloud_mcp.apps.files.more_tools"),
    resources=RESOURCES,
    summary="Files and folders: browse, search, read and write text, move, copy, trash, versions, comments.",
    index="nextcloud_mcp.apps.files.index",
)
