"""Browser login: ``/index.php/login`` (GET form, POST login) and ``/index.php/logout``
(nextcloud/server ``core/Controller/LoginController.php``).

The real form is rendered by Vue (``core/src/components/login/LoginForm.vue``); the fake serves the same form
as static HTML::

    <form method="post" name="login" action="/index.php/login" data-login-form>
      <input type="text" name="user" id="user" data-login-form-input-user>
      <input type="password" name="password" id="password" data-login-form-input-password>
      <input type="hidden" name="redirect_url">  (only with a redirect URL)
      <input type="hidden" name="timezone"> <input type="hidden" name="timezone_offset">
      <input type="hidden" name="requesttoken">
      <button type="submit" data-login-form-submit>Log in</button>

``tryLogin`` (NC >= 31): the ``Origin`` header must be a trusted URL (else ``invalidOrigin``), then the CSRF
check must pass (else ``csrfCheckFailed``; an already logged-in session is just redirected), then the login
chain (password for the login name, user id or unique e-mail; no app passwords). Every failure is a 303 back to
``/index.php/login?user=<typed>&direct=1[&redirect_url=...]`` with the error kept in the session
(``createLoginFailedResponse``); success is a 303 to the absolute ``redirect_url`` (``generateRedirect``: not if it
contains ``@``) or the default page (``linkToDefaultPageUrl``, absolute). A logged-in user opening the login page
is sent to the default page - which is the ``redirect_url`` parameter when it has no ``@``.

Controller arguments (``@php_method``, ``core/Controller/LoginController.php`` on master): ``showLoginForm(?string
$user = null, ?string $redirect_url = null)``, ``tryLogin(Chain $loginChain, ITrustedDomainHelper
$trustedDomainHelper, string $user = '', string $password = '', ?string $redirect_url = null, string $timezone = '',
string $timezone_offset = '')`` - the two services come from the DI container (``Dispatcher::executeController``:
``$this->appContainer->get($type)`` for a null class-typed argument) - and ``logout()``. Nothing is required; an
array for one of the strings is a ``TypeError`` (the 500 page).
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.core.tokens import tokens
from fake_nextcloud.core.appframework import Annotations, controller
from fake_nextcloud.core.auth import check_browser_login
from fake_nextcloud.core.browser import default_page_url, ensure_session, log_in, log_out
from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.csrf import passes_csrf_check
from fake_nextcloud.core.php import php_trim
from fake_nextcloud.core.session import csrf_token
from fake_nextcloud.core.signature import php_method
from fake_nextcloud.core.templates import esc, guest_page
from fake_nextcloud.core.urls import is_trusted_url

__all__ = ["LOGIN_ROUTES", "redirect"]

LOGIN_PATH = "/index.php/login"
#: ``LoginController::LOGIN_MSG_*`` and how ``LoginForm.vue`` shows them.
_MESSAGES = {
    "invalidpassword": "Wrong login or password.",
    "userdisabled": "This account is disabled",
    "csrfCheckFailed": "Please try again.",
    "invalidOrigin": "Please try again.",
}


def redirect(location: str) -> Response:
    """``OCP\\AppFramework\\Http\\RedirectResponse``: 303 See Other."""
    return RedirectResponse(location, status_code=303)


def login_url(ctx: NcContext, **params: str) -> str:
    """``linkToRoute('core.login.showLoginForm', $params)`` (under the webroot)."""
    return ctx.link(LOGIN_PATH) + ("?" + urlencode(params) if params else "")


def _form(ctx: NcContext, user: str, redirect_url: str | None, errors: list[str]) -> str:
    token = csrf_token(ensure_session(ctx))
    warnings = "".join(f'<p class="warning" data-login-form-error>{esc(_MESSAGES.get(e, e))}</p>\n' for e in errors)
    redirect_field = f'<input type="hidden" name="redirect_url" value="{esc(redirect_url)}">\n' if redirect_url else ""
    return f"""<div class="guest-box login-box">
<form method="post" name="login" action="{esc(ctx.link(LOGIN_PATH))}" data-login-form>
<fieldset>
<h2 class="login-form__headline" data-login-form-headline>Log in to Nextcloud</h2>
{warnings}<label for="user">Account name or email</label>
<input type="text" name="user" id="user" value="{esc(user)}" autocomplete="username" autocapitalize="none"
 spellcheck="false" maxlength="255" required data-login-form-input-user>
