"""PDF text with pypdf, page by page (`[page N]` before each)."""

from __future__ import annotations

import io

from nextcloud_mcp.core.extract.sink import Problem, Sink

__all__ = ["extract"]


def extract(data: bytes, kind: str, sink: Sink, max_expanded: int) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:1024].count(b"%PDF-"):
        raise Problem("corrupt", "it has no %PDF- header")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = bool(reader.decrypt(""))  # an empty user password: only printing or copying is restricted
            except (PyPdfError, NotImplementedError, ValueError):
                opened = False
            if not opened:
                raise Problem("encrypted", "it is a password-protected PDF")
        pages = reader.pages
        for number, page in enumerate(pages, 1):
            sink.line(f"[page {number}]")
            sink.line(page.extract_text() or "")
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        raise Problem("corrupt", f"pypdf cannot parse it ({type(exc).__name__}: {exc})") from None
