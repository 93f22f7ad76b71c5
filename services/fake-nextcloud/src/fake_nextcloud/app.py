"""Application assembly: one route group per Nextcloud app at its real prefix.

=========================================  =============================================================
``/status.php``                            core ``status.php``
``/ocs/v1.php/…``, ``/ocs/v2.php/…``       OCS: ``cloud/capabilities``, ``cloud/user``, ``cloud/users/{id}``,
                                           ``cloud/users[/details]``, ``cloud/groups``,
                                           ``apps/files_sharing/api/v1/{shares,sharees}``, ``search/providers``,
                                           ``apps/activity/api/v2/activity[/filters|/{filter}]``
``/index.php/login``, ``/index.php/logout``  browser login (core ``LoginController``)
``/index.php/login/v2…``                   Login Flow v2 (core ``ClientFlowLoginV2Controller``)
``/index.php/settings/…``                  devices & sessions (settings ``AuthSettingsController``)
``/index.php/apps/notes/…``                Notes API (also ``/apps/notes/…``, as with pretty URLs)
``/index.php/apps/deck/…``                 Deck REST API (also ``/apps/deck/…``; its OCS variant is under ``/ocs/``)
``/index.php/apps/tables/…``, ``…/cookbook/…``  Tables v1 REST, Cookbook API (also without ``index.php``)
``/index.php/apps/mail/api/…``             Mail internal routes (flags, move, delete, attachments; its API: ``/ocs/``)
``/index.php/apps/{bookmarks,news}/…``     Bookmarks REST v2, News API v1.3 (also without ``index.php``)
``/remote.php/dav/…``, ``/remote.php/webdav/…``  WebDAV (apps/dav: files, trashbin, versions)
``/index.php/apps/oidc/…``                 oidc app (H2CK/oidc; also ``/apps/oidc/…``)
``[/index.php]/.well-known/openid-configuration``  oidc discovery (well-known handler)
``/__testbed__/…``                         control API (only with ``control=True``)
anything else                              404 with ``X-Fake-Nextcloud: not-implemented``
=========================================  =============================================================

With a web root (``InstanceConfig.webroot``, ``fake-nextcloud --webroot /nextcloud``) every Nextcloud path
above is served below it (``/nextcloud/status.php``, ``/nextcloud/remote.php/dav/…``) and the URLs the
instance sends back carry it; ``/__testbed__`` stays at the server root.

Request flow: ``TestbedMiddleware`` (faults, request log; full request paths) -> ``WebrootMiddleware`` (the
web root) -> Starlette -> ``FrontControllerMiddleware`` (body decoding, session, login chain: user_oidc
Bearer, then HTTP Basic) -> routing -> ``core.appframework`` checks -> handler.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Router
from starlette.types import Receive, Scope, Send

from fake_nextcloud.apps.activity.hooks import listener as activity_listener
from fake_nextcloud.apps.activity.routes import ACTIVITY_ROUTES
from fake_nextcloud.apps.bookmarks.routes import BookmarksApp
from fake_nextcloud.apps.collectives.routes import OCS_ROUTES as COLLECTIVES_OCS_ROUTES
from fake_nextcloud.apps.cookbook.routes import CookbookApp
from fake_nextcloud.apps.core.apppassword import APP_PASSWORD_ROUTES
from fake_nextcloud.apps.core.authtokens import AUTHTOKENS_ROUTES
from fake_nextcloud.apps.core.login import LOGIN_ROUTES
from fake_nextcloud.apps.core.loginflow import LOGIN_FLOW_ROUTES
from fake_nextcloud.apps.core.routes import OCS_ROUTES, status_route
from fake_nextcloud.apps.core.users import USERS_ROUTES
from fake_nextcloud.apps.dav.routes import DavApp
from fake_nextcloud.apps.deck.ocs import OCS_ROUTES as DECK_OCS_ROUTES
from fake_nextcloud.apps.deck.rest import DeckApp
from fake_nextcloud.apps.files_sharing.mounts import share_mounts
from fake_nextcloud.apps.files_sharing.routes import SHARING_ROUTES
from fake_nextcloud.apps.mail.routes import INDEX_ROUTES as MAIL_INDEX_ROUTES
from fake_nextcloud.apps.mail.routes import OCS_ROUTES as MAIL_OCS_ROUTES
from fake_nextcloud.apps.news.routes import NewsApp
from fake_nextcloud.apps.notes.routes import NotesApp
from fake_nextcloud.apps.notifications.listeners import notifications_listener
from fake_nextcloud.apps.notifications.routes import OCS_ROUTES as NOTIFICATIONS_OCS_ROUTES
from fake_nextcloud.apps.oidc.routes import OidcApp, WellKnownApp
from fake_nextcloud.apps.oidc.validation import SanitizedBasicAuthenticator
from fake_nextcloud.apps.search.routes import SEARCH_ROUTES
from fake_nextcloud.apps.spreed.routes import SPREED_ROUTES
from fake_nextcloud.apps.tables.routes import OCS_ROUTES as TABLES_OCS_ROUTES
from fake_nextcloud.apps.tables.routes import TablesApp
from fake_nextcloud.apps.user_oidc.models import UserOidcAuthenticator
from fake_nextcloud.control.calendars import build_calendar_control_routes
from fake_nextcloud.control.collectives import build_collectives_control_routes
from fake_nextcloud.control.cookbook import build_cookbook_control_routes
from fake_nextcloud.control.deck import build_deck_control_routes
from fake_nextcloud.control.files import build_files_control_routes
from fake_nextcloud.control.mail import build_mail_control_routes
from fake_nextcloud.control.middleware import TestbedMiddleware
from fake_nextcloud.control.news import build_news_control_routes
from fake_nextcloud.control.notifications import build_notifications_control_routes
from fake_nextcloud.control.oidc import build_oidc_control_routes
from fake_nextcloud.control.routes import build_control_routes
from fake_nextcloud.control.tables import build_tables_control_routes
from fake_nextcloud.core.context import Family, family_of
from fake_nextcloud.core.errors import html_error_page, not_implemented
from fake_nextcloud.core.front import FrontControllerMiddleware, WebrootMiddleware
from fake_nextcloud.core.ocs import RESPOND_NOT_FOUND, api_helper_content_type, api_helper_respond
from fake_nextcloud.core.state import FakeState

__all__ = ["FakeNextcloud", "build_app"]

_OCS_NOT_FOUND = (
    "Invalid query, please check the syntax. API specifications are here:"
    " http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.\n"
)


def _ocs_params(request: Request) -> dict[str, str]:
    return dict(request.query_params)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Router 404/405, rendered per entry point (``ocs/v1.php`` or index.php)."""
    assert isinstance(exc, HTTPException)
    family, version = family_of(request.url.path)
    if family is Family.CONTROL:
        return PlainTextResponse(exc.detail, status_code=exc.status_code)
    if exc.status_code == 405:
        if family is Family.OCS:  # ApiHelper::setContentType(); http_response_code(405)
            fmt = request.query_params.get("format", "xml")
            return Response(status_code=405, headers={"Content-Type": api_helper_content_type(fmt)})
        return html_error_page(405)  # ErrorTemplateResponse(status: 405)
    if family is Family.OCS:
        response = api_helper_respond(version, RESPOND_NOT_FOUND, _OCS_NOT_FOUND, _ocs_params(request), http_status=404)
        response.headers["X-Fake-Nextcloud"] = "not-implemented"
        return response
    return not_implemented(request.method, request.url.path)


