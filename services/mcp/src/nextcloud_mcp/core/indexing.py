"""What an app offers the semantic index (`nextcloud_mcp.semantic`, docs/semantic-search.md).

An app that can be searched by meaning names a module in its `App(index=...)` whose `SOURCE` is an `IndexSource`:
it lists the objects the caller can read now, each with a version (an etag), reads one object's text, and tells
an object's current version (None when the caller can no longer read it). The index never reads Nextcloud any
other way, so everything it holds was read with the caller's own credentials.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["IndexSource", "Indexable", "Listing"]


@dataclass(frozen=True)
class Indexable:
    """One object: `id` as the app's tools take it, `etag` its version, `title` what a hit shows; `hint` is
    whatever the source needs to read it later (the listed note, the DAV entry)."""

    id: str
    etag: str
    title: str
    hint: Any = field(default=None, compare=False)


@dataclass
class Listing:
    """The objects readable now. `kept` holds id prefixes whose part could not be listed (a folder that failed):
    indexed objects under them are neither removed nor refreshed; "" keeps everything unseen."""

    items: dict[str, Indexable] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def keeps(self, object_id: str) -> bool:
        return any(object_id.startswith(prefix) for prefix in self.kept)


class IndexSource(Protocol):
    """`app` names the source in the index (and hits); `opens` is the tool call that opens a hit, a format with
    `{id}` (`"nc_notes_get_note note_id={id}"`)."""

    app: str
    opens: str

    async def objects(self, session: NextcloudSession) -> Listing:
        """Everything indexable the caller can read now. Raise `NextcloudError` when nothing could be listed
        (the app is failing): the index then keeps what it has."""
        ...

    async def text(self, session: NextcloudSession, item: Indexable) -> str | None:
        """The object's text (None: nothing to index, e.g. it went away or is not text)."""
        ...

    async def version(self, session: NextcloudSession, object_id: str) -> str | None:
        """The object's current etag, or None when the caller can no longer read it (deleted, unshared, moved
        out of a share): checked for every hit before it is shown."""
        ...
