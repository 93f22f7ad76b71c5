"""Documents for the extraction tests (nc_files_read_file and the attachment readers): DOCX, XLSX, PPTX, ODT/ODS/ODP
and PDF built in memory, plus hostile ones (a zip bomb, deeply nested XML)."""

from __future__ import annotations

import io
import zipfile

__all__ = ["make_deep_docx", "make_docx", "make_odf", "make_odt", "make_pdf", "make_pptx", "make_xlsx", "make_zip_bomb"]


def make_docx(*paragraphs: str, heading: str = "Quarterly report", table: bool = True) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(heading, 1)
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        cells = document.add_table(rows=1, cols=2).rows[0].cells
        cells[0].text, cells[1].text = "Revenue", "42"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_xlsx() -> bytes:
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


def make_pptx() -> bytes:
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Roadmap"
    slide.placeholders[1].text = "Ship documents"
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def make_odt(heading: str, *paragraphs: str) -> bytes:
    """A text document with a heading and paragraphs of one's choosing."""
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text=heading))
    for text in paragraphs:
        doc.text.addElement(P(text=text))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def make_odf(kind: str) -> bytes:
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


def make_pdf(text: str = "Hello PDF", password: str | None = None) -> bytes:
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


def make_zip_bomb() -> bytes:
    """A DOCX of a few MiB whose document.xml expands to 1 GiB."""
    good = zipfile.ZipFile(io.BytesIO(make_docx("x")))
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


def make_deep_docx() -> bytes:
    """A DOCX whose body nests 200 000 elements deep."""
    good = zipfile.ZipFile(io.BytesIO(make_docx("x")))
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
