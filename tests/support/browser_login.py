"""Log in through a real browser: Debian Chromium driven by Playwright (no browser download).

`chromium_login(username, password)` returns an `open_url(url, stop_prefix)` coroutine for
`support.oauth_client.OAuthLogin`: it opens the authorization URL, fills the login form, approves the
consent page if one appears, and returns the redirect to the client's callback (intercepted, so nothing
needs to listen there).
"""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = ["chromium_login", "chromium_path"]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-quic",
]


def chromium_path() -> str | None:
    for candidate in (shutil.which("chromium"), "/usr/bin/chromium", shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


async def _screenshot(page: Page, path: Path) -> None:
    """Evidence only: Chromium refuses a capture while a page is being replaced (a script redirect, under load);
    try again once the next paint is done, and never fail the login over it."""
    from playwright.async_api import Error

    for _ in range(3):
        try:
            await page.screenshot(path=str(path))
            return
        except Error:
            await page.wait_for_timeout(200)


def chromium_login(
    username: str, password: str, screenshots: Path | None = None
) -> Callable[[str, str], Awaitable[str]]:
    async def open_url(url: str, stop_prefix: str) -> str:
        from playwright.async_api import Route, async_playwright

        executable = chromium_path()
        assert executable is not None, "Debian chromium is not installed"
        final: list[str] = []

        async def capture(route: Route) -> None:
            final.append(route.request.url)
            await route.fulfill(status=200, content_type="text/html", body="<p>Signed in. You can close this.</p>")

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            try:
                page = await browser.new_page()
                await page.route(stop_prefix + "**", capture)
                await page.goto(url)
                for step in range(12):
                    if final:
                        break
                    await page.wait_for_load_state()
                    if screenshots is not None and not page.url.startswith(stop_prefix):
                        await _screenshot(page, screenshots / f"login-{step}.png")
                    password_box = page.locator("input[type=password]:visible")
                    approve = page.locator(
                        "form:not([action*=deny]):not([action*=abort]) [type=submit]:visible, "
                        "form:not([action*=deny]):not([action*=abort]) button:visible"
                    )
                    if await password_box.count():
                        await page.locator("input[type=text]:visible, input[type=email]:visible").first.fill(username)
                        await password_box.first.fill(password)
                        await page.locator("form:has(input[type=password]) [type=submit]").first.click()
                    elif await approve.count():
                        await approve.first.click()
                    else:  # a page that moves on by itself (script redirect): wait for it
                        current = page.url
                        await page.wait_for_function("url => location.href !== url", arg=current, timeout=10_000)
                assert final, f"no redirect to {stop_prefix}; last page {page.url}"
                return final[0]
            finally:
                await browser.close()

    return open_url
