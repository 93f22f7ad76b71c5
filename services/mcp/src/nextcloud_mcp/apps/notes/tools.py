"""Notes tools (`nc_notes_*`): compact outputs for the model, conflict-safe writes."""

from __future__ import annotations

import difflib
import re
from datetime import UTC, datetime
from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from nextcloud_mcp.apps.notes.client import Note, notes_client
from nextcloud_mcp.core.errors import Conflict
from nextcloud_mcp.core.tool import ToolSpec, session, tool

__all__ = ["TOOLS"]

APPEND_RETRIES = 3
MAX_DIFF_LINES = 40

NoteId = Annotated[int, Field(ge=0)]
Category = Annotated[str, Field(max_length=1024, description="'/' separates sub-categories.")]


class NoteSummary(BaseModel):
    id: int
    title: str
    category: str
    modified: str
    favorite: bool


class NoteDetail(BaseModel):
    id: int
    title: str
    category: str
    content: str
    etag: str
    modified: str
    favorite: bool
    readonly: bool


class NoteList(BaseModel):
    notes: list[NoteSummary]
    total: int
    next_offset: int | None


class NoteHit(BaseModel):
    id: int
    title: str
    category: str
    modified: str
    score: float
    snippet: str


class NoteSearchResult(BaseModel):
    results: list[NoteHit]
    total: int


class CategoryCount(BaseModel):
    name: str
    notes: int


class CategoryList(BaseModel):
    categories: list[CategoryCount]
    uncategorized: int


class Deleted(BaseModel):
    id: int
    deleted: bool


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _summary(note: Note) -> NoteSummary:
    return NoteSummary(
        id=note.id,
        title=note.title,
        category=note.category,
        modified=_iso(note.modified),
        favorite=note.favorite,
    )


def _detail(note: Note) -> NoteDetail:
    return NoteDetail(
        id=note.id,
        title=note.title,
        category=note.category,
        content=note.content,
        etag=note.etag,
        modified=_iso(note.modified),
        favorite=note.favorite,
        readonly=note.readonly,
    )


def _conflict_message(exc: Conflict, proposed: dict[str, object]) -> str:
    """Explain a 412: the server's version now, and how it differs from what the caller tried to write."""
    current = exc.current
    if not isinstance(current, Note):
        return str(exc)
    lines = [
        f"{exc.message} The server now has etag {current.etag}, modified {_iso(current.modified)}, "
        f"title {current.title!r}, category {current.category!r}."
    ]
    new_content = proposed.get("content")
    if isinstance(new_content, str) and new_content != current.content:
        diff = list(
            difflib.unified_diff(
                new_content.splitlines(),
                current.content.splitlines(),
                "your content",
                "server content",
                lineterm="",
            )
        )
        shown = "\n".join(diff[:MAX_DIFF_LINES])
        more = f"\n… {len(diff) - MAX_DIFF_LINES} more diff lines" if len(diff) > MAX_DIFF_LINES else ""
        lines.append(f"Server content compared with yours:\n{shown}{more}")
    lines.append("Merge your change into the server version and call nc_notes_update again with the new etag.")
    return "\n".join(lines)


@tool(
    "nc_notes_list",
    "List notes",
    "List notes, newest first, optionally in one category.",
    app="notes",
    read_only=True,
    idempotent=True,
)
async def notes_list(
    ctx: Context,
    category: Annotated[str | None, Field(max_length=1024, description="Only this exact category.")] = None,
    limit: Annotated[int, Field(ge=1, le=500)] = 50,
    offset: Annotated[int, Field(ge=0)] = 0,
) -> NoteList:
    notes = await notes_client(session(ctx)).list_all()
    if category is not None:
        notes = [n for n in notes if n.category == category.strip("/")]
    notes.sort(key=lambda n: (n.modified, n.id), reverse=True)
    page = notes[offset : offset + limit]
    next_offset = offset + limit if offset + limit < len(notes) else None
    return NoteList(notes=[_summary(n) for n in page], total=len(notes), next_offset=next_offset)


@tool(
    "nc_notes_get",
    "Get a note",
    "Get a note's full content and its etag.",
    app="notes",
    read_only=True,
    idempotent=True,
)
async def notes_get(ctx: Context, note_id: NoteId) -> NoteDetail:
    return _detail(await notes_client(session(ctx)).get(note_id))


@tool("nc_notes_create", "Create a note", "Create a note.", app="notes", read_only=False)
async def notes_create(
    ctx: Context,
    title: Annotated[str, Field(min_length=1, max_length=1024)],
    content: str = "",
    category: Category = "",
    favorite: bool = False,
) -> NoteDetail:
    note = await notes_client(session(ctx)).create(
        title=title, content=content, category=category.strip("/"), favorite=favorite
    )
    return _detail(note)


