"""Which tool call opens a hit: `{id}`, or the parts of an id made of several (`board/card`, `calendar/event`,
`tasklist/task`)."""

from __future__ import annotations

from nextcloud_mcp.semantic.sources import INDEXED, opens


def test_every_source_is_counted() -> None:
    assert {"notes", "files", "deck", "calendar", "tasks"} <= set(INDEXED)


def test_open_calls_name_the_tools_and_their_arguments() -> None:
    assert opens("notes", "3") == "nc_notes_get_note note_id=3"
    assert opens("files", "/Documents/a b.pdf") == "nc_files_read_file path=/Documents/a b.pdf"
    assert opens("deck", "3/17") == "nc_deck_get_card board_id=3 card_id=17"
    assert opens("calendar", "personal/ab-1.ics") == "nc_calendar_get_event calendar=personal event_id=ab-1.ics"
    assert opens("tasks", "tasks/t-1.ics") == "nc_tasks_get_task tasklist=tasks task_id=t-1.ics"


def test_an_id_without_its_parts_or_an_unknown_app_opens_nothing() -> None:
    assert opens("deck", "17") == ""
    assert opens("mail", "1") == ""
