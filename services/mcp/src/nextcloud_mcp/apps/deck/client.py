"""Deck: boards, stacks, cards, labels, assignees, comments and attachments.

Sources: nextcloud/deck appinfo/routes.php, docs/API.md, lib/Controller/*OcsController.php. Deck has two API
families: REST (`/index.php/apps/deck/api/v1.0`, `#[CORS]`: a Bearer token gets 401 "CORS requires basic
auth" on an unpatched Nextcloud) and OCS (`/ocs/v2.php/apps/deck/api/v1.0`, works with Bearer tokens). Every
operation that has an OCS route uses it; REST is used only where no OCS route exists (board update/delete/
clone, stack rename, archived stacks, card get fallback/delete, label create/update/delete, attachment download);
board clone on Deck < 1.19 uses the web UI's route. Each call logs at debug which family it used. Every request carries
`OCS-APIRequest: true` (docs/API.md requires it); nextcloud/server Request::passesCSRFCheck accepts that
header, so CORSMiddleware keeps a Bearer login and the REST routes work without the Bearer patch as well.

Deck's errors (lib/Middleware/ExceptionMiddleware.php) carry a message — `{"status": 403, "message":
"Permission denied"}` for REST, the OCS meta message for OCS — which is passed on to the model. Its one 409 is
`ConflictException`, answered as plain JSON `{"status", "message", "data"}` on both families (before the OCS
branch): "File already exists." with the attachment of that name as `data` (lib/Service/FileService.php::create).
"""

from __future__ import annotations

import logging
from typing import Any

import httpx2

from nextcloud_mcp.core.download import Download, download
from nextcloud_mcp.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NextcloudError,
    NotFound,
    ProtocolError,
    Unavailable,
)
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.session import NextcloudSession

__all__ = ["COMMENT_PAGE", "DeckClient", "deck_client"]

logger = logging.getLogger(__name__)

_BASES = {
    "OCS": "/ocs/v2.php/apps/deck/api/v1.0",
    "REST": "/index.php/apps/deck/api/v1.0",
    "APP": "/index.php/apps/deck",  # the web UI's routes (BoardController), used where the API lacks one
}
_HANDLED = (400, 403, 404, 409, 500)
_OCS_HEADERS = {"OCS-APIRequest": "true"}
COMMENT_PAGE = 200  # the most comments Deck returns at once (lib/Service/CommentService.php list)


def _deck_error(response: httpx2.Response, message: str) -> NextcloudError:
    where: dict[str, Any] = {
        "method": response.request.method,
        "path": response.request.url.path,
        "status": response.status_code,
    }
    status = response.status_code
    if status == 403:
        if message in ("", "Permission denied"):
            return Forbidden(
                "Deck: Permission denied: the board, stack or card does not exist (or is deleted) or this user "
                "lacks the permission for it. Check the ids and permissions with nc_deck_get_board.",
                **where,
            )
        return Forbidden(f"Deck: {message} Check the item with nc_deck_get_card.", **where)
    if status == 404:
        return NotFound(f"Deck: {message or 'not found'} Check the ids with nc_deck_get_card.", **where)
    if status == 409:
        return _conflict(response, message, where)
    if message == "title must be unique":  # LabelService: a label of that title exists on the board
        return BadRequest(
            "Deck: title must be unique: the board already has a label with this title (see nc_deck_get_board); "
            "use that label or choose another title.",
            **where,
        )
    if status == 400 or message.startswith("Operation not allowed"):
        return BadRequest(f"Deck rejected the request: {message or 'bad request'} Fix the arguments.", **where)
    said = f": {message}" if message and not message.startswith("Internal server error") else ""
    return Unavailable(f"Deck failed with HTTP {status}{said}; try again later.", **where)


def _conflict(response: httpx2.Response, message: str, where: dict[str, Any]) -> Conflict:
    """Deck's 409 (ConflictException): an attachment of that name is on the card already (its id in `data`)."""
    try:
        data = response.json().get("data")
    except (ValueError, AttributeError):
        data = None
    existing = data.get("id") if isinstance(data, dict) else None
    if message.startswith("File already exists"):
        which = f" (attachment {existing})" if existing is not None else ""
        return Conflict(
            f"Deck: {message} The card already has an attachment with this file name{which}; nothing was attached. "
            "See it with nc_deck_get_card; remove it with nc_deck_delete_attachment first, or attach a file with "
            "another name.",
            current=data,
            **where,
        )
    return Conflict(
        f"Deck: {message or 'conflict'} Nothing was changed; read the card with nc_deck_get_card and retry.",
        current=data,
        **where,
    )


