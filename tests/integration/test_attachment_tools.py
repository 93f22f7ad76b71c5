"""nc_notes_read_attachment, nc_deck_read_attachment and nc_mail_read_attachment against the fake: documents give
their text (core/extract, as nc_files_read_file), text attachments are decoded, images get a note naming type and
size, text is paged with a cursor bound to the bytes, unknown attachments name the tool that lists them, and
attachments over MCP_EXTRACT_MAX_BYTES are refused.

Routes: nextcloud/notes NotesApiController::getAttachment (API 1.4), nextcloud/deck AttachmentApiController::display
(REST 1.0, both attachment types), nextcloud/mail MessagesController::downloadAttachment."""

from __future__ import annotations

import base64
from typing import Any

import httpx2
import pytest

from support.documents import make_docx, make_odf, make_pdf
from support.mcp_helpers import McpFactory, error_text, structured

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
LONG = "".join(f"line {i:04d} of the minutes\n" for i in range(150))  # 3900 characters


async def _files(control: httpx2.AsyncClient, files: dict[str, bytes]) -> None:
    specs = [{"path": p, "content_base64": base64.b64encode(d).decode()} for p, d in files.items()]
    response = await control.post("/__testbed__/seed/files", json={"user": "alice", "files": specs})
    assert response.status_code == 201, response.text


async def _pages(call: Any, args: dict[str, Any]) -> list[dict[str, Any]]:
    """Every page of a read, following next_cursor."""
    pages = [structured(await call(args))]
    while pages[-1]["next_cursor"]:
        pages.append(structured(await call({**args, "cursor": pages[-1]["next_cursor"]})))
    return pages


# -- Notes ------------------------------------------------------------------------------------------------


