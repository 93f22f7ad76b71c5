"""Deck attachments (REST API 1.0 and 1.1, OCS) and dependent cards (nextcloud/deck v1.18.3
lib/Controller/AttachmentApiController.php, AttachmentOcsController.php, lib/Service/AttachmentService.php,
FileService.php, FilesAppService.php, CardService::assignDependentCard/removeDependentCard)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud import FakeState
from support.fake_support import ALICE, BOB

pytestmark = pytest.mark.anyio
H = {"OCS-APIRequest": "true", "Accept": "application/json"}
OCS = "/ocs/v2.php/apps/deck/api/v1.0"
NO_UPLOAD = "No file uploaded or file size exceeds maximum of 512 MB"


async def _seed(client: httpx2.AsyncClient) -> tuple[int, int, list[int]]:
    spec = {
        "user": "alice",
        "boards": [{"title": "P", "stacks": [{"title": "S", "cards": [{"title": "A"}, {"title": "B"}]}]}],
    }
    board = (await client.post("/__testbed__/seed/deck", json=spec)).json()["boards"][0]
    return board["id"], board["stacks"][0]["id"], board["stacks"][0]["cards"]


def _rest(version: str, board: int, stack: int, card: int) -> str:
    return f"/index.php/apps/deck/api/v{version}/boards/{board}/stacks/{stack}/cards/{card}/attachments"


async def _upload(
    client: httpx2.AsyncClient, url: str, name: str, fields: dict[str, str], auth: Any = ALICE
) -> httpx2.Response:
    return await client.post(url, auth=auth, headers=H, data=fields, files={"file": (name, b"payload")})


async def test_rest_1_0_deck_file_lifecycle(client: httpx2.AsyncClient) -> None:
    board, stack, (card, other) = await _seed(client)
    base = _rest("1.0", board, stack, card)
    made = await _upload(client, base, "a.txt", {"type": "deck_file", "data": "ignored"})
    assert made.status_code == 200, made.text
    row = made.json()
    assert row["type"] == "deck_file" and row["data"] == "a.txt" and row["createdBy"] == "alice"
    assert row["extendedData"]["filesize"] == 7 and row["extendedData"]["info"]["extension"] == "txt"
    assert row["extendedData"]["attachmentCreator"] == {
        "displayName": "Alice A.",
        "id": "alice",
        "email": "alice@example.org",
    }
    # FileService::create: the same name in file-card-<id> -> 409 ConflictException with the row as data
    again = await _upload(client, base, "a.txt", {"type": "deck_file", "data": "x"})
    assert again.status_code == 409
    assert again.json()["message"] == "File already exists." and again.json()["data"]["id"] == row["id"]
    shown = await client.get(f"{base}/{row['id']}", auth=ALICE, headers=H)
    assert shown.content == b"payload" and shown.headers["Content-Disposition"] == 'attachment; filename="a.txt"'
    assert shown.headers["Content-Type"].startswith("text/plain")
    # the row is found by its id alone: the path's cardId is not compared
    assert (
        await client.get(f"{_rest('1.0', board, stack, other)}/{row['id']}", auth=ALICE, headers=H)
    ).status_code == 200
    deleted = await client.delete(f"{base}/{row['id']}", auth=ALICE, headers=H)
    assert deleted.json()["deletedAt"] > 0 and deleted.json()["extendedData"] == []
    listed = (await client.get(base, auth=ALICE, headers=H)).json()
    assert [(a["id"], a["deletedAt"] > 0) for a in listed] == [(row["id"], True)]  # findAll($cardId, true)
    restored = await client.put(f"{base}/{row['id']}/restore", auth=ALICE, headers=H)
    assert restored.json()["deletedAt"] == 0
    missing = await client.delete(f"{base}/999", auth=ALICE, headers=H)
    assert missing.status_code == 403 and missing.json() == {"status": 403, "message": "Permission denied"}


async def test_rest_update_over_put_never_gets_a_file(client: httpx2.AsyncClient) -> None:
    board, stack, (card, _) = await _seed(client)
    base = _rest("1.0", board, stack, card)
    row = (await _upload(client, base, "a.txt", {"type": "deck_file", "data": "a"})).json()
    put = await client.put(f"{base}/{row['id']}", auth=ALICE, headers=H, json={"data": "b.txt"})
    assert put.status_code == 500 and put.json() == {"status": 500, "message": NO_UPLOAD}
    empty = await client.put(f"{base}/{row['id']}", auth=ALICE, headers=H, json={"data": ""})
    assert empty.status_code == 400 and empty.json()["message"] == "data must be provided and must be not empty"
    no_data = await client.put(f"{base}/{row['id']}", auth=ALICE, headers=H, json={})
    assert no_data.status_code == 500 and no_data.json()["message"].startswith("Internal server error")


@pytest.mark.parametrize("version", ["1.18.3", "1.19.0"])
async def test_rest_create_needs_data_before_1_19(state: FakeState, client: httpx2.AsyncClient, version: str) -> None:
    state.apps["deck"] = version
    board, stack, (card, _) = await _seed(client)
    made = await _upload(client, _rest("1.1", board, stack, card), "a.txt", {"type": "file"})
    if version == "1.18.3":  # create(int $cardId, string $type, string $data): TypeError -> Deck's JSON 500
        assert made.status_code == 500 and "requestId" in made.json()
    else:
        assert made.status_code == 200 and made.json()["extendedData"]["path"] == "/Deck/a.txt"


async def test_rest_1_1_lists_both_types_and_1_0_only_deck_file(client: httpx2.AsyncClient) -> None:
    board, stack, (card, _) = await _seed(client)
    v11 = _rest("1.1", board, stack, card)
    shared = (await _upload(client, v11, "f.html", {"type": "file", "data": ""})).json()
    legacy = (await _upload(client, v11, "d.txt", {"type": "deck_file", "data": ""})).json()
    assert [a["type"] for a in (await client.get(v11, auth=ALICE, headers=H)).json()] == ["deck_file", "file"]
    v10 = (await client.get(_rest("1.0", board, stack, card), auth=ALICE, headers=H)).json()
    assert [a["id"] for a in v10] == [legacy["id"]]
    shown = await client.get(f"{v11}/file/{shared['id']}", auth=ALICE, headers=H)
    assert shown.content == b"payload" and shown.headers["Content-Type"].startswith("text/plain")  # secure type
    wrong = await client.get(f"{v11}/file/{legacy['id']}", auth=ALICE, headers=H)
    assert (
        wrong.status_code == 403 and wrong.json()["message"] == "No permission to access the attachment from the card"
    )
    assert (await client.get(f"{v11}/bogus/{shared['id']}", auth=ALICE, headers=H)).status_code == 404
    # no 1.1 route has this path; only the OPTIONS catch-all ``/api/v{apiVersion}/{path}`` does: 405
    assert (await client.get(f"{v11}/{shared['id']}", auth=ALICE, headers=H)).status_code == 405
    gone = await client.delete(f"{v11}/file/{shared['id']}", auth=ALICE, headers=H)
    assert gone.status_code == 200 and gone.json()["data"] == "f.html"
    dav = await client.request("PROPFIND", "/remote.php/dav/files/alice/Deck/f.html", auth=ALICE)
    assert dav.status_code == 207  # the share is gone, the file stays
    restore = await client.put(f"{v11}/file/{shared['id']}/restore", auth=ALICE, headers=H)
    assert restore.status_code == 403  # restore only looks in deck_attachment


async def test_create_edge_cases(state: FakeState, client: httpx2.AsyncClient) -> None:
    board, stack, (card, _) = await _seed(client)
    v11 = _rest("1.1", board, stack, card)
    unknown = await _upload(client, v11, "a.txt", {"type": "link", "data": "https://x"})
    assert unknown.status_code == 200 and unknown.json()["id"] is None  # InvalidAttachmentType is swallowed
    no_file = await client.post(v11, auth=ALICE, headers=H, data={"type": "deck_file", "data": "x"})
    assert no_file.status_code == 500 and no_file.json()["message"] == NO_UPLOAD
    # an archived board does not stop AttachmentService::create
    await client.put(
        f"/index.php/apps/deck/api/v1.0/boards/{board}",
        auth=ALICE,
        headers=H,
        json={"title": "P", "color": "0082c9", "archived": True},
    )
    assert (await _upload(client, v11, "b.txt", {"type": "file", "data": ""})).status_code == 200


async def test_permissions(client: httpx2.AsyncClient) -> None:
    board, stack, (card, _) = await _seed(client)
    v10 = _rest("1.0", board, stack, card)
    row = (await _upload(client, v10, "a.txt", {"type": "deck_file", "data": "a"})).json()
    assert (await client.get(v10, auth=BOB, headers=H)).status_code == 403
    await client.post("/__testbed__/deck/share", json={"board": board, "user": "b0b"})
    assert (await client.get(f"{v10}/{row['id']}", auth=BOB, headers=H)).status_code == 200  # READ
    denied = await client.delete(f"{v10}/{row['id']}", auth=BOB, headers=H)
    assert denied.status_code == 403 and denied.json()["message"] == "Permission denied"
    await client.post("/__testbed__/deck/share", json={"board": board, "user": "b0b", "edit": True})
    # EDIT suffices to delete another user's attachment (no creator rule in AttachmentService::delete)
    assert (await client.delete(f"{v10}/{row['id']}", auth=BOB, headers=H)).status_code == 200


async def test_ocs_update_and_restore(client: httpx2.AsyncClient) -> None:
    _, _, (card, _) = await _seed(client)
    files = {"file": ("n.txt", b"x")}
    made = await client.post(
        f"{OCS}/cards/{card}/attachment", auth=ALICE, headers=H, data={"type": "deck_file"}, files=files
    )
    row = made.json()["ocs"]["data"]
    update = await client.put(f"{OCS}/cards/{card}/attachments/{row['id']}", auth=ALICE, headers=H, json={"data": "n"})
    assert update.status_code == 404 and update.json()["ocs"]["meta"]["message"] == ""  # type 'file': NotFound
    update = await client.put(
        f"{OCS}/cards/{card}/attachments/{row['id']}", auth=ALICE, headers=H, json={"data": "n", "type": "deck_file"}
    )
    assert update.status_code == 500 and update.json()["ocs"]["meta"]["message"] == NO_UPLOAD
    deleted = await client.delete(f"{OCS}/cards/{card}/attachments/{row['id']}?type=deck_file", auth=ALICE, headers=H)
    assert deleted.json()["ocs"]["data"]["deletedAt"] > 0
    restored = await client.put(f"{OCS}/cards/{card}/attachments/{row['id']}/restore", auth=ALICE, headers=H)
    assert restored.status_code == 200 and restored.json()["ocs"]["data"]["deletedAt"] == 0
    bad_board = await client.get(f"{OCS}/cards/{card}/attachments", params={"boardId": 999}, auth=ALICE, headers=H)
    assert bad_board.status_code == 403
    conflict = await client.post(
        f"{OCS}/cards/{card}/attachment", auth=ALICE, headers=H, data={"type": "deck_file"}, files=files
    )
    assert conflict.status_code == 409 and set(conflict.json()) == {"status", "message", "data"}  # plain JSON


async def test_dependent_cards_rest_and_ocs(client: httpx2.AsyncClient) -> None:
    board, stack, (card, other) = await _seed(client)
    url = f"/index.php/apps/deck/api/v1.0/boards/{board}/stacks/{stack}/cards/{card}/dependentCards/{other}"
    added = await client.post(url, auth=ALICE, headers=H)
    assert added.status_code == 200 and added.json()["dependentCards"] == [other]
    assert (await client.post(url, auth=ALICE, headers=H)).json()["dependentCards"] == [other]  # no duplicate
    got = await client.get(
        f"/index.php/apps/deck/api/v1.0/boards/{board}/stacks/{stack}/cards/{card}", auth=ALICE, headers=H
    )
    assert got.json()["dependentCards"] == [other]
    made = await client.post(
        f"/index.php/apps/deck/api/v1.0/boards/{board}/stacks/{stack}/cards", auth=ALICE, headers=H, json={"title": "C"}
    )
    assert made.json()["dependentCards"] is None  # CardService::create returns the card unenriched
    removed = await client.delete(f"{OCS}/cards/{card}/dependentCards/{other}", auth=ALICE, headers=H)
    assert removed.status_code == 200 and removed.json()["ocs"]["data"]["dependentCards"] == []
    foreign = (
        await client.post(
            "/__testbed__/seed/deck",
            json={
                "user": "bob@corp",
                "boards": [{"title": "X", "stacks": [{"title": "S", "cards": [{"title": "Z"}]}]}],
            },
        )
    ).json()
    bobs = foreign["boards"][0]["stacks"][0]["cards"][0]
    denied = await client.post(f"{OCS}/cards/{card}/dependentCards/{bobs}", auth=ALICE, headers=H)
    assert denied.status_code == 403  # READ on the other card
    await client.put(
        f"/index.php/apps/deck/api/v1.0/boards/{board}/stacks/{stack}/cards/{card}/archive", auth=ALICE, headers=H
    )
    archived = await client.post(url, auth=ALICE, headers=H)
    assert archived.status_code == 500 and archived.json()["message"] == "Operation not allowed. This card is archived."


async def test_ocs_type_error_is_decks_json_500(client: httpx2.AsyncClient) -> None:
    """Dispatcher::dispatch wraps the TypeError; Deck's ExceptionMiddleware answers its JSON 500, not OCS 996."""
    response = await client.post(f"{OCS}/stacks", auth=ALICE, headers=H, json={"title": "S"})
    assert response.status_code == 500 and set(response.json()) == {"status", "message", "requestId"}


