"""Server-rendered HTML pages (``OCP\\AppFramework\\Http\\TemplateResponse``).

Real Nextcloud renders its login and app pages with Vue; the fake renders the same forms as static HTML
(same field names and ids), so they work both for scripted HTTP clients and for a real browser.

``template_error`` reproduces ``new TemplateResponse('core', '403'|'400'|'500', ['message' => ...], 'error')``:
``TemplateResponse`` defaults to HTTP **200** (``$status = Http::STATUS_OK``), and the ``core/templates/403.php``
etc. templates do not change it - so apps returning these "error pages" (H2CK/oidc's authorize endpoint does)
answer 200 with an HTML error message.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from starlette.responses import Response

__all__ = ["esc", "guest_page", "template_error"]

_LAYOUT = """<!DOCTYPE html>
<html class="ng-csp" data-placeholder-focus="false" lang="en" data-locale="en" translate="no">
<head data-requesttoken="{requesttoken}">
<meta charset="utf-8">
<title>{title} - Nextcloud</title>
<meta name="viewport" content="width=device-width, initial-scale=1.0, minimum-scale=1.0">
<meta name="referrer" content="same-origin">
</head>
<body id="{body_id}">
<main>
{body}
</main>
</body>
</html>
"""

_ERROR_TITLES = {"400": "Bad request", "403": "Access forbidden", "404": "Page not found", "500": "Internal error"}


def esc(value: object) -> str:
    """``p()`` / ``htmlspecialchars`` with quotes."""
    return escape(str(value), quote=True)


def guest_page(
    title: str,
    body: str,
    *,
    status: int = 200,
    requesttoken: str = "",
    body_id: str = "body-login",
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A page in the guest layout (``TemplateResponse::RENDER_AS_GUEST``)."""
    html = _LAYOUT.format(title=esc(title), body=body, requesttoken=esc(requesttoken), body_id=body_id)
    out = dict(headers or {})
    out["Content-Type"] = "text/html; charset=UTF-8"
    return Response(html.encode("utf-8"), status_code=status, headers=out)


def template_error(template: str, message: str) -> Response:
    """``TemplateResponse('core', $template, ['message' => $message], 'error')`` - HTTP 200."""
    title = _ERROR_TITLES.get(template, "Error")
    body = (
        f'<div class="guest-box" data-template="core/{esc(template)}">\n'
        f"<ul>\n<li class='error'>\n{esc(title)}<br>\n<p class='hint'>{esc(message)}</p>\n</li>\n</ul>\n</div>"
    )
    return guest_page(title, body, body_id="body-login")
