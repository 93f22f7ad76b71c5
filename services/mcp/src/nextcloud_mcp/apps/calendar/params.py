"""Arguments and results shared by the calendar and tasks tools: described argument types (the contract: every
argument says its format and where its value comes from) and the loose result objects (every key present,
absent values null; the keys are listed in docs/calendar.md, "Output items")."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CalendarRef",
    "Color",
    "Emails",
    "EventRef",
    "IfEtag",
    "Obj",
    "Reminders",
    "Scope",
    "TaskListRef",
    "TaskRef",
    "Zone",
]


class Obj(BaseModel):  # a calendar, event or task (keys in docs/calendar.md); no docstring: it would be in tools/list
    model_config = ConfigDict(extra="allow")


CalendarRef = Annotated[
    str, Field(max_length=255, description="Calendar name or display name (nc_calendar_list_calendars).")
]
TaskListRef = Annotated[
    str, Field(max_length=255, description="Task list name or display name (nc_tasks_list_tasklists).")
]
EventRef = Annotated[str, Field(max_length=1000, description="event_id or uid (nc_calendar_list_events).")]
TaskRef = Annotated[str, Field(max_length=1000, description="task_id or uid (nc_tasks_list_tasks).")]
Zone = Annotated[
    str | None, Field(max_length=64, description="IANA zone for naive times, e.g. Europe/Berlin; or floating.")
]
Color = Annotated[str | None, Field(pattern=r"^#[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?$", description="Colour, #RRGGBB.")]
Emails = Annotated[list[str] | None, Field(description="E-mails to invite.")]
Reminders = Annotated[list[int] | None, Field(description="Minutes before start, e.g. [15].")]
Scope = Annotated[
    Literal["this", "following", "all"],
    Field(description="Repeating event: this instance, it and later ones, or all."),
]
IfEtag = Annotated[
    str | None,
    Field(max_length=256, pattern=r"^[\x20-\x7e]*$", description="etag you read; if given, acts only if unchanged."),
]
