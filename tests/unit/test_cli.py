"""CLI: help, the `check` command, the OAuth-mode refusal, config errors; generated docs stay current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nextcloud_mcp.cli import main
from nextcloud_mcp.docs import render_configuration, render_tools

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    options = ("--transport", "--host", "--port", "--oauth", "--no-oauth", "--read-only", "--dynamic-toolsets")
    for option in (*options, "--log-level", "--log-format"):
        assert option in out


def test_read_only_and_dynamic_toolsets_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import nextcloud_mcp.server.run as run_module

    seen: list[object] = []
    monkeypatch.setattr(run_module, "run", seen.append)
    env = {"NEXTCLOUD_HOST": "http://127.0.0.1:9", "MCP_READ_ONLY": "false", "MCP_DYNAMIC_TOOLSETS": "false"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["--read-only", "--dynamic-toolsets"]) == 0
    assert main([]) == 0
    flagged, plain = seen
    assert (flagged.mcp_read_only, flagged.mcp_dynamic_toolsets) == (True, True)  # type: ignore[attr-defined]
    assert (plain.mcp_read_only, plain.mcp_dynamic_toolsets) == (False, False)  # type: ignore[attr-defined]


def test_oauth_mode_on_stdio_is_refused_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEXTCLOUD_HOST", "http://127.0.0.1:9")
    monkeypatch.delenv("NEXTCLOUD_USERNAME", raising=False)
    monkeypatch.delenv("NEXTCLOUD_PASSWORD", raising=False)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "OAuth mode needs --transport streamable-http" in err
    assert "NEXTCLOUD_USERNAME" in err


def test_no_oauth_without_credentials_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEXTCLOUD_HOST", "http://127.0.0.1:9")
    monkeypatch.delenv("NEXTCLOUD_USERNAME", raising=False)
    monkeypatch.delenv("NEXTCLOUD_PASSWORD", raising=False)
    assert main(["--no-oauth"]) == 2
    assert "needs both NEXTCLOUD_USERNAME and NEXTCLOUD_PASSWORD" in capsys.readouterr().err


def test_help_names_the_check_command_and_stays_light() -> None:
    code = (
        "import sys\nfrom nextcloud_mcp.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('httpx2', 'mcp', 'pydantic', 'nextcloud_mcp.server') if m in sys.modules)\n"
        "print('HEAVY', heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert "check: try the settings against Nextcloud once" in " ".join(done.stdout.split())
    assert "HEAVY []" in done.stdout


def test_a_username_without_password_names_the_missing_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: the mode fell back to OAuth and the error spoke of --transport streamable-http."""
    monkeypatch.setenv("NEXTCLOUD_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("NEXTCLOUD_USERNAME", "alice")
    monkeypatch.delenv("NEXTCLOUD_PASSWORD", raising=False)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "NEXTCLOUD_USERNAME is set (alice) but NEXTCLOUD_PASSWORD is missing" in err
    assert "streamable-http" not in err


def test_check_reports_an_unreachable_nextcloud_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEXTCLOUD_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("NEXTCLOUD_USERNAME", "alice")
    monkeypatch.setenv("NEXTCLOUD_PASSWORD", "s3cret-app-password")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "check: BasicAuth mode, stdio transport, NEXTCLOUD_HOST=http://127.0.0.1:9" in out
    assert "[FAIL] reachable" in out and "connection refused" in out
    assert "s3cret-app-password" not in out


def test_bad_setting_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEXTCLOUD_HOST", "ftp//nope")
    assert main(["--no-oauth"]) == 2
    assert "NEXTCLOUD_HOST" in capsys.readouterr().err


def test_configuration_docs_are_generated_from_settings() -> None:
    assert (ROOT / "docs" / "configuration.md").read_text() == render_configuration(), "run scripts/gen-docs"


def test_tool_docs_are_generated_from_the_catalogue() -> None:
    assert (ROOT / "docs" / "tools.md").read_text() == render_tools(), "run scripts/gen-docs"
