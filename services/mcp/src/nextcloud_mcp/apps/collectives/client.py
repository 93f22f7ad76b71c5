"""Collectives: its OCS API v1.0 for the page tree and metadata, WebDAV for page content.

Sources (nextcloud/collectives v4.4.3, openapi.json vendored in services/fake-nextcloud/openapi/collectives.json):
- `appinfo/routes.php`, `lib/Controller/{Collective,Page,PageTrash,Tag}Controller.php`: `/collectives`,
  `/collectives/{id}/pages[/{pageId}]`, `…/pages/trash/{id}` (PATCH restores), `…/search?searchString=`, `…/tags`;
  failures are OCS 403/404/400 whose `meta.message` is the app's own text (`OCSExceptionHelper`).
- Pages are Markdown files in the collective's folder, mounted for each member at `<user folder>/<name>`
  (`lib/Mount/MountProvider.php`; `collectivePath` in a page names it). The web client reads and writes page
  content over WebDAV (the Text editor), so content is read with GET and replaced with PUT + `If-Match`: a page
  changed meanwhile answers 412 (sabre-io/dav `Server::checkPreconditions`), never overwritten.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx2
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nextcloud_mcp.core.errors import BadRequest, Conflict, Forbidden, NotFound, ProtocolError
from nextcloud_mcp.core.http import NextcloudHTTP, parse_ocs
from nextcloud_mcp.core.instance import CoreClient
from nextcloud_mcp.core.paths import dav_href, normalize
from nextcloud_mcp.core.session import NextcloudSession

__all__ = [
    "GET_TOOL",
    "LIST_COLLECTIVES_TOOL",
    "LIST_PAGES_TOOL",
    "Collective",
    "CollectivesClient",
    "PageInfo",
    "Tag",
    "collectives_client",
]

LIST_COLLECTIVES_TOOL = "nc_collectives_list_collectives"
LIST_PAGES_TOOL = "nc_collectives_list_pages"
GET_TOOL = "nc_collectives_get_page"

BASE = "/ocs/v2.php/apps/collectives/api/v1.0/collectives"
HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}
INDEX = "Readme.md"


class Collective(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    id: int
    name: str
    emoji: str | None = None
    level: int = 0
    can_edit: bool = Field(default=False, alias="canEdit")


class PageInfo(BaseModel):
    """`CollectivesPageInfo` (lib/ResponseDefinitions.php)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)
    id: int
    title: str
    timestamp: int = 0
    size: int = 0
    file_name: str = Field(alias="fileName")
    file_path: str = Field(default="", alias="filePath")
    parent_id: int = Field(default=0, alias="parentId")
    tags: list[int] = []
    emoji: str | None = None
    last_user_id: str | None = Field(default=None, alias="lastUserId")
    trash_timestamp: int | None = Field(default=None, alias="trashTimestamp")
    collective_path: str | None = Field(default=None, alias="collectivePath")

    @property
    def page_path(self) -> str:
        """The page's place in the tree as people name it: `/Guide/Setup`; the landing page is `/`."""
        if self.parent_id == 0 and self.file_name == INDEX and not self.file_path:
            return "/"
        if self.file_name == INDEX:
            return "/" + self.file_path
        return "/" + "/".join(p for p in (self.file_path, self.file_name.removesuffix(".md")) if p)


