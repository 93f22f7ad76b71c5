"""Shared fixtures: the anyio backend and a settings factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nextcloud_mcp.config import Settings, load_settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def make_settings() -> Callable[..., Settings]:
    def make(**env: Any) -> Settings:
        base = {
            "NEXTCLOUD_HOST": "http://nc.test",
            "NEXTCLOUD_USERNAME": "alice",
            "NEXTCLOUD_PASSWORD": "alice-app-password",
        }
        base.update({k.upper(): str(v) for k, v in env.items()})
        return load_settings(environ=base)

    return make
