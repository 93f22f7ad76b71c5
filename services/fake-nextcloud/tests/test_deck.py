"""Deck REST and OCS APIs of the fake (nextcloud/deck appinfo/routes.php, docs/API.md)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from fake_nextcloud import FakeState, ManualClock, build_app
from fake_nextcloud.apps.deck.coerce import php_call
from fake_nextcloud.core.php import PhpTypeError
from support.fake_oidc import create_client, token_for
from support.fake_support import ALICE, BOB

pytestmark = pytest.mark.anyio
REST = "/index.php/apps/deck/api/v1.0"
OCS = "/ocs/v2.php/apps/deck/api/v1.0"
H = {"OCS-APIRequest": "true", "Accept": "application/json"}


async def _seed(client: httpx2.AsyncClient, user: str = "alice") -> dict[str, Any]:
    spec = {
        "user": user,
        "boards": [
            {
                "title": "Project",
                "stacks": [
                    {"title": "To do", "cards": [{"title": "Write", "description": "x" * 300, "labels": ["Later"]}]},
                    {"title": "Done", "cards": [{"title": "Old", "archived": True}]},
                ],
            }
        ],
    }
    response = await client.post("/__testbed__/seed/deck", json=spec)
    assert response.status_code == 201, response.text
    board: dict[str, Any] = response.json()["boards"][0]
    return board


async def _ocs(client: httpx2.AsyncClient, method: str, path: str, auth: Any = ALICE, **kw: Any) -> httpx2.Response:
    return await client.request(method, OCS + path, auth=auth, headers=H, **kw)


async def test_board_lifecycle_rest(client: httpx2.AsyncClient) -> None:
    created = await client.post(REST + "/boards", auth=ALICE, headers=H, json={"title": "B", "color": "ff0000"})
    assert created.status_code == 200
    board = created.json()
    assert [lb["title"] for lb in board["labels"]] == ["Finished", "To review", "Action needed", "Later"]
    assert board["owner"]["uid"] == "alice" and board["permissions"]["PERMISSION_MANAGE"] is True
    listed = await client.get(REST + "/boards", auth=ALICE, headers=H)
    assert [b["id"] for b in listed.json()] == [board["id"]]
    assert listed.json()[0]["labels"] == [] and listed.json()[0]["users"] == []  # no details
    detailed = await client.get(REST + "/boards", auth=ALICE, headers=H, params={"details": "true"})
    assert len(detailed.json()[0]["labels"]) == 4 and detailed.json()[0]["users"][0]["uid"] == "alice"
    again = await client.get(REST + "/boards", auth=ALICE, headers={**H, "If-None-Match": listed.headers["ETag"]})
    assert again.status_code == 304
    one = await client.get(f"{REST}/boards/{board['id']}", auth=ALICE, headers=H)
    assert one.headers["ETag"] == f'"{one.json()["ETag"]}"'
    upd = await client.put(
        f"{REST}/boards/{board['id']}", auth=ALICE, headers=H, json={"title": "B2", "color": "00ff00", "archived": True}
    )
    assert upd.json()["title"] == "B2" and upd.json()["archived"] is True
    deleted = await client.delete(f"{REST}/boards/{board['id']}", auth=ALICE, headers=H)
    assert deleted.json()["deletedAt"] > 0
    listed_after = (await client.get(REST + "/boards", auth=ALICE, headers=H)).json()
    assert [b["deletedAt"] > 0 for b in listed_after] == [True]  # findAllForUser keeps deleted boards
    gone = await client.get(f"{REST}/boards/{board['id']}", auth=ALICE, headers=H)
    assert gone.status_code == 403 and gone.json() == {"status": 403, "message": "Permission denied"}
    undo = await client.post(f"{REST}/boards/{board['id']}/undo_delete", auth=ALICE, headers=H)
    assert undo.json()["deletedAt"] == 0


async def test_validation_errors(client: httpx2.AsyncClient) -> None:
    bad = await client.post(REST + "/boards", auth=ALICE, headers=H, json={"title": "", "color": "ff0000"})
    assert bad.status_code == 400 and bad.json() == {
        "status": 400,
        "message": "title must be provided and must be not empty",
    }
    long = await client.post(REST + "/boards", auth=ALICE, headers=H, json={"title": "t" * 101, "color": "ff0000"})
    assert long.json()["message"] == "title cannot be longer than 100 characters "


async def test_missing_board_and_isolation(client: httpx2.AsyncClient) -> None:
    board = await _seed(client)
    for path in (f"/boards/{board['id']}", "/boards/9999"):
        response = await client.get(REST + path, auth=BOB, headers=H)
        assert response.status_code == 403 and response.json()["message"] == "Permission denied"
    ocs = await _ocs(client, "GET", f"/board/{board['id']}", auth=BOB)
    assert ocs.status_code == 403
    assert ocs.json()["ocs"]["meta"]["message"] == "Permission denied"
    assert (await _ocs(client, "GET", "/boards", auth=BOB)).json()["ocs"]["data"] == []


async def test_sharing_read_only(client: httpx2.AsyncClient) -> None:
    board = await _seed(client)
    await client.post("/__testbed__/deck/share", json={"board": board["id"], "user": "b0b"})
    shared = (await _ocs(client, "GET", "/boards", auth=BOB)).json()["ocs"]["data"]
    assert shared[0]["shared"] == 1 and shared[0]["permissions"]["PERMISSION_EDIT"] is False
    stack = board["stacks"][0]["id"]
    denied = await _ocs(client, "POST", "/cards", auth=BOB, json={"title": "x", "stackId": stack})
    assert denied.status_code == 403 and denied.json()["ocs"]["meta"]["message"] == "Permission denied"
    await client.post("/__testbed__/deck/share", json={"board": board["id"], "user": "b0b", "edit": True})
    ok = await _ocs(client, "POST", "/cards", auth=BOB, json={"title": "x", "stackId": stack})
    assert ok.status_code == 200 and ok.json()["ocs"]["data"]["owner"] == "b0b"


async def test_stacks_and_cards(client: httpx2.AsyncClient) -> None:
    board = await _seed(client)
    bid, todo, done = board["id"], board["stacks"][0]["id"], board["stacks"][1]["id"]
    stacks = (await _ocs(client, "GET", f"/stacks/{bid}")).json()["ocs"]["data"]
    assert [s["title"] for s in stacks] == ["To do", "Done"]
    assert [c["title"] for c in stacks[0]["cards"]] == ["Write"] and stacks[1]["cards"] == []
    assert stacks[0]["cards"][0]["labels"][0]["title"] == "Later"
    archived = (await client.get(f"{REST}/boards/{bid}/stacks/archived", auth=ALICE, headers=H)).json()
    assert [c["title"] for c in archived[1]["cards"]] == ["Old"]
    card_id = board["stacks"][0]["cards"][0]
    card = (await client.get(f"{REST}/boards/{bid}/stacks/{todo}/cards/{card_id}", auth=ALICE, headers=H)).json()
    body = {**card, "id": card_id, "boardId": bid, "stackId": done, "done": "2026-01-02T03:04:05+00:00"}
    moved = (await _ocs(client, "PUT", f"/cards/{card_id}", json=body)).json()["ocs"]["data"]
    assert moved["stackId"] == done and moved["done"] == "2026-01-02T03:04:05+00:00"
    assert moved["description"] == "x" * 300
    body.pop("done")
    cleared = (await _ocs(client, "PUT", f"/cards/{card_id}", json=body)).json()["ocs"]["data"]
    assert cleared["done"] is None  # CardService::update: done absent -> null
    bad = await _ocs(client, "PUT", f"/cards/{card_id}", json={**body, "duedate": "tomorrow-ish"})
    assert bad.status_code == 500 and bad.json()["message"].startswith("Internal server error")
    missing_id = await _ocs(client, "PUT", f"/cards/{card_id}", json={k: v for k, v in body.items() if k != "id"})
    assert missing_id.status_code == 500
    reorder = await _ocs(client, "PUT", f"/cards/{card_id}/reorder", json={"stackId": todo, "order": 0})
    assert [c["id"] for c in reorder.json()["ocs"]["data"]] == [card_id]
    deleted = await client.delete(f"{REST}/boards/{bid}/stacks/{todo}/cards/{card_id}", auth=ALICE, headers=H)
    assert deleted.json()["deletedAt"] > 0
    again = await client.get(f"{REST}/boards/{bid}/stacks/{todo}/cards/{card_id}", auth=ALICE, headers=H)
    assert again.status_code == 403 and again.json()["message"] == "Card is deleted"


async def test_labels_and_assignments(client: httpx2.AsyncClient) -> None:
    board = await _seed(client)
    bid, card_id = board["id"], board["stacks"][0]["cards"][0]
    dup = await client.post(
        f"{REST}/boards/{bid}/labels", auth=ALICE, headers=H, json={"title": "Later", "color": "aaaaaa"}
    )
    assert dup.status_code == 400 and dup.json()["message"] == "title must be unique"
    label = (
        await client.post(
            f"{REST}/boards/{bid}/labels", auth=ALICE, headers=H, json={"title": "Bug", "color": "ff0000"}
        )
    ).json()
    assert (await _ocs(client, "POST", f"/cards/{card_id}/label/{label['id']}")).status_code == 200
    assign = await _ocs(client, "POST", f"/cards/{card_id}/assign", json={"userId": "alice"})
    assert assign.json()["ocs"]["data"]["participant"]["uid"] == "alice"
    twice = await _ocs(client, "POST", f"/cards/{card_id}/assign", json={"userId": "alice"})
    assert twice.status_code == 400
    assert twice.json()["ocs"]["meta"]["message"] == "The user is already assigned to the card"
    stranger = await _ocs(client, "POST", f"/cards/{card_id}/assign", json={"userId": "b0b"})
    assert stranger.json()["ocs"]["meta"]["message"] == "The user is not part of the board"
    none = await _ocs(client, "PUT", f"/cards/{card_id}/unassign", json={"userId": "b0b"})
    assert none.status_code == 404
    await client.delete(f"{REST}/boards/{bid}/labels/{label['id']}", auth=ALICE, headers=H)
    stacks = (await _ocs(client, "GET", f"/stacks/{bid}")).json()["ocs"]["data"]
    assert [lb["title"] for lb in stacks[0]["cards"][0]["labels"]] == ["Later"]


async def test_comments(client: httpx2.AsyncClient) -> None:
    board = await _seed(client)
    await client.post("/__testbed__/deck/share", json={"board": board["id"], "user": "b0b"})
    card_id = board["stacks"][0]["cards"][0]
    first = (await _ocs(client, "POST", f"/cards/{card_id}/comments", json={"message": "hi"})).json()["ocs"]["data"]
    reply = await _ocs(
        client, "POST", f"/cards/{card_id}/comments", auth=BOB, json={"message": "yo", "parentId": first["id"]}
    )
    assert reply.json()["ocs"]["data"]["replyTo"]["id"] == first["id"]
    listed = (await _ocs(client, "GET", f"/cards/{card_id}/comments")).json()["ocs"]["data"]
    assert [c["message"] for c in listed] == ["yo", "hi"]
    foreign = await _ocs(client, "PUT", f"/cards/{card_id}/comments/{first['id']}", auth=BOB, json={"message": "no"})
    assert foreign.status_code == 403
    too_long = await _ocs(client, "POST", f"/cards/{card_id}/comments", json={"message": "m" * 1001})
    assert too_long.status_code == 400
    assert (await _ocs(client, "DELETE", f"/cards/{card_id}/comments/{first['id']}")).status_code == 200


@pytest.mark.parametrize("version", ["1.18.3", "1.19.0"])
async def test_file_attachment(state: FakeState, client: httpx2.AsyncClient, version: str) -> None:
    state.apps["deck"] = version
    board = await _seed(client)
    card_id = board["stacks"][0]["cards"][0]
    files = {"file": ("notes.txt", b"hello", "text/plain")}
    made = await client.post(
        f"{OCS}/cards/{card_id}/attachment", auth=ALICE, headers=H, data={"type": "file"}, files=files
    )
    assert made.status_code == 200, made.text
    data = made.json()["ocs"]["data"]
    assert data["type"] == "file" and data["extendedData"]["path"] == "/Deck/notes.txt"
    dav = await client.request("PROPFIND", "/remote.php/dav/files/alice/Deck/notes.txt", auth=ALICE)
    assert dav.status_code == 207
    second = await client.post(
        f"{OCS}/cards/{card_id}/attachment", auth=ALICE, headers=H, data={"type": "file"}, files=files
    )
    assert second.json()["ocs"]["data"]["data"] == "notes (2).txt"
    listed = (await _ocs(client, "GET", f"/cards/{card_id}/attachments")).json()["ocs"]["data"]
    assert len(listed) == 2
    new_style = f"/cards/{card_id}/attachments/file:{data['id']}"
    old_style = f"/cards/{card_id}/attachments/{data['id']}?type=file"
    if version == "1.19.0":
        assert (await _ocs(client, "DELETE", old_style)).status_code == 405
        assert (await _ocs(client, "DELETE", new_style)).status_code == 200
    else:
        # "file:1" is cast to attachment id 0: FilesAppService::getShareForAttachment finds no share
        wrong = await _ocs(client, "DELETE", new_style)
        assert wrong.status_code == 403
        assert wrong.json()["ocs"]["meta"]["message"] == "No permission to access the attachment from the card"
        assert (await _ocs(client, "DELETE", old_style)).status_code == 200
    assert len((await _ocs(client, "GET", f"/cards/{card_id}/attachments")).json()["ocs"]["data"]) == 1


@pytest.mark.parametrize("version", ["1.18.3", "1.19.0"])
async def test_clone(state: FakeState, client: httpx2.AsyncClient, version: str) -> None:
    state.apps["deck"] = version
    board = await _seed(client)
    api = await client.post(f"{REST}/boards/{board['id']}/clone", auth=ALICE, headers=H, json={"withCards": True})
    assert api.status_code == (200 if version == "1.19.0" else 404)
    internal = f"/index.php/apps/deck/boards/{board['id']}/clone"
    no_header = await client.post(internal, auth=ALICE, json={})
    assert no_header.status_code == 412  # BoardController::clone needs the CSRF check
    clone = await client.post(internal, auth=ALICE, headers=H, json={"withCards": True})
    copy = clone.json()
    assert copy["title"] == "Project (copy)"
    stacks = (await _ocs(client, "GET", f"/stacks/{copy['id']}")).json()["ocs"]["data"]
    assert [c["title"] for c in stacks[0]["cards"]] == ["Write"]


@pytest.mark.parametrize("patched", [True, False])
async def test_bearer_rest_needs_patch_ocs_does_not(
    state: FakeState, client: httpx2.AsyncClient, patched: bool
) -> None:
    state.config.bearer_patch = patched
    registered = await create_client(client)
    token = (await token_for(build_app(state), client, registered))["access_token"]
    bearer = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    rest = await client.get(REST + "/boards", headers=bearer)
    ocs = await client.get(OCS + "/boards", headers=bearer)
    assert ocs.status_code == 200
    if patched:
        assert rest.status_code == 200
    else:
        assert rest.status_code == 401 and rest.json() == {"message": "CORS requires basic auth"}
    # Request::passesCSRFCheck: any OCS-APIRequest header passes, so CORSMiddleware keeps the Bearer session
    with_header = await client.get(REST + "/boards", headers={**bearer, "OCS-APIRequest": "true"})
    assert with_header.status_code == 200


async def test_disabled_app_has_no_routes(state: FakeState, client: httpx2.AsyncClient, clock: ManualClock) -> None:
    state.disable_app("deck")
    assert (await client.get(REST + "/boards", auth=ALICE, headers=H)).status_code == 404
    assert (await _ocs(client, "GET", "/boards")).status_code == 404
    caps = (await client.get("/ocs/v2.php/cloud/capabilities", auth=ALICE, headers=H)).json()
    assert "deck" not in caps["ocs"]["data"]["capabilities"]
    state.enable_app("deck")
    caps = (await client.get("/ocs/v2.php/cloud/capabilities", auth=ALICE, headers=H)).json()
    assert caps["ocs"]["data"]["capabilities"]["deck"] == {
        "version": "1.18.3",
        "canCreateBoards": True,
        "apiVersions": ["1.0", "1.1"],
    }


def _is_decks_500(response: httpx2.Response) -> bool:
    """Deck's ExceptionMiddleware for any non-StatusException (here a TypeError): JSON 500 with requestId."""
    return response.status_code == 500 and set(response.json()) == {"status", "message", "requestId"}


