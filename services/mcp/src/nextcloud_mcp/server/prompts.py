"""Prompts: workflows across apps, each a text that names the tools to call, in order, with their arguments.

A prompt lists the tools it cannot do without (`tools`): it is offered only when each of them is served and
available to the caller. Steps with other tools say "if the … tools are available", so the model skips them when
the caller has no such tools. `complete` maps an argument to a value source
(`core.resource`) for `completion/complete`. Every tool name in a text is checked against the catalogue
(tests/unit/server/test_prompts.py).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from mcp.server.mcpserver.prompts import Prompt
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS
from pydantic import Field

__all__ = ["PROMPTS", "PromptSpec"]


@dataclass(frozen=True)
class PromptSpec:
    """One prompt: its function (string arguments in, the text out), name, title, description, the tools it needs
    and the value source of each completable argument."""

    fn: Callable[..., str]
    name: str
    title: str
    description: str
    tools: tuple[str, ...]
    complete: Mapping[str, str] = field(default_factory=dict)

    def arguments(self) -> dict[str, bool]:
        """Argument name → whether it is required (it has no default)."""
        params = inspect.signature(self.fn).parameters.values()
        return {p.name: p.default is inspect.Parameter.empty for p in params}

    def prompt(self) -> Prompt:
        """The SDK's prompt (arguments and their descriptions from the function's signature)."""
        return Prompt.from_function(self.fn, name=self.name, title=self.title, description=self.description)


Calendar = Annotated[str | None, Field(description="Calendar name or display name; default: every calendar.")]
Board = Annotated[str | None, Field(description="Deck board id or title; default: every board.")]


def _day(value: str | None, what: str) -> date:
    if not value:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise MCPError(code=INVALID_PARAMS, message=f"{what} {value!r} is not a date; use YYYY-MM-DD.") from exc


def _quoted(name: str, value: str | None) -> str:
    return f', {name}="{value}"' if value else ""


def weekly_review(
    week: Annotated[str | None, Field(description="Any day of the week to review, YYYY-MM-DD; default today.")] = None,
    calendar: Calendar = None,
    board: Board = None,
) -> str:
    day = _day(week, "week")
    monday = day - timedelta(days=day.weekday())
    sunday, next_monday = monday + timedelta(days=6), monday + timedelta(days=7)
    deck = f"call nc_deck_get_board for the board {board!r}" if board else "call nc_deck_list_boards"
    return f"""Review my week from {monday} to {sunday} in Nextcloud, then summarize it. Change nothing.

1. Events: call nc_calendar_list_events with start="{monday}", end="{next_monday}"{_quoted("calendar", calendar)} \
(follow next_cursor). Note conflicts, days without a break and events that need preparation.
2. Tasks: if the nc_tasks_* tools are available, call nc_tasks_list_tasks with due_before="{next_monday}" (open \
tasks). Separate the overdue ones (due before {monday}) from those due this week.
3. Deck: if the nc_deck_* tools are available, {deck}, then nc_deck_list_cards for each board (board_id). Keep \
the cards due by {sunday} and those assigned to me (my user id: nc_users_get_me, if available).

Answer with: the week day by day (events), what is due or overdue (tasks and cards, oldest first), and at most \
three suggestions (what to prepare, move or delegate)."""


def meeting_notes(
    notes: Annotated[str, Field(description="The meeting notes, as written.")],
    title: Annotated[str | None, Field(description="Title of the note; default: from the notes.")] = None,
    category: Annotated[str | None, Field(description="Note category (nc_notes_list_categories).")] = None,
    tasklist: Annotated[str | None, Field(description="Task list for action items (nc_tasks_list_tasklists).")] = None,
    calendar: Annotated[str | None, Field(description="Calendar for a follow-up meeting.")] = None,
) -> str:
    today = datetime.now(UTC).date()
    name = f'"{title}"' if title else f'"<topic> {today}" (the topic from the notes)'
    return f"""Turn these meeting notes into Nextcloud items.

1. Note: call nc_notes_create_note with title {name}{_quoted("category", category)} and the notes as Markdown: \
a two-line summary, then "Decisions", then "Action items" (owner and due date each).
2. Tasks: if the nc_tasks_* tools are available, call nc_tasks_create_task for each action item\
{_quoted("tasklist", tasklist)}: a title that starts with a verb, due as YYYY-MM-DD when the notes give a date, \
the owner and the note's title in description.
3. Follow-up: if the notes agree on a follow-up meeting and the nc_calendar_* tools are available, find a time with \
nc_calendar_get_free_busy (attendees' e-mails) and call nc_calendar_create_event{_quoted("calendar", calendar)} \
with title "Follow-up: <topic>". If no date was agreed, propose one and ask me first.
4. Call nc_notes_append_note on the new note with a line listing what you created (task and event titles).

Report the note id, the tasks and the event you created.

Meeting notes:
<<<
{notes}
>>>"""


def deck_triage(
    board: Annotated[str, Field(description="Deck board id or title (nc_deck_list_boards).")],
    stack: Annotated[str | None, Field(description="Title of the inbox stack; default: the board's first.")] = None,
) -> str:
    inbox = f'the stack titled "{stack}"' if stack else "the first stack"
    return f"""Triage the inbox of my Deck board "{board}".

1. Call nc_deck_list_boards to find the board (its id or title is "{board}"), then nc_deck_get_board (board_id) \
for its stacks, labels and members.
2. The inbox is {inbox}. Call nc_deck_list_cards with board_id, that stack_id and full=true.
3. For each card propose a label (from the board's), a due date when the card implies one, an assignee (a \
member) and the stack to move it to. Show the proposals as a table and wait for my go-ahead.
4. Then apply them: nc_deck_assign_card for labels and assignees; nc_deck_update_card with the card's etag for \
due and stack_id. Archive the cards I call obsolete (nc_deck_update_card, archived=true); call nc_deck_delete_card \
only for cards I tell you to delete."""


PROMPTS: tuple[PromptSpec, ...] = (
    PromptSpec(
        weekly_review,
        "weekly_review",
        "Weekly review",
        "Review a week: its events, the tasks due or overdue and the Deck cards due or assigned to me.",
        ("nc_calendar_list_events",),
        {"calendar": "calendar", "board": "board"},
    ),
    PromptSpec(
        meeting_notes,
        "meeting_notes",
        "Meeting notes to note, tasks and follow-up",
        "File meeting notes as a note, their action items as tasks, and a follow-up meeting as an event.",
        ("nc_notes_create_note", "nc_notes_append_note"),
        {"category": "category", "tasklist": "tasklist", "calendar": "calendar"},
    ),
    PromptSpec(
        deck_triage,
        "deck_triage",
        "Triage a Deck inbox",
        "Sort the cards of a board's inbox stack: labels, due dates, assignees, target stacks, after my go-ahead.",
        (
            "nc_deck_list_boards",
            "nc_deck_get_board",
            "nc_deck_list_cards",
            "nc_deck_assign_card",
            "nc_deck_update_card",
        ),
        {"board": "board"},
    ),
)
