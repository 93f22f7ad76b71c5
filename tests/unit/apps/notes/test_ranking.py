"""Ranking of nc_notes_search_notes: every word must appear; title beats body; snippets show the match."""

from __future__ import annotations

from nextcloud_mcp.apps.notes.client import Note
from nextcloud_mcp.apps.notes.ranking import score, snippet, terms_of


def _note(title: str, content: str = "", category: str = "") -> Note:
    return Note(id=1, title=title, content=content, category=category)


def test_every_term_must_appear() -> None:
    terms, phrase = terms_of("Budget  Review")
    assert terms == ["budget", "review"] and phrase == "budget review"
    assert score(_note("Budget"), terms, phrase) == 0
    assert score(_note("Budget", "the review"), terms, phrase) > 0


def test_title_matches_rank_above_body_matches() -> None:
    terms, phrase = terms_of("budget")
    assert score(_note("Budget 2027"), terms, phrase) > score(_note("Notes", "budget talk"), terms, phrase)


def test_snippet_starts_near_the_match() -> None:
    text = "x " * 200 + "the budget line " + "y " * 200
    cut = snippet(text, ["budget"])
    assert "budget" in cut and cut.startswith("…") and cut.endswith("…")