@tool(
    "nc_notes_update",
    "Update a note",
    "Change a note's fields; needs the etag from nc_notes_get and fails if the note changed since.",
    app="notes",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def notes_update(
    ctx: Context,
    note_id: NoteId,
    etag: Annotated[str, Field(min_length=1, max_length=200, pattern=r'^"?[!#-+\--~]+"?$')],
    title: Annotated[str | None, Field(min_length=1, max_length=1024)] = None,
    content: str | None = None,
    category: Annotated[str | None, Field(max_length=1024)] = None,
    favorite: bool | None = None,
) -> NoteDetail:
    changes: dict[str, object] = {
        key: value
        for key, value in {
            "title": title,
            "content": content,
            "category": category,
            "favorite": favorite,
        }.items()
        if value is not None
    }
    if isinstance(changes.get("category"), str):
        changes["category"] = str(changes["category"]).strip("/")
    if not changes:
        raise ToolError("Nothing to update: give at least one of title, content, category or favorite.")
    try:
        note = await notes_client(session(ctx)).update(note_id, etag, changes)
    except Conflict as exc:
        exc.message = _conflict_message(exc, changes)
        exc.method = ""  # the message is complete; no request suffix
        raise
    return _detail(note)


@tool(
    "nc_notes_append",
    "Append to a note",
    "Append text to the end of a note, safely even if it is edited concurrently.",
    app="notes",
    read_only=False,
)
async def notes_append(
    ctx: Context,
    note_id: NoteId,
    text: Annotated[str, Field(min_length=1)],
    separator: Annotated[
        str, Field(max_length=10, description="Inserted before text if the note is not empty.")
    ] = "\n",
) -> NoteDetail:
    notes = notes_client(session(ctx))
    for attempt in range(APPEND_RETRIES + 1):
        note = await notes.get(note_id)
        joiner = separator if note.content and not note.content.endswith(separator) else ""
        try:
            return _detail(await notes.update(note_id, note.etag, {"content": note.content + joiner + text}))
        except Conflict:
            if attempt == APPEND_RETRIES:
                raise
    raise AssertionError("unreachable")


@tool(
    "nc_notes_delete",
    "Delete a note",
    "Delete a note permanently.",
    app="notes",
    read_only=False,
    destructive=True,
    idempotent=True,
)
async def notes_delete(ctx: Context, note_id: NoteId) -> Deleted:
    await notes_client(session(ctx)).delete(note_id)
    return Deleted(id=note_id, deleted=True)


_WORD = re.compile(r"\w+", re.UNICODE)


def _score(note: Note, terms: list[str], phrase: str) -> float:
    title, body, category = note.title.lower(), note.content.lower(), note.category.lower()
    score = 0.0
    for term in terms:
        in_title, in_body, in_cat = title.count(term), body.count(term), category.count(term)
        if not (in_title or in_body or in_cat):
            return 0.0  # every term must appear somewhere
        score += 5 * min(in_title, 3) + 2 * min(in_cat, 1) + min(in_body, 10) ** 0.5
    if len(terms) > 1:
        score += 8 if phrase in title else 3 if phrase in body else 0
    if title == phrase:
        score += 10
    return round(score, 2)


def _snippet(content: str, terms: list[str], width: int = 160) -> str:
    lower = content.lower()
    hits = [pos for pos in (lower.find(t) for t in terms) if pos >= 0]
    start = max(0, min(hits) - width // 4) if hits else 0
    text = " ".join(content[start : start + width].split())
    return ("…" if start else "") + text + ("…" if start + width < len(content) else "")


@tool(
    "nc_notes_search",
    "Search notes",
    "Search notes by words in title, category and content, best first.",
    app="notes",
    read_only=True,
    idempotent=True,
)
async def notes_search(
    ctx: Context,
    query: Annotated[str, Field(min_length=1, max_length=500)],
    category: Annotated[str | None, Field(max_length=1024, description="Only this category and below.")] = None,
    limit: Annotated[int, Field(ge=1, le=100)] = 20,
) -> NoteSearchResult:
    phrase = " ".join(query.lower().split())
    terms = list(dict.fromkeys(_WORD.findall(phrase))) or [phrase]
    notes = await notes_client(session(ctx)).list_all()
    if category is not None:
        prefix = category.strip("/")
        notes = [n for n in notes if n.category == prefix or n.category.startswith(prefix + "/")]
    scored = [(s, n) for n in notes if (s := _score(n, terms, phrase)) > 0]
    scored.sort(key=lambda pair: (-pair[0], -pair[1].modified))
    hits = [
        NoteHit(
            id=n.id,
            title=n.title,
            category=n.category,
            modified=_iso(n.modified),
            score=s,
            snippet=_snippet(n.content, terms),
        )
        for s, n in scored[:limit]
    ]
    return NoteSearchResult(results=hits, total=len(scored))


@tool(
    "nc_notes_categories",
    "List note categories",
    "List note categories with their note counts.",
    app="notes",
    read_only=True,
    idempotent=True,
)
async def notes_categories(ctx: Context) -> CategoryList:
    counts: dict[str, int] = {}
    uncategorized = 0
    for note in await notes_client(session(ctx)).list_all():
        if note.category:
            counts[note.category] = counts.get(note.category, 0) + 1
        else:
            uncategorized += 1
    return CategoryList(
        categories=[CategoryCount(name=k, notes=v) for k, v in sorted(counts.items())],
        uncategorized=uncategorized,
    )


TOOLS: list[ToolSpec] = [
    notes_list,
    notes_get,
    notes_create,
    notes_update,
    notes_append,
    notes_delete,
    notes_search,
    notes_categories,
]
