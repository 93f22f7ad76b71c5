"""The extraction runner: a child that runs too long is killed at the deadline; one that allocates past its
address-space cap fails with a clear error; the worker's limits and its problem codes map to readable errors."""

from __future__ import annotations

import sys
import time

import pytest

from nextcloud_mcp.core.errors import UnreadableDocument
from nextcloud_mcp.core.extract import ExtractLimits, document_kind, extract_text, runner

pytestmark = pytest.mark.anyio

_HOG = (
    "import sys; from nextcloud_mcp.core.extract.worker import _limit; _limit(256 * 2**20, 10)\n"
    "try:\n    blob = bytearray(1024 * 2**20)\nexcept MemoryError:\n"
    '    sys.stdout.write(\'{"code": "memory", "message": "m"}\')\n'
)


async def test_a_child_past_the_deadline_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "worker_command", lambda k, lim: [sys.executable, "-c", "import time; time.sleep(60)"])
    started = time.monotonic()
    with pytest.raises(UnreadableDocument, match=r"longer than 1 s \(MCP_EXTRACT_TIMEOUT\)"):
        await extract_text(b"%PDF-1.4", "pdf", "/a.pdf", ExtractLimits(timeout=1))
    assert time.monotonic() - started < 5


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is enforced on Linux")
async def test_the_memory_cap_stops_a_hungry_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "worker_command", lambda k, lim: [sys.executable, "-c", _HOG])
    with pytest.raises(UnreadableDocument, match=r"more than 512 MiB \(MCP_EXTRACT_MEMORY_MB\)"):
        await extract_text(b"", "docx", "/a.docx", ExtractLimits())


async def test_a_child_that_dies_gets_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "worker_command", lambda k, lim: [sys.executable, "-c", "import os; os.abort()"])
    with pytest.raises(UnreadableDocument, match="stopped the extraction process"):
        await extract_text(b"x", "odt", "/a.odt", ExtractLimits())


async def test_the_real_worker_reports_corrupt_files_by_format() -> None:
    with pytest.raises(UnreadableDocument, match=r"not a readable OpenDocument spreadsheet \(ODS\) file"):
        await extract_text(b"not a zip", "ods", "/a.ods", ExtractLimits())


def test_document_kinds_by_name_then_type() -> None:
    assert document_kind("Report.PDF", None) == "pdf"
    assert document_kind("blob", "application/vnd.oasis.opendocument.text; charset=binary") == "odt"
    assert document_kind("notes.md", "text/markdown") is None
