"""How a notification from the OCS API becomes a tool result (apps/notifications/tools.py::_item)."""

from __future__ import annotations

from nextcloud_mcp.apps.notifications.tools import _item


def test_a_full_notification_keeps_what_the_model_needs() -> None:
    wire = {
        "notification_id": 7,
        "app": "deck",
        "user": "alice",
        "datetime": "2026-12-05T09:30:00+00:00",
        "object_type": "card",
        "object_id": "12",
        "subject": "Bob has assigned the card Plan to you.",
        "message": "",
        "link": "https://nc.test/index.php/apps/deck/#/board/1/card/12",
        "subjectRichParameters": {"deck-card": {"type": "deck-card", "id": "12", "name": "Plan", "boardname": "B"}},
        "messageRichParameters": [],  # PHP's json_encode of an empty array
        "icon": "https://nc.test/apps/deck/img/deck-dark.svg",
        "actions": [{"label": "Open", "link": "https://nc.test/x", "type": "WEB", "primary": True}],
    }
    assert _item(wire) == {
        "id": 7,
        "app": "deck",
        "time": "2026-12-05T09:30:00+00:00",
        "subject": "Bob has assigned the card Plan to you.",
        "link": "https://nc.test/index.php/apps/deck/#/board/1/card/12",
        "object": {"type": "card", "id": "12"},
        "refs": {"deck-card": {"type": "deck-card", "id": "12", "name": "Plan"}},
        "actions": [{"label": "Open", "method": "WEB", "link": "https://nc.test/x", "primary": True}],
    }


def test_a_v1_style_notification_without_rich_fields() -> None:
    wire = {"notification_id": 1, "app": "x", "datetime": "not a date", "subject": "s", "object_type": ""}
    assert _item(wire) == {"id": 1, "app": "x", "subject": "s"}
