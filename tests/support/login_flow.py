"""Complete the browser half of Nextcloud's Login Flow v2 the way a person would.

A client calls ``POST /index.php/login/v2`` and gets a ``login`` URL (nextcloud/server
``core/Controller/ClientFlowLoginV2Controller.php::init``). A person opens it: ``landing`` redirects to the
"Connect to your account" page (``showAuthPickerPage``), whose "Log in" link leads to the grant page; not being
logged in, they get the login form first (``SecurityMiddleware`` -> ``/index.php/login?redirect_url=...``), log
in, and press "Grant access" (``generateAppPassword``). The "Account connected" page ends it; the client's
next poll returns the app password.

Two drivers:

* :func:`form_login_flow` - plain HTTP with cookies (httpx2), reading the fake's server-rendered HTML: follows
  redirects, follows the picker's "Log in" link, fills the login form (with the ``Origin`` header a browser
  sends, which ``LoginController::tryLogin`` requires) and submits the grant form.
* :func:`chromium_login_flow` - Debian Chromium driven by Playwright (``support.browser_login``): clicks the same
  links and buttons.

Both return the final page's HTML and raise ``AssertionError`` if the flow does not reach "Account connected".
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import httpx2

from support.browser_login import CHROMIUM_ARGS, chromium_path
from support.form_browser import parse_forms

__all__ = ["DONE_MARKER", "chromium_login_flow", "form_login_flow"]

#: What the "done" page says (``core/templates/loginflowv2/done.php``).
DONE_MARKER = "Account connected"
#: What a browser's navigation asks for (the SecurityMiddleware redirects only HTML requests to the login form).
_BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
_GRANT_LINK = re.compile(r"""<a\s[^>]*href="([^"]*/login/v2/grant[^"]*)\"""", re.I)


async def form_login_flow(
    login_url: str,
    username: str,
    password: str,
    *,
    transport: httpx2.AsyncBaseTransport | None = None,
    user_agent: str = "Mozilla/5.0 (X11; Linux x86_64) support.login_flow",
    max_steps: int = 20,
) -> str:
    """Open ``login_url``, log in with the form, grant access; return the "Account connected" page.

    ``transport`` lets tests drive an in-process app (``httpx2.ASGITransport``)."""
    pages: list[str] = []
    async with httpx2.AsyncClient(
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        timeout=10.0,
        headers={"User-Agent": user_agent, "Accept": _BROWSER_ACCEPT},
    ) as http:
        url, method, data = login_url, "GET", None
        for _ in range(max_steps):
            pages.append(f"{method} {url}")
            parts = urlsplit(url)
            headers = {"Origin": f"{parts.scheme}://{parts.netloc}"} if method == "POST" else {}
            response = await http.request(method, url, data=data, headers=headers)
            method, data = "GET", None
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                continue
            html = response.text
            if response.status_code >= 400:
                raise AssertionError(f"login flow stopped at {url}: HTTP {response.status_code}\n{html[:800]}")
            if DONE_MARKER in html:
                return html
            forms = parse_forms(html)
            login_form = next((f for f in forms if f.password_fields), None)
            if login_form is not None:
                payload = dict(login_form.fields)
                for name in login_form.text_fields[:1]:
                    payload[name] = username
                for name in login_form.password_fields:
                    payload[name] = password
                method, data, url = "POST", payload, urljoin(url, login_form.action or url)
                continue
            if forms:  # the grant form ("Grant access")
                form = forms[0]
                method, data, url = form.method, dict(form.fields), urljoin(url, form.action or url)
                continue
            link = _GRANT_LINK.search(html)
            if link is not None:  # the picker's "Log in" link
                url = urljoin(url, unescape(link.group(1)))
                continue
            raise AssertionError(f"login flow stopped at {url}: nothing to click\n{html[:800]}")
    raise AssertionError(f"login flow did not finish after {max_steps} steps: {pages}")


async def chromium_login_flow(login_url: str, username: str, password: str, *, max_steps: int = 12) -> str:
    """The same in Debian Chromium (Playwright, no browser download); returns the final page's HTML."""
    from playwright.async_api import async_playwright

    executable = chromium_path()
    assert executable is not None, "Debian chromium is not installed"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            await page.goto(login_url)
            for _ in range(max_steps):
                await page.wait_for_load_state()
                html = await page.content()
                if DONE_MARKER in html:
                    return html
                password_box = page.locator("input[type=password]:visible")
                grant = page.locator("form [type=submit]:visible")
                log_in_link = page.locator("a[href*='/login/v2/grant']")
                current = page.url
                if await password_box.count():
                    await page.locator("input[type=text]:visible, input[type=email]:visible").first.fill(username)
                    await password_box.first.fill(password)
                    await page.locator("form:has(input[type=password]) [type=submit]").first.click()
                elif await grant.count():
                    await grant.first.click()
                elif await log_in_link.count():
                    await log_in_link.first.click()
                else:
                    raise AssertionError(f"login flow stopped at {page.url}\n{html[:800]}")
                await page.wait_for_function("url => location.href !== url", arg=current, timeout=10_000)
            raise AssertionError(f"login flow did not finish; last page {page.url}")
        finally:
            await browser.close()
