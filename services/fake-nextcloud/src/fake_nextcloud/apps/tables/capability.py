"""The ``tables`` capability (nextcloud/tables ``lib/Capabilities.php`` at ed46be1f)."""

from __future__ import annotations

from typing import Any

from fake_nextcloud.core.state import FakeState

__all__ = ["COLUMN_TYPES", "tables_capability"]

#: ``column_types``; ``text-rich`` is ``text-long`` on servers older than 26 (not modelled).
COLUMN_TYPES = (
    "text-line",
    "text-rich",
    "text-link",
    "number",
    "number-stars",
    "number-progress",
    "selection",
    "selection-multi",
    "selection-check",
    "datetime",
    "datetime-date",
    "datetime-time",
    "usergroup",
)


def tables_capability(state: FakeState) -> dict[str, Any]:
    return {
        "enabled": state.app_enabled("tables"),
        "version": state.apps["tables"],
        "apiVersions": ["1.0", "2.0", "2.1"],
        "features": ["favorite", "archive"],
        "isCirclesEnabled": False,
        "column_types": list(COLUMN_TYPES),
    }
