"""A Deck board as Markdown (`nextcloud://deck/boards/…`): stacks in order as headings, cards as items."""

from __future__ import annotations

from nextcloud_mcp.apps.deck.markdown import board_markdown

BOARD = {
    "id": 7,
    "title": "Roadmap",
    "owner": {"uid": "alice"},
    "labels": [{"id": 1, "title": "Later"}, {"id": 2, "title": "Urgent"}],
    "permissions": {},
}
STACKS = [
    {"id": 2, "title": "Done", "order": 1, "cards": [{"id": 5, "title": "Ship", "done": "2026-11-01T10:00:00+00:00"}]},
    {
        "id": 1,
        "title": "Inbox",
        "order": 0,
        "cards": [
            {"id": 4, "title": "Second", "order": 1},
            {
                "id": 3,
                "title": "First",
                "order": 0,
                "description": "Line one\nline two",
                "duedate": "2026-12-05T17:00:00+00:00",
                "labels": [{"title": "Urgent"}],
                "assignedUsers": [{"participant": {"uid": "bob"}}],
            },
        ],
    },
    {"id": 9, "title": "Someday", "order": 2, "cards": []},
]


def test_stacks_are_headings_in_order_and_cards_items_with_their_facts() -> None:
    text = board_markdown(BOARD, STACKS)
    assert text.startswith("# Roadmap\n\nBoard 7; owner alice; labels: Later, Urgent.\n")
    assert text.index("## Inbox") < text.index("## Done") < text.index("## Someday")
    assert (
        "- [ ] **First** (card 3; labels: Urgent; due 2026-12-05T17:00:00+00:00; assigned to @bob)\n"
        "  Line one line two\n- [ ] **Second** (card 4)"
    ) in text
    assert "- [x] **Ship** (card 5; done)" in text
    assert "## Someday\n\n_No cards._" in text
