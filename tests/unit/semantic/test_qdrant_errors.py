"""Qdrant's failures told in our settings' terms (semantic/qdrant.py), and the server-mode store path (payload
indexes) run against an in-memory Qdrant. A real Qdrant server cannot be installed here from a registry
(docs/semantic-search.md): the server answers below stand in for it, as its REST API answers them."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
import pytest

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        importlib.util.find_spec("qdrant_client") is None,
        reason="the `semantic` extra (qdrant-client) is not installed",
    ),
]


class _Refusing(BaseHTTPRequestHandler):
    """Qdrant with an API key set, asked without the right one: 401 and its JSON status (qdrant/qdrant
    src/actix/auth.rs answers "Must provide an API key or an Authorization bearer token")."""

    def _answer(self) -> None:
        body = json.dumps({"status": {"error": "Must provide an API key or an Authorization bearer token"}}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")
async def test_unreachable_server_names_the_url_and_setting() -> None:
    from nextcloud_mcp.semantic.qdrant import IndexUnavailable, connect
    from nextcloud_mcp.semantic.store import SemanticStore

    client = connect("http://127.0.0.1:9", url=True, api_key="s3cret-key")
    store = SemanticStore(client, "test", indexes=True)
    with pytest.raises(IndexUnavailable) as caught:
        await store.versions("alice", "notes")
    message = str(caught.value)
    assert "http://127.0.0.1:9" in message and "MCP_SEMANTIC_QDRANT_URL" in message
    assert "s3cret-key" not in message
    await client.close()


@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")
async def test_refused_api_key_says_which_setting(refusing: str) -> None:
    from nextcloud_mcp.semantic.qdrant import IndexUnavailable, connect
    from nextcloud_mcp.semantic.store import SemanticStore

    client = connect(refusing, url=True, api_key="wrong-key")
    store = SemanticStore(client, "test", indexes=True)
    with pytest.raises(IndexUnavailable) as caught:
        await store.search("alice", "boiler", [0.1] * 4, 5)
    message = str(caught.value)
    assert "401" in message and "MCP_SEMANTIC_QDRANT_API_KEY" in message and "wrong-key" not in message
    await client.close()


async def test_a_second_process_on_an_embedded_folder_is_told_to_use_a_server(tmp_path: Path) -> None:
    from qdrant_client import AsyncQdrantClient

    from nextcloud_mcp.semantic.qdrant import connect

    folder = str(tmp_path / "index")
    holder = AsyncQdrantClient(path=folder)  # this process holds the folder's lock
    code = "\n".join(
        [
            "import sys",
            "from nextcloud_mcp.core.errors import ConfigError",
            "from nextcloud_mcp.semantic.qdrant import connect",
            "try:",
            f"    connect({folder!r}, url=False, api_key=None)",
            "except ConfigError as exc:",
            "    print(exc)",
            "    sys.exit(3)",
        ]
    )
    other = await anyio.run_process([sys.executable, "-c", code], check=False, cwd=tmp_path)
    stdout, stderr = other.stdout.decode(), other.stderr.decode()
    assert other.returncode == 3, stderr[-2000:]
    assert "MCP_SEMANTIC_QDRANT_URL" in stdout and folder in stdout
    await holder.close()
    await connect(folder, url=False, api_key=None).close()  # free again once the holder closed


@pytest.mark.filterwarnings("ignore:Payload indexes have no effect in the local Qdrant")
async def test_server_mode_store_with_payload_indexes() -> None:
    """The store's server-mode path (payload indexes on user, app, object) on Qdrant's in-memory engine:
    isolation, replace, remove and counts behave as in embedded mode."""
    from qdrant_client import AsyncQdrantClient

    from nextcloud_mcp.semantic.store import Chunk, SemanticStore

    store = SemanticStore(AsyncQdrantClient(location=":memory:"), "test", indexes=True)
    vector = [1.0, 0.0, 0.0, 0.0]
    for user in ("alice", "bob"):
        chunk = Chunk("notes", "1", f"{user}'s boiler", "e1", 0, f"{user}: the boiler warranty ends in 2027")
        await store.replace(user, "notes", "1", [chunk], [vector])
    found = await store.search("alice", "boiler warranty", vector, 10)
    assert [f.text for f in found] == ["alice: the boiler warranty ends in 2027"]
    assert await store.versions("bob", "notes") == {"1": "e1"}
    await store.remove("bob", "notes", "1")
    assert await store.counts("bob", ["notes"]) == {"notes": 0}
    assert await store.counts("alice", ["notes"]) == {"notes": 1}
    await store.close()
