"""Control API for the News app (``/__testbed__/seed/news-feeds``).

``POST /seed/news-feeds`` ``{"feeds": {url: {"status"?: 200, "xml"?: str, "html"?: str}}, "update"?: bool}``
-> 201 ``{"urls": [url, …], "updated": [feed id, …]}``. ``feeds`` is the fake internet the News app reads
(instance-wide; no real request is ever made): a URL's answer is its feed document (``xml``) or an HTML page
(``html``, searched for ``<link rel="alternate">`` feeds on subscription). A URL that is not seeded fails like an
unresolvable host. ``update`` runs the background feed update (nextcloud/news ``lib/Cron/UpdaterJob.php`` ->
``FeedServiceV2::fetch``) for every subscribed feed, so new entries seeded since arrive as new items.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.news.models import NewsBackend, Page
from fake_nextcloud.core.state import FakeState

__all__ = ["build_news_control_routes"]


def build_news_control_routes(state: FakeState) -> list[BaseRoute]:
    """Routes relative to ``/__testbed__``."""

    async def seed_news(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            backend = NewsBackend.of(state)
            for url, spec in dict(data.get("feeds", {})).items():
                body = spec.get("xml", spec.get("html", ""))
                backend.pages[str(url)] = Page(int(spec.get("status", 200)), str(body))
            updated: list[int] = []
            if data.get("update"):
                for feed in list(backend.feeds.values()):
                    backend.refresh(feed)
                    updated.append(feed.id)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
        return JSONResponse({"urls": list(backend.pages), "updated": updated}, status_code=201)

    return [Route("/seed/news-feeds", seed_news, methods=["POST"])]
