"""Word, Excel and PowerPoint (Office Open XML) with python-docx, openpyxl and python-pptx."""

from __future__ import annotations

import io
from typing import Any

from nextcloud_mcp.core.extract.sink import Sink, open_zip

__all__ = ["extract"]


def _cells(values: Any) -> str:
    cells = ["" if v is None else str(v).replace("\n", " ") for v in values]
    while cells and not cells[-1]:
        cells.pop()
    return "\t".join(cells)


def _docx(data: bytes, sink: Sink) -> None:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            style = paragraph.style.name if paragraph.style is not None else ""
            level = style.removeprefix("Heading ").strip() if style.startswith("Heading ") else ""
            prefix = "#" * int(level) + " " if level.isdigit() and 0 < int(level) < 7 else ""
            sink.line(prefix + paragraph.text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                sink.line(_cells(cell.text for cell in row.cells))
            sink.line("")


def _xlsx(data: bytes, sink: Sink) -> None:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            sink.line(f"## {sheet.title}")
            for row in sheet.iter_rows(values_only=True):
                line = _cells(row)
                if line:
                    sink.line(line)
            sink.line("")
    finally:
        book.close()


def _pptx(data: bytes, sink: Sink) -> None:
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    for number, slide in enumerate(deck.slides, 1):
        sink.line(f"## Slide {number}")
        for shape in slide.shapes:
            if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                sink.line(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    sink.line(_cells(cell.text for cell in row.cells))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = slide.notes_slide.notes_text_frame.text
            if notes.strip():
                sink.line(f"Notes: {notes}")
        sink.line("")


_READERS = {"docx": _docx, "xlsx": _xlsx, "pptx": _pptx}


def extract(data: bytes, kind: str, sink: Sink, max_expanded: int) -> None:
    open_zip(data, kind, max_expanded).close()
    _READERS[kind](data, sink)
