"""How an app declares its MCP resources and completion values, as data (nothing imported, nothing registered).

An app lists its URI templates (`Template`) and names, in `Resources.module`, the functions that read them, the
function that lists a few concrete resources for `resources/list`, and the value sources that complete arguments
(calendar names, board titles, …). The server registers the templates, imports the module on first use, gates
everything like the app's tools and maps errors (`nextcloud_mcp.server.resources`). The URI scheme is
`nextcloud://<what>/…`, documented in docs/resources.md.

Functions in the module:
- a reader: `async (ctx: Context, **template variables: str) -> str | bytes | Body` (query variables may be None);
- the listing: `async (session: NextcloudSession) -> list[Listed]`, bounded by the app (`LISTED_PER_APP`);
- a value source: `async (session, prefix: str, context: Mapping[str, str]) -> list[str]`, every candidate it knows
  for the typed `prefix` (the server filters and bounds them); `context` holds the arguments already chosen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["LISTED_PER_APP", "Body", "Listed", "Resources", "Template", "ValueSource"]

#: At most this many concrete resources per app in `resources/list` (recent notes, calendars, boards, …).
LISTED_PER_APP = 25

ValueSource = Callable[["NextcloudSession", str, Mapping[str, str]], Awaitable[list[str]]]


@dataclass(frozen=True)
class Template:
    """One RFC 6570 URI template. `tool` is the read-only tool that reads the same data: the resource is available
    to a caller exactly when that tool is. `reader` is a function name in the app's `Resources.module`;
    `mime_type` None means each read names its own (a `Body`); `complete` maps a template variable to a value
    source name."""

    uri_template: str
    name: str
    title: str
    description: str
    mime_type: str | None
    tool: str
    reader: str
    complete: Mapping[str, str] = field(default_factory=dict)

    def uri(self, **values: str) -> str:
        """The URI of these variable values (RFC 6570 expansion, so names with spaces or slashes are encoded)."""
        from mcp.shared.uri_template import UriTemplate

        return UriTemplate.parse(self.uri_template).expand(values)


@dataclass(frozen=True)
class Resources:
    """What an app contributes besides tools. `listing` and the `values` map's functions are names in `module`;
    `values` maps a value source name (unique across apps, used by templates and prompts) to its function."""

    module: str
    templates: tuple[Template, ...] = ()
    listing: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Body:
    """What a reader returns when the MIME type depends on the item (a file): text or bytes, and its type."""

    content: str | bytes
    mime_type: str


@dataclass(frozen=True)
class Listed:
    """One concrete resource for `resources/list`."""

    uri: str
    name: str
    title: str | None = None
    description: str | None = None
    mime_type: str | None = None
    size: int | None = None
