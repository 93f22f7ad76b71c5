"""What the semantic index reads of a Deck card (title, board and list, labels, due date, assignees, description),
and its version, which moves when the card or its board's or list's title changes."""

from __future__ import annotations

from nextcloud_mcp.apps.deck.index import card_text, card_version

BOARD = {"id": 3, "title": "Household"}
STACK = {"id": 9, "title": "To do"}


def test_a_card_in_context() -> None:
    card = {
        "id": 17,
        "title": "Fix the roof",
        "description": "  Call the roofer.\n",
        "labels": [{"title": "Action needed"}, {"title": "Later"}],
        "duedate": "2026-09-01T10:00:00+00:00",
        "done": "2026-08-30T09:00:00+00:00",
        "assignedUsers": [{"participant": {"uid": "alice", "displayname": "Alice"}}],
    }
    assert card_text(BOARD, STACK, card) == (
        "Fix the roof\nBoard: Household; list: To do\nLabels: Action needed, Later\n"
        "Due: 2026-09-01T10:00:00+00:00 (done)\nAssigned to: alice\n\nCall the roofer."
    )


def test_a_bare_card_has_its_title_and_place_only() -> None:
    card = {"id": 1, "title": "Buy paint", "description": None, "labels": [], "duedate": None}
    assert card_text(BOARD, STACK, card) == "Buy paint\nBoard: Household; list: To do"


def test_the_version_moves_with_the_card_and_with_its_board_or_list_title() -> None:
    card = {"id": 1, "title": "Buy paint", "ETag": "abc"}
    version = card_version(BOARD, STACK, card)
    assert version.startswith("abc-") and len(version) == len("abc-") + 8
    assert card_version(dict(BOARD), dict(STACK), dict(card)) == version  # stable
    assert card_version({**BOARD, "title": "Home"}, STACK, card) != version
    assert card_version(BOARD, {**STACK, "title": "Done"}, card) != version
    assert card_version(BOARD, STACK, {**card, "ETag": "abd"}) != version
    assert card_version({"title": "Household\x00To"}, {"title": "do"}, card) != version  # no ambiguous join