<label for="password">Password</label>
<input type="password" name="password" id="password" value="" autocomplete="current-password"
 autocapitalize="none" spellcheck="false" required data-login-form-input-password>
{redirect_field}<input type="hidden" name="timezone" value="">
<input type="hidden" name="timezone_offset" value="">
<input type="hidden" name="requesttoken" value="{esc(token)}">
<button type="submit" class="button-vue button-vue--vue-primary" data-login-form-submit>Log in</button>
</fieldset>
</form>
<script>
(function () {{
  var form = document.querySelector('form[data-login-form]');
  form.timezone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  form.timezone_offset.value = String(-new Date().getTimezoneOffset() / 60);
}})();
</script>
</div>"""


@controller(Annotations(public=True, no_csrf=True))
@php_method("LoginController::showLoginForm", "?string $user = null, ?string $redirect_url = null")
async def show_login_form(ctx: NcContext, request: Request) -> Response:
    """``showLoginForm``: logged in -> default page; else the form with the session's login messages."""
    if ctx.user is not None:
        return redirect(default_page_url(ctx))
    session = ensure_session(ctx)
    messages = session.get("loginMessages")
    session.remove("loginMessages")
    errors = [str(m) for m in messages[0]] if isinstance(messages, list) and messages else []
    user: str = ctx.args["user"] or ""
    redirect_url: str | None = ctx.args["redirect_url"]
    if redirect_url and redirect_url.split("?", 1)[0] == ctx.link(
        "/index.php/logout"
    ):  # linkToRoute('core.login.logout')
        redirect_url = None
    page = guest_page("Login", _form(ctx, user, redirect_url, errors), requesttoken=csrf_token(session))
    page.headers["X-Frame-Options"] = "DENY"
    return page


def _failed(ctx: NcContext, original_user: str, redirect_url: str | None, message: str) -> Response:
    """``createLoginFailedResponse``."""
    params = {"user": original_user, "direct": "1"}
    if redirect_url is not None:
        params["redirect_url"] = redirect_url
    ensure_session(ctx).set("loginMessages", [[message], []])
    return redirect(login_url(ctx, **params))


def _generate_redirect(ctx: NcContext, redirect_url: str | None) -> Response:
    """``generateRedirect``: ``getAbsoluteURL($redirect_url)`` (an absolute URL is appended to the base URL,
    so there is no open redirect), unless the result contains ``@``."""
    if redirect_url is not None and ctx.user is not None:
        location = ctx.absolute_url(redirect_url)
        if "@" not in location:
            return redirect(location)
    return redirect(default_page_url(ctx))


@controller(Annotations(public=True, no_csrf=True))
@php_method(
    "LoginController::tryLogin",
    "Chain $loginChain, ITrustedDomainHelper $trustedDomainHelper, string $user = '', string $password = '',"
    " ?string $redirect_url = null, string $timezone = '', string $timezone_offset = ''",
)
async def try_login(ctx: NcContext, request: Request) -> Response:
    """``tryLogin`` (``#[PublicPage]``, ``#[NoCSRFRequired]``, ``#[UseSession]``; checks CSRF itself)."""
    user_param: str = ctx.args["user"]
    password: str = ctx.args["password"]
    redirect_url: str | None = ctx.args["redirect_url"]
    timezone: str = ctx.args["timezone"]
    origin = ctx.header("Origin")
    error = ""
    if origin == "" or not is_trusted_url(ctx.state.config, ctx.host, origin):
        error = "invalidOrigin"
    elif not passes_csrf_check(ctx):
        if ctx.user is not None:
            return _generate_redirect(ctx, redirect_url)
        error = "csrfCheckFailed"
    if error:
        log_out(ctx)
        return _failed(ctx, user_param, redirect_url, error)
    login = php_trim(user_param)
    if len(login.encode("utf-8")) > 255:
        return _failed(ctx, login, redirect_url, "Unsupported email length (>255)")
    disabled = [u for u in ctx.state.users.values() if u.uid.lower() == login.lower() and not u.enabled]
    if disabled:  # UserDisabledCheckCommand runs before the password check
        return _failed(ctx, user_param, redirect_url, "userdisabled")
    account = check_browser_login(ctx.state, login, password)
    if account is None or not account.enabled:
        return _failed(ctx, user_param, redirect_url, "invalidpassword")
    session = log_in(ctx, account, login)
    # tryLogin: createSessionToken (the "Devices & sessions" entry, apps/core/tokens.py) and
    # `$this->session->set('last-password-confirm', $loginResult->getLastLogin())`
    tokens(ctx.state).session_token(session, account, ctx.header("User-Agent") or "unknown browser")
    session.set("last-password-confirm", ctx.state.time())
    if timezone:  # SetUserTimezoneCommand
        account.timezone = timezone
    return _generate_redirect(ctx, redirect_url)


@controller(Annotations())
@php_method("LoginController::logout")
async def logout(ctx: NcContext, request: Request) -> Response:
    """``logout`` (``#[NoAdminRequired]``, CSRF required: the logout link carries ``?requesttoken=``):
    303 to the absolute login URL with ``clear=1``."""
    log_out(ctx)
    response = redirect(ctx.absolute_url(login_url(ctx, clear="1")))
    if ctx.base_url.startswith("https://"):
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


#: Routes relative to the server root (``/index.php/login``; ``/login`` with pretty URLs).
LOGIN_ROUTES: list[BaseRoute] = [
    Route("/index.php/login", show_login_form, methods=["GET"]),
    Route("/index.php/login", try_login, methods=["POST"]),
    Route("/index.php/logout", logout, methods=["GET"]),
    Route("/login", show_login_form, methods=["GET"]),
    Route("/login", try_login, methods=["POST"]),
    Route("/logout", logout, methods=["GET"]),
]
