"""HTML of the oidc app's browser pages.

* ``/apps/oidc/redirect`` (``PageController::index``, ``templates/main.php``): a ``<div id="oidc-redirect">``
  with the authorization parameters as ``data-*`` attributes; the app's script (``src/Redirect.vue``) then
  does ``window.location.replace(<authorize URL>)``. The fake inlines that script and adds a ``<noscript>`` form
  that POSTs the same parameters to ``/apps/oidc/authorize`` (``authorizePost``), so clients without
  JavaScript can continue.
* ``/apps/oidc/consent`` (``ConsentController::show``, ``templates/consent.php`` + ``src/Consent.vue``): the
  real page POSTs ``scopes=<space-separated selection>`` to ``/consent/grant`` (or nothing to ``/consent/deny``)
  with the ``requesttoken`` header via ``fetch``. The fake renders two plain forms instead: the grant form
  (one pre-checked checkbox per requested scope, ``name="scope_<scope>" value="<scope>"``, a hidden
  ``consent_form=1`` and ``requesttoken``, an "Allow" submit button) and the deny form.
* ``FormPostResponse`` (``lib/Http/FormPostResponse.php``) for ``response_mode=form_post``.

The scripts build these URLs with ``generateUrl`` (``@nextcloud/router``), which prefixes ``OC.webroot``: the
pages take the instance's ``webroot``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.responses import Response

from fake_nextcloud.core.templates import esc, guest_page

__all__ = ["REDIRECT_KEYS", "consent_page", "form_post_response", "redirect_page"]

#: ``templates/main.php`` / ``PageController::index`` parameter order.
REDIRECT_KEYS = (
    "client_id",
    "state",
    "response_type",
    "redirect_uri",
    "scope",
    "nonce",
    "resource",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "response_mode",
    "claims",
)
AUTHORIZE = "/index.php/apps/oidc/authorize"
#: ``src/Consent.vue`` labels.
_SCOPE_LABELS = {
    "openid": ("Basic authentication", "Verify your identity (required)"),
    "profile": ("Profile information", "Access your name, username, profile picture, and quota"),
    "email": ("Email address", "Access your email address and verification status"),
    "roles": ("Group memberships", "Access your Nextcloud groups and roles"),
    "groups": ("Group memberships", "Access your Nextcloud group information"),
    "offline_access": ("Access when you're away", "Allow this app to access your data even when you're not signed in"),
}


def redirect_page(params: Mapping[str, str], requesttoken: str, *, webroot: str = "") -> Response:
    present = [(k, params[k]) for k in REDIRECT_KEYS if params.get(k)]
    data = "".join(f' data-{k.replace("_", "-")}="{esc(v)}"' for k, v in present)
    hidden = "".join(f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">\n' for k, v in present)
    body = f"""<div id="oidc-redirect"{data}>
<h2 style="text-align: center;">OpenID Connect Redirect</h2>
</div>
<script>
(function () {{
  var el = document.getElementById('oidc-redirect');
  var params = new URLSearchParams();
  {json.dumps(list(REDIRECT_KEYS))}.forEach(function (key) {{
    var value = el.getAttribute('data-' + key.replace(/_/g, '-'));
    if (value) {{ params.append(key, value); }}
  }});
  var query = params.toString();
  window.location.replace('{esc(webroot + AUTHORIZE)}' + (query ? '?' + query : ''));
}})();
</script>
<noscript>
<form id="oidc-redirect-form" method="post" action="{esc(webroot + AUTHORIZE)}">
{hidden}<button type="submit" id="oidc-redirect-continue">Continue</button>
</form>
</noscript>"""
    response = guest_page("OpenID Connect Redirect", body, requesttoken=requesttoken, body_id="body-user")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET"
    return response


def consent_page(client_name: str, client_id: str, scopes: str, requesttoken: str, *, webroot: str = "") -> Response:
    items = []
    for scope in [s for s in scopes.split(" ") if s.strip() != ""]:
        label, description = _SCOPE_LABELS.get(scope, (scope, ""))
        items.append(
            f'<div class="scope-item">\n'
            f'<input type="checkbox" class="checkbox" id="scope-{esc(scope)}" name="scope_{esc(scope)}"'
            f' value="{esc(scope)}" checked>\n'
            f'<label for="scope-{esc(scope)}" class="scope-label"><span class="scope-title">{esc(label)}</span>'
            f' <span class="scope-description">{esc(description)}</span></label>\n</div>\n'
        )
    token = esc(requesttoken)
    body = f"""<div id="oidc-consent" data-client-name="{esc(client_name)}" data-scopes="{esc(scopes)}"
 data-client-id="{esc(client_id)}">
<div class="consent-box">
<h2>Application Authorization Request</h2>
<p class="consent-intro"><span>{esc(client_name)} is requesting access to your account.</span></p>
<form id="oidc-consent-grant" method="post" action="{esc(webroot)}/index.php/apps/oidc/consent/grant">
<div class="consent-scopes">
<h3>This application will be able to:</h3>
<div class="scope-list">
{"".join(items)}</div>
</div>
<input type="hidden" name="consent_form" value="1">
<input type="hidden" name="requesttoken" value="{token}">
<button type="submit" id="oidc-consent-allow" class="button primary">Allow</button>
</form>
<form id="oidc-consent-deny" method="post" action="{esc(webroot)}/index.php/apps/oidc/consent/deny">
<input type="hidden" name="requesttoken" value="{token}">
<button type="submit" id="oidc-consent-deny-button" class="button secondary">Deny</button>
</form>
<p class="consent-note">You can revoke this access at any time from your account settings.</p>
</div>
</div>"""
    return guest_page("Authorization Request", body, requesttoken=requesttoken, body_id="body-user")


def form_post_response(redirect_uri: str, params: Mapping[str, str]) -> Response:
    """``FormPostResponse::render`` with its headers."""
    inputs = "".join(f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in params.items())
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Authorization Response</title></head>'
        '<body onload="document.forms[0].submit()">'
        f'<form method="post" action="{esc(redirect_uri)}">{inputs}'
        '<noscript><button type="submit">Continue</button></noscript>'
        "</form><script>document.forms[0].submit();</script></body></html>"
    )
    headers = {
        "Content-Type": "text/html; charset=UTF-8",
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "Referrer-Policy": "no-referrer",
        "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action *; script-src 'unsafe-inline';"
        " frame-ancestors 'none'",
    }
    return Response(html.encode("utf-8"), headers=headers)
