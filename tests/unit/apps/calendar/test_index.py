"""What the semantic index reads of an event, and which events it keeps when a user has more than the cap."""

from __future__ import annotations

from datetime import UTC, datetime

from nextcloud_mcp.apps.calendar.index import event_text, newest
from nextcloud_mcp.core.indexing import Indexable


def test_an_event_with_place_rule_and_description() -> None:
    view = {
        "title": "Yoga",
        "start": "2026-07-02T18:00:00+02:00",
        "end": "2026-07-02T19:00:00+02:00",
        "location": "Community centre",
        "description": "Bring a mat.\n",
        "rrule": "FREQ=WEEKLY;COUNT=10",
    }
    assert event_text(view, "Personal") == (
        "Yoga\nWhen: 2026-07-02T18:00:00+02:00 to 2026-07-02T19:00:00+02:00 (repeats: FREQ=WEEKLY;COUNT=10)\n"
        "Where: Community centre\nCalendar: Personal\n\nBring a mat."
    )


def test_an_all_day_event_without_details() -> None:
    view = {"title": "Holiday", "start": "2026-08-01", "end": None, "location": None, "description": None}
    assert event_text(view, "Personal") == "Holiday\nWhen: 2026-08-01\nCalendar: Personal"


def _item(n: int) -> Indexable:
    return Indexable(f"personal/{n}.ics", f"e{n}", f"{n}.ics")


def test_over_the_cap_the_most_recently_changed_are_kept() -> None:
    day = [datetime(2026, 1, d, tzinfo=UTC) for d in (5, 1, 9, 1, 3)]
    found = [(when, _item(n)) for n, when in enumerate(day)]
    assert [i.id for i in newest(found, 3)] == ["personal/2.ics", "personal/0.ics", "personal/4.ics"]
    ties = newest(found, 5)[3:]  # equal times keep the calendars' order
    assert [i.id for i in ties] == ["personal/1.ics", "personal/3.ics"]
