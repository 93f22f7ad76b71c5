"""The README's first screen: try it (the demo), use it with your Nextcloud (the package), host it (Compose,
Kubernetes); and no user path in it runs the server through `uv run`, which installs the development tools."""

from __future__ import annotations

import re

from nextcloud_mcp.demo.guard import INSTALL_FROM_CLONE
from stack._support import ROOT

README = (ROOT / "README.md").read_text()
FIRST_SCREEN = "\n".join(README.splitlines()[:45])


def test_first_screen_has_try_use_and_host() -> None:
    assert "nextcloud-mcp-server demo" in FIRST_SCREEN
    assert "uv tool install ./services/mcp" in FIRST_SCREEN
    assert re.search(r'uv tool install "git\+https://[^"]+#subdirectory=services/mcp"', FIRST_SCREEN)
    assert "not on PyPI yet" in FIRST_SCREEN, "say honestly where the package is published"
    assert "Docker Compose" in FIRST_SCREEN and "deploy/kubernetes/" in FIRST_SCREEN


def test_first_screen_installs_the_demo_as_the_demo_itself_says() -> None:
    assert INSTALL_FROM_CLONE in FIRST_SCREEN, "README and the demo's missing-extra hint name the same command"
    assert "coming soon" not in FIRST_SCREEN and "docs/demo.md" in FIRST_SCREEN


def test_user_paths_never_install_the_development_tools() -> None:
    users = README.split("\n## Development", 1)[0]
    assert "uv run" not in users, "`uv run` from a clone installs the dev group (playwright, mypy, ...)"
    assert "uvx nextcloud-mcp-server" not in users.replace("Do not `uvx nextcloud-mcp-server`", "")
    assert "--from nextcloud-mcp-bridge" not in README, "not on PyPI: that command would fail (or fetch a stranger's)"
