"""nc_files_read_file on documents: text from PDF, DOCX/XLSX/PPTX and ODT/ODS/ODP, paged by characters, and a clear
error, quickly, for encrypted, corrupt, oversized and hostile files (the server keeps answering meanwhile)."""

from __future__ import annotations

import base64
import io
import time
import zipfile
from typing import Any

import anyio
import httpx2
import pytest

from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio


def _docx(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Quarterly report", 1)
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Revenue", "42"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Budget"
    sheet.append(["Item", "Cost"])
    sheet.append(["Coffee", 12.5])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pptx() -> bytes:
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Roadmap"
    slide.placeholders[1].text = "Ship documents"
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _odf(kind: str) -> bytes:
    from odf.opendocument import OpenDocumentPresentation, OpenDocumentSpreadsheet, OpenDocumentText
    from odf.table import Table, TableCell, TableRow
    from odf.text import H, P

    if kind == "odt":
        doc = OpenDocumentText()
        doc.text.addElement(H(outlinelevel=1, text="Minutes"))
        doc.text.addElement(P(text="Agreed on the plan"))
    elif kind == "ods":
        doc = OpenDocumentSpreadsheet()
        table = Table(name="Stock")
        row = TableRow()
        for value in ("Apples", "7"):
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
        doc.spreadsheet.addElement(table)
    else:
        from odf.draw import Frame, Page, TextBox
        from odf.style import MasterPage, PageLayout

        doc = OpenDocumentPresentation()
        layout = PageLayout(name="PL")
        doc.automaticstyles.addElement(layout)
        master = MasterPage(name="Default", pagelayoutname=layout)
        doc.masterstyles.addElement(master)
        page = Page(masterpagename=master)
        frame = Frame(width="10cm", height="2cm", x="1cm", y="1cm")
        box = TextBox()
        box.addElement(P(text="Welcome slide"))
        frame.addElement(box)
        page.addElement(frame)
        doc.presentation.addElement(page)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _pdf(text: str = "Hello PDF", password: str | None = None) -> bytes:
    """A one-page PDF with `text` in Helvetica, built by hand, encrypted with pypdf when `password` is given."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    if password is None:
        return bytes(out)
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(out))))
    writer.encrypt(password, algorithm="AES-128")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    return encrypted.getvalue()


def _zip_bomb() -> bytes:
    """A DOCX of a few MiB whose document.xml expands to 1 GiB."""
    good = zipfile.ZipFile(io.BytesIO(_docx("x")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in good.infolist():
            if info.filename != "word/document.xml":
                bomb.writestr(info.filename, good.read(info))
        with bomb.open("word/document.xml", "w", force_zip64=True) as part:
            block = b" " * 2**20
            for _ in range(1024):
                part.write(block)
    return out.getvalue()


def _deep_docx() -> bytes:
    """A DOCX whose body nests 200 000 elements deep."""
    good = zipfile.ZipFile(io.BytesIO(_docx("x")))
    depth = 200_000
    xml = (
        b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        + b"<w:body>"
        + b"<w:p>" * depth
        + b"</w:p>" * depth
        + b"</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as deep:
        for info in good.infolist():
            deep.writestr(info.filename, xml if info.filename == "word/document.xml" else good.read(info))
    return out.getvalue()


async def _put(control: httpx2.AsyncClient, files: dict[str, bytes]) -> None:
    specs: list[dict[str, Any]] = [
        {"path": path, "content_base64": base64.b64encode(data).decode()} for path, data in files.items()
    ]
    response = await control.post("/__testbed__/seed/files", json={"user": "alice", "files": specs})
    assert response.status_code == 201, response.text


async def test_documents_give_their_text(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _put(
        control,
        {
            "/Docs/report.docx": _docx("Sales grew by 10%."),
            "/Docs/budget.xlsx": _xlsx(),
            "/Docs/roadmap.pptx": _pptx(),
            "/Docs/minutes.odt": _odf("odt"),
            "/Docs/stock.ods": _odf("ods"),
            "/Docs/welcome.odp": _odf("odp"),
            "/Docs/hello.pdf": _pdf(),
        },
    )
    expected = {
        "report.docx": ["# Quarterly report", "Sales grew by 10%.", "Revenue\t42"],
        "budget.xlsx": ["## Budget", "Item\tCost", "Coffee\t12.5"],
        "roadmap.pptx": ["## Slide 1", "Roadmap", "Ship documents"],
        "minutes.odt": ["# Minutes", "Agreed on the plan"],
        "stock.ods": ["## Stock", "Apples\t7"],
        "welcome.odp": ["## Slide 1", "Welcome slide"],
        "hello.pdf": ["[page 1]", "Hello PDF"],
    }
    async with mcp_as("alice") as client:
        for name, parts in expected.items():
            read = structured(await client.call_tool("nc_files_read_file", {"path": f"/Docs/{name}"}))
            assert read["text"] is not None, read
            for part in parts:
                assert part in read["text"], (name, read["text"])
            assert read["next_cursor"] is None and "extracted" in read["note"]


async def test_document_text_is_paged_with_a_cursor_bound_to_the_etag(
    mcp_as: McpFactory, control: httpx2.AsyncClient
) -> None:
    body = [f"Paragraph {i:04d} " + "lorem ipsum " * 10 for i in range(400)]
    await _put(control, {"/long.docx": _docx(*body)})
    async with mcp_as("alice") as client:
        pages, cursor = [], None
        while True:
            args: dict[str, Any] = {"path": "/long.docx", "max_chars": 10_000}
            if cursor:
                args["cursor"] = cursor
            read = structured(await client.call_tool("nc_files_read_file", args))
            pages.append(read["text"])
            cursor = read["next_cursor"]
            if cursor is None:
                break
        assert len(pages) > 3 and all(len(p) == 10_000 for p in pages[:-1])
        text = "".join(pages)
        assert "Paragraph 0000" in text and "Paragraph 0399" in text
        first = structured(await client.call_tool("nc_files_read_file", {"path": "/long.docx", "max_chars": 10_000}))
        await _put(control, {"/long.docx": _docx("changed")})
        stale = await client.call_tool("nc_files_read_file", {"path": "/long.docx", "cursor": first["next_cursor"]})
        assert stale.is_error and "changed since that cursor" in error_text(stale)


async def _error(client: Any, path: str) -> tuple[str, float]:
    started = time.monotonic()
    result = await client.call_tool("nc_files_read_file", {"path": path})
    assert result.is_error, result
    return error_text(result), time.monotonic() - started


async def test_hostile_and_broken_documents_get_clear_errors(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    await _put(
        control,
        {
            "/bad/secret.pdf": _pdf(password="s3cret"),
            "/bad/broken.docx": b"PK\x03\x04 this is not a zip archive at all",
            "/bad/broken.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog",
            "/bad/bomb.docx": _zip_bomb(),
            "/bad/deep.docx": _deep_docx(),
            "/bad/big.pdf": _pdf() + b"%" * 3000,
        },
    )
    async with mcp_as("alice", mcp_extract_max_bytes=2048) as client:
        text, took = await _error(client, "/bad/big.pdf")
        assert "2048 bytes" in text and "MCP_EXTRACT_MAX_BYTES" in text and "nc_files_download_file" in text
    async with mcp_as("alice") as client:
        text, took = await _error(client, "/bad/secret.pdf")
        assert "encrypted" in text and "password-protected PDF" in text and took < 10
        text, took = await _error(client, "/bad/broken.docx")
        assert "not a readable Word (DOCX) file" in text and took < 10
        text, took = await _error(client, "/bad/broken.pdf")
        assert "not a readable PDF file" in text and took < 10
        text, took = await _error(client, "/bad/bomb.docx")
        assert "expands to 1024 MiB" in text and "zip bomb" in text and took < 10
        text, took = await _error(client, "/bad/deep.docx")
        assert "not a readable Word (DOCX) file" in text and took < 10


async def test_server_answers_while_a_slow_extraction_runs(
    mcp_as: McpFactory, control: httpx2.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from nextcloud_mcp.core.extract import runner

    # a document whose extraction never ends: the child sleeps instead of parsing
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    monkeypatch.setattr(runner, "worker_command", lambda kind, limits: sleeper)
    await _put(control, {"/slow.pdf": _pdf()})
    async with mcp_as("alice", mcp_extract_timeout=3) as client:
        answered: list[float] = []
        started = time.monotonic()
        async with anyio.create_task_group() as tg:

            async def slow() -> None:
                text, took = await _error(client, "/slow.pdf")
                assert "longer than 3 s" in text and "MCP_EXTRACT_TIMEOUT" in text and took < 10

            tg.start_soon(slow)
            await anyio.sleep(0.5)
            listed = structured(await client.call_tool("nc_files_list_files", {"path": "/"}))
            answered.append(time.monotonic() - started)
            assert any(i["path"] == "/slow.pdf" for i in listed["items"])
        assert answered[0] < 2.5