async def test_missing_arguments_get_no_default(client: httpx2.AsyncClient) -> None:
    """The dispatcher passes null for an omitted argument; for a non-nullable typed parameter without a default
    (or an untyped one the method hands to a typed service parameter) that is a TypeError - Deck's JSON 500."""
    board = await _seed(client)
    bid, todo, card_id = board["id"], board["stacks"][0]["id"], board["stacks"][0]["cards"][0]
    card_url = f"{REST}/boards/{bid}/stacks/{todo}/cards/{card_id}"
    # StackApiController::create(string $title, int $order)
    assert _is_decks_500(await client.post(f"{REST}/boards/{bid}/stacks", auth=ALICE, headers=H, json={"title": "S"}))
    # CardApiController::update(string $title, $type, string $owner, …); $type reaches CardService::update(string)
    full = {"title": "T", "type": "plain", "owner": "alice"}
    for missing in ("title", "type", "owner"):
        body = {k: v for k, v in full.items() if k != missing}
        assert _is_decks_500(await client.put(card_url, auth=ALICE, headers=H, json=body)), missing
    empty = await client.put(card_url, auth=ALICE, headers=H, json={**full, "owner": ""})
    assert empty.status_code == 400 and empty.json()["message"] == "owner must be provided and must be not empty"
    # CardApiController::create($title, …) -> CardService::create(string $title, …)
    assert _is_decks_500(await client.post(f"{REST}/boards/{bid}/stacks/{todo}/cards", auth=ALICE, headers=H, json={}))
    # BoardApiController::addAcl(int $boardId, $type, $participant, $permissionEdit, …) -> BoardService::addAcl(
    # int $boardId, int $type, $participant, bool $edit, bool $share, bool $manage); the OCS method is typed
    acl = {"type": 0, "participant": "b0b"}
    assert _is_decks_500(await client.post(f"{REST}/boards/{bid}/acl", auth=ALICE, headers=H, json=acl))
    assert _is_decks_500(await _ocs(client, "POST", f"/boards/{bid}/acl", json=acl))
    flags = {"permissionEdit": False, "permissionShare": False, "permissionManage": False}
    nobody = await client.post(
        f"{REST}/boards/{bid}/acl", auth=ALICE, headers=H, json={**acl, **flags, "participant": ""}
    )
    assert (
        nobody.status_code == 400 and nobody.json()["message"] == "participant must be provided and must be not empty"
    )
    shared = await _ocs(client, "POST", f"/boards/{bid}/acl", json={**acl, **flags})
    assert shared.status_code == 200 and shared.json()["ocs"]["data"]["participant"]["uid"] == "b0b"
    # CardOcsController::reorder(int $cardId, int $stackId, int $order, ?int $boardId)
    assert _is_decks_500(await _ocs(client, "PUT", f"/cards/{card_id}/reorder", json={"stackId": todo}))
    # CommentsApiController::create(int $cardId, string $message, int $parentId = 0)
    assert _is_decks_500(await _ocs(client, "POST", f"/cards/{card_id}/comments", json={}))


