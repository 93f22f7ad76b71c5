"""`MCP_SEMANTIC_EMBEDDER=openai`: the index embedded by an OpenAI-compatible `/embeddings` endpoint. The endpoint
is a stand-in on loopback answering as OpenAI's API reference describes (`POST /v1/embeddings` with `model` and
`input`; `{"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model", "usage"}`; errors as
`{"error": {"message", "type", "code"}}`), embedding by hashed words so its vectors are meaningful for exact words."""

from __future__ import annotations

import importlib.util
import json
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import pytest

from support.mcp_helpers import McpFactory, structured
from support.semantic import close_index  # noqa: F401 (autouse fixture)

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(
        importlib.util.find_spec("qdrant_client") is None,
        reason="the `semantic` extra (qdrant-client) is not installed",
    ),
]

DIM = 64
KEY = "sk-test-embeddings-key"


def _vector(text: str) -> list[float]:
    vec = [0.0] * DIM
    for word in text.lower().split():
        vec[zlib.crc32(word.strip(".,:;!?").encode()) % DIM] += 1.0
    norm = sum(x * x for x in vec) ** 0.5 or 1.0
    return [x / norm for x in vec]


@dataclass
class Endpoint:
    url: str
    batches: list[int] = field(default_factory=list)
    auth: set[str] = field(default_factory=set)
    models: set[str] = field(default_factory=set)
    fail: tuple[int, dict[str, Any]] | None = None


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    state = Endpoint("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.auth.add(self.headers.get("Authorization", ""))
            if state.fail is not None:
                self._send(*state.fail)
                return
            if self.path != "/v1/embeddings":
                self._send(404, {"error": {"message": f"Unknown path {self.path}", "type": "invalid_request_error"}})
                return
            state.models.add(body["model"])
            inputs = body["input"]
            state.batches.append(len(inputs))
            data = [{"object": "embedding", "index": i, "embedding": _vector(t)} for i, t in enumerate(inputs)]
            data.reverse()  # the API may answer in any order: `index` says which input each vector is for
            self._send(200, {"object": "list", "data": data, "model": body["model"], "usage": {}})

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _env(tmp_path: Path, endpoint: Endpoint) -> dict[str, str]:
    return {
        "MCP_SEMANTIC": "true",
        "MCP_SEMANTIC_PATH": str(tmp_path / "index"),
        "MCP_SEMANTIC_EMBEDDER": "openai",
        "MCP_SEMANTIC_OPENAI_URL": endpoint.url,
        "MCP_SEMANTIC_OPENAI_MODEL": "text-embedding-3-small",
        "MCP_SEMANTIC_OPENAI_KEY": KEY,
    }


async def _seed(control: httpx2.AsyncClient, count: int) -> None:
    notes = [{"title": f"Note {n}", "content": f"Filler text number {n} about nothing much."} for n in range(count)]
    notes.append({"title": "Boiler", "content": "The boiler warranty ends in March 2027."})
    response = await control.post("/__testbed__/seed/notes", json={"user": "alice", "notes": notes})
    assert response.status_code == 201, response.text


async def test_index_and_search_through_the_endpoint(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path, endpoint: Endpoint
) -> None:
    await _seed(control, 80)
    async with mcp_as("alice", **_env(tmp_path, endpoint)) as alice:
        status = structured(await alice.call_tool("nc_semantic_update_index", {}))
        assert status["chunks"]["notes"] == 81
        found = structured(await alice.call_tool("nc_semantic_search_items", {"query": "boiler warranty", "limit": 3}))
    assert found["items"][0]["title"] == "Boiler", found
    assert endpoint.auth == {f"Bearer {KEY}"} and endpoint.models == {"text-embedding-3-small"}
    assert max(endpoint.batches) <= 64, endpoint.batches  # the index sends at most 64 texts per request


async def test_endpoint_errors_are_told_with_the_setting_to_check(
    mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path, endpoint: Endpoint
) -> None:
    await _seed(control, 1)
    endpoint.fail = (401, {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
    async with mcp_as("alice", **_env(tmp_path, endpoint)) as alice:
        result = await alice.call_tool("nc_semantic_update_index", {})
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error and "401" in text and "Incorrect API key provided" in text, text
    assert "MCP_SEMANTIC_OPENAI_KEY" in text and KEY not in text


async def test_an_endpoint_that_is_not_there(mcp_as: McpFactory, control: httpx2.AsyncClient, tmp_path: Path) -> None:
    await _seed(control, 1)
    gone = Endpoint("http://127.0.0.1:9/v1")
    async with mcp_as("alice", **_env(tmp_path, gone)) as alice:
        result = await alice.call_tool("nc_semantic_search_items", {"query": "boiler"})
    text = result.content[0].text  # type: ignore[union-attr]
    assert result.is_error and "MCP_SEMANTIC_OPENAI_URL" in text and "127.0.0.1:9" in text, text