async def test_attachment_arguments_and_routes(state: FakeState, client: httpx2.AsyncClient) -> None:
    """AttachmentOcsController::create(int $cardId, string $type, …) and ::update(…, string $data, …) have no
    default for those; the multipart fields are parameters ($_POST). ``getAll``/``create`` exist for API 1.0 and
    1.1 only: another version matches just the OPTIONS catch-all (405)."""
    board, stack, (card, _) = await _seed(client)
    files = {"file": ("n.txt", b"x")}
    no_type = await client.post(f"{OCS}/cards/{card}/attachment", auth=ALICE, headers=H, files=files)
    assert no_type.status_code == 500 and set(no_type.json()) == {"status", "message", "requestId"}
    no_data = await client.put(f"{OCS}/cards/{card}/attachments/1", auth=ALICE, headers=H, json={"type": "file"})
    assert no_data.status_code == 500 and "requestId" in no_data.json()
    assert (await client.get(_rest("1", board, stack, card), auth=ALICE, headers=H)).status_code == 405
    state.apps["deck"] = "1.19.0"
    row = (await _upload(client, _rest("1.1", board, stack, card), "a.txt", {"type": "file"})).json()
    for segment in (f":{row['id']}", "file:"):  # {type}:{attachmentId}: both parts must be non-empty
        bad = await client.delete(f"{OCS}/cards/{card}/attachments/{segment}", auth=ALICE, headers=H)
        assert bad.status_code == 405
    gone = await client.delete(f"{OCS}/cards/{card}/attachments/file:{row['id']}", auth=ALICE, headers=H)
    assert gone.status_code == 200 and gone.json()["ocs"]["data"]["type"] == "file"