async def test_url_parameters_as_php_sees_them(client: httpx2.AsyncClient) -> None:
    board = await _seed(client)
    bid, todo, done = board["id"], board["stacks"][0]["id"], board["stacks"][1]["id"]
    card_id = board["stacks"][0]["cards"][0]
    # BoardApiController::get: find($this->request->getParam('boardId')) - "abc" is no int for BoardService::find
    assert _is_decks_500(await client.get(f"{REST}/boards/abc", auth=ALICE, headers=H))
    # a URL parameter overrides a body field (Request::setUrlParameters): reorder's $stackId is the path's
    base = f"{REST}/boards/{bid}/stacks/{todo}/cards/{card_id}"
    moved = await client.put(base + "/reorder", auth=ALICE, headers=H, json={"stackId": done, "order": 0})
    assert [c["stackId"] for c in moved.json()] == [todo]
    assert (await client.put(base + "/bogus", auth=ALICE, headers=H)).status_code == 405  # only the OPTIONS route
    # CardService::archive checks nothing but EDIT and the board: archiving twice is fine
    for _ in range(2):
        archived = await client.put(base + "/archive", auth=ALICE, headers=H)
        assert archived.status_code == 200 and archived.json()["archived"] is True
    # stack_ocs#delete without {boardId}: the route's default (null) overrides a boardId in the query
    assert (await _ocs(client, "DELETE", f"/stacks/{done}/9999")).status_code == 403
    assert (await _ocs(client, "DELETE", f"/stacks/{done}", params={"boardId": 9999})).status_code == 200


