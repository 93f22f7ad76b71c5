"""What the family modules share in the worker: the bounded text sink, the zip checks and the problem they report."""

from __future__ import annotations

import io
import re
import zipfile

__all__ = ["FORMATS", "Full", "Problem", "Sink", "open_zip"]

FORMATS = {
    "pdf": "PDF",
    "docx": "Word (DOCX)",
    "xlsx": "Excel (XLSX)",
    "pptx": "PowerPoint (PPTX)",
    "odt": "OpenDocument text (ODT)",
    "ods": "OpenDocument spreadsheet (ODS)",
    "odp": "OpenDocument presentation (ODP)",
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a compound file: an encrypted OOXML/ODF package, or a legacy .doc/.xls
_BLANK_RUNS = re.compile(r"[ \t]+\n")
_CELL_END = re.compile(r" +\t")
_BLANK_LINES = re.compile(r"\n{3,}")


class Problem(Exception):
    """A document the worker cannot read; `code` is encrypted, corrupt or too_large."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Full(Exception):
    """The sink holds `max_chars`: stop reading."""


class Sink:
    """Text collected up to `max_chars`; `add` raises Full once the limit is reached."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False

    def add(self, text: str) -> None:
        if not text:
            return
        room = self.max_chars - self.size
        if len(text) > room:
            self.parts.append(text[:room])
            self.size = self.max_chars
            self.truncated = True
            raise Full
        self.parts.append(text)
        self.size += len(text)

    def line(self, text: str) -> None:
        self.add(text + "\n")

    def text(self) -> str:
        joined = _BLANK_LINES.sub("\n\n", _BLANK_RUNS.sub("\n", _CELL_END.sub("\t", "".join(self.parts))))
        return joined.strip("\n") + ("\n" if joined.strip() else "")


def open_zip(data: bytes, kind: str, max_expanded: int) -> zipfile.ZipFile:
    """The document's zip package, after refusing encrypted packages and packages that expand too far."""
    if data.startswith(_OLE):
        if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise Problem("encrypted", f"it is a password-protected {FORMATS[kind]} file")
        raise Problem("corrupt", "it is a legacy binary Office file (.doc/.xls/.ppt), not a zip package")
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        infos = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Problem("corrupt", f"its zip package is damaged ({exc})") from None
    expanded = sum(i.file_size for i in infos)
    if expanded > max_expanded or len(infos) > 10_000:
        raise Problem(
            "too_large",
            f"it expands to {expanded // 2**20} MiB in {len(infos)} parts, over the {max_expanded // 2**20} MiB "
            "this server unpacks (a zip bomb, or a very large document)",
        )
    if any(i.flag_bits & 0x1 for i in infos):
        raise Problem("encrypted", f"it is a password-protected {FORMATS[kind]} file")
    return package
