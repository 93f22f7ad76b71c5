"""What the Deck tools that send several writes do when one of them fails.

A card's labels and assignees are one request each (Deck has no route that sets them together: appinfo/routes.php
`card_api#assignLabel`, `card_api#assignUser`), so creating a card "with labels" is several writes. Everything is
resolved before the first one (label titles, member names: `pick_labels`, `pick_users`); a failure after a write
then says exactly what was done, with ids and etags, and which call finishes the job without repeating what worked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from nextcloud_mcp.apps.deck.client import DeckClient
from nextcloud_mcp.apps.deck.models import uid
from nextcloud_mcp.apps.deck.params import pick_labels, pick_users
from nextcloud_mcp.core.errors import NextcloudError

__all__ = ["Plan", "listed"]


@dataclass(frozen=True)
class Step:
    """One write of a plan: `kind` (add_labels, remove_labels, add_users, remove_users, as the arguments of
    nc_deck_assign_card), the label title or user id, and the request."""

    kind: str
    value: str
    send: Callable[[], Awaitable[None]]

    def __str__(self) -> str:
        verb = {"add_labels": "add label", "remove_labels": "remove label", "add_users": "assign",
                "remove_users": "unassign"}[self.kind]  # fmt: skip
        return f"{verb} {self.value!r}"


def listed(values: list[Any]) -> str:
    """`values` as a Python-style list the model can pass back as an argument."""
    return "[" + ", ".join(repr(v) for v in values) + "]"


class Plan:
    """Label ids and user ids to add and remove, all resolved before anything is sent; `apply` records what it
    did (`done`) and what it did not get to (`left`), so a failure can be reported step by step."""

    def __init__(
        self,
        details: dict[str, Any],
        labels: tuple[list[int | str], list[int | str]],
        users: tuple[list[str], list[str]],
    ) -> None:
        board_id, known = details["id"], details.get("labels") or []
        self.titles: dict[int, str] = {int(lb["id"]): str(lb.get("title", "")) for lb in known}
        self.add_labels = pick_labels(board_id, known, labels[0])
        self.remove_labels = pick_labels(board_id, known, labels[1])
        self.add_users = pick_users(board_id, details.get("users") or [], users[0])
        self.remove_users = users[1]
        self.done: list[Step] = []
        self.failed: Step | None = None
        self.left: list[Step] = []

    def _steps(self, deck: DeckClient, found: dict[str, Any]) -> list[Step]:
        """Already (un)assigned labels and users are skipped, so assigning is idempotent."""
        card_id, steps = found["id"], []
        on_card = {lb["id"] for lb in found.get("labels") or []}
        for label_id in self.add_labels:
            if label_id not in on_card:
                send = partial(deck.label, card_id, label_id, add=True)
                steps.append(Step("add_labels", self.titles.get(label_id, str(label_id)), send))
        for label_id in self.remove_labels:
            if label_id in on_card:
                send = partial(deck.label, card_id, label_id, add=False)
                steps.append(Step("remove_labels", self.titles.get(label_id, str(label_id)), send))
        assigned = {uid(a.get("participant")): a.get("participant") for a in found.get("assignedUsers") or []}
        for user in self.add_users:
            if user not in assigned:
                steps.append(Step("add_users", user, partial(deck.assignee, card_id, user, add=True)))
        names = {str(p.get("displayname", "")).casefold(): u for u, p in assigned.items() if isinstance(p, dict)}
        for ref in self.remove_users:  # assignees by id or display name; others are not assigned anyway
            gone = ref if ref in assigned else names.get(ref.casefold())
            if gone is not None:
                steps.append(Step("remove_users", gone, partial(deck.assignee, card_id, gone, add=False)))
        return steps

    async def apply(self, deck: DeckClient, found: dict[str, Any]) -> None:
        """Send the steps in order; on a failure `done`, `failed` and `left` say where it stopped."""
        steps = self._steps(deck, found)
        for index, step in enumerate(steps):
            try:
                await step.send()
            except NextcloudError:
                self.failed, self.left = step, steps[index + 1 :]
                raise
            self.done.append(step)

    def progress(self) -> str:
        """What was done before the failed step and what was not tried after it, for a message."""
        done = f"Done before it: {'; '.join(map(str, self.done))}." if self.done else "Nothing was done before it."
        left = f" Not tried: {'; '.join(map(str, self.left))}." if self.left else ""
        return done + left

    def remaining(self) -> str:
        """The nc_deck_assign_card arguments that finish the plan (the failed step and those after it)."""
        rest = ([self.failed] if self.failed else []) + self.left
        args: dict[str, list[str]] = {}
        for step in rest:
            args.setdefault(step.kind, []).append(step.value)
        return ", ".join(f"{kind}={listed(values)}" for kind, values in args.items())
