"""Ranking for `nc_notes_search_notes`: every word must appear; title hits weigh most, then category, then body."""

from __future__ import annotations

import re

from nextcloud_mcp.apps.notes.client import Note

__all__ = ["score", "snippet", "terms_of"]

_WORD = re.compile(r"\w+", re.UNICODE)


def terms_of(query: str) -> tuple[list[str], str]:
    """The distinct words of `query` (lowercase) and the whole query as one phrase."""
    phrase = " ".join(query.lower().split())
    return list(dict.fromkeys(_WORD.findall(phrase))) or [phrase], phrase


def score(note: Note, terms: list[str], phrase: str) -> float:
    """0 when a term is missing; otherwise higher for title, category and phrase matches."""
    title, body, category = note.title.lower(), note.content.lower(), note.category.lower()
    total = 0.0
    for term in terms:
        in_title, in_body, in_cat = title.count(term), body.count(term), category.count(term)
        if not (in_title or in_body or in_cat):
            return 0.0  # every term must appear somewhere
        total += 5 * min(in_title, 3) + 2 * min(in_cat, 1) + min(in_body, 10) ** 0.5
    if len(terms) > 1:
        total += 8 if phrase in title else 3 if phrase in body else 0
    if title == phrase:
        total += 10
    return round(total, 2)


def snippet(content: str, terms: list[str], width: int = 160) -> str:
    """About `width` characters of `content` around the first term found, whitespace collapsed."""
    lower = content.lower()
    hits = [pos for pos in (lower.find(t) for t in terms) if pos >= 0]
    start = max(0, min(hits) - width // 4) if hits else 0
    text = " ".join(content[start : start + width].split())
    return ("…" if start else "") + text + ("…" if start + width < len(content) else "")
