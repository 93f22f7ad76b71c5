"""nc_files_read_file on documents: text from PDF, DOCX/XLSX/PPTX and ODT/ODS/ODP, paged by characters, and a clear
error, quickly, for encrypted, corrupt, oversized and hostile files (the server keeps answering meanwhile)."""

from __future__ import annotations

import base64
import time
from typing import Any

import anyio
import httpx2
import pytest

from support.documents import make_deep_docx, make_docx, make_odf, make_pdf, make_pptx, make_xlsx, make_zip_bomb
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio


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
            "/Docs/report.docx": make_docx("Sales grew by 10%."),
            "/Docs/budget.xlsx": make_xlsx(),
            "/Docs/roadmap.pptx": make_pptx(),
            "/Docs/minutes.odt": make_odf("odt"),
            "/Docs/stock.ods": make_odf("ods"),
            "/Docs/welcome.odp": make_odf("odp"),
            "/Docs/hello.pdf": make_pdf(),
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
    await _put(control, {"/long.docx": make_docx(*body)})
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
        await _put(control, {"/long.docx": make_docx("changed")})
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
            "/bad/secret.pdf": make_pdf(password="s3cret"),
            "/bad/broken.docx": b"PK\x03\x04 this is not a zip archive at all",
            "/bad/broken.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog",
            "/bad/bomb.docx": make_zip_bomb(),
            "/bad/deep.docx": make_deep_docx(),
            "/bad/big.pdf": make_pdf() + b"%" * 3000,
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
    await _put(control, {"/slow.pdf": make_pdf()})
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
