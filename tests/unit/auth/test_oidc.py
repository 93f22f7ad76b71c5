"""Discovery checks at start: the server refuses to run when the IdP lacks what the settings need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nextcloud_mcp.auth.oidc import discovery_url, parse_discovery
from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import ConfigError

ISSUER = "https://cloud.example.com"


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "issuer": ISSUER,
        "jwks_uri": f"{ISSUER}/index.php/apps/oidc/jwks",
        "userinfo_endpoint": f"{ISSUER}/index.php/apps/oidc/userinfo",
        "introspection_endpoint": f"{ISSUER}/index.php/apps/oidc/introspect",
        "registration_endpoint": f"{ISSUER}/index.php/apps/oidc/register",
        "code_challenge_methods_supported": ["S256", "plain"],
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


@pytest.fixture
def oauth_settings(make_settings: Callable[..., Settings]) -> Callable[..., Settings]:
    def make(**env: Any) -> Settings:
        return make_settings(
            NEXTCLOUD_USERNAME="",
            NEXTCLOUD_PASSWORD="",
            NEXTCLOUD_HOST="http://nextcloud",
            NEXTCLOUD_PUBLIC_URL=ISSUER,
            MCP_TRANSPORT="streamable-http",
            **env,
        )

    return make


def test_nextcloud_endpoints_are_called_through_the_internal_url(oauth_settings: Callable[..., Settings]) -> None:
    server = parse_discovery(_doc(), oauth_settings())
    assert server.issuer == ISSUER  # clients get the public issuer verbatim
    assert server.jwks_uri == "http://nextcloud/index.php/apps/oidc/jwks"
    assert server.introspection_endpoint == "http://nextcloud/index.php/apps/oidc/introspect"
    assert discovery_url(oauth_settings()) == "http://nextcloud/index.php/.well-known/openid-configuration"


def test_external_idp_endpoints_are_kept(oauth_settings: Callable[..., Settings]) -> None:
    settings = oauth_settings(MCP_OIDC_ISSUER="https://idp.example.com")
    doc = _doc(issuer="https://idp.example.com", jwks_uri="https://idp.example.com/jwks")
    assert parse_discovery(doc, settings).jwks_uri == "https://idp.example.com/jwks"
    assert discovery_url(settings) == "https://idp.example.com/.well-known/openid-configuration"


@pytest.mark.parametrize(
    ("doc", "env", "message"),
    [
        (_doc(code_challenge_methods_supported=["plain"]), {}, "PKCE S256"),
        (_doc(code_challenge_methods_supported=None), {}, "PKCE S256"),
        (_doc(registration_endpoint=None), {}, "dynamic client registration"),
        (_doc(issuer=None), {}, "no issuer"),
        (_doc(issuer="https://other.example"), {"MCP_OIDC_ISSUER": ISSUER}, "MCP_OIDC_ISSUER"),
        (_doc(jwks_uri=None), {"MCP_TOKEN_VALIDATION": "jwt"}, "jwks_uri"),
        (_doc(), {"MCP_TOKEN_VALIDATION": "introspection"}, "MCP_OIDC_CLIENT_ID"),
        (
            _doc(introspection_endpoint=None),
            {"MCP_OIDC_CLIENT_ID": "c", "MCP_OIDC_CLIENT_SECRET": "s"},
            "introspection_endpoint",
        ),
        (_doc(), {"MCP_TOKEN_VALIDATION": "userinfo"}, "cannot enforce the audience"),
        (
            _doc(userinfo_endpoint=None),
            {"MCP_TOKEN_VALIDATION": "userinfo", "MCP_REQUIRE_AUDIENCE": "false"},
            "userinfo_endpoint",
        ),
    ],
)
def test_gaps_refuse_start_with_a_clear_message(
    oauth_settings: Callable[..., Settings], doc: dict[str, Any], env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_discovery(doc, oauth_settings(**env))


def test_dcr_can_be_waived_for_preregistered_clients(oauth_settings: Callable[..., Settings]) -> None:
    parse_discovery(_doc(registration_endpoint=None), oauth_settings(MCP_EXPECT_DCR="false"))
