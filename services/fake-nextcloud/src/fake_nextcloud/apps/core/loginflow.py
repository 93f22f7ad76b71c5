"""Login Flow v2 (nextcloud/server ``core/Controller/ClientFlowLoginV2Controller.php``,
``core/Service/LoginFlowV2Service.php``, ``core/Db/LoginFlowV2Mapper.php``).

The client's side::

    POST /index.php/login/v2                       -> 200 {"poll": {"token": T,
                                                                    "endpoint": ".../index.php/login/v2/poll"},
                                                           "login": ".../index.php/login/v2/flow/<login token>"}
    POST /index.php/login/v2/poll  token=T         -> 404 []  until the user granted access (or unknown/expired)
                                                   -> 200 {"server", "loginName", "appPassword"} once; the row is
                                                      deleted (``LoginFlowV2Service::poll``), so the next poll is 404

The browser's side: ``GET /login/v2/flow/{token}`` (``landing``, public: stores the login token in the session and
303s to the absolute ``/login/v2/flow?user=&direct=0``), ``GET /login/v2/flow`` (``showAuthPickerPage``, public:
puts a fresh 64-character state token in the session; the page's "Log in" link goes to the grant page),
``GET /login/v2/grant?stateToken=`` (``grantPage``, login required - the SecurityMiddleware sends a browser to
the login form with ``redirect_url`` -, renders the "Grant access" form with ``requesttoken`` and
``stateToken``) and ``POST /login/v2/grant`` (``generateAppPassword``: CSRF check (412 without a valid
``requesttoken`` or with the same-site cookies missing), ``#[PasswordConfirmationRequired(strict: false)]``, the
state token; creates an app password named after the client, stores it for the poll, and shows the "done"
page). Unlike ``LoginController::tryLogin`` the grant does not look at ``Origin``: its protection is the CSRF
token (with the strict same-site cookie check) and the session's state token.

``POST /login/v2/apptoken`` (``apptokenRedirect``, public, CSRF required) completes a flow with an existing app
password (``login name`` must match the token's).

Failures are ``StandaloneTemplateResponse('core', '403', ['message' => ...], 'guest')`` with status 403:
"Your login token is invalid or has expired", "State token missing", "State token does not match",
"Could not complete login", "Invalid app password".

A flow lives 20 minutes: ``LoginFlowV2Mapper::lifetime = 1200``; ``validateTimestamp`` treats a row with
``timestamp < time() - 1200`` as missing (and deletes it), for the poll and the login token alike. The client
name is the ``User-Agent`` of the init request (``createTokens($userAgent)``); it names the app password
(``flowDone`` -> ``generateToken(..., $data->getClientName(), PERMANENT_TOKEN)``). ``server`` is
``getServerPath()``: protocol, host and the path before ``/index.php`` of the grant request. The fake keeps the
app password in clear instead of encrypting it to the flow's RSA key (the client cannot tell).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.core.tokens import check_password_confirmation, has_session_token, tokens
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.browser import ensure_session
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.errors import json_response
from fake_nextcloud.core.session import csrf_token, random_string
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.state import FakeState
from fake_nextcloud.core.templates import esc, guest_page

__all__ = ["LIFETIME", "LOGIN_FLOW_ROUTES", "LoginFlowV2", "LoginFlows", "login_flows"]

#: ``LoginFlowV2Mapper::lifetime`` (seconds).
LIFETIME = 1200
#: ``ClientFlowLoginV2Controller::TOKEN_NAME`` / ``STATE_NAME`` (session keys).
TOKEN_NAME = "client.flow.v2.login.token"  # noqa: S105 (a session key)
STATE_NAME = "client.flow.v2.state.token"
#: ``Defaults::getName()``.
INSTANCE_NAME = "Nextcloud"


@dataclass
class LoginFlowV2:
    """A row of ``oc_login_flow_v2`` (``core/Db/LoginFlowV2.php``)."""

    poll_token: str
    login_token: str
    timestamp: int
    client_name: str
    started: bool = False
    login_name: str | None = None
    server: str | None = None
    app_password: str | None = None


class LoginFlows:
    """``LoginFlowV2Service`` over its mapper, for one instance."""

    def __init__(self, state: FakeState) -> None:
        self._state = state
        self._rows: list[LoginFlowV2] = []

    def storage_used(self, uid: str) -> int:
        return 0

    def _valid(self, row: LoginFlowV2 | None) -> LoginFlowV2 | None:
        """``LoginFlowV2Mapper::validateTimestamp``: expired rows are deleted and count as missing."""
        if row is None:
            return None
        if row.timestamp < self._state.time() - LIFETIME:
            self._rows.remove(row)
            return None
        return row

    def create_tokens(self, user_agent: str) -> LoginFlowV2:
        """``createTokens``: two 128-character tokens (digits, lower, upper)."""
        alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        row = LoginFlowV2(random_string(128, alphabet), random_string(128, alphabet), self._state.time(), user_agent)
        self._rows.append(row)
        return row

    def by_login_token(self, login_token: str) -> LoginFlowV2 | None:
        """``getByLoginToken``."""
        return self._valid(next((r for r in self._rows if r.login_token == login_token), None))

    def start(self, login_token: str) -> bool:
        """``startLoginFlow``."""
        row = self.by_login_token(login_token)
        if row is None:
            return False
        row.started = True
        return True

    def poll(self, poll_token: str) -> tuple[str, str, str] | None:
        """``poll``: ``None`` while not granted (or unknown, expired); the credentials once, deleting the row."""
        row = self._valid(next((r for r in self._rows if r.poll_token == poll_token), None))
        if row is None or row.login_name is None or row.server is None or row.app_password is None:
            return None
        self._rows.remove(row)
        return row.server, row.login_name, row.app_password

    def done(self, login_token: str, server: str, login_name: str, app_password: str) -> bool:
        """The end of ``flowDone`` / ``flowDoneWithAppPassword``: store the credentials for the poll."""
        row = self.by_login_token(login_token)
        if row is None:
            return False
        row.login_name, row.server, row.app_password = login_name, server, app_password
        return True


def login_flows(state: FakeState) -> LoginFlows:
    return state.backend("core.login_flow_v2", LoginFlows)


# --- pages ----------------------------------------------------------------------------------------------------


def _forbidden(message: str) -> Response:
    """``StandaloneTemplateResponse('core', '403', ['message' => $message], 'guest')`` with status 403."""
    body = (
        '<div class="guest-box" data-template="core/403">\n<h2>Access forbidden</h2>\n'
        f'<p class="hint" data-login-flow-error>{esc(message)}</p>\n</div>'
    )
    return guest_page("Access forbidden", body, status=403)


def _route_url(ctx: NcContext, path: str, **params: str | int) -> str:
    """``linkToRouteAbsolute``."""
    url = ctx.absolute_url(ctx.link(path))
    return url + ("?" + urlencode(params) if params else "")


def _server_path(ctx: NcContext) -> str:
    """``getServerPath``: protocol, host and the request path before ``/index.php`` (or ``/login/v2``)."""
    return ctx.base_url.rstrip("/")


def _flow(ctx: NcContext) -> LoginFlowV2 | None:
    """``getFlowByLoginToken``: the flow whose login token the session holds."""
    token = ctx.session.get(TOKEN_NAME) if ctx.session is not None else None
    if not isinstance(token, str):
        return None
    return login_flows(ctx.state).by_login_token(token)


def _valid_state_token(ctx: NcContext, state_token: str) -> bool:
    """``isValidStateToken`` (``hash_equals`` with the session's state token)."""
    current = ctx.session.get(STATE_NAME) if ctx.session is not None else None
    return isinstance(current, str) and current == state_token


@controller(Annotations(public=True, no_csrf=True))
@php_method("ClientFlowLoginV2Controller::init")
async def init(ctx: NcContext, request: Request) -> Response:
    """``init`` (``#[PublicPage]``, ``#[NoCSRFRequired]``, ``POST /login/v2``)."""
    row = login_flows(ctx.state).create_tokens(ctx.header("User-Agent"))
    return json_response(
        {
            "poll": {"token": row.poll_token, "endpoint": _route_url(ctx, "/index.php/login/v2/poll")},
            "login": _route_url(ctx, "/index.php/login/v2/flow/" + row.login_token),
        }
    )


@controller(Annotations(public=True, no_csrf=True))
@php_method("ClientFlowLoginV2Controller::poll", "string $token")
async def poll(ctx: NcContext, request: Request) -> Response:
    """``poll`` (``#[PublicPage]``, ``#[NoCSRFRequired]``, ``POST /login/v2/poll``): 404 ``[]`` until granted,
    then the credentials once (``LoginFlowV2Credentials::jsonSerialize``)."""
    creds = login_flows(ctx.state).poll(ctx.args["token"])
    if creds is None:
        return json_response([], 404)
    server, login_name, app_password = creds
    return json_response({"server": server, "loginName": login_name, "appPassword": app_password})


@controller(Annotations(public=True, no_csrf=True))
@php_method("ClientFlowLoginV2Controller::landing", "string $token, $user = '', int $direct = 0")
async def landing(ctx: NcContext, request: Request) -> Response:
    """``landing`` (``GET /login/v2/flow/{token}``, ``#[UseSession]``)."""
    token: str = ctx.args["token"]
    if not login_flows(ctx.state).start(token):
        return _forbidden("Your login token is invalid or has expired")
    ensure_session(ctx).set(TOKEN_NAME, token)
    user = ctx.args["user"]
    location = _route_url(
        ctx, "/index.php/login/v2/flow", user="" if user is None else str(user), direct=ctx.args["direct"]
    )
    return RedirectResponse(location, status_code=303)


@controller(Annotations(public=True, no_csrf=True))
@php_method("ClientFlowLoginV2Controller::showAuthPickerPage", "string $user = '', int $direct = 0")
async def show_auth_picker_page(ctx: NcContext, request: Request) -> Response:
    """``showAuthPickerPage`` (``GET /login/v2/flow``; template ``core/templates/loginflowv2/authpicker.php``)."""
    flow = _flow(ctx)
    if flow is None:
        return _forbidden("Your login token is invalid or has expired")
    session = ensure_session(ctx)
    state_token = random_string(64)
    session.set(STATE_NAME, state_token)
    grant = _route_url(
        ctx, "/index.php/login/v2/grant", stateToken=state_token, user=ctx.args["user"], direct=ctx.args["direct"]
    )
    body = f"""<div class="picker-window" data-login-flow="authpicker">
<h2>Connect to your account</h2>
<p class="info">Please log in before granting <strong>{esc(flow.client_name)}</strong> access to your
 {esc(INSTANCE_NAME)} account.</p>
<br/>
<p id="redirect-link">
<a href="{esc(grant)}" data-login-flow-login>
<input type="submit" class="login primary icon-confirm-white" value="Log in">
</a>
</p>
</div>"""
    return guest_page("Login", body, requesttoken=csrf_token(session))


@controller(Annotations(no_csrf=True))
@php_method("ClientFlowLoginV2Controller::grantPage", "?string $stateToken, int $direct = 0")
async def grant_page(ctx: NcContext, request: Request) -> Response:
    """``grantPage`` (``GET /login/v2/grant``, ``#[NoAdminRequired]``, ``#[NoCSRFRequired]``, ``#[UseSession]``;
    template ``core/templates/loginflowv2/grant.php``)."""
    state_token: str | None = ctx.args["stateToken"]
    if state_token is None:
        return _forbidden("State token missing")
    if not _valid_state_token(ctx, state_token):
        return _forbidden("State token does not match")
    flow = _flow(ctx)
    if flow is None:
        return _forbidden("Your login token is invalid or has expired")
    assert ctx.user is not None
    session = ensure_session(ctx)
    token = csrf_token(session)
    direct = '<input type="hidden" name="direct" value="1">\n' if ctx.args["direct"] else ""
    body = f"""<div class="picker-window small" data-login-flow="grant">
<h2>Account access</h2>
<p class="info">Currently logged in as {esc(ctx.user.display_name)} ({esc(ctx.user.uid)}).</p>
<p class="info">You are about to grant <strong>{esc(flow.client_name)}</strong> access to your
 {esc(INSTANCE_NAME)} account.</p>
<br/>
<form method="POST" action="{esc(_route_url(ctx, "/index.php/login/v2/grant"))}" data-login-flow-grant>
<input type="hidden" name="requesttoken" value="{esc(token)}">
<input type="hidden" name="stateToken" value="{esc(state_token)}">
{direct}<div id="submit-wrapper">
<input type="submit" class="login primary icon-confirm-white" title="" value="Grant access">
</div>
</form>
</div>"""
    return guest_page("Login", body, requesttoken=token)


def _flow_done(result: bool) -> Response:
    """``handleFlowDone`` (template ``core/templates/loginflowv2/done.php``)."""
    if not result:
        return _forbidden("Could not complete login")
    body = """<div class="picker-window small" data-login-flow="done">
<h2>Account connected</h2>
<p class="info">Your client should now be connected!<br>You can close this window.</p>
</div>"""
    return guest_page("Login", body)


def _take_login_token(ctx: NcContext) -> str:
    """Read the login token and clear both session values (``// Clear session variables``)."""
    assert ctx.session is not None
    login_token = ctx.session.get(TOKEN_NAME)
    ctx.session.remove(TOKEN_NAME)
    ctx.session.remove(STATE_NAME)
    return str(login_token)


@controller(Annotations())
@php_method("ClientFlowLoginV2Controller::generateAppPassword", "?string $stateToken")
async def generate_app_password(ctx: NcContext, request: Request) -> Response:
    """``generateAppPassword`` (``POST /login/v2/grant``, ``#[NoAdminRequired]``, ``#[UseSession]``,
    ``#[PasswordConfirmationRequired(strict: false)]``, CSRF required) -> ``flowDone``: the session token's
    login name, a new 72-character app password named after the client."""
    check_password_confirmation(ctx)
    state_token: str | None = ctx.args["stateToken"]
    if state_token is None:
        return _forbidden("State token missing")
    if not _valid_state_token(ctx, state_token):
        return _forbidden("State token does not match")
    flow = _flow(ctx)
    if flow is None:
        return _forbidden("Your login token is invalid or has expired")
    login_token = _take_login_token(ctx)
    assert ctx.user is not None
    assert ctx.session is not None
    if not has_session_token(ctx.session):  # flowDone: tokenProvider->getToken($sessionId) fails
        return _flow_done(False)
    login_name = ctx.session.login_name or ctx.user.login
    app_password, _ = tokens(ctx.state).generate(ctx.user, login_name, flow.client_name)
    return _flow_done(login_flows(ctx.state).done(login_token, _server_path(ctx), login_name, app_password))


@controller(Annotations(public=True))
@php_method("ClientFlowLoginV2Controller::apptokenRedirect", "?string $stateToken, string $user, string $password")
async def apptoken_redirect(ctx: NcContext, request: Request) -> Response:
    """``apptokenRedirect`` (``POST /login/v2/apptoken``, ``#[PublicPage]``, CSRF required) ->
    ``flowDoneWithAppPassword``: an existing app password whose login name is ``user``."""
    state_token: str | None = ctx.args["stateToken"]
    if state_token is None:
        return _forbidden("State token missing")
    if not _valid_state_token(ctx, state_token):
        return _forbidden("State token does not match")
    if _flow(ctx) is None:
        return _forbidden("Your login token is invalid or has expired")
    login_token = _take_login_token(ctx)
    token = tokens(ctx.state).by_password(ctx.args["password"])
    if token is None or token.login_name != ctx.args["user"]:
        return _forbidden("Invalid app password")
    password: str = ctx.args["password"]
    return _flow_done(login_flows(ctx.state).done(login_token, _server_path(ctx), token.login_name, password))


def _both(path: str, endpoint: object, method: str) -> list[BaseRoute]:
    """A ``#[FrontpageRoute]``: under ``/index.php`` and, with pretty URLs, at the root."""
    return [Route("/index.php" + path, endpoint, methods=[method]), Route(path, endpoint, methods=[method])]  # type: ignore[arg-type]


#: Routes relative to the server root.
LOGIN_FLOW_ROUTES: list[BaseRoute] = [
    *_both("/login/v2", init, "POST"),
    *_both("/login/v2/poll", poll, "POST"),
    *_both("/login/v2/flow/{token}", landing, "GET"),
    *_both("/login/v2/flow", show_auth_picker_page, "GET"),
    *_both("/login/v2/grant", grant_page, "GET"),
    *_both("/login/v2/grant", generate_app_password, "POST"),
    *_both("/login/v2/apptoken", apptoken_redirect, "POST"),
]