class Tag(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: int
    name: str
    color: str = ""


M = TypeVar("M", bound=BaseModel)


def _model(cls: type[M], data: Any, path: str) -> M:
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(f"The Collectives API sent an unexpected {cls.__name__}.", path=path) from exc


class CollectivesClient:
    """The Collectives API and the members' WebDAV view of it, for one user."""

    def __init__(self, http: NextcloudHTTP, auth: httpx2.Auth) -> None:
        self._http = http
        self._auth = auth
        self._uid: str | None = None

    async def _ocs(self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None) -> Any:
        response = await self._http.request(
            method, BASE + path, auth=self._auth, params={**(params or {}), "format": "json"}, json=json,
            headers=HEADERS, ok=(400, 403, 404),
        )  # fmt: skip
        if response.status_code in (400, 403, 404):
            try:
                said = str(response.json()["ocs"]["meta"].get("message") or "")
            except (ValueError, KeyError, TypeError):
                said = ""
            status = response.status_code
            cls = {400: BadRequest, 403: Forbidden, 404: NotFound}[status]
            if status == 404 and not said:
                said = "The Collectives app is not installed or not enabled for this user"
            raise cls(f"Collectives: {said or 'refused'}.", method=method, path=BASE + path, status=status)
        return parse_ocs(response)

    # -- the API ------------------------------------------------------------------------------------------------

    async def collectives(self) -> list[Collective]:
        data = await self._ocs("GET", "")
        return [_model(Collective, c, BASE) for c in data.get("collectives", [])]

    async def pages(self, cid: int, *, trashed: bool = False) -> list[PageInfo]:
        path = f"/{cid}/pages/trash" if trashed else f"/{cid}/pages"
        return [_model(PageInfo, p, BASE + path) for p in (await self._ocs("GET", path)).get("pages", [])]

    async def page(self, cid: int, page_id: int) -> PageInfo:
        return _model(PageInfo, (await self._ocs("GET", f"/{cid}/pages/{page_id}"))["page"], BASE)

    async def create(self, cid: int, parent_id: int, title: str) -> PageInfo:
        data = await self._ocs("POST", f"/{cid}/pages/{parent_id}", json={"title": title})
        return _model(PageInfo, data["page"], BASE)

    async def move(self, cid: int, page_id: int, *, parent_id: int | None, title: str | None) -> PageInfo:
        body: dict[str, Any] = {"parentId": parent_id, "title": title}
        data = await self._ocs("PUT", f"/{cid}/pages/{page_id}", json={k: v for k, v in body.items() if v})
        return _model(PageInfo, data["page"], BASE)

    async def trash(self, cid: int, page_id: int) -> PageInfo:
        return _model(PageInfo, (await self._ocs("DELETE", f"/{cid}/pages/{page_id}"))["page"], BASE)

    async def restore(self, cid: int, page_id: int) -> PageInfo:
        return _model(PageInfo, (await self._ocs("PATCH", f"/{cid}/pages/trash/{page_id}"))["page"], BASE)

    async def search(self, cid: int, text: str) -> list[PageInfo]:
        data = await self._ocs("GET", f"/{cid}/search", params={"searchString": text})
        return [_model(PageInfo, p, BASE) for p in data.get("pages", [])]

    async def tags(self, cid: int) -> list[Tag]:
        return [_model(Tag, t, BASE) for t in (await self._ocs("GET", f"/{cid}/tags")).get("tags", [])]

    async def create_tag(self, cid: int, name: str) -> Tag:
        data = await self._ocs("POST", f"/{cid}/tags", json={"name": name, "color": ""})
        return _model(Tag, data["tag"], BASE)

    async def set_tag(self, cid: int, page_id: int, tag_id: int, *, on: bool) -> None:
        await self._ocs("PUT" if on else "DELETE", f"/{cid}/pages/{page_id}/tags/{tag_id}")

    # -- content over WebDAV ------------------------------------------------------------------------------------

    async def _root(self) -> str:
        if self._uid is None:
            self._uid = (await CoreClient(self._http, self._auth).current_user()).id
        return dav_href("/remote.php/dav/files/", self._uid, folder=True)

    @staticmethod
    def file_of(collective: Collective, page: PageInfo) -> str:
        """The page's file, relative to the user's root (`.Collectives/Handbook/Guide/Readme.md`)."""
        folder = page.collective_path or f".Collectives/{collective.name}"
        return normalize("/".join(p for p in (folder, page.file_path, page.file_name) if p))

    async def read(self, file: str) -> tuple[str, str]:
        """The page's Markdown and its etag (unquoted)."""
        response = await self._http.request("GET", dav_href(await self._root(), file), auth=self._auth)
        return response.content.decode("utf-8", errors="replace"), response.headers.get("ETag", "").strip('"')

    async def write(self, file: str, text: str, etag: str | None) -> str:
        """PUT the Markdown over the version `etag` names (none: over anything); returns the new etag. A changed
        file is a `Conflict`."""
        headers = {"Content-Type": "text/markdown; charset=utf-8"}
        if etag:
            headers["If-Match"] = f'"{etag.strip(chr(34))}"'
        href = dav_href(await self._root(), file)
        response = await self._http.request(
            "PUT", href, auth=self._auth, content=text.encode(), headers=headers, ok=(412,)
        )
        if response.status_code == 412:
            raise Conflict(
                f"The page changed since etag {etag} was read; your change was NOT saved. Re-read it with {GET_TOOL}, "
                "merge, and retry with the new etag.",
                method="PUT", path=href, status=412,
            )  # fmt: skip
        return response.headers.get("ETag", "").strip('"')


def collectives_client(session: NextcloudSession) -> CollectivesClient:
    """The session's CollectivesClient."""
    return session.client(CollectivesClient, lambda: CollectivesClient(session.http, session.auth))