async def test_rest_card_create_assigns_labels_after_creating(client: httpx2.AsyncClient) -> None:
    """CardApiController::create: foreach ($labels as $labelId) assignLabel(…) after CardService::create; the
    answer is the card as created."""
    spec = {"user": "alice", "boards": [{"title": "P", "stacks": [{"title": "S"}]}]}
    board = (await client.post("/__testbed__/seed/deck", json=spec)).json()["boards"][0]
    url = f"{REST}/boards/{board['id']}/stacks/{board['stacks'][0]['id']}/cards"
    made = await client.post(url, auth=ALICE, headers=H, json={"title": "C", "labels": [board["labels"]["Later"]]})
    assert made.status_code == 200 and made.json()["labels"] == []
    got = await client.get(f"{url}/{made.json()['id']}", auth=ALICE, headers=H)
    assert [lb["title"] for lb in got.json()["labels"]] == ["Later"]
    # a label PHP cannot pass as int: the card exists, the request still ends in a 500
    assert _is_decks_500(await client.post(url, auth=ALICE, headers=H, json={"title": "D", "labels": ["x"]}))
    stacks = (await _ocs(client, "GET", f"/stacks/{board['id']}")).json()["ocs"]["data"]
    assert [c["title"] for c in stacks[0]["cards"]] == ["C", "D"]


