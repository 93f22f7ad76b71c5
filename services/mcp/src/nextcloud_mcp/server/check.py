"""`nextcloud-mcp-server check`: the settings tried once against Nextcloud, one line per finding with its fix.

Each step asks what the server itself would ask, through the same `NextcloudHTTP` (TLS settings, no redirects
followed, no cookies), without retries: `status.php` (reachable, TLS, redirects, web root, version, maintenance),
in BasicAuth mode `cloud/user` (the credentials), a WebDAV `PROPFIND` and the capabilities plus the apps' probe
routes (which apps the tools are offered for, with versions), in OAuth mode the OpenID discovery
(`check_oauth.py`), and Redis when `REDIS_URL` is set. Exit status 1 when a line failed.
"""

from __future__ import annotations

import httpx2

from nextcloud_mcp import __version__
from nextcloud_mcp.apps import APPS
from nextcloud_mcp.auth.basic import BasicCredentials
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.app import App, always, format_version
from nextcloud_mcp.core.errors import AuthenticationFailed, ConfigError, NextcloudError, RateLimited
from nextcloud_mcp.core.http import NextcloudHTTP
from nextcloud_mcp.core.instance import CoreClient, ServerStatus, UserDetails
from nextcloud_mcp.core.session import NextcloudSession
from nextcloud_mcp.server.check_http import read_status
from nextcloud_mcp.server.check_report import Line, Report
from nextcloud_mcp.server.credentials import WHERE_TO_CREATE, missing_credential, rejected_message, throttled_message
from nextcloud_mcp.server.probe import run_probe

__all__ = ["Line", "Report", "check", "run_check"]


def run_check(settings: Settings) -> int:
    """Print the checklist for `settings` to stdout; 1 when something blocks the server, else 0."""
    import anyio

    mode = {"basic": "BasicAuth", "oauth": "OAuth", "loginflow": "Login Flow"}[settings.auth_mode]
    print(
        f"nextcloud-mcp-server {__version__} check: {mode} mode, {settings.mcp_transport} transport, "
        f"NEXTCLOUD_HOST={settings.nextcloud_base_url}"
    )
    report = anyio.run(check, settings)
    print(report.render())
    return 1 if report.failed else 0


async def check(settings: Settings, transport: httpx2.AsyncBaseTransport | None = None) -> Report:
    """Every check for `settings`; `transport` routes the Nextcloud requests in-process (tests)."""
    report = Report()
    credentials = _settings(settings, report)
    status = await _status(settings, transport, report)
    if status is not None and settings.auth_mode == "basic" and credentials is not None:
        http = NextcloudHTTP(settings.model_copy(update={"nextcloud_retries": 0}), transport=transport)
        try:
            user = await _credentials(http, credentials, settings, report)
            if user is not None:
                session = NextcloudSession(http, credentials.auth, credentials.key, {})
                await _webdav(session, user, report)
                await _apps(session, settings, report)
        finally:
            await http.aclose()
    if settings.auth_mode == "loginflow" and status is not None:
        await _login_flow(settings, transport, report)
    if settings.auth_mode == "oauth":
        from nextcloud_mcp.server.check_oauth import check_oauth

        await check_oauth(settings, transport, report, reachable=status is not None)
    if settings.redis_url is not None:
        from nextcloud_mcp.server.check_oauth import check_redis

        await check_redis(settings, report)
    return report


def _settings(settings: Settings, report: Report) -> BasicCredentials | None:
    """The settings that decide the mode; the BasicAuth credentials when they are complete."""
    known = {app.toolset for app in APPS}
    unknown = sorted(set(settings.mcp_apps) - known)
    if unknown:
        report.add(
            "fail", "settings", f"MCP_APPS names unknown apps: {', '.join(unknown)}", f"use some of {sorted(known)}"
        )
    elif settings.mcp_tools_allow or settings.mcp_tools_deny or settings.mcp_read_only:
        _tool_settings(settings, report)
    problem = missing_credential(settings)
    if problem is not None:
        report.add("fail", "settings", problem)
        return None
    if not settings.nextcloud_verify_ssl:
        report.add(
            "warn",
            "tls",
            "NEXTCLOUD_VERIFY_SSL=false: Nextcloud's certificate is not checked, so anyone on the path can read "
            "the credentials",
            "set NEXTCLOUD_CA_BUNDLE to the PEM file of the CA that signed it and remove NEXTCLOUD_VERIFY_SSL",
        )
    if settings.auth_mode == "loginflow":
        _login_flow_settings(settings, report)
        return None
    if settings.auth_mode == "oauth":
        if settings.mcp_transport == "stdio":
            report.add(
                "fail",
                "settings",
                "OAuth mode needs --transport streamable-http (MCP clients authorize over HTTP)",
                "add --transport streamable-http, or set NEXTCLOUD_USERNAME and NEXTCLOUD_PASSWORD (an app "
                "password) for BasicAuth mode",
            )
        else:
            report.add("ok", "settings", f"OAuth mode; MCP clients get tokens for {settings.resource_url}")
        return None
    if not settings.nextcloud_username or settings.nextcloud_password is None:
        report.add(
            "fail",
            "settings",
            "BasicAuth mode needs both NEXTCLOUD_USERNAME and NEXTCLOUD_PASSWORD",
            f"set both (the password is an app password: {WHERE_TO_CREATE}), or drop --no-oauth/MCP_AUTH_MODE",
        )
        return None
    report.add("ok", "settings", f"BasicAuth mode as {settings.nextcloud_username}")
    return BasicCredentials(settings.nextcloud_username, settings.nextcloud_password)


