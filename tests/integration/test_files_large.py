"""1 GiB streamed upload and download through the tools, with real processes (fake Nextcloud + stdio server).

Nothing here holds the file in memory: it is written and hashed in 1 MiB blocks, uploaded with chunked upload v2
and downloaded to disk. Peak RSS is a benchmark figure, not an assertion.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from support.mcp_helpers import structured
from support.processes import ManagedProcess, free_port, http_ready

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]
SIZE = 1024**3
BLOCK = 1024 * 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture
def fake_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = ManagedProcess(
        "fake-nextcloud",
        ["fake-nextcloud", "--port", str(port), "--pid-file", str(tmp_path / "fake.pid"), "--user", "alice:pw"],
        tmp_path,
        ready=http_ready(f"http://127.0.0.1:{port}/status.php"),
    )
    with proc:
        yield f"http://127.0.0.1:{port}"


async def test_one_gib_round_trip_keeps_its_sha256(fake_url: str, tmp_path: Path) -> None:
    source = tmp_path / "one-gib.bin"
    digest = hashlib.sha256()
    seed = os.urandom(BLOCK)
    with source.open("wb") as f:
        for i in range(SIZE // BLOCK):
            block = i.to_bytes(8, "big") + seed[8:]  # distinct blocks, so a reordered chunk would be caught
            digest.update(block)
            f.write(block)
    env = {
        **os.environ,
        "NEXTCLOUD_HOST": fake_url,
        "NEXTCLOUD_USERNAME": "alice",
        "NEXTCLOUD_PASSWORD": "pw",
        "NEXTCLOUD_TIMEOUT": "120",
    }
    params = StdioServerParameters(command=sys.executable, args=["-m", "nextcloud_mcp"], env=env)
    target = tmp_path / "back.bin"
    async with Client(stdio_client(params)) as client:
        args = {"local_path": str(source), "path": "big/one.bin"}
        up = structured(await client.call_tool("nc_files_upload_file", args))
        assert up["bytes"] == SIZE
        source.unlink()  # keep disk use at one copy on this side
        down = structured(
            await client.call_tool("nc_files_download_file", {"path": "big/one.bin", "local_path": str(target)})
        )
        assert down["bytes"] == SIZE
    assert _sha256(target) == digest.hexdigest()