async def test_rest_stack_update_takes_the_board_of_the_path(client: httpx2.AsyncClient) -> None:
    """StackApiController::update passes getParam('boardId') to StackService::update, which moves the stack."""
    board = await _seed(client)
    other = (await client.post(REST + "/boards", auth=ALICE, headers=H, json={"title": "O", "color": "00ff00"})).json()
    url = f"{REST}/boards/{other['id']}/stacks/{board['stacks'][0]['id']}"
    moved = await client.put(url, auth=ALICE, headers=H, json={"title": "Moved", "order": 3})
    assert moved.status_code == 200 and moved.json()["boardId"] == other["id"]


def test_service_arguments_in_coercive_mode() -> None:
    """coerce.php_call: what a typed service parameter does with a request value (non-strict caller)."""
    params = "int $a, string $b, bool $c, ?int $d, float $e = 0.0"
    assert php_call("S::m", params, a=" 5 ", b=5, c="false", d=None, e="1e3") == {
        "a": 5,
        "b": "5",
        "c": True,
        "d": None,
        "e": 1000.0,
    }
    assert php_call("S::m", params, a=1.9, b=True)["a"] == 1 and php_call("S::m", params, b=True)["b"] == "1"
    refused: list[dict[str, Any]] = [{"a": "5abc"}, {"a": "abc"}, {"a": [1]}, {"a": None}, {"b": None}, {"b": {}}]
    for bad in [*refused, {"c": []}]:
        with pytest.raises(PhpTypeError):
            php_call("S::m", params, **bad)
