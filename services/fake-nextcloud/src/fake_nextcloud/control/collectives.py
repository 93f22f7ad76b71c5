"""Control API for the Collectives app (``/__testbed__/seed/collectives``).

``POST /seed/collectives`` ``{"user": login|uid, "collectives": [{"name", "emoji"?, "members"?: [login|uid, …],
"readers"?: [login|uid, …], "pages"?: [{"title", "content"?, "parent"?: title, "tags"?: [name, …]}]}]}``
-> 201 ``{"collectives": [{"id", "pages": {title: id}, "tags": {name: id}}]}``. ``user`` owns the team, ``members``
join as members, ``readers`` as members of a collective whose edit level is moderator (so they only read). Pages
are created as the API creates them (``PageStore.create``) and their content is written as WebDAV writes it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.collectives.models import LEVEL_MEMBER, LEVEL_MODERATOR, CollectivesBackend, CollectivesError
from fake_nextcloud.apps.collectives.pages import PageStore
from fake_nextcloud.core.state import FakeState, User

__all__ = ["build_collectives_control_routes"]


def _user(state: FakeState, name: str) -> User:
    users = state.users_for_name(name)
    if len(users) != 1:
        raise LookupError(f"unknown user {name!r}")
    return users[0]


def _seed(state: FakeState, backend: CollectivesBackend, uid: str, spec: dict[str, Any]) -> dict[str, Any]:
    collective = backend.create(uid, str(spec["name"]), spec.get("emoji"))
    for name in spec.get("members", []):
        backend.add_member(collective, _user(state, str(name)).uid, LEVEL_MEMBER)
    if spec.get("readers"):
        collective.edit_permission_level = LEVEL_MODERATOR
        for name in spec["readers"]:
            backend.add_member(collective, _user(state, str(name)).uid, LEVEL_MEMBER)
    tags: dict[str, int] = {}
    pages = PageStore(backend, uid, collective)
    ids: dict[str, int] = {}
    for page in spec.get("pages", []):
        parent = ids[str(page["parent"])] if page.get("parent") else 0
        info = pages.create(parent, str(page["title"]))
        ids[str(page["title"])] = info["id"]
        if page.get("content"):
            node = pages.file_by_id(info["id"])
            backend.dav.write_bytes(uid, node.path, str(page["content"]).encode())
        for tag_name in page.get("tags", []):
            if tag_name not in tags:
                tags[tag_name] = backend.create_tag(uid, collective, tag_name, "0082c9").id
            backend.meta(info["id"]).tags.append(tags[tag_name])
    return {"id": collective.id, "pages": ids, "tags": tags}


def build_collectives_control_routes(state: FakeState) -> list[BaseRoute]:
    """Routes relative to ``/__testbed__``."""

    async def seed_collectives(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            user = _user(state, str(data["user"]))
            backend = CollectivesBackend.of(state)
            out = [_seed(state, backend, user.uid, spec) for spec in data.get("collectives", [])]
        except LookupError as exc:
            return JSONResponse({"error": str(exc)}, status_code=404 if "user" in str(exc) else 400)
        except CollectivesError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        except (TypeError, ValueError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
        return JSONResponse({"collectives": out}, status_code=201)

    return [Route("/seed/collectives", seed_collectives, methods=["POST"])]
