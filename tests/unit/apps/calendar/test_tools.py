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