class FakeNextcloud(Starlette):
    """The Starlette app, with ``TestbedMiddleware`` outermost (it needs the server's raw ``send`` to drop
    connections), then ``WebrootMiddleware``. ``state`` is the instance's ``FakeState``."""

    def __init__(self, state: FakeState, routes: list[BaseRoute]) -> None:
        super().__init__(
            routes=routes,
            middleware=[
                Middleware(
                    FrontControllerMiddleware,
                    state=state,
                    authenticators=(UserOidcAuthenticator(), SanitizedBasicAuthenticator()),
                )
            ],
            exception_handlers={HTTPException: _http_error},
        )
        self.router.redirect_slashes = False
        self.fake_state = state
        self._testbed = TestbedMiddleware(WebrootMiddleware(super().__call__, state=state), state=state)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._testbed(scope, receive, send)


def build_app(state: FakeState | None = None, *, control: bool = True) -> FakeNextcloud:
    """Build the fake Nextcloud ASGI app.

    Parameters:
        state: the instance state (a fresh ``FakeState()`` without users if omitted).
        control: mount the ``/__testbed__`` control API.
    """
    fake_state = state if state is not None else FakeState()
    ocs_routes = [*USERS_ROUTES, *OCS_ROUTES, *SHARING_ROUTES, *SEARCH_ROUTES, *TABLES_OCS_ROUTES, *DECK_OCS_ROUTES]
    ocs_routes += SPREED_ROUTES
    ocs_routes += ACTIVITY_ROUTES
    fake_state.events.subscribe("activity", activity_listener(fake_state))  # apps/activity/hooks.py
    fake_state.mount_providers["files_sharing"] = share_mounts(fake_state)  # received shares in WebDAV
    ocs_routes += NOTIFICATIONS_OCS_ROUTES + MAIL_OCS_ROUTES
    fake_state.events.subscribe("notifications", notifications_listener(fake_state))
    ocs_routes += COLLECTIVES_OCS_ROUTES
    ocs_routes += APP_PASSWORD_ROUTES  # core AppPasswordController (apps/core/apppassword.py)
    ocs = Router(ocs_routes, redirect_slashes=False)
    notes = NotesApp(fake_state)
    deck = DeckApp(fake_state)
    oidc = OidcApp(fake_state)
    well_known = WellKnownApp(fake_state)
    routes: list[BaseRoute] = [
        status_route(fake_state),
        *LOGIN_ROUTES,
        *LOGIN_FLOW_ROUTES,  # core ClientFlowLoginV2Controller (apps/core/loginflow.py)
        *AUTHTOKENS_ROUTES,  # settings: devices & sessions (apps/core/authtokens.py)
        Mount("/ocs/v1.php", app=ocs),
        Mount("/ocs/v2.php", app=ocs),
        Mount("/index.php/apps/notes", app=notes),
        Mount("/apps/notes", app=notes),
        Mount("/index.php/apps/deck", app=deck),
        Mount("/apps/deck", app=deck),
        Mount("/index.php/apps/tables", app=TablesApp(fake_state)),
        Mount("/apps/tables", app=TablesApp(fake_state)),
        Mount("/index.php/apps/cookbook", app=CookbookApp(fake_state)),
        Mount("/apps/cookbook", app=CookbookApp(fake_state)),
        Mount("/index.php/apps/mail", routes=MAIL_INDEX_ROUTES),
        Mount("/apps/mail", routes=MAIL_INDEX_ROUTES),
        Mount("/index.php/apps/bookmarks", app=BookmarksApp(fake_state)),
        Mount("/apps/bookmarks", app=BookmarksApp(fake_state)),
        Mount("/index.php/apps/news", app=NewsApp(fake_state)),
        Mount("/apps/news", app=NewsApp(fake_state)),
        Mount("/index.php/apps/oidc", app=oidc),
        Mount("/apps/oidc", app=oidc),
        Mount("/remote.php", app=DavApp(fake_state)),
        Mount("/index.php/.well-known", app=well_known),
        Mount("/.well-known", app=well_known),
    ]
    if control:
        control_routes = build_control_routes(fake_state) + build_oidc_control_routes(fake_state)
        control_routes += build_files_control_routes(fake_state)
        control_routes += build_calendar_control_routes(fake_state)
        control_routes += build_deck_control_routes(fake_state)
        control_routes += build_notifications_control_routes(fake_state) + build_mail_control_routes(fake_state)
        control_routes += build_collectives_control_routes(fake_state)
        control_routes += build_tables_control_routes(fake_state) + build_cookbook_control_routes(fake_state)
        control_routes += build_news_control_routes(fake_state)
        routes.append(Mount("/__testbed__", routes=control_routes))
    return FakeNextcloud(fake_state, routes)
