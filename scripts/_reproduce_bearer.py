"""Does Nextcloud accept an OAuth Bearer token on `#[CORS]` routes? (nextcloud/server#44365)

Run through `scripts/reproduce-bearer-issue`. Gets a token the way an MCP client does -- dynamic client
registration, authorization code + PKCE, a scripted login at /index.php/login (and consent, if shown) --
then calls, side by side and with that token:

  OCS      GET /ocs/v2.php/cloud/user              works with user_oidc on every Nextcloud
  #[CORS]  GET /index.php/apps/notes/api/v1/notes  401 "CORS requires basic auth" without the patch

Exit codes: 0 = behaves as patched (200/200), 1 = bug reproduced (200/401), 2 = setup error.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import os
import re
import secrets
import sys
from html import unescape
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import anyio
import httpx2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from support.form_browser import Form, parse_forms  # noqa: E402  (the testbed's HTML form parser)

CALLBACK = "http://127.0.0.1:1/callback"  # never contacted: the browser stops at the redirect
REQUESTTOKEN = re.compile(r'data-requesttoken="([^"]*)"')  # <head data-requesttoken=...> of Nextcloud pages
DATA_SCOPES = re.compile(r'data-scopes="([^"]*)"')  # H2CK/oidc's consent page (templates/consent.php)
OCS = "/ocs/v2.php/cloud/user?format=json"
NOTES = "/index.php/apps/notes/api/v1/notes"
CORS_401 = "CORS requires basic auth"


class SetupError(Exception):
    """Anything that keeps the check from running; exit code 2."""


def read_dotenv(path: Path) -> dict[str, str]:
    """The stack's .env as `docker compose` reads it, one `KEY=VALUE` per line.

    Compose's rules (docs.docker.com, "Syntax for environment files"; compose-spec/compose-go
    dotenv/parser.go): `#` lines are comments, `export ` is dropped, an unquoted value ends at an inline
    comment (` #`: the `#` needs a space before it) and loses surrounding blanks, a quoted value is what the
    quotes enclose (anything after the closing quote is ignored; `\\` escapes a quote, and `\\n`, `\\r`,
    `\\t` work in double quotes). `${...}` is not interpolated: the stack's .env has none.
    """
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, rest = line.partition("=")
        if sep and key.strip():
            values[key.strip()] = _dotenv_value(rest.lstrip())
    return values


def _dotenv_value(text: str) -> str:
    quote = text[:1]
    if quote in ("'", '"'):
        out: list[str] = []
        i = 1
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text) and (quote == '"' or text[i + 1] == "'"):
                following = text[i + 1]
                out.append({"n": "\n", "r": "\r", "t": "\t"}.get(following, following) if quote == '"' else following)
                i += 2
                continue
            if char == quote:
                return "".join(out)
            out.append(char)
            i += 1
        # no closing quote (compose refuses the file): read the line as an unquoted value
    value = text.split(" #", 1)[0]
    return value.rstrip()


def stack_defaults(dotenv: dict[str, str]) -> tuple[str, str | None]:
    """(Nextcloud URL, MCP resource) of the stack that .env describes, with compose.yaml's defaults: an empty
    or missing NEXTCLOUD_PUBLIC_URL/MCP_PUBLIC_URL follows NEXTCLOUD_HTTP_PORT/MCP_HTTP_PORT. Without a
    .env there is no resource to ask for."""
    nextcloud = dotenv.get("NEXTCLOUD_PUBLIC_URL") or f"http://localhost:{dotenv.get('NEXTCLOUD_HTTP_PORT') or 8080}"
    resource = dotenv.get("MCP_PUBLIC_URL") or (
        f"http://localhost:{dotenv.get('MCP_HTTP_PORT') or 8000}/mcp" if dotenv else None
    )
    return nextcloud, resource


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    dotenv = read_dotenv(ROOT / ".env")
    default_url, default_resource = stack_defaults(dotenv)
    parser = argparse.ArgumentParser(
        prog="reproduce-bearer-issue",
        description="Show whether Nextcloud accepts an OAuth Bearer token on OCS and on a #[CORS] route "
        "(Notes API). Exit 0: patched behaviour, 1: bug reproduced, 2: setup error.",
    )
    parser.add_argument(
        "url",
        nargs="?",
        default=default_url,
        help="Nextcloud base URL (default: NEXTCLOUD_PUBLIC_URL from .env, else http://localhost:NEXTCLOUD_HTTP_PORT "
        "with the port from .env, else http://localhost:8080)",
    )
    parser.add_argument(
        "--user",
        default=os.environ.get("REPRO_USER") or dotenv.get("NEXTCLOUD_ADMIN_USER") or "admin",
        help="login name (default: $REPRO_USER, else NEXTCLOUD_ADMIN_USER from .env, else admin)",
    )
    parser.add_argument(
        "--password",
        default=os.environ.get("REPRO_PASSWORD") or dotenv.get("NEXTCLOUD_ADMIN_PASSWORD"),
        help="password (default: $REPRO_PASSWORD, else NEXTCLOUD_ADMIN_PASSWORD from .env)",
    )
    parser.add_argument(
        "--resource",
        default=default_resource,
        help="RFC 8707 resource to request the token for (default, when there is a .env: its MCP_PUBLIC_URL, "
        "else http://localhost:MCP_HTTP_PORT/mcp)",
    )
    parser.add_argument("--client-id", help="use this registered client instead of dynamic registration")
    parser.add_argument("--client-secret", help="secret of --client-id (its redirect URI must be " + CALLBACK + ")")
    parser.add_argument("--token-type", choices=["opaque", "jwt"], help="access-token type asked for at registration")
    args = parser.parse_args(argv)
    if not args.password:
        parser.error("no password: pass --password, set REPRO_PASSWORD, or run next to the stack's .env")
    args.url = args.url.rstrip("/")
    return args


async def get_token(
    http: httpx2.AsyncClient, args: argparse.Namespace, registration: dict[str, Any]
) -> tuple[str, str]:
    """(access token, how it was obtained) via DCR (or the given client) + code flow with PKCE.

    A dynamic registration is stored in `registration`, for `forget_client` once the token was used.
    """
    response = await http.get(f"{args.url}/index.php/.well-known/openid-configuration")
    if response.status_code != 200:
        raise SetupError(f"no OpenID discovery at {response.url} (HTTP {response.status_code}): is the oidc app on?")
    meta: dict[str, Any] = response.json()
    scope = "openid profile email"  # H2CK/oidc grants openid anyway; asking for it avoids a consent loop

    if args.client_id:
        client_id, client_secret, how = args.client_id, args.client_secret, "static client"
    else:
        if "registration_endpoint" not in meta:
            raise SetupError("dynamic client registration is off; enable it or pass --client-id/--client-secret")
        body: dict[str, Any] = {"client_name": "reproduce-bearer-issue", "redirect_uris": [CALLBACK], "scope": scope}
        if args.token_type:
            body["token_type"] = args.token_type
        response = await http.post(meta["registration_endpoint"], json=body)
        if response.status_code != 201:
            raise SetupError(f"client registration failed: HTTP {response.status_code} {response.text[:200]}")
        registration.update(response.json())
        client_id, client_secret = registration["client_id"], registration.get("client_secret")
        how = f"dynamic client registration ({registration.get('token_type', 'opaque')} token)"

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CALLBACK,
        "scope": scope,
        "state": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if args.resource:
        params["resource"] = args.resource
    final = await browser_login(f"{meta['authorization_endpoint']}?{urlencode(params)}", args.user, args.password)
    query = parse_qs(urlsplit(final).query)
    if "code" not in query:
        raise SetupError(f"no authorization code: {query.get('error', ['?'])[0]}")
    data = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": CALLBACK,
        "client_id": client_id,
        "code_verifier": verifier,
    }
    if client_secret:
        data["client_secret"] = client_secret
    if args.resource:
        data["resource"] = args.resource
    response = await http.post(meta["token_endpoint"], data=data)
    if response.status_code != 200:
        raise SetupError(f"token request failed: HTTP {response.status_code} {response.text[:200]}")
    token: str = response.json()["access_token"]
    return token, f"{how} + authorization code with PKCE"


async def browser_login(url: str, user: str, password: str, transport: httpx2.AsyncBaseTransport | None = None) -> str:
    """Follow the authorization request like a browser (cookies, login, consent) to the redirect to CALLBACK.

    Handles pages with rendered HTML forms (the fake Nextcloud) and Nextcloud's JavaScript pages, whose
    requests it sends itself: the login form (POST /login with `requesttoken`) and H2CK/oidc's consent page
    (POST /apps/oidc/consent/grant with the `requesttoken` header).
    """
    logins = 0
    method: str = "GET"
    data: dict[str, str] | None = None
    headers: dict[str, str] = {}
    async with httpx2.AsyncClient(
        follow_redirects=False, trust_env=False, timeout=30.0, transport=transport
    ) as browser:
        for _ in range(20):
            if url.startswith(CALLBACK):
                return url
            if method == "POST":  # browsers send Origin on POSTs; Nextcloud >= 31 checks it on login
                parts = urlsplit(url)
                headers = {**headers, "Origin": f"{parts.scheme}://{parts.netloc}"}
            response = await browser.request(method, url, data=data, headers=headers)
            method, data, headers = "GET", None, {}
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                continue
            if response.status_code >= 400:
                raise SetupError(f"authorization stopped at {url}: HTTP {response.status_code}")
            page, path = response.text, urlsplit(url).path
            forms = parse_forms(page)
            token = REQUESTTOKEN.search(page)
            login_form = next((f for f in forms if f.password_fields), None)
            if login_form is not None or (path.endswith("/login") and token):
                logins += 1
                if logins > 1:
                    raise SetupError(f"login as {user} failed: wrong login name or password?")
                if login_form is not None:
                    method, url, data = login_form.method, urljoin(url, login_form.action or url), _fill(login_form)
                    data.update(dict.fromkeys(login_form.text_fields[:1], user))
                    data.update(dict.fromkeys(login_form.password_fields, password))
                else:  # Nextcloud's login page is rendered by JavaScript
                    assert token is not None
                    query = parse_qs(urlsplit(url).query)
                    data = {"user": user, "password": password, "timezone": "UTC", "timezone_offset": "0"}
                    data |= {"requesttoken": unescape(token.group(1))}
                    data |= {"redirect_url": query["redirect_url"][0]} if "redirect_url" in query else {}
                    method, url = "POST", url.split("?", 1)[0]
            elif forms:  # a rendered consent page: approve
                form = next((f for f in forms if not re.search(r"deny|abort|cancel|reject", f.action, re.I)), forms[0])
                method, url, data = form.method, urljoin(url, form.action or url), _fill(form)
            elif "/apps/oidc/consent" in path and token:  # H2CK/oidc's consent page is rendered by JavaScript
                scopes = DATA_SCOPES.search(page)
                method, url = "POST", urljoin(url, path.replace("/consent", "/consent/grant"))
                data = {"scopes": unescape(scopes.group(1))} if scopes else {}
                headers = {"requesttoken": unescape(token.group(1))}
            else:
                raise SetupError(f"authorization stopped at {url}: no login or consent form")
    raise SetupError(f"no redirect to the client after 20 steps (last: {url})")


def _fill(form: Form) -> dict[str, str]:
    data = dict(form.fields)
    if form.submit is not None:
        data[form.submit[0]] = form.submit[1]
    return data


async def forget_client(http: httpx2.AsyncClient, registration: dict[str, Any]) -> None:
    """RFC 7592: delete the throwaway client again (best effort; this also revokes its tokens)."""
    if registration.get("registration_client_uri") and registration.get("registration_access_token"):
        with contextlib.suppress(httpx2.HTTPError):
            await http.delete(
                registration["registration_client_uri"],
                headers={"Authorization": f"Bearer {registration['registration_access_token']}"},
            )


def summarize(response: httpx2.Response) -> str:
    """A short, secret-free description of an API answer."""
    try:
        data: Any = response.json()
    except ValueError:
        return response.text.strip().replace("\n", " ")[:60] or "(empty)"
    if isinstance(data, dict) and "message" in data:
        return str(data["message"])[:60]
    if isinstance(data, dict) and isinstance(data.get("ocs"), dict):
        if response.status_code == 200:
            return f'user "{(data["ocs"].get("data") or {}).get("id", "?")}"'
        return str((data["ocs"].get("meta") or {}).get("message", ""))[:60]
    if isinstance(data, list):
        return f"{len(data)} note(s)"
    return str(data)[:60]


async def run(args: argparse.Namespace) -> int:
    async with httpx2.AsyncClient(trust_env=False, timeout=30.0) as http:
        try:
            status = (await http.get(f"{args.url}/status.php")).json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise SetupError(f"no Nextcloud at {args.url}: {exc}") from None
        if not status.get("installed") or status.get("maintenance"):
            raise SetupError(f"Nextcloud at {args.url} is not installed or is in maintenance mode")
        registration: dict[str, Any] = {}
        try:
            token, how = await get_token(http, args, registration)
            bearer = {"Authorization": f"Bearer {token}"}
            ocs = await http.get(f"{args.url}{OCS}", headers={**bearer, "OCS-APIRequest": "true"})
            notes = await http.get(f"{args.url}{NOTES}", headers={**bearer, "Accept": "application/json"})
        finally:
            await forget_client(http, registration)

    print(f"Nextcloud {status.get('versionstring', '?')} at {args.url}, user {args.user}, token by {how}\n")
    rows = [
        ("", "OCS", "#[CORS] (Notes API)"),
        ("request", f"GET {OCS.split('?')[0]}", f"GET {NOTES}"),
        ("status", str(ocs.status_code), str(notes.status_code)),
        ("answer", summarize(ocs), summarize(notes)),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print()

    if ocs.status_code != 200:
        raise SetupError(
            f"Nextcloud did not accept the token on OCS (HTTP {ocs.status_code}): is user_oidc enabled with "
            "'oidc_provider_bearer_validation' => true in its system config?"
        )
    if notes.status_code == 200:
        print("OK: Bearer tokens work on #[CORS] routes -- this Nextcloud behaves as patched (patches/).")
        return 0
    if notes.status_code == 401 and CORS_401 in notes.text:
        print(
            "BUG REPRODUCED: the token works on OCS but #[CORS] routes answer 401 'CORS requires basic auth' "
            "(nextcloud/server#44365). Apply patches/ (compose.yaml does) or use BasicAuth mode."
        )
        return 1
    raise SetupError(f"unexpected Notes API answer HTTP {notes.status_code}: is the notes app enabled?")


def fail(message: str) -> NoReturn:
    print(f"reproduce-bearer-issue: setup error: {message}", file=sys.stderr)
    sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return anyio.run(run, args)
    except SetupError as exc:
        fail(str(exc))
    except httpx2.HTTPError as exc:
        fail(f"HTTP error: {exc}")


if __name__ == "__main__":
    sys.exit(main())
