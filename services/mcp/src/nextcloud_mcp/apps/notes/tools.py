"""Notes tools (`nc_notes_*`): compact outputs for the model, conflict-safe writes.

Lists use the one envelope, paged here (the Notes API returns every note; `NotesCache` keeps them). Updates send
the etag the caller read as a quoted If-Match (`require_etag`), so a concurrent change is a conflict, never lost.
"""

from __future__ import annotations

import difflib
from typing import Annotated

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.notes.client import (
    CREATE_TOOL,
    GET_TOOL,
    LIST_TOOL,
    SEARCH_TOOL,
    UPDATE_TOOL,
    Note,
    notes_client,
)
from nextcloud_mcp.apps.notes.ranking import score, snippet, terms_of
from nextcloud_mcp.core.contract import Cursor, Etag, Force, Limit, Page, iso, page, require_etag
from nextcloud_mcp.core.download import Download
from nextcloud_mcp.core.errors import Conflict, InvalidInput, Unavailable
from nextcloud_mcp.core.extract.attachment import AttachmentText, Source, read_attachment
from nextcloud_mcp.core.extract.reading import MaxChars
from nextcloud_mcp.core.partial import unanswered
from nextcloud_mcp.core.tool import ToolSpec, session, settings, tool

__all__ = ["TOOLS"]

APPEND_RETRIES = 3
MAX_DIFF_LINES = 40

NoteId = Annotated[int, Field(description=f"Note id from {LIST_TOOL}")]
Text = Annotated[str, Field(description="Markdown text")]


class NoteSummary(BaseModel):
    id: int
    title: str
    category: str | None
    modified: str
    favorite: bool


class NoteDetail(BaseModel):
    id: int
    title: str
    category: str | None
    content: str
    etag: str
    modified: str
    favorite: bool
    readonly: bool


class NoteHit(BaseModel):
    id: int
    title: str
    category: str | None
    snippet: str


class CategoryCount(BaseModel):
    name: str | None
    notes: int


class Deleted(BaseModel):
    id: int
    deleted: bool


def _when(ts: int) -> str:
    return iso(ts) or ""


def _summary(note: Note) -> NoteSummary:
    return NoteSummary(
        id=note.id, title=note.title, category=note.category or None, modified=_when(note.modified),
        favorite=note.favorite,
    )  # fmt: skip


def _detail(note: Note) -> NoteDetail:
    return NoteDetail(
        id=note.id, title=note.title, category=note.category or None, content=note.content, etag=note.etag,
        modified=_when(note.modified), favorite=note.favorite, readonly=note.readonly,
    )  # fmt: skip


def _conflict_message(exc: Conflict, proposed: dict[str, object]) -> str:
    """Explain a 412: the server's version now, and how it differs from what the caller tried to write."""
    current = exc.current
    if not isinstance(current, Note):
        return str(exc)
    lines = [
        f"{exc.message} The server now has etag {current.etag}, modified {_when(current.modified)}, "
        f"title {current.title!r}, category {current.category!r}."
    ]
    new_content = proposed.get("content")
    if isinstance(new_content, str) and new_content != current.content:
        diff = list(
            difflib.unified_diff(
                new_content.splitlines(), current.content.splitlines(), "your content", "server content", lineterm=""
            )
        )
        shown = "\n".join(diff[:MAX_DIFF_LINES])
        more = f"\n… {len(diff) - MAX_DIFF_LINES} more diff lines" if len(diff) > MAX_DIFF_LINES else ""
        lines.append(f"Server content compared with yours:\n{shown}{more}")
    lines.append(
        f"Merge your change into the server version (re-read it with {GET_TOOL}) and call {UPDATE_TOOL} "
        "again with the new etag."
    )
    return "\n".join(lines)


