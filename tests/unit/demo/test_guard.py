"""Without the `demo` extra the demo says how to install it, and starts nothing."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

from nextcloud_mcp.cli import main
from nextcloud_mcp.demo.errors import DemoUnavailable
from nextcloud_mcp.demo.guard import INSTALL_FROM_CLONE, INSTALL_FROM_GIT, sandbox_class


@pytest.fixture
def no_fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The fake Nextcloud not importable, as in an installation without the extra; returns the temp folder."""
    monkeypatch.setitem(sys.modules, "fake_nextcloud", None)  # `import fake_nextcloud` -> ModuleNotFoundError
    monkeypatch.delitem(sys.modules, "nextcloud_mcp.demo.sandbox", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def test_the_sandbox_loads_when_the_fake_is_installed() -> None:
    assert sandbox_class().__name__ == "Sandbox"


def test_a_missing_extra_names_the_install_commands(no_fake: Path) -> None:
    with pytest.raises(DemoUnavailable) as info:
        sandbox_class()
    message = str(info.value)
    assert "`demo` extra" in message and "fake_nextcloud" in message
    assert INSTALL_FROM_CLONE in message and INSTALL_FROM_GIT in message
    assert INSTALL_FROM_CLONE == 'uv tool install "./services/mcp[demo]"'


def test_the_cli_prints_the_hint_and_creates_no_sandbox(no_fake: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("nextcloud-mcp-server demo needs the fake Nextcloud")
    assert 'uv tool install "./services/mcp[demo]"' in captured.err
    assert list(no_fake.iterdir()) == []


def test_a_broken_demo_module_is_not_mistaken_for_a_missing_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nextcloud_mcp.demo.sandbox", None)
    with pytest.raises(ImportError) as info:
        sandbox_class()
    assert not isinstance(info.value, DemoUnavailable) and info.value.name == "nextcloud_mcp.demo.sandbox"


def test_the_demo_refuses_oauth(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["demo", "--oauth"])
    assert info.value.code == 2
    assert "the demo logs in to its sandbox with a password" in capsys.readouterr().err
