"""Settings: env parsing, mode detection, unknown variables, errors that name the problem."""

from __future__ import annotations

import pytest

from nextcloud_mcp.config import load_settings
from nextcloud_mcp.core.errors import ConfigError


def test_basic_mode_when_username_and_password_are_set() -> None:
    s = load_settings(
        environ={"NEXTCLOUD_HOST": "https://c.example/", "NEXTCLOUD_USERNAME": "a", "NEXTCLOUD_PASSWORD": "p"}
    )
    assert s.auth_mode == "basic"
    assert s.nextcloud_base_url == "https://c.example"


@pytest.mark.parametrize(
    "env", [{}, {"NEXTCLOUD_USERNAME": "a"}, {"NEXTCLOUD_PASSWORD": "p"}, {"NEXTCLOUD_USERNAME": ""}]
)
def test_oauth_mode_otherwise(env: dict[str, str]) -> None:
    assert load_settings(environ={"NEXTCLOUD_HOST": "https://c.example", **env}).auth_mode == "oauth"


def test_cli_override_forces_the_mode() -> None:
    env = {"NEXTCLOUD_HOST": "https://c.example", "NEXTCLOUD_USERNAME": "a", "NEXTCLOUD_PASSWORD": "p"}
    assert load_settings({"mcp_auth_mode": "oauth"}, environ=env).auth_mode == "oauth"
    assert load_settings({"mcp_auth_mode": None}, environ=env).auth_mode == "basic"


def test_env_names_are_case_insensitive_and_values_typed() -> None:
    s = load_settings(
        environ={
            "nextcloud_host": "http://127.0.0.1:8080/nextcloud",
            "NEXTCLOUD_VERIFY_SSL": "false",
            "NEXTCLOUD_TIMEOUT": "2.5",
            "MCP_PORT": "9000",
            "MCP_LOG_LEVEL": "debug",
            "MCP_ALLOWED_HOSTS": "mcp:8000, mcp.example.com ,",
            "MCP_AUTH_MODE": "BASIC",
        }
    )
    assert s.nextcloud_base_url == "http://127.0.0.1:8080/nextcloud"
    assert s.nextcloud_verify_ssl is False
    assert s.nextcloud_timeout == 2.5
    assert s.mcp_port == 9000
    assert s.mcp_log_level == "DEBUG"
    assert s.mcp_allowed_hosts == ["mcp:8000", "mcp.example.com"]
    assert s.mcp_auth_mode == "basic"


def test_missing_host_is_named() -> None:
    with pytest.raises(ConfigError, match="NEXTCLOUD_HOST"):
        load_settings(environ={})


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"NEXTCLOUD_HOST": "not a url"}, "NEXTCLOUD_HOST"),
        ({"NEXTCLOUD_HOST": "http://x", "MCP_PORT": "70000"}, "MCP_PORT"),
        ({"NEXTCLOUD_HOST": "http://x", "MCP_TRANSPORT": "sse"}, "MCP_TRANSPORT"),
        ({"NEXTCLOUD_HOST": "http://x", "NEXTCLOUD_TIMEOUT": "-1"}, "NEXTCLOUD_TIMEOUT"),
    ],
)
def test_bad_values_are_named(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_settings(environ=env)


def test_unknown_mcp_variable_is_rejected_with_a_suggestion() -> None:
    with pytest.raises(ConfigError, match=r"MCP_PROT.*did you mean MCP_PORT"):
        load_settings(environ={"NEXTCLOUD_HOST": "http://x", "MCP_PROT": "1"})


def test_nextcloud_typos_rejected_but_image_variables_tolerated() -> None:
    with pytest.raises(ConfigError, match=r"NEXTCLOUD_PASWORD.*NEXTCLOUD_PASSWORD"):
        load_settings(environ={"NEXTCLOUD_HOST": "http://x", "NEXTCLOUD_PASWORD": "p"})
    load_settings(
        environ={"NEXTCLOUD_HOST": "http://x", "NEXTCLOUD_ADMIN_USER": "admin", "NEXTCLOUD_TRUSTED_DOMAINS": "x"}
    )


def test_password_never_appears_in_errors_or_repr() -> None:
    env = {"NEXTCLOUD_HOST": "http://x", "NEXTCLOUD_USERNAME": "a", "NEXTCLOUD_PASSWORD": "s3cret-pw", "MCP_PORT": "x"}
    with pytest.raises(ConfigError) as info:
        load_settings(environ=env)
    assert "s3cret-pw" not in str(info.value)
    env.pop("MCP_PORT")
    assert "s3cret-pw" not in repr(load_settings(environ=env))
