"""Title, file-name and category rules of the Notes app (nextcloud/notes ``lib/Service/NoteUtil.php``)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fake_nextcloud.core.php import php_empty, php_trim

__all__ = [
    "MAX_TITLE_LENGTH",
    "generate_title",
    "normalize_category",
    "safe_title",
    "sanitise_path",
    "strip_markdown",
    "title_from_content",
]

#: ``NoteUtil::MAX_TITLE_LENGTH``.
MAX_TITLE_LENGTH = 100

_ILLEGAL = str.maketrans("", "", '*|/\\:"<>?')
_HIDDEN_PREFIX = re.compile(r"^[.\s]+", re.MULTILINE)
_LINE_BREAK = re.compile(r"\r\n|[\n\x0b\x0c\r\x85\u2028\u2029]")
_WHITESPACE = re.compile(r"\s")
_COUNTER_SUFFIX = re.compile(r"\s\((?P<id>\d+)\)$")


def sanitise_path(text: str) -> str:
    """``NoteUtil::sanitisePath``: drop ``* | / \\ : " < > ?``, leading dots/whitespace of every line
    (``/^[\\.\\s]+/mu``), then ``trim``. (4-byte UTF-8 is kept: the DB is assumed to support it.)"""
    text = text.translate(_ILLEGAL)
    text = _HIDDEN_PREFIX.sub("", text)
    return php_trim(text)


def safe_title(text: str) -> str:
    """``NoteUtil::getSafeTitle``: first line of the sanitised text, whitespace -> space, at most 100
    characters; an ``empty()`` result (``""`` or ``"0"``) becomes ``"New note"``."""
    text = sanitise_path(text)
    title = php_trim(_LINE_BREAK.split(text, maxsplit=1)[0])
    title = _WHITESPACE.sub(" ", title)
    title = title[:MAX_TITLE_LENGTH]
    return "New note" if php_empty(title) else title


def strip_markdown(text: str) -> str:
    """``NoteUtil::stripMarkdown`` (list items, headlines, underlines, emphasis)."""
    text = re.sub(r"^\s*[*+-]\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"^#+\s+(.*?)\s*#*$", r"\1", text, flags=re.MULTILINE)
    text = re.sub(r"^(=+|-+)$", "", text, flags=re.MULTILINE)
    return re.sub(r"(\*+|_+)(.*?)\1", r"\2", text)


def title_from_content(content: str) -> str:
    """``NotesService::getTitleFromContent`` (API v0.2 auto titles)."""
    return safe_title(strip_markdown(content))


def normalize_category(category: str) -> str:
    """``NoteUtil::normalizeCategoryPath``: sanitise each ``/`` segment and drop empty ones."""
    parts = (sanitise_path(part) for part in category.split("/"))
    return "/".join(part for part in parts if part != "")


def generate_title(title: str, taken: Callable[[str], bool]) -> str:
    """``NoteUtil::generateFileName`` without the suffix: the safe title, with `` (2)``, `` (3)``... added
    while ``taken(title)`` says another note in the same folder has that file name."""
    candidate = safe_title(title)
    while taken(candidate):
        match = _COUNTER_SUFFIX.search(candidate)
        if match is not None:
            base = candidate[: match.start()]
            suffix = f" ({int(match.group('id')) + 1})"
        else:
            base = candidate
            suffix = " (2)"
        candidate = safe_title(base[: MAX_TITLE_LENGTH - len(suffix)] + suffix)
    return candidate
