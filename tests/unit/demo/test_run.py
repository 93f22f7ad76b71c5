"""The demo's settings: BasicAuth as alice against the sandbox; MCP_* still apply, NEXTCLOUD_* do not."""

from __future__ import annotations

import pytest

from nextcloud_mcp.demo.run import demo_settings


def test_nextcloud_variables_are_ignored_and_mcp_ones_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEXTCLOUD_HOST", "https://cloud.example.com")
    monkeypatch.setenv("NEXTCLOUD_USERNAME", "mallory")
    monkeypatch.setenv("NEXTCLOUD_PASSWORD", "real-password")
    monkeypatch.setenv("MCP_AUTH_MODE", "oauth")
    monkeypatch.setenv("MCP_APPS", "notes,deck")
    settings = demo_settings("http://127.0.0.1:4321", "abcde-fghij", {"mcp_transport": "streamable-http"})
    assert settings.nextcloud_base_url == "http://127.0.0.1:4321"
    assert settings.nextcloud_username == "alice" and settings.nextcloud_password is not None
    assert settings.nextcloud_password.get_secret_value() == "abcde-fghij"
    assert settings.auth_mode == "basic" and settings.mcp_transport == "streamable-http"
    assert settings.mcp_apps == ["notes", "deck"]
