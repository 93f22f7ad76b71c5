"""Text from documents (PDF, DOCX/XLSX/PPTX, ODT/ODS/ODP), extracted in a child process with a time and memory cap.

`kinds.py` says which files are documents (by name and type); `runner.py` runs `worker.py` in a fresh process
(a hostile file can exhaust only that process, and is killed at the deadline); the worker calls one module per
family (`pdf.py`, `ooxml.py`, `odf.py`). The server process never imports the parsing libraries. `reading.py` turns
a file's bytes into the paged text the read tools return; `attachment.py` does it for the attachment readers.
"""

from __future__ import annotations

from nextcloud_mcp.core.extract.kinds import document_kind
from nextcloud_mcp.core.extract.runner import ExtractLimits, extract_text

__all__ = ["ExtractLimits", "document_kind", "extract_text"]
