"""A Deck board as Markdown: the board's title, its stacks in order as headings, each stack's cards as list items
with their labels, due date, assignees and the start of their description (what `nextcloud://deck/boards/…`
resources carry)."""

from __future__ import annotations

from typing import Any

from nextcloud_mcp.apps.deck.models import board_summary, card_summary

__all__ = ["board_markdown"]


def board_markdown(board: dict[str, Any], stacks: list[dict[str, Any]]) -> str:
    """`board` from OCS `GET /board/{id}`, `stacks` with their cards from OCS `GET /stacks/{id}`."""
    summary = board_summary(board)
    lines = [f"# {summary.title}", ""]
    about = [f"Board {summary.id}", f"owner {summary.owner}"]
    if summary.archived:
        about.append("archived")
    labels = [str(label.get("title", "")) for label in board.get("labels") or []]
    if labels:
        about.append("labels: " + ", ".join(labels))
    lines += ["; ".join(about) + ".", ""]
    for stack in sorted(stacks, key=lambda s: (s.get("order") or 0, s["id"])):
        lines += [f"## {stack.get('title', '')}", ""]
        cards = sorted(stack.get("cards") or [], key=lambda c: (c.get("order") or 0, c["id"]))
        lines += [_item(card) for card in cards] or ["_No cards._"]
        lines.append("")
    return "\n".join(lines)


def _item(raw: dict[str, Any]) -> str:
    card = card_summary(raw, full=False)
    facts = [f"card {card.id}"]
    if card.labels:
        facts.append("labels: " + ", ".join(card.labels))
    if card.due:
        facts.append(f"due {card.due}")
    if card.assignees:
        facts.append("assigned to " + ", ".join(f"@{who}" for who in card.assignees))
    if card.done:
        facts.append("done")
    item = f"- [{'x' if card.done else ' '}] **{card.title}** ({'; '.join(facts)})"
    description = " ".join(card.description.split())
    return f"{item}\n  {description}" if description else item
