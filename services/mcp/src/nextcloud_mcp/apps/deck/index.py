"""The Deck cards the semantic index holds (`core.indexing`): every card the caller can read on the boards Deck
lists for them (their own and those shared with them), versioned by the card's `ETag`.

Deck serializes an `ETag` on every entity: the md5 of its `lastModified` (nextcloud/deck lib/Db/RelationalEntity.php
jsonSerialize), which moves when the card's title, description, due date, labels or assignees change
(lib/Service/ChangeHelper.php::cardChanged). Board and stack names are part of a card's text but renaming them does
not move the card's ETag, so a card's version here is its ETag and a short hash of its board's and list's titles:
a rename re-indexes the cards under it at the next sync, and a hit checked after a rename is re-indexed at once.

Like Deck's board view, archived boards and archived cards are left out (they were put away; `nc_deck_list_cards
archived=true` still reads them), as are soft-deleted boards and cards. One OCS call lists the boards and one per
board its stacks with their cards (`GET /stacks/{boardId}`), so a sync reads no card on its own; at most MAX_CARDS
cards are indexed, boards in Deck's order.
"""

from __future__ import annotations

import hashlib
from typing import Any

from nextcloud_mcp.apps.deck.client import deck_client
from nextcloud_mcp.apps.deck.models import uid
from nextcloud_mcp.apps.deck.params import when
from nextcloud_mcp.core.errors import Forbidden, NextcloudError, NotFound
from nextcloud_mcp.core.indexing import Indexable, Listing
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["SOURCE", "card_text", "card_version"]

MAX_CARDS = 5000


def _live(entity: dict[str, Any]) -> bool:
    return not entity.get("archived") and not entity.get("deletedAt")


def card_version(board: dict[str, Any], stack: dict[str, Any], card: dict[str, Any]) -> str:
    """The card's ETag (or lastModified) and 8 hex digits of its board's and list's titles."""
    names = f"{board.get('title', '')}\x00{stack.get('title', '')}".encode()
    return f"{card.get('ETag') or card.get('lastModified') or ''}-{hashlib.sha256(names).hexdigest()[:8]}"


def card_text(board: dict[str, Any], stack: dict[str, Any], card: dict[str, Any]) -> str:
    """What is indexed of a card: its title, where it is, labels, due date, assignees, then its description."""
    lines = [str(card.get("title") or ""), f"Board: {board.get('title', '')}; list: {stack.get('title', '')}"]
    labels = [str(lb.get("title", "")) for lb in card.get("labels") or [] if isinstance(lb, dict)]
    if labels:
        lines.append("Labels: " + ", ".join(labels))
    due = when(card.get("duedate"))
    if due:
        lines.append(f"Due: {due}" + (" (done)" if card.get("done") else ""))
    people = [uid(a.get("participant")) for a in card.get("assignedUsers") or [] if isinstance(a, dict)]
    if people:
        lines.append("Assigned to: " + ", ".join(p for p in people if p))
    description = str(card.get("description") or "").strip()
    return "\n".join(lines) + (f"\n\n{description}" if description else "")


class DeckSource:
    app = "deck"
    opens = "nc_deck_get_card board_id={0} card_id={1}"

    async def objects(self, session: NextcloudSession) -> Listing:
        deck = deck_client(session)
        listing = Listing()
        boards = [b for b in await deck.boards() if _live(b)]  # Deck failing: NextcloudError, the index keeps all
        for n, board in enumerate(boards):
            if len(listing.items) >= MAX_CARDS:  # the boards not read keep what they have
                listing.kept.extend(f"{b['id']}/" for b in boards[n:])
                break
            try:
                stacks = await deck.stacks(int(board["id"]))
            except (Forbidden, NotFound):
                continue  # unshared or deleted since the list: its cards go
            except NextcloudError as exc:
                listing.errors.append(f"deck board {board['id']}: {exc}")
                listing.kept.append(f"{board['id']}/")
                continue
            for stack in stacks:
                for card in stack.get("cards") or []:
                    if not _live(card):
                        continue
                    oid = f"{board['id']}/{card['id']}"
                    title = str(card.get("title") or "")
                    etag = card_version(board, stack, card)
                    listing.items[oid] = Indexable(oid, etag, title, card_text(board, stack, card))
        return listing

    async def text(self, session: NextcloudSession, item: Indexable) -> str | None:
        if item.hint is not None:
            return str(item.hint)
        board_id, card_id = _ids(item.id)
        deck = deck_client(session)
        try:
            card = await deck.card(board_id, card_id)
            board = await deck.board(board_id)
        except (Forbidden, NotFound):
            return None
        stack: dict[str, Any] = next((s for s in board.get("stacks") or [] if s.get("id") == card.get("stackId")), {})
        return card_text(board, stack, card) if _live(card) else None

    async def version(self, session: NextcloudSession, object_id: str) -> str | None:
        """Two requests: the board (its title) and its stacks with their cards. A card not among them is archived
        or deleted, and an archived or deleted board is not indexed: both are None, as in `objects`."""
        deck = deck_client(session)
        try:
            board_id, card_id = _ids(object_id)
            board = await deck.board(board_id)
            stacks = await deck.stacks(board_id) if _live(board) else []
        except (Forbidden, NotFound, ValueError):  # deleted, or the board is no longer shared with the caller
            return None
        for stack in stacks:
            for card in stack.get("cards") or []:
                if card.get("id") == card_id and _live(card):
                    return card_version(board, stack, card)
        return None


def _ids(object_id: str) -> tuple[int, int]:
    """`board/card` → the two ids (ValueError for anything else)."""
    board, _, card = object_id.partition("/")
    return int(board), int(card)


SOURCE = DeckSource()