def _message(response: httpx2.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict) and isinstance(body.get("ocs"), dict):
        return str(body["ocs"].get("meta", {}).get("message") or "")
    return str(body.get("message") or "") if isinstance(body, dict) else ""


class DeckClient:
    """Deck for one user's credentials."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http, self._auth = http, auth
        self._version: tuple[int, ...] | None = None

    async def since_1_19(self) -> bool:
        """Whether Deck is 1.19+ (Nextcloud 35): REST `board_api#clone` and the OCS attachment delete path
        `{type}:{attachmentId}` appeared there (appinfo/routes.php, v1.18.3 vs master)."""
        if self._version is None:
            caps = await self._http.ocs("GET", "/cloud/capabilities", auth=self._auth)
            raw = str(((caps or {}).get("capabilities") or {}).get("deck", {}).get("version") or "0")
            self._version = tuple(int(p) if p.isdigit() else 0 for p in raw.split("-")[0].split("."))
        return self._version >= (1, 19)

    async def _call(self, family: str, method: str, path: str, **kw: Any) -> Any:
        base = _BASES[family]
        logger.debug("deck %s %s via %s", method, path, family)
        params = {**({"format": "json"} if family == "OCS" else {}), **kw.pop("params", {})}
        headers = {**_OCS_HEADERS, **kw.pop("headers", {})}
        response = await self._http.request(
            method, base + path, auth=self._auth, params=params, headers=headers, ok=_HANDLED, **kw
        )
        if response.status_code in _HANDLED:
            raise _deck_error(response, _message(response))
        try:
            body = response.json()
        except ValueError as exc:
            raise ProtocolError("Deck sent an answer that is not JSON.", path=base + path) from exc
        if family == "OCS":
            if not isinstance(body, dict) or "ocs" not in body:
                raise ProtocolError("Deck sent an answer that is not an OCS envelope.", path=base + path)
            return body["ocs"]["data"]
        return body

    async def ocs(self, method: str, path: str, **kw: Any) -> Any:
        return await self._call("OCS", method, path, **kw)

    async def rest(self, method: str, path: str, **kw: Any) -> Any:
        return await self._call("REST", method, path, **kw)

    # -- boards -----------------------------------------------------------------------------------------

    async def boards(self) -> list[dict[str, Any]]:
        return list(await self.ocs("GET", "/boards") or [])

    async def board(self, board_id: int) -> dict[str, Any]:
        data: dict[str, Any] = await self.ocs("GET", f"/board/{board_id}")
        return data

    async def create_board(self, title: str, color: str) -> dict[str, Any]:
        data: dict[str, Any] = await self.ocs("POST", "/boards", json={"title": title, "color": color})
        return data

    async def update_board(self, board_id: int, title: str, color: str, archived: bool) -> dict[str, Any]:
        """REST only (`board_api#update`): all three fields are replaced."""
        body = {"title": title, "color": color, "archived": archived}
        data: dict[str, Any] = await self.rest("PUT", f"/boards/{board_id}", json=body)
        return data

    async def delete_board(self, board_id: int) -> None:
        """A soft delete (`deletedAt`): Deck keeps the board until its background job purges it."""
        await self.rest("DELETE", f"/boards/{board_id}")

    async def restore_board(self, board_id: int) -> None:
        await self.rest("POST", f"/boards/{board_id}/undo_delete")

    async def clone_board(self, board_id: int, options: dict[str, bool]) -> dict[str, Any]:
        """REST `board_api#clone` on Deck 1.19+; before, the web UI's `board#clone` (same parameters; it needs
        the CSRF check, which `OCS-APIRequest: true` passes)."""
        if await self.since_1_19():
            data: dict[str, Any] = await self.rest("POST", f"/boards/{board_id}/clone", json=options)
        else:
            data = await self._call("APP", "POST", f"/boards/{board_id}/clone", json=options)
        return data

    # -- stacks -----------------------------------------------------------------------------------------

    async def stacks(self, board_id: int, *, archived: bool = False) -> list[dict[str, Any]]:
        """Stacks with their cards; `archived` lists the archived cards instead (REST only)."""
        if archived:
            return list(await self.rest("GET", f"/boards/{board_id}/stacks/archived") or [])
        return list(await self.ocs("GET", f"/stacks/{board_id}") or [])

    async def create_stack(self, board_id: int, title: str, order: int) -> dict[str, Any]:
        body = {"title": title, "boardId": board_id, "order": order}
        data: dict[str, Any] = await self.ocs("POST", "/stacks", json=body)
        return data

    async def rename_stack(self, board_id: int, stack_id: int, title: str, order: int) -> dict[str, Any]:
        body = {"title": title, "order": order}
        data: dict[str, Any] = await self.rest("PUT", f"/boards/{board_id}/stacks/{stack_id}", json=body)
        return data

    async def reorder_stack(self, board_id: int, stack_id: int, order: int) -> None:
        await self.ocs("PUT", f"/stacks/{stack_id}/reorder", json={"order": order, "boardId": board_id})

    async def delete_stack(self, board_id: int, stack_id: int) -> None:
        await self.ocs("DELETE", f"/stacks/{stack_id}/{board_id}")

    # -- cards ------------------------------------------------------------------------------------------

    async def card(self, board_id: int, card_id: int) -> dict[str, Any]:
        """A card: found in the board's stacks over OCS; archived cards come from REST `card_api#get`
        (which reads only the card id, so the stack in the path is not checked: CardApiController::get)."""
        for stack in await self.stacks(board_id):
            for card in stack.get("cards") or []:
                if card.get("id") == card_id:
                    return dict(card)
        data: dict[str, Any] = await self.rest("GET", f"/boards/{board_id}/stacks/0/cards/{card_id}")
        return data

    async def create_card(
        self, board_id: int, stack_id: int, title: str, description: str, duedate: str | None
    ) -> dict[str, Any]:
        body = {"title": title, "stackId": stack_id, "boardId": board_id, "description": description}
        if duedate:
            body["duedate"] = duedate
        data: dict[str, Any] = await self.ocs("POST", "/cards", json=body)
        return data

    async def update_card(self, board_id: int, card: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
        """Read-modify-write: Deck's card PUT replaces every field and clears `done` when it is absent
        (CardService::update), so the current values are sent for everything not in `changes`."""
        owner = card.get("owner")
        body: dict[str, Any] = {
            "id": card["id"],
            "boardId": board_id,
            "title": card["title"],
            "stackId": card["stackId"],
            "type": card.get("type") or "plain",
            "order": card.get("order") or 0,
            "description": card.get("description") or "",
            "duedate": card.get("duedate"),
            "deletedAt": 0,
            "owner": owner.get("uid") if isinstance(owner, dict) else owner,
            "archived": bool(card.get("archived")),
            "done": card.get("done"),
        }
        body.update(changes)
        data: dict[str, Any] = await self.ocs("PUT", f"/cards/{card['id']}", json=body)
        return data

    async def reorder_card(self, card_id: int, stack_id: int, order: int) -> None:
        await self.ocs("PUT", f"/cards/{card_id}/reorder", json={"stackId": stack_id, "order": order})

    async def delete_card(self, board_id: int, stack_id: int, card_id: int) -> None:
        await self.rest("DELETE", f"/boards/{board_id}/stacks/{stack_id}/cards/{card_id}")

    async def label(self, card_id: int, label_id: int, *, add: bool) -> None:
        await self.ocs("POST" if add else "DELETE", f"/cards/{card_id}/label/{label_id}")

    async def assignee(self, card_id: int, user_id: str, *, add: bool) -> None:
        if add:
            await self.ocs("POST", f"/cards/{card_id}/assign", json={"userId": user_id})
        else:
            await self.ocs("PUT", f"/cards/{card_id}/unassign", json={"userId": user_id})

    # -- labels (REST only) -----------------------------------------------------------------------------

    async def create_label(self, board_id: int, title: str, color: str) -> dict[str, Any]:
        body = {"title": title, "color": color}
        data: dict[str, Any] = await self.rest("POST", f"/boards/{board_id}/labels", json=body)
        return data

    async def update_label(self, board_id: int, label_id: int, title: str, color: str) -> dict[str, Any]:
        body = {"title": title, "color": color}
        data: dict[str, Any] = await self.rest("PUT", f"/boards/{board_id}/labels/{label_id}", json=body)
        return data

    async def delete_label(self, board_id: int, label_id: int) -> None:
        await self.rest("DELETE", f"/boards/{board_id}/labels/{label_id}")

    # -- comments (OCS only) ----------------------------------------------------------------------------

    async def comments(self, card_id: int, limit: int, offset: int) -> list[dict[str, Any]]:
        """Newest first; Deck caps `limit` at 200 (CommentService::list)."""
        params = {"limit": limit, "offset": offset}
        return list(await self.ocs("GET", f"/cards/{card_id}/comments", params=params) or [])

    async def comment(self, card_id: int, comment_id: int) -> dict[str, Any] | None:
        """One comment, searched page by page (Deck has no route that reads a single comment)."""
        offset = 0
        while True:
            batch = await self.comments(card_id, COMMENT_PAGE, offset)
            found = next((c for c in batch if c.get("id") == comment_id), None)
            if found is not None or len(batch) < COMMENT_PAGE:
                return found
            offset += len(batch)

    async def create_comment(self, card_id: int, message: str, parent: int) -> dict[str, Any]:
        body: dict[str, Any] = {"message": message, "parentId": parent}
        data: dict[str, Any] = await self.ocs("POST", f"/cards/{card_id}/comments", json=body)
        return data

    async def update_comment(self, card_id: int, comment_id: int, message: str) -> dict[str, Any]:
        path = f"/cards/{card_id}/comments/{comment_id}"
        data: dict[str, Any] = await self.ocs("PUT", path, json={"message": message})
        return data

    async def delete_comment(self, card_id: int, comment_id: int) -> None:
        await self.ocs("DELETE", f"/cards/{card_id}/comments/{comment_id}")

    # -- attachments (OCS) ------------------------------------------------------------------------------

    async def attachments(self, card_id: int) -> list[dict[str, Any]]:
        return list(await self.ocs("GET", f"/cards/{card_id}/attachments") or [])

    async def attach(self, card_id: int, name: str, content: bytes) -> dict[str, Any]:
        """Upload as a `file` attachment (FilesAppService::create stores it in the user's Deck folder)."""
        encoded = httpx2.Request("POST", "http://deck.invalid/", data={"type": "file"}, files={"file": (name, content)})
        body = encoded.read()
        headers = {"Content-Type": encoded.headers["Content-Type"]}
        data: dict[str, Any] = await self.ocs("POST", f"/cards/{card_id}/attachment", content=body, headers=headers)
        return data

    async def download_attachment(self, card_id: int, attachment_id: int, kind: str, max_bytes: int) -> Download:
        """REST `attachment_api#display` (AttachmentApiController::display, API 1.0 with `type`): both kinds
        stream the file (FileService::display, FilesAppService::display). OCS has no display route; board and
        stack in the path are not read (AttachmentService::display checks the card's READ permission), so 0."""
        logger.debug("deck GET attachment via REST")
        return await download(
            self._http,
            f"{_BASES['REST']}/boards/0/stacks/0/cards/{card_id}/attachments/{attachment_id}",
            auth=self._auth,
            max_bytes=max_bytes,
            params={"type": kind},
            headers=_OCS_HEADERS,
            errors=_HANDLED,
            on_error=lambda response: _deck_error(response, _message(response)),
        )

    async def delete_attachment(self, card_id: int, attachment_id: int, kind: str) -> None:
        if await self.since_1_19():
            await self.ocs("DELETE", f"/cards/{card_id}/attachments/{kind}:{attachment_id}")
        else:
            await self.ocs("DELETE", f"/cards/{card_id}/attachments/{attachment_id}", params={"type": kind})


def deck_client(session: NextcloudSession) -> DeckClient:
    """The session's DeckClient."""
    return session.client(DeckClient, lambda: DeckClient(session.http, session.auth))
