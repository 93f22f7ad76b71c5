"""Per-user Notes settings (nextcloud/notes ``lib/Service/SettingsService.php``).

Stored settings omit values equal to their default (``set()`` unsets them), except ``notesPath``.
Public settings (``getPublic``) are ``notesPath``, ``fileSuffix`` and ``noteMode``; a custom suffix is
stored as ``fileSuffix: custom`` + ``customSuffix`` and shown as the suffix itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["DEFAULT_NOTES_PATH", "NoteSettings"]

DEFAULT_NOTES_PATH = "Notes"
_DEFAULT_SUFFIXES = (".md", ".txt")


def _validate_notes_path(value: str) -> str:
    parts: list[str] = []
    for part in value.replace("\\", "/").split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _validate_custom_suffix(value: str) -> str:
    out = re.sub(r"[^A-Za-z0-9.-]", "", value).lstrip(".")
    return "." + (out or _DEFAULT_SUFFIXES[0][1:])


class NoteSettings:
    """Settings of one user. ``text_enabled`` (a bool or a callable asked each time) decides the available
    editor modes (``getAvailableEditorModes``: ``rich`` needs the text app on NC >= 26)."""

    def __init__(self, *, text_enabled: bool | Callable[[], bool]) -> None:
        self._stored: dict[str, str] = {}
        self._text_enabled = text_enabled

    def _modes(self) -> tuple[str, ...]:
        enabled = self._text_enabled() if callable(self._text_enabled) else self._text_enabled
        return ("rich", "edit", "preview") if enabled else ("edit", "preview")

    def _defaults(self) -> dict[str, str]:
        return {
            "fileSuffix": _DEFAULT_SUFFIXES[0],
            "notesPath": DEFAULT_NOTES_PATH,
            "noteMode": self._modes()[0],
            "customSuffix": _DEFAULT_SUFFIXES[0],
        }

    def get_all(self) -> dict[str, str]:
        """``getAll``: stored values over defaults."""
        return {**self._defaults(), **self._stored}

    def get(self, name: str) -> str:
        return self.get_all()[name]

    def public(self) -> dict[str, str]:
        """``getPublic``."""
        settings = self.get_all()
        if settings["fileSuffix"] == "custom":
            settings["fileSuffix"] = settings["customSuffix"]
        del settings["customSuffix"]
        return {
            "fileSuffix": settings["fileSuffix"],
            "notesPath": settings["notesPath"],
            "noteMode": settings["noteMode"],
        }

    def set_public(self, params: Mapping[str, Any]) -> None:
        """``setPublic`` + ``set``. Unknown keys are ignored; invalid list values fall back to defaults."""
        settings: dict[str, Any] = {k: v for k, v in params.items() if k in ("fileSuffix", "notesPath", "noteMode")}
        suffix = settings.get("fileSuffix")
        if suffix is not None and suffix not in _DEFAULT_SUFFIXES:
            settings["customSuffix"] = suffix
            settings["fileSuffix"] = "custom"
        for name, value in self._stored.items():
            settings.setdefault(name, value)
        defaults = self._defaults()
        stored: dict[str, str] = {}
        for name, value in settings.items():
            if value is None:
                continue
            text = value if isinstance(value, str) else str(value)
            if name == "fileSuffix":
                text = text if text in (*_DEFAULT_SUFFIXES, "custom") else defaults["fileSuffix"]
            elif name == "noteMode":
                text = text if text in self._modes() else defaults["noteMode"]
            elif name == "customSuffix":
                text = _validate_custom_suffix(text)
            elif name == "notesPath":
                stored[name] = _validate_notes_path(text)
                continue
            if text != defaults[name]:
                stored[name] = text
        self._stored = stored

    def custom_extension(self) -> str:
        """``NotesService::getCustomExtension`` (custom suffix without the dot)."""
        return self.get("customSuffix").lstrip(".")

    def new_file_suffix(self) -> str:
        suffix = self.get("fileSuffix")
        return self.get("customSuffix") if suffix == "custom" else suffix