@tool(
    LIST_TOOL, "List notes", "List notes, newest first, optionally in one category.",
    app="notes", read_only=True, idempotent=True,
)  # fmt: skip
async def notes_list_notes(
    ctx: Context,
    category: Annotated[str | None, Field(description="Only this exact category; '' for uncategorized")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[NoteSummary]:
    notes = await notes_client(session(ctx)).list_all()
    if category is not None:
        notes = [n for n in notes if n.category == category.strip("/")]
    notes.sort(key=lambda n: (n.modified, n.id), reverse=True)
    return page([_summary(n) for n in notes], limit, cursor)


@tool(
    GET_TOOL, "Get a note", "Get a note's full content and its etag.",
    app="notes", read_only=True, idempotent=True,
)  # fmt: skip
async def notes_get_note(ctx: Context, note_id: NoteId) -> NoteDetail:
    return _detail(await notes_client(session(ctx)).get(note_id))


@tool(CREATE_TOOL, "Create a note", "Create a note.", app="notes", read_only=False)
async def notes_create_note(
    ctx: Context,
    title: Annotated[str, Field(min_length=1, description="Title; a taken one gets ' (2)'")],
    content: Text = "",
    category: Annotated[str, Field(description="Category, '/' between levels, e.g. work/2026")] = "",
    favorite: Annotated[bool, Field(description="Mark as favorite")] = False,
) -> NoteDetail:
    try:
        note = await notes_client(session(ctx)).create(
            title=title, content=content, category=category.strip("/"), favorite=favorite
        )
    except Unavailable as exc:
        if unanswered(exc):  # sent, but no answer: the note may exist, and a retry would add "title (2)"
            exc.message += (
                f" Look for {title!r} with {SEARCH_TOOL} before calling {CREATE_TOOL} again (a second one would be "
                f"named {title!r} (2))."
            )
        raise
    return _detail(note)


@tool(
    UPDATE_TOOL, "Update a note", "Change a note's fields; fails if it changed since its etag was read.",
    app="notes", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def notes_update_note(
    ctx: Context,
    note_id: NoteId,
    etag: Etag = None,
    force: Force = False,
    title: Annotated[str | None, Field(min_length=1, description="New title")] = None,
    content: Annotated[str | None, Field(description="New Markdown, replaces all")] = None,
    category: Annotated[str | None, Field(description="New category; '' for none")] = None,
    favorite: Annotated[bool | None, Field(description="Mark or unmark as favorite")] = None,
) -> NoteDetail:
    changes: dict[str, object] = {
        key: value
        for key, value in {"title": title, "content": content, "category": category, "favorite": favorite}.items()
        if value is not None
    }
    if isinstance(category, str):
        changes["category"] = category.strip("/")
    if not changes:
        raise InvalidInput("Nothing to update: give at least one of title, content, category or favorite.")
    require_etag(etag, force, what="note", get_tool=GET_TOOL)
    try:
        note = await notes_client(session(ctx)).update(note_id, None if force else etag, changes)
    except Conflict as exc:
        exc.message = _conflict_message(exc, changes)
        exc.method = ""  # the message is complete; no request suffix
        raise
    return _detail(note)


@tool(
    "nc_notes_append_note", "Append to a note", "Append text to the end of a note, safe under concurrent edits.",
    app="notes", read_only=False,
)  # fmt: skip
async def notes_append_note(
    ctx: Context,
    note_id: NoteId,
    text: Annotated[str, Field(min_length=1, description="Markdown to add at the end")],
    separator: Annotated[str, Field(max_length=10, description="Put before text unless the note ends with it")] = "\n",
) -> NoteDetail:
    notes = notes_client(session(ctx))
    for attempt in range(APPEND_RETRIES + 1):
        note = await notes.get(note_id)
        joiner = separator if note.content and not note.content.endswith(separator) else ""
        try:
            return _detail(await notes.update(note_id, note.etag, {"content": note.content + joiner + text}))
        except Unavailable as exc:
            if unanswered(exc):  # sent, but no answer: appending again could add the text twice
                exc.message += (
                    f" Read its end with {GET_TOOL} before calling nc_notes_append_note again, or the text may "
                    "appear twice."
                )
            raise
        except Conflict as exc:
            if attempt == APPEND_RETRIES:
                exc.message = (
                    f"Note {note_id} kept changing while the text was appended ({attempt + 1} tries); nothing was "
                    f"appended. Call nc_notes_append_note again."
                )
                raise
    raise AssertionError("unreachable")


@tool(
    "nc_notes_delete_note", "Delete a note",
    "Delete a note: its file goes to the trash, where nc_files_list_trash and nc_files_restore_trash find it.",
    app="notes", read_only=False, destructive=True, idempotent=True,
)  # fmt: skip
async def notes_delete_note(ctx: Context, note_id: NoteId) -> Deleted:
    await notes_client(session(ctx)).delete(note_id)
    return Deleted(id=note_id, deleted=True)


@tool(
    SEARCH_TOOL, "Search notes", "Search notes by words in title, category and content, best first.",
    app="notes", read_only=True, idempotent=True,
)  # fmt: skip
async def notes_search_notes(
    ctx: Context,
    query: Annotated[str, Field(min_length=1, max_length=500, description="Words that must all appear")],
    category: Annotated[str | None, Field(description="Only this category and its sub-categories")] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[NoteHit]:
    terms, phrase = terms_of(query)
    notes = await notes_client(session(ctx)).list_all()
    if category is not None:
        prefix = category.strip("/")
        notes = [n for n in notes if n.category == prefix or n.category.startswith(prefix + "/")]
    scored = [(s, n) for n in notes if (s := score(n, terms, phrase)) > 0]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].modified))
    found = page([n for _, n in scored], limit, cursor)
    hits = [
        NoteHit(id=n.id, title=n.title, category=n.category or None, snippet=snippet(n.content, terms))
        for n in found.items
    ]
    return Page[NoteHit](items=hits, next_cursor=found.next_cursor, total=found.total)


@tool(
    "nc_notes_list_categories", "List note categories", "List note categories with their note counts.",
    app="notes", read_only=True, idempotent=True,
)  # fmt: skip
async def notes_list_categories(ctx: Context, limit: Limit = 100, cursor: Cursor = None) -> Page[CategoryCount]:
    counts: dict[str, int] = {}
    for note in await notes_client(session(ctx)).list_all():
        counts[note.category] = counts.get(note.category, 0) + 1
    return page([CategoryCount(name=k or None, notes=v) for k, v in sorted(counts.items())], limit, cursor)


AttachmentPath = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4096,
        description="Path relative to the note, as linked in its Markdown, e.g. .attachments.12/a.pdf.",
    ),
]


@tool(
    "nc_notes_read_attachment", "Read a note attachment",
    "Read a note attachment's text (text; PDF, Office, OpenDocument), paged; other files: type and size only.",
    app="notes", read_only=True, idempotent=True,
)  # fmt: skip
async def notes_read_attachment(
    ctx: Context, note_id: NoteId, path: AttachmentPath, cursor: Cursor = None, max_chars: MaxChars = 100_000
) -> AttachmentText:
    notes = notes_client(session(ctx))

    async def fetch(max_bytes: int) -> Download:
        return await notes.attachment(note_id, path, max_bytes)

    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    get_it = "open it in Nextcloud Notes, or find it next to the note in the Notes folder (nc_files_list_files)"
    source = Source(name=name, mime=None, size=None, fetch=fetch, tool="nc_notes_read_attachment", get_it=get_it)
    return await read_attachment(source, settings(ctx), cursor, max_chars)


TOOLS: list[ToolSpec] = [
    notes_list_notes,
    notes_get_note,
    notes_create_note,
    notes_update_note,
    notes_append_note,
    notes_delete_note,
    notes_search_notes,
    notes_list_categories,
    notes_read_attachment,
]
