"""What the Deck tools return, built from Deck's JSON (nextcloud/deck lib/Db/*.php jsonSerialize, docs/API.md).

Every board, stack, label and card carries Deck's `ETag` (md5 of its `lastModified`) as `etag`; a board's moves
whenever anything on it changes, a stack's whenever one of its cards does (lib/Service/ChangeHelper.php).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from nextcloud_mcp.apps.deck.params import fingerprint, when

__all__ = [
    "Attachment",
    "Board",
    "BoardSummary",
    "Card",
    "CardSummary",
    "Comment",
    "Done",
    "Label",
    "Stack",
    "attachment",
    "board",
    "board_summary",
    "card",
    "card_summary",
    "comment",
    "cut",
    "label",
    "stack",
    "uid",
]

CUT = 100


def cut(text: str | None, full: bool) -> str:
    text = text or ""
    return text if full or len(text) <= CUT else text[:CUT] + "…"


def uid(user: Any) -> str:
    return str(user.get("uid", "")) if isinstance(user, dict) else str(user or "")


class Done(BaseModel):
    id: int
    ok: bool


class Label(BaseModel):
    id: int
    title: str
    color: str
    etag: str


class Stack(BaseModel):
    id: int
    title: str
    etag: str


class BoardSummary(BaseModel):
    id: int
    title: str
    archived: bool
    owner: str
    permissions: list[str]
    etag: str


class Board(BoardSummary):
    labels: list[Label]
    members: list[str]
    stacks: list[Stack]


class CardSummary(BaseModel):
    id: int
    title: str
    stack_id: int
    description: str
    due: str | None
    done: bool
    labels: list[str]
    assignees: list[str]
    etag: str


class Attachment(BaseModel):
    id: int
    type: str
    name: str
    path: str | None


class Card(CardSummary):
    archived: bool
    attachments: list[Attachment]


class Comment(BaseModel):
    id: int
    author: str
    message: str
    created: str | None
    reply_to: int | None
    etag: str


def label(lb: dict[str, Any]) -> Label:
    return Label(id=lb["id"], title=lb.get("title", ""), color=lb.get("color", ""), etag=str(lb.get("ETag", "")))


def stack(s: dict[str, Any]) -> Stack:
    return Stack(id=s["id"], title=s.get("title", ""), etag=str(s.get("ETag", "")))


def board_summary(b: dict[str, Any]) -> BoardSummary:
    perms = b.get("permissions") or {}
    return BoardSummary(
        id=b["id"],
        title=b.get("title", ""),
        archived=bool(b.get("archived")),
        owner=uid(b.get("owner")),
        permissions=[k.removeprefix("PERMISSION_").lower() for k, v in perms.items() if v],
        etag=str(b.get("ETag", "")),
    )


def board(b: dict[str, Any]) -> Board:
    """A board read with its details (OCS `GET /board/{id}`: stacks without cards, labels, users)."""
    stacks = sorted(b.get("stacks") or [], key=lambda s: (s.get("order") or 0, s["id"]))
    return Board(
        **board_summary(b).model_dump(),
        labels=[label(lb) for lb in b.get("labels") or []],
        members=[uid(u) for u in b.get("users") or []],
        stacks=[stack(s) for s in stacks],
    )


def card_summary(c: dict[str, Any], full: bool) -> CardSummary:
    return CardSummary(
        id=c["id"],
        title=c.get("title", ""),
        stack_id=c.get("stackId") or 0,
        description=cut(c.get("description"), full),
        due=when(c.get("duedate")),
        done=bool(c.get("done")),  # Deck: the done time (`c` format) or null
        labels=[lb.get("title", "") for lb in c.get("labels") or []],
        assignees=[uid(a.get("participant")) for a in c.get("assignedUsers") or []],
        etag=str(c.get("ETag", "")),
    )


def attachment(a: dict[str, Any]) -> Attachment:
    ext = a.get("extendedData") or {}
    return Attachment(
        id=a["id"],
        type=a.get("type", ""),
        name=a.get("data", ""),
        path=ext.get("path") or None,
    )


def card(c: dict[str, Any], attachments: list[dict[str, Any]]) -> Card:
    """A card with its attachments. Deck lists soft-deleted `deck_file` attachments too (`deletedAt` > 0, until its
    cron job purges them: nextcloud/deck lib/Service/AttachmentService.php::findAll($cardId, true)); they are gone
    for the user, so they are left out."""
    return Card(
        **card_summary(c, True).model_dump(),
        archived=bool(c.get("archived")),
        attachments=[attachment(a) for a in attachments if not a.get("deletedAt")],
    )


def comment(c: dict[str, Any], full: bool = True) -> Comment:
    message = str(c.get("message", ""))
    return Comment(
        id=c["id"],
        author=c.get("actorId", ""),
        message=cut(message, full),
        created=when(c.get("creationDateTime")),
        reply_to=(c.get("replyTo") or {}).get("id") or None,
        etag=fingerprint(message),
    )
