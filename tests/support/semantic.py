"""What every semantic-search test module shares: the skip when the `semantic` extra is missing, and an autouse
fixture (active in each module that imports it) closing the process's indexers after every test, which releases
the embedded Qdrant folder."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator

import pytest

__all__ = ["NEEDS_SEMANTIC", "close_index"]

NEEDS_SEMANTIC = pytest.mark.skipif(
    importlib.util.find_spec("qdrant_client") is None or importlib.util.find_spec("wordllama") is None,
    reason="the `semantic` extra (qdrant-client, wordllama) is not installed",
)


@pytest.fixture(autouse=True)
async def close_index() -> AsyncIterator[None]:
    yield
    from nextcloud_mcp.semantic.service import close_indexers

    await close_indexers()