def _login_flow_settings(settings: Settings, report: Report) -> None:
    """Login Flow mode: HTTP transport, the encryption key and Redis are all required."""
    problems = []
    if settings.mcp_transport == "stdio":
        problems.append(("Login Flow mode needs --transport streamable-http", "add --transport streamable-http"))
    if settings.mcp_loginflow_key is None:
        problems.append(
            (
                "MCP_LOGINFLOW_KEY is not set: the app passwords cannot be stored encrypted",
                'set it to a Fernet key: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"',
            )
        )
    if settings.redis_url is None:
        problems.append(("REDIS_URL is not set: grants live in Redis", "set REDIS_URL=redis://host:6379/0"))
    for message, fix in problems:
        report.add("fail", "settings", message, fix)
    if not problems:
        report.add(
            "ok",
            "settings",
            f"Login Flow mode; this server is the OAuth authorization server for {settings.resource_url}, "
            "MCP_LOGINFLOW_KEY is a valid key",
        )


async def _login_flow(settings: Settings, transport: httpx2.AsyncBaseTransport | None, report: Report) -> None:
    """Whether Nextcloud offers Login Flow v2: `POST /index.php/login/v2` answers a poll token (the login it
    starts expires unused after 20 minutes)."""
    url = f"{settings.nextcloud_base_url}/index.php/login/v2"
    try:
        async with httpx2.AsyncClient(transport=transport, trust_env=False, follow_redirects=False) as http:
            response = await http.post(url, headers={"User-Agent": "Nextcloud MCP server check"})
        data = response.json() if response.status_code == 200 else {}
        ok = isinstance(data.get("poll"), dict) and "token" in data["poll"] and "login" in data
    except (httpx2.HTTPError, ValueError):
        ok = False
        response = None
    if ok:
        report.add("ok", "loginflow", "Nextcloud offers Login Flow v2 (POST /index.php/login/v2)")
    else:
        status = f"HTTP {response.status_code}" if response is not None else "no answer"
        report.add(
            "fail",
            "loginflow",
            f"Nextcloud does not offer Login Flow v2 at {url} ({status})",
            "check NEXTCLOUD_HOST; Login Flow v2 is part of Nextcloud core since version 16",
        )


async def _status(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None, report: Report
) -> ServerStatus | None:
    """`status.php`: None (with the failed line) when Nextcloud cannot be used from here."""
    found = await read_status(settings, transport)
    if isinstance(found, Line):
        report.lines.append(found)
        return None
    status = found
    tls = ""
    if settings.nextcloud_base_url.startswith("https://"):
        tls = ", TLS certificate verified" if settings.nextcloud_verify_ssl else ", TLS certificate NOT verified"
    name = status.productname or "Nextcloud"
    shown = status.versionstring or status.version
    report.add("ok", "nextcloud", f"{name} {shown} answers at {settings.nextcloud_base_url}{tls}")
    if not status.installed:
        report.add(
            "fail", "nextcloud", "Nextcloud is not installed yet", "finish the installation (occ maintenance:install)"
        )
        return None
    if status.maintenance:
        report.add("fail", "nextcloud", "Nextcloud is in maintenance mode", "wait, or: occ maintenance:mode --off")
    elif status.needs_db_upgrade:
        report.add("fail", "nextcloud", "Nextcloud waits for its database upgrade", "run occ upgrade")
    return status


