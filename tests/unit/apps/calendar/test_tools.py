"""The calendar/tasks/contacts tool modules: lazy heavy imports, the default-zone setting, compact outputs."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nextcloud_mcp.apps.calendar.client import CalendarInfo
from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core.errors import ConfigError
from nextcloud_mcp.core.tool import compact


def test_start_up_does_not_import_the_calendar_libraries() -> None:
    code = (
        "import sys; from nextcloud_mcp.server.catalogue import build_catalogue; build_catalogue();"
        "print(sorted(m for m in ('icalendar', 'vobject', 'recurring_ical_events') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_default_timezone_setting_is_validated() -> None:
    env = {"NEXTCLOUD_HOST": "http://nc.test", "NEXTCLOUD_USERNAME": "a", "NEXTCLOUD_PASSWORD": "b"}
    assert (
        load_settings(environ={**env, "MCP_DEFAULT_TIMEZONE": "Europe/Berlin"}).mcp_default_timezone == "Europe/Berlin"
    )
    assert load_settings(environ=env).mcp_default_timezone is None
    with pytest.raises(ConfigError, match=r"(?i)mcp_default_timezone"):
        load_settings(environ={**env, "MCP_DEFAULT_TIMEZONE": "Mars/Olympus"})


def test_compact_drops_empty_values_only() -> None:
    info = CalendarInfo(name="p", display_name="P", components=["VEVENT"], read_only=False, color=None)
    assert compact(info) == {"name": "p", "display_name": "P", "components": ["VEVENT"]}


def test_event_list_cursor_keeps_the_first_pages_range() -> None:
    from datetime import UTC, datetime

    from nextcloud_mcp.apps.calendar.event_tools import _cursor
    from nextcloud_mcp.core.errors import InvalidInput

    offset, lo, hi = _cursor("100:1790000000:1792592000")
    assert (offset, lo, hi) == (100, datetime.fromtimestamp(1790000000, UTC), datetime.fromtimestamp(1792592000, UTC))
    with pytest.raises(InvalidInput, match="not a next_cursor"):
        _cursor("100")


def test_sabre_message_is_read_only_from_sabre_error_bodies() -> None:
    from nextcloud_mcp.apps.calendar.dav import sabre_message, uids_of

    body = (
        b'<?xml version="1.0"?><d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">'
        b"<s:message>Access denied</s:message></d:error>"
    )
    assert sabre_message(body) == "Access denied"
    assert sabre_message(b"<html>oops</html>") is None and sabre_message(b"http://sabredav.org/ns <broken") is None
    assert uids_of(b"BEGIN:VEVENT\r\nUID:abc-\r\n 123\r\nEND:VEVENT\r\n") == {"abc-123"}
