"""Text → chunks of about `size` characters, cut at paragraph, line or word boundaries, overlapping a little so a
sentence split between two chunks is still found whole in one of them."""

from __future__ import annotations

import re

__all__ = ["chunk_text"]

SIZE = 800
OVERLAP = 120
MAX_CHUNKS = 200  # per object: a huge text file is indexed by its beginning


def chunk_text(text: str, size: int = SIZE, overlap: int = OVERLAP) -> list[str]:
    """The chunks of `text` (none for blank text)."""
    text = re.sub(r"[ \t]+", " ", text.replace("\r\n", "\n")).strip()
    if not text:
        return []
    chunks: list[str] = []
    start = 0
    while start < len(text) and len(chunks) < MAX_CHUNKS:
        end = min(start + size, len(text))
        if end < len(text):
            window = text[start:end]
            cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(". "), window.rfind(" "))
            if cut > size // 2:
                end = start + cut + 1
        piece = text[start:end].strip()
        if piece:
            chunks.append(piece)
        if end >= len(text):
            break
        start = max(end - overlap, start + 1)
        space = text.find(" ", start, end)  # start the overlap at a word
        if space != -1:
            start = space + 1
    return chunks
