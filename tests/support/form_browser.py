"""A tiny scripted "browser" for OAuth logins over plain HTTP: follows redirects, keeps cookies, fills and
submits HTML forms (login, then consent) until the authorization server redirects to the client.

Used by headless end-to-end tests; the Playwright test does the same in real Chromium.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx2

__all__ = ["Form", "FormBrowser", "parse_forms"]


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    password_fields: list[str] = field(default_factory=list)
    text_fields: list[str] = field(default_factory=list)
    submit: tuple[str, str] | None = None


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = Form(action=a.get("action", ""), method=a.get("method", "get").upper())
            self.forms.append(self._current)
            return
        form = self._current
        if form is None or "name" not in a:
            return
        kind = a.get("type", "text").lower() if tag == "input" else tag
        name = a["name"]
        if kind == "password":
            form.password_fields.append(name)
        elif kind in ("text", "email"):
            form.text_fields.append(name)
            form.fields[name] = a.get("value", "")
        elif kind in ("checkbox", "radio"):
            if "checked" in a or kind == "checkbox":
                form.fields[name] = a.get("value", "on")
        elif kind in ("submit", "button"):
            if form.submit is None:
                form.submit = (name, a.get("value", ""))
        elif kind == "hidden" or tag in ("input", "textarea", "select"):
            form.fields[name] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


class FormBrowser:
    """Logs a user in at an authorization server and returns the final redirect to `stop_prefix`."""

    def __init__(self, username: str, password: str, max_steps: int = 20) -> None:
        self.username = username
        self.password = password
        self.max_steps = max_steps
        self.http = httpx2.AsyncClient(follow_redirects=False, trust_env=False, timeout=10.0)
        self.pages: list[str] = []  # URLs visited, for assertions and debugging

    async def aclose(self) -> None:
        await self.http.aclose()

    async def authorize(self, url: str, stop_prefix: str) -> str:
        method, data = "GET", None
        for _ in range(self.max_steps):
            if url.startswith(stop_prefix):
                return url
            self.pages.append(url)
            # Browsers send Origin on form POSTs; Nextcloud >= 31 refuses logins without a trusted one
            # (nextcloud/server core/Controller/LoginController.php::tryLogin).
            parts = urlsplit(url)
            headers = {"Origin": f"{parts.scheme}://{parts.netloc}"} if method == "POST" else {}
            response = await self.http.request(method, url, data=data, headers=headers)
            method, data = "GET", None
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                continue
            forms = parse_forms(response.text)
            if response.status_code >= 400 or not forms:
                raise AssertionError(
                    f"authorization stopped at {url}: HTTP {response.status_code}\n{response.text[:500]}"
                )
            form = self._choose(forms)
            payload = dict(form.fields)
            for name in form.text_fields[:1]:
                payload[name] = self.username
            for name in form.password_fields:
                payload[name] = self.password
            if form.submit is not None:
                payload[form.submit[0]] = form.submit[1]
            method, data, url = form.method, payload, urljoin(url, form.action or url)
        raise AssertionError(f"no redirect to {stop_prefix} after {self.max_steps} steps: {self.pages}")

    @staticmethod
    def _choose(forms: list[Form]) -> Form:
        for form in forms:
            if form.password_fields:
                return form
        approving = [f for f in forms if not any(w in f.action.lower() for w in ("deny", "abort", "cancel", "reject"))]
        return (approving or forms)[0]
