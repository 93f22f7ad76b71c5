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

__all__ = ["IndexSource", "Indexable", "Listing", "Titled", "Unindexable"]


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


@dataclass(frozen=True)
class Titled:
    """What `text()` returns when the object's title is known only once it is read (a calendar event's SUMMARY):
    `title` replaces the listed one."""

    title: str
    text: str


class Unindexable(Exception):
    """Raised by `text()` when this version of the object can never be indexed (an encrypted, corrupt, oversized or
    too slow document). The index records the message as an error, keeps nothing of the object, and remembers its
    etag: it is not read again until it changes."""


class IndexSource(Protocol):
    """`app` names the source in the index (and hits); `opens` is the tool call that opens a hit, a format with
    `{id}` (`"nc_notes_get_note note_id={id}"`) and, for ids made of `/`-separated parts, `{0}`, `{1}`, …
    (`"nc_deck_get_card board_id={0} card_id={1}"` for the id `"3/17"`)."""

    app: str
    opens: str

    async def objects(self, session: NextcloudSession) -> Listing:
        """Everything indexable the caller can read now. Raise `NextcloudError` when nothing could be listed
        (the app is failing): the index then keeps what it has."""
        ...

    async def text(self, session: NextcloudSession, item: Indexable) -> str | Titled | None:
        """The object's text (None: nothing to index, e.g. it went away or is not text). Raise `NextcloudError`
        when it could not be read now (tried again next sync), `Unindexable` when this version never can be."""
        ...

    async def version(self, session: NextcloudSession, object_id: str) -> str | None:
        """The object's current etag, or None when the caller can no longer read it (deleted, unshared, moved
        out of a share): checked for every hit before it is shown."""
        ...
