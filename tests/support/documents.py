"""Small documents built in memory for tests that index or read them: DOCX (python-docx), ODT (odfpy) and a
hand-made one-page PDF (optionally encrypted with pypdf), each holding the given text."""

from __future__ import annotations

import io

__all__ = ["docx_bytes", "odt_bytes", "pdf_bytes"]


def docx_bytes(heading: str, *paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(heading, 1)
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_bytes(heading: str, *paragraphs: str) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text=heading))
    for text in paragraphs:
        doc.text.addElement(P(text=text))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def pdf_bytes(text: str, password: str | None = None) -> bytes:
    """A one-page PDF showing `text` (ASCII, no parentheses) in Helvetica; encrypted when `password` is given."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
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
