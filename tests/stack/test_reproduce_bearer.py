"""scripts/reproduce-bearer-issue against the fake Nextcloud, patched and stock (`--no-bearer-patch`)."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from stack._support import ROOT, run
from support.processes import ManagedProcess, free_port, http_ready

SCRIPT = ROOT / "scripts" / "_reproduce_bearer.py"
PASSWORD = "alice-Secret-42"


def _start_fake(run_dir: Path, *flags: str) -> ManagedProcess:
    port = free_port()
    return ManagedProcess(
        f"fake-nextcloud-{port}",
        ["fake-nextcloud", "--port", str(port), "--user", f"alice:{PASSWORD}", *flags],
        run_dir,
        ready=http_ready(f"http://127.0.0.1:{port}/status.php"),
    )


def _reproduce(url: str, *args: str) -> tuple[int, str]:
    env = {**os.environ, "REPRO_PASSWORD": PASSWORD}
    result = run([sys.executable, str(SCRIPT), url, "--user", "alice", *args], env=env)
    output = result.stdout + result.stderr
    assert PASSWORD not in output
    return result.returncode, output


@pytest.fixture(
    params=[
        ((), 0),
        (("--no-bearer-patch",), 1),
        (("--consent", "--oidc-token-type", "jwt"), 0),
        (("--consent", "--no-bearer-patch"), 1),
    ],
    ids=["patched", "stock", "patched-consent", "stock-consent"],
)
def fake(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, int]]:
    flags, expected = request.param
    proc = _start_fake(tmp_path, *flags)
    with proc:
        yield f"http://127.0.0.1:{proc.argv[2]}", expected


@pytest.mark.e2e
def test_exit_code_says_patched_or_reproduced(fake: tuple[str, int]) -> None:
    url, expected = fake
    code, out = _reproduce(url)
    assert code == expected, out
    ocs_row = next(line for line in out.splitlines() if line.startswith("status"))
    if expected == 0:
        assert ocs_row.split()[1:] == ["200", "200"]
        assert "behaves as patched" in out
    else:
        assert ocs_row.split()[1:] == ["200", "401"]
        assert "CORS requires basic auth" in out and "BUG REPRODUCED" in out


@pytest.mark.e2e
def test_jwt_tokens_and_the_resource_parameter(tmp_path: Path) -> None:
    with _start_fake(tmp_path, "--no-bearer-patch") as proc:
        code, out = _reproduce(
            f"http://127.0.0.1:{proc.argv[2]}", "--token-type", "jwt", "--resource", "http://localhost:8000/mcp"
        )
    assert code == 1, out
    assert "(jwt token)" in out


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--no-dcr",), "dynamic client registration is off"),
        (("--no-bearer-validation",), "did not accept the token on OCS"),
        (("--disable-app", "notes"), "is the notes app enabled?"),
    ],
)
def test_setup_errors_exit_2(tmp_path: Path, flags: tuple[str, ...], message: str) -> None:
    with _start_fake(tmp_path, *flags) as proc:
        code, out = _reproduce(f"http://127.0.0.1:{proc.argv[2]}")
    assert code == 2, out
    assert message in out


@pytest.mark.e2e
def test_wrong_password_and_no_server_exit_2(tmp_path: Path) -> None:
    with _start_fake(tmp_path) as proc:
        result = run(
            [sys.executable, str(SCRIPT), f"http://127.0.0.1:{proc.argv[2]}", "--user", "alice"],
            env={**os.environ, "REPRO_PASSWORD": "wrong-password"},
        )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "login as alice failed" in result.stderr
    code, out = _reproduce(f"http://127.0.0.1:{free_port()}")
    assert code == 2 and "no Nextcloud at" in out


@pytest.mark.e2e
def test_wrapper_script_runs() -> None:
    env = {**os.environ, "UV_NO_SYNC": "1"}
    result = run([str(ROOT / "scripts" / "reproduce-bearer-issue"), "--help"], env=env)
    assert result.returncode == 0, result.stderr
    assert "Exit 0: patched behaviour, 1: bug reproduced, 2: setup error" in " ".join(result.stdout.split())


# Nextcloud renders its login form and H2CK/oidc its consent page with JavaScript: the raw HTML has no
# <form>, only <head data-requesttoken=...> (core/templates/layout.guest.php) and, for consent,
# <div id="oidc-consent" data-scopes=...> (templates/consent.php). The script sends those pages'
# requests itself (LoginController::tryLogin fields; Consent.vue's POST with the requesttoken header).
def _js_nextcloud() -> Starlette:
    state = {"consented": False}

    def guest_page(token: str, body: str) -> HTMLResponse:
        return HTMLResponse(f'<!DOCTYPE html><html><head\n data-requesttoken="{token}"><title>x</title></head>{body}')

    async def authorize(request: Request) -> Response:
        if request.cookies.get("nc_session") != "alice":
            target = quote(f"{request.url.path}?{request.url.query}", safe="")
            return RedirectResponse(f"/index.php/login?redirect_url={target}", status_code=303)
        if not state["consented"]:
            return RedirectResponse("/index.php/apps/oidc/consent", status_code=303)
        return RedirectResponse("http://127.0.0.1:1/callback?code=the-code&state=s", status_code=303)

    async def login_page(request: Request) -> Response:
        return guest_page("tok+/en=", '<div id="login"></div>')

    async def try_login(request: Request) -> Response:
        form = await request.form()
        assert request.headers["origin"] == "http://nc.test"
        assert (form["user"], form["requesttoken"]) == ("alice", "tok+/en=")
        if form["password"] != PASSWORD:  # createLoginFailedResponse: back to the login page
            return RedirectResponse(f"/index.php/login?user=alice&redirect_url={quote(str(form['redirect_url']))}")
        response = RedirectResponse(str(form["redirect_url"]), status_code=303)
        response.set_cookie("nc_session", "alice")
        return response

    async def consent_page(request: Request) -> Response:
        return guest_page("tok2", '<div id="oidc-consent" data-client-name="x" data-scopes="openid profile"></div>')

    async def grant(request: Request) -> Response:
        form = await request.form()
        assert request.headers["requesttoken"] == "tok2" and form["scopes"] == "openid profile"
        state["consented"] = True
        return RedirectResponse("/index.php/apps/oidc/authorize", status_code=303)

    return Starlette(
        routes=[
            Route("/index.php/apps/oidc/authorize", authorize),
            Route("/index.php/login", login_page, methods=["GET"]),
            Route("/index.php/login", try_login, methods=["POST"]),
            Route("/index.php/apps/oidc/consent", consent_page),
            Route("/index.php/apps/oidc/consent/grant", grant, methods=["POST"]),
        ]
    )


@pytest.mark.anyio
async def test_login_and_consent_on_nextclouds_javascript_pages() -> None:
    spec = importlib.util.spec_from_file_location("_reproduce_bearer", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    transport = httpx2.ASGITransport(app=_js_nextcloud())
    final = await module.browser_login(
        "http://nc.test/index.php/apps/oidc/authorize?client_id=c&state=s", "alice", PASSWORD, transport
    )
    assert final == "http://127.0.0.1:1/callback?code=the-code&state=s"
    with pytest.raises(module.SetupError, match="login as alice failed"):
        await module.browser_login("http://nc.test/index.php/apps/oidc/authorize", "alice", "wrong", transport)
