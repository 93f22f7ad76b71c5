"""Deck tool arguments: the described parameter types, due dates, label and member references, and the version
check of writes that replace content (Deck has no If-Match: nextcloud/deck docs/API.md documents ETag only for
`If-None-Match` on reads, so the tools compare the `ETag` field read just before the write)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from nextcloud_mcp.core.contract import iso
from nextcloud_mcp.core.errors import Conflict, InvalidInput

__all__ = [
    "AttachmentId",
    "BoardId",
    "CardId",
    "CardTitle",
    "Color",
    "CommentId",
    "Due",
    "Full",
    "LabelId",
    "LabelRefs",
    "Message",
    "StackId",
    "Title",
    "Users",
    "check_version",
    "fingerprint",
    "parse_due",
    "pick_labels",
    "pick_users",
    "when",
]


def _title(value: str) -> str:
    # Deck validates titles with PHP empty(), which is true for "0" (nextcloud/deck lib/Validators/
    # BaseValidator.php `not_empty`) and answers 400: refuse it here instead of sending a doomed request.
    if value == "0" or not value.strip():
        raise ValueError("Deck refuses this title (empty, blank or '0'); choose another one")
    return value


BoardId = Annotated[int, Field(description="Board id (nc_deck_list_boards).")]
StackId = Annotated[int, Field(description="Stack id (nc_deck_get_board).")]
CardId = Annotated[int, Field(description="Card id (nc_deck_list_cards).")]
LabelId = Annotated[int, Field(description="Label id (nc_deck_get_board).")]
CommentId = Annotated[int, Field(description="Comment id (nc_deck_list_comments).")]
AttachmentId = Annotated[int, Field(description="Attachment id (nc_deck_get_card).")]
Title = Annotated[str, Field(max_length=100, description="Title."), AfterValidator(_title)]
CardTitle = Annotated[str, Field(max_length=255, description="Title."), AfterValidator(_title)]
Color = Annotated[str, Field(pattern=r"^[0-9a-fA-F]{6}$", description="Hex RGB without #, e.g. 0082c9.")]
Due = Annotated[str, Field(description='ISO date or date-time, e.g. 2026-12-24; "" clears.')]
Full = Annotated[bool, Field(description="true: whole texts (else cut to 100 characters).")]
LabelRefs = Annotated[list[int | str], Field(description="Label titles or ids (nc_deck_get_board).")]
Users = Annotated[list[str], Field(description="User ids or display names of board members.")]
Message = Annotated[str, Field(min_length=1, max_length=1000, description="Comment text (max 1000).")]


def parse_due(value: str) -> str | None:
    """An ISO-8601 date or date-time as Deck stores it (`c` format, UTC when no zone); "" -> None."""
    if value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"Bad due date {value!r}: use ISO-8601, e.g. 2026-12-24 or 2026-12-24T17:00:00+01:00."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.isoformat()


def when(value: Any) -> str | None:
    """A Deck time (`DateTime::format('c')`/ATOM, or empty) as ISO 8601 with offset; absent -> None."""
    if not value:
        return None
    try:
        return iso(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def fingerprint(text: str) -> str:
    """The etag of a comment: Deck's comment JSON has no version or modification time (nextcloud/deck
    lib/Service/CommentService.php formatComment), so the text itself is what an edit is checked against."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_version(current: Any, etag: str | None, force: bool, *, what: str, get_tool: str) -> None:
    """After `require_etag`: refuse the write when the item's version read just now is not the caller's."""
    now = str(current or "")
    if not force and now != etag:
        raise Conflict(
            f"The {what} changed since you read it (etag {etag}, now {now}); nothing was written. "
            f"Re-read it with {get_tool} and apply your change again, or pass force=true."
        )


def pick_labels(board_id: int, labels: list[dict[str, Any]], refs: list[int | str]) -> list[int]:
    """Label ids for titles or ids (a title matches exactly, else ignoring case; digits also match an id)."""
    ids = []
    for ref in refs:
        text = str(ref)
        found = next((lb for lb in labels if isinstance(ref, str) and lb["title"] == ref), None)
        found = found or next((lb for lb in labels if str(lb["title"]).casefold() == text.casefold()), None)
        found = found or next((lb for lb in labels if str(lb["id"]) == text.strip()), None)
        if found is None:
            valid = ", ".join(f"{lb['title']} ({lb['id']})" for lb in labels) or "none"
            raise InvalidInput(
                f"Board {board_id} has no label {ref!r}; its labels (title (id)): {valid}. "
                "Create one with nc_deck_create_label."
            )
        ids.append(int(found["id"]))
    return ids


def _name(user: Any) -> tuple[str, str]:
    if isinstance(user, dict):
        return str(user.get("uid", "")), str(user.get("displayname") or "")
    return str(user or ""), ""


def pick_users(board_id: int, members: list[Any], refs: list[str]) -> list[str]:
    """User ids for ids or display names of the board's members (Deck assigns only members:
    nextcloud/deck lib/Service/AssignmentService.php assignUser checks PermissionService::findUsers)."""
    people = [_name(u) for u in members]
    uids = []
    for ref in refs:
        found = next((uid for uid, _ in people if uid == ref), None)
        found = found or next((uid for uid, name in people if name and name.casefold() == ref.casefold()), None)
        if found is None:
            if not people:  # members unknown: let Deck decide
                uids.append(ref)
                continue
            valid = ", ".join(f"{uid} ({name})" if name else uid for uid, name in people)
            raise InvalidInput(
                f"{ref!r} is not part of board {board_id}; its members (id (name)): {valid}. "
                "Share the board with that user in Deck first, or pick a member."
            )
        uids.append(found)
    return uids
