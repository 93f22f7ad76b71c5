"""Settings: env parsing, mode detection, unknown variables, errors that name the problem."""

from __future__ import annotations

import logging

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


# What the kubelet injects for a Service named `mcp` (TCP port 8000, a named port `http`), per
# kubernetes/kubernetes pkg/kubelet/envvars/envvars.go and the docs' "Environment variables" of Services.
KUBERNETES_MCP = {
    "MCP_SERVICE_HOST": "10.0.0.1",
    "MCP_SERVICE_PORT": "8000",
    "MCP_SERVICE_PORT_HTTP": "8000",
    "MCP_PORT": "tcp://10.0.0.1:8000",
    "MCP_PORT_8000_TCP": "tcp://10.0.0.1:8000",
    "MCP_PORT_8000_TCP_PROTO": "tcp",
    "MCP_PORT_8000_TCP_PORT": "8000",
    "MCP_PORT_8000_TCP_ADDR": "10.0.0.1",
}


def _notices(settings: object, level: int) -> list[str]:
    return [message for lvl, message in getattr(settings, "environment_notices", ()) if lvl == level]


def test_kubernetes_service_named_mcp_does_not_stop_the_server() -> None:
    s = load_settings(environ={"NEXTCLOUD_HOST": "http://x", "MCP_TRANSPORT": "streamable-http", **KUBERNETES_MCP})
    assert s.mcp_port == 8000
    (warning,) = _notices(s, logging.WARNING)
    assert "MCP_PORT=tcp://10.0.0.1:8000" in warning and "port 8000 (the default" in warning and "--port" in warning
    (debug,) = _notices(s, logging.DEBUG)
    for name in KUBERNETES_MCP.keys() - {"MCP_PORT"}:
        assert name in debug


def test_kubernetes_mcp_port_with_a_port_option() -> None:
    s = load_settings({"mcp_port": 9000}, environ={"NEXTCLOUD_HOST": "http://x", **KUBERNETES_MCP})
    assert s.mcp_port == 9000
    (warning,) = _notices(s, logging.WARNING)
    assert "MCP_PORT" in warning and "port 9000 (--port)" in warning


def test_kubernetes_service_named_nextcloud_is_not_a_typo() -> None:
    """NEXTCLOUD_PORT=tcp://… is not a misspelt NEXTCLOUD_HOST (the Nextcloud Helm chart's Service is `nextcloud`)."""
    env = {
        "NEXTCLOUD_HOST": "http://nextcloud:8080",
        "NEXTCLOUD_SERVICE_HOST": "10.0.0.2",
        "NEXTCLOUD_SERVICE_PORT": "8080",
        "NEXTCLOUD_PORT": "tcp://10.0.0.2:8080",
        "NEXTCLOUD_PORT_8080_TCP": "tcp://10.0.0.2:8080",
        "NEXTCLOUD_PORT_8080_TCP_PROTO": "tcp",
        "NEXTCLOUD_PORT_8080_TCP_PORT": "8080",
        "NEXTCLOUD_PORT_8080_TCP_ADDR": "10.0.0.2",
        # a Service `mcp-server` (dashes become underscores), IPv6 cluster address, UDP port
        "MCP_SERVER_SERVICE_HOST": "fd00::1",
        "MCP_SERVER_PORT": "udp://[fd00::1]:53",
        "MCP_SERVER_PORT_53_UDP_ADDR": "fd00::1",
    }
    s = load_settings(environ=env)
    assert s.nextcloud_base_url == "http://nextcloud:8080" and not _notices(s, logging.WARNING)
    assert "NEXTCLOUD_PORT" in _notices(s, logging.DEBUG)[0]


@pytest.mark.parametrize("name", ["MCP_TIMEOUT", "MCP_TOOL_TIMEOUT", "mcp_timeout"])
def test_client_variables_are_ignored(name: str) -> None:
    s = load_settings(environ={"NEXTCLOUD_HOST": "http://x", name: "60000"})
    assert "MCP_TIMEOUT" in _notices(s, logging.DEBUG)[0] or "MCP_TOOL_TIMEOUT" in _notices(s, logging.DEBUG)[0]
    assert not _notices(s, logging.WARNING)


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"MCP_TRANSPROT": "streamable-http"}, r"MCP_TRANSPROT; did you mean MCP_TRANSPORT\?"),
        ({"MCP_SERVICE_HOSTS": "10.0.0.1"}, r"Unknown setting MCP_SERVICE_HOSTS: this server reads no such variable"),
        ({"MCP_PORT_8000": "tcp://10.0.0.1:8000"}, r"Unknown setting MCP_PORT_8000"),
        ({"NEXTCLOUD_PORT": "8080"}, r"NEXTCLOUD_PORT; did you mean NEXTCLOUD_HOST\?"),  # a number: a real typo
        ({"MCP_PORT": "http://0.0.0.0:8000"}, r"MCP_PORT: give the port number"),
        ({"MCP_PORT": "eighty"}, r"MCP_PORT: give the port number to listen on, from 1 to 65535"),
    ],
)
def test_typos_and_bad_ports_still_stop_the_server(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        load_settings(environ={"NEXTCLOUD_HOST": "http://x", **env})


def test_notices_are_logged_once_logging_is_configured(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """`run()` logs the notices right after configuring logging (in the configured format)."""
    from nextcloud_mcp.server import run as run_module

    class _Stop(Exception):
        pass

    def stop(_: object) -> None:
        raise _Stop

    monkeypatch.setattr(run_module, "check_credentials", stop)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    env = {"NEXTCLOUD_HOST": "http://x", "MCP_LOG_FORMAT": "json", "MCP_TIMEOUT": "1", **KUBERNETES_MCP}
    try:
        with pytest.raises(_Stop):
            run_module.run(load_settings(environ=env))
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    err = capfd.readouterr().err
    assert '"level": "WARNING"' in err and "MCP_PORT=tcp://10.0.0.1:8000" in err
    assert "MCP_SERVICE_HOST" not in err  # debug notices stay below the INFO level
