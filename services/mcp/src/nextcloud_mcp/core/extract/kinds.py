"""Which files are documents this server extracts text from: by file name suffix, else by content type."""

from __future__ import annotations

__all__ = ["KINDS", "document_kind"]

_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."

# kind -> (suffixes, content types)
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "pdf": ((".pdf",), ("application/pdf",)),
    "docx": ((".docx", ".docm"), (_OOXML + "wordprocessingml.document",)),
    "xlsx": ((".xlsx", ".xlsm"), (_OOXML + "spreadsheetml.sheet",)),
    "pptx": ((".pptx", ".pptm"), (_OOXML + "presentationml.presentation",)),
    "odt": ((".odt",), (_ODF + "text",)),
    "ods": ((".ods",), (_ODF + "spreadsheet",)),
    "odp": ((".odp",), (_ODF + "presentation",)),
}


def document_kind(name: str, content_type: str | None) -> str | None:
    """The document kind of a file (`pdf`, `docx`, …), or None for anything else (text files included)."""
    lower = name.lower()
    for kind, (suffixes, _) in KINDS.items():
        if lower.endswith(suffixes):
            return kind
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    for kind, (_, types) in KINDS.items():
        if mime in types:
            return kind
    return None