async def test_note_attachments(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    async with mcp_as("alice") as mcp:
        note = structured(await mcp.call_tool("nc_notes_create_note", {"title": "Trip", "category": "travel"}))
        folder = f"Notes/travel/.attachments.{note['id']}"
        await _files(
            control,
            {f"{folder}/plan.docx": make_docx("Take the night train."), f"{folder}/list.txt": LONG.encode(),
             f"{folder}/map.png": PNG},
        )  # fmt: skip

        async def read(args: dict[str, Any]) -> Any:
            return await mcp.call_tool("nc_notes_read_attachment", {"note_id": note["id"], **args})

        plan = structured(await read({"path": f".attachments.{note['id']}/plan.docx"}))
        assert "Take the night train." in plan["text"] and "Word (DOCX)" in plan["note"]
        assert plan["name"] == "plan.docx" and plan["etag"].startswith("sha256-") and plan["next_cursor"] is None
        pages = await _pages(read, {"path": f".attachments.{note['id']}/list.txt", "max_chars": 1000})
        assert len(pages) == 4 and "".join(p["text"] for p in pages) == LONG and pages[0]["note"] is None
        image = structured(await read({"path": f".attachments.{note['id']}/map.png"}))
        assert image["text"] is None and "image/png" in image["note"] and f"{len(PNG)} bytes" in image["note"]
        # the cursor is bound to the bytes: a changed attachment is read again from the start
        await _files(control, {f"{folder}/list.txt": b"new list\n" * 400})
        stale = await read({"path": f".attachments.{note['id']}/list.txt", "cursor": pages[0]["next_cursor"]})
        assert stale.is_error and "attachment changed since that cursor" in error_text(stale)
        missing = await read({"path": "nothing.pdf"})
        assert missing.is_error and "no attachment 'nothing.pdf'" in error_text(missing)
        assert "nc_notes_get_note" in error_text(missing)
    async with mcp_as("alice", mcp_extract_max_bytes=2048) as mcp:
        big = await mcp.call_tool(
            "nc_notes_read_attachment", {"note_id": note["id"], "path": f".attachments.{note['id']}/plan.docx"}
        )
        assert big.is_error and "2048 bytes" in error_text(big) and "MCP_EXTRACT_MAX_BYTES" in error_text(big)


# -- Deck -------------------------------------------------------------------------------------------------


async def _card(control: httpx2.AsyncClient) -> tuple[int, int, int]:
    spec = {"user": "alice", "boards": [{"title": "Launch", "stacks": [{"title": "To do", "cards": [{"title": "A"}]}]}]}
    response = await control.post("/__testbed__/seed/deck", json=spec)
    assert response.status_code == 201, response.text
    board = response.json()["boards"][0]
    return board["id"], board["stacks"][0]["id"], board["stacks"][0]["cards"][0]


async def test_deck_attachments_of_both_types(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    board_id, stack_id, card_id = await _card(control)
    await _files(control, {"/Docs/spec.pdf": make_pdf("Spec of the launch"), "/Docs/log.md": LONG.encode(),
                           "/Docs/logo.png": PNG})  # fmt: skip
    legacy = await control.post(  # a `deck_file` attachment (Deck's own storage), as other clients make them
        f"/index.php/apps/deck/api/v1.0/boards/{board_id}/stacks/{stack_id}/cards/{card_id}/attachments",
        auth=("alice", "alice-secret"),
        headers={"OCS-APIRequest": "true"},
        data={"type": "deck_file", "data": "minutes.odt"},
        files={"file": ("minutes.odt", make_odf("odt"))},
    )
    assert legacy.status_code == 200, legacy.text
    async with mcp_as("alice") as mcp:
        ids = {}
        for path in ("/Docs/spec.pdf", "/Docs/log.md", "/Docs/logo.png"):
            added = await mcp.call_tool("nc_deck_add_attachment", {"card_id": card_id, "path": path})
            ids[path] = structured(added)["id"]

        async def read(args: dict[str, Any]) -> Any:
            return await mcp.call_tool("nc_deck_read_attachment", {"card_id": card_id, **args})

        spec = structured(await read({"attachment_id": ids["/Docs/spec.pdf"]}))
        assert "Spec of the launch" in spec["text"] and spec["mime"] == "application/pdf" and "PDF" in spec["note"]
        odt = structured(await read({"attachment_id": legacy.json()["id"], "type": "deck_file"}))
        assert "Agreed on the plan" in odt["text"] and odt["name"] == "minutes.odt"
        pages = await _pages(read, {"attachment_id": ids["/Docs/log.md"], "max_chars": 1000})
        assert "".join(p["text"] for p in pages) == LONG and len({p["etag"] for p in pages}) == 1
        logo = structured(await read({"attachment_id": ids["/Docs/logo.png"]}))
        assert logo["text"] is None and logo["etag"] is None and "image/png" in logo["note"]
        missing = await read({"attachment_id": 999})
        text = error_text(missing)
        assert missing.is_error and "no attachment 999" in text and "nc_deck_get_card" in text and "spec.pdf" in text
        wrong_type = await read({"attachment_id": ids["/Docs/spec.pdf"], "type": "deck_file"})
        assert wrong_type.is_error and "no deck_file attachment" in error_text(wrong_type)
    async with mcp_as("alice", mcp_extract_max_bytes=2048) as mcp:
        big = await mcp.call_tool("nc_deck_read_attachment", {"card_id": card_id, "attachment_id": ids["/Docs/log.md"]})
        assert big.is_error and "2048 bytes" in error_text(big) and "MCP_EXTRACT_MAX_BYTES" in error_text(big)
    async with mcp_as("bob") as mcp:  # not a member of the board: Deck refuses the card's attachment list
        foreign = await mcp.call_tool("nc_deck_read_attachment", {"card_id": card_id, "attachment_id": 1})
        assert foreign.is_error


# -- Mail -------------------------------------------------------------------------------------------------


def _part(name: str, mime: str, data: bytes) -> dict[str, Any]:
    return {"name": name, "mime": mime, "content_base64": base64.b64encode(data).decode()}


async def test_mail_attachments(mcp_as: McpFactory, control: httpx2.AsyncClient) -> None:
    parts = [
        _part("report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              make_docx("Revenue grew.")),
        _part("notes.txt", "text/plain", LONG.encode("latin-1")),
        _part("photo.png", "image/png", PNG),
        _part("slides.odp", "application/vnd.oasis.opendocument.presentation", make_odf("odp")),
    ]  # fmt: skip
    message = {"subject": "Files", "from": "carol@x.org", "attachments": parts}
    boxes = [{"name": "INBOX", "special_use": "inbox", "messages": [message]}]
    seeded = await control.post(
        "/__testbed__/seed/mail",
        json={"user": "alice", "accounts": [{"email": "alice@example.com", "mailboxes": boxes}]},
    )
    assert seeded.status_code == 201, seeded.text
    message_id = seeded.json()["accounts"][0]["messages"][0]
    async with mcp_as("alice") as mcp:
        listed = structured(await mcp.call_tool("nc_mail_get_message", {"message_id": message_id}))["attachments"]
        ids = {a["name"]: a["id"] for a in listed}

        async def read(args: dict[str, Any]) -> Any:
            return await mcp.call_tool("nc_mail_read_attachment", {"message_id": message_id, **args})

        report = structured(await read({"attachment_id": ids["report.docx"]}))
        assert "Revenue grew." in report["text"] and "Word (DOCX)" in report["note"] and report["size"] > 1000
        slides = structured(await read({"attachment_id": ids["slides.odp"]}))
        assert "Welcome slide" in slides["text"]
        pages = await _pages(read, {"attachment_id": ids["notes.txt"], "max_chars": 1000})
        assert "".join(p["text"] for p in pages) == LONG and pages[0]["mime"] == "text/plain"
        photo = structured(await read({"attachment_id": ids["photo.png"]}))
        assert photo["text"] is None and f"{len(PNG)} bytes" in photo["note"] and "Nextcloud Mail" in photo["note"]
        missing = await read({"attachment_id": "9"})
        text = error_text(missing)
        assert missing.is_error and "no attachment '9'" in text and "nc_mail_get_message" in text
        assert "report.docx" in text
    async with mcp_as("alice", mcp_extract_max_bytes=2048) as mcp:
        big = await mcp.call_tool(
            "nc_mail_read_attachment", {"message_id": message_id, "attachment_id": ids["notes.txt"]}
        )
        assert big.is_error and "2048 bytes" in error_text(big) and "MCP_EXTRACT_MAX_BYTES" in error_text(big)
    async with mcp_as("bob") as mcp:  # another user's message
        foreign = await mcp.call_tool("nc_mail_read_attachment", {"message_id": message_id, "attachment_id": "2"})
        assert foreign.is_error and "nc_mail_list_messages" in error_text(foreign)