async def _credentials(
    http: NextcloudHTTP, credentials: BasicCredentials, settings: Settings, report: Report
) -> UserDetails | None:
    try:
        user = await CoreClient(http, credentials.auth).current_user()
    except AuthenticationFailed:
        report.add("fail", "credentials", rejected_message(settings.nextcloud_username or ""))
        return None
    except RateLimited:
        report.add("fail", "credentials", throttled_message())
        return None
    except NextcloudError as exc:
        report.add(
            "fail",
            "credentials",
            f"Nextcloud's OCS API did not answer who the user is: {exc}",
            "a proxy in front of Nextcloud must pass /ocs/ (and /remote.php/, /index.php/) unchanged",
        )
        return None
    same = user.id == settings.nextcloud_username
    who = user.id if same else f"{user.id} (login name {settings.nextcloud_username})"
    shown = f", {user.display_name}" if user.display_name and user.display_name != user.id else ""
    report.add("ok", "credentials", f"Nextcloud accepts the credentials: user {who}{shown}")
    return user


async def _webdav(session: NextcloudSession, user: UserDetails, report: Report) -> None:
    """One `PROPFIND` on the user's files: proxies that drop WebDAV methods break files, calendars, contacts."""
    from urllib.parse import quote

    path = f"/remote.php/dav/files/{quote(user.id, safe='')}/"
    body = '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>'
    try:
        response = await session.http.request(
            "PROPFIND", path, auth=session.auth, content=body, headers={"Depth": "0"}, ok=tuple(range(300, 600))
        )
    except NextcloudError as exc:
        report.add("fail", "webdav", f"PROPFIND {path} failed: {exc}", "check the web server and proxy logs")
        return
    if response.status_code == 207:
        report.add("ok", "webdav", "WebDAV answers (files, calendars, contacts)")
        return
    report.add(
        "fail",
        "webdav",
        f"PROPFIND {path} answered HTTP {response.status_code} instead of 207",
        "the web server or proxy must pass WebDAV methods (PROPFIND, REPORT, MKCOL, MOVE, COPY) and "
        "/remote.php/dav unchanged (Nextcloud admin manual: reverse proxy, service discovery)",
    )


async def _apps(session: NextcloudSession, settings: Settings, report: Report) -> None:
    """Which apps the tools are offered for, their versions, and how they were found."""
    try:
        caps = await session.core.capabilities()
    except NextcloudError as exc:
        report.add(
            "fail",
            "apps",
            f"Cannot read the capabilities: {exc}",
            "a proxy must pass /ocs/v2.php unchanged; without them every tool is listed",
        )
        return
    chosen = [app for app in APPS if not settings.mcp_apps or app.toolset in settings.mcp_apps]
    builtin = [app.toolset for app in chosen if app.available is always]
    if builtin:
        report.add("ok", "apps", f"{', '.join(builtin)}: part of Nextcloud (WebDAV, CalDAV, CardDAV, search)")
    for app in chosen:
        if app.available is not always:
            await _one_app(app, caps.app(app.id), app.available(caps), session, report)


def _tool_settings(settings: Settings, report: Report) -> None:
    """MCP_TOOLS_ALLOW, MCP_TOOLS_DENY and MCP_READ_ONLY, checked as the server checks them at start."""
    from nextcloud_mcp.server.catalogue import load_catalogue
    from nextcloud_mcp.server.offer import settings_exclusions

    catalogue = load_catalogue(settings.mcp_apps, settings.mcp_cache_dir)
    try:
        excluded = settings_exclusions(settings, catalogue)
    except ConfigError as exc:
        report.add("fail", "settings", str(exc).rstrip("."))
        return
    offered = len(catalogue.tools) - len(excluded)
    report.add(
        "ok", "settings", f"MCP_TOOLS_ALLOW/DENY and MCP_READ_ONLY offer {offered} of {len(catalogue.tools)} tools"
    )


async def _one_app(
    app: App, block: dict[str, object] | None, available: bool, session: NextcloudSession, report: Report
) -> None:
    label = app.toolset if app.toolset == app.id else f"{app.toolset} ({app.id} app)"
    if block is not None and block.get("version"):
        label = f"{label} {format_version(block['version'])}"
    if available:
        report.add("ok", "apps", f"{label}: found by its capability")
        return
    if block is not None:
        report.add(
            "warn",
            "apps",
            f"{label}: installed, but its capability says it cannot serve the tools (too old, or turned off in "
            "its settings); its tools are hidden",
            f"update or enable the {app.id} app",
        )
        return
    if app.probe is not None:
        answer = await run_probe(session, app.probe)
        if answer.found:
            shown = f" {answer.version}" if answer.version else ""
            report.add(
                "ok", "apps", f"{label}{shown}: found by GET {app.probe.path} (this version publishes no capability)"
            )
            return
        if answer.found is None:
            report.add(
                "warn",
                "apps",
                f"{label}: cannot tell whether it is installed (GET {app.probe.path}: {answer.detail}); its tools "
                "stay listed",
            )
            return
    report.add(
        "info",
        "apps",
        f"{label}: not installed or not enabled for this user; its tools are hidden",
        f"install and enable the {app.id} app if you want them",
    )
