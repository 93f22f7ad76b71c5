"""Control API for the Cookbook app (``/__testbed__/seed/cookbook``).

``POST /seed/cookbook`` ``{"user"?: login|uid, "recipes"?: [schema.org Recipe, …], "config"?: {…},
"pages"?: {url: {"status"?: 200, "html"?: str, "jsonld"?: Recipe}}}`` -> 201 ``{"recipes": [id, …]}``.
``pages`` is the fake internet ``POST /import`` reads (instance-wide; no real request is ever made): a page is
its HTML, or a minimal page wrapping ``jsonld`` in a ``<script type="application/ld+json">``. A URL that is not
seeded fails like an unresolvable host.
"""

from __future__ import annotations

import html
import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.cookbook.models import CookbookBackend, CookbookError, Page
from fake_nextcloud.core.state import FakeState

__all__ = ["build_cookbook_control_routes"]


def _page(spec: dict[str, object]) -> Page:
    body = str(spec.get("html", ""))
    if "jsonld" in spec:
        script = json.dumps(spec["jsonld"]).replace("</", "<\\/")
        title = html.escape(str(getattr(spec["jsonld"], "get", lambda *_: "")("name", "")))
        body = f'<html><head><title>{title}</title><script type="application/ld+json">{script}</script></head></html>'
    return Page(int(str(spec.get("status", 200))), body)


def build_cookbook_control_routes(state: FakeState) -> list[BaseRoute]:
    """Routes relative to ``/__testbed__``."""

    async def seed_cookbook(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            backend = CookbookBackend.of(state)
            for url, spec in data.get("pages", {}).items():
                backend.pages[str(url)] = _page(spec)
            ids: list[int] = []
            if "user" in data:
                users = state.users_for_name(str(data["user"]))
                if len(users) != 1:
                    return JSONResponse({"error": f"unknown user {data['user']!r}"}, status_code=404)
                uid = users[0].uid
                ids = [backend.add(uid, dict(recipe)) for recipe in data.get("recipes", [])]
                backend.set_config(uid, data.get("config", {}))
        except CookbookError as exc:
            return JSONResponse({"error": str(exc.body)}, status_code=400)
        except (KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
        return JSONResponse({"recipes": ids}, status_code=201)

    return [Route("/seed/cookbook", seed_cookbook, methods=["POST"])]
