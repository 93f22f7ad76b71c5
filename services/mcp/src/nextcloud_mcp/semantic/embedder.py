"""Embedders: text → vectors. `WordLlamaEmbedder` (default) runs on the CPU with the weights inside the `wordllama`
wheel and never touches the network; `OpenAIEmbedder` calls an OpenAI-compatible `/embeddings` endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
import httpx2

from nextcloud_mcp.config import Settings
from nextcloud_mcp.core.errors import ConfigError, NextcloudMCPError

__all__ = ["Embedder", "OpenAIEmbedder", "WordLlamaEmbedder", "make_embedder"]


class Embedder(Protocol):
    """`name` (with `dim`) names the vector space: the index keeps one collection per space."""

    name: str
    dim: int

    async def embed(self, texts: list[str]) -> list[list[float]]: ...


class WordLlamaEmbedder:
    """WordLlama `l2_supercat` at 256 dimensions, loaded from the package's own folder with downloads disabled:
    wordllama 0.4 looks for its bundled tokenizer under `tokenizer/` but ships it under `tokenizers/`, so the
    package folder is given as the cache folder, where both files are found."""

    name = "wordllama-l2-supercat"
    dim = 256

    def __init__(self) -> None:
        import wordllama  # type: ignore[import-untyped]

        folder = Path(wordllama.__file__).parent
        self._model: Any = wordllama.WordLlama.load(dim=self.dim, cache_dir=folder, disable_download=True)

    async def embed(self, texts: list[str]) -> list[list[float]]:
        vectors = await anyio.to_thread.run_sync(lambda: self._model.embed(texts, norm=True))
        return [[float(x) for x in row] for row in vectors]


class OpenAIEmbedder:
    """`POST {url}/embeddings` with `{"model", "input"}` (OpenAI, vLLM, Ollama, LocalAI, …), `BATCH` texts per
    request. The endpoint receives the text being indexed: point it at a service you trust with it."""

    BATCH = 64

    def __init__(self, url: str, model: str, key: str | None) -> None:
        self.name = f"openai-{model}"
        self.dim = 0  # learnt from the first answer
        self._url = url.rstrip("/") + "/embeddings"
        self._model = model
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}

    async def embed(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        async with httpx2.AsyncClient(timeout=60) as client:
            for start in range(0, len(texts), self.BATCH):
                vectors.extend(await self._batch(client, texts[start : start + self.BATCH]))
        if vectors:
            self.dim = len(vectors[0])
        return vectors

    async def _batch(self, client: httpx2.AsyncClient, texts: list[str]) -> list[list[float]]:
        try:
            response = await client.post(self._url, json={"model": self._model, "input": texts}, headers=self._headers)
        except httpx2.HTTPError as exc:
            raise NextcloudMCPError(
                f"The embedding endpoint {self._url} did not answer ({type(exc).__name__}); "
                "check MCP_SEMANTIC_OPENAI_URL and that the service runs."
            ) from None
        if response.status_code != 200:
            raise NextcloudMCPError(
                f"The embedding endpoint {self._url} answered {response.status_code}: {_error(response)}"
                + (" Check MCP_SEMANTIC_OPENAI_KEY." if response.status_code in (401, 403) else "")
                + (f" Check MCP_SEMANTIC_OPENAI_MODEL ({self._model})." if response.status_code == 404 else "")
            )
        try:
            data = sorted(response.json()["data"], key=lambda d: d["index"])
            vectors = [[float(x) for x in d["embedding"]] for d in data]
        except (ValueError, KeyError, TypeError):
            raise NextcloudMCPError(
                f"The embedding endpoint {self._url} answered without OpenAI's `data[].embedding` list; "
                "is MCP_SEMANTIC_OPENAI_URL the API's base (ending in /v1)?"
            ) from None
        if len(vectors) != len(texts):
            raise NextcloudMCPError(f"The embedding endpoint returned {len(vectors)} vectors for {len(texts)} texts.")
        return vectors


def _error(response: httpx2.Response) -> str:
    """The endpoint's own message (OpenAI's `{"error": {"message"}}`, or the start of the body)."""
    try:
        error = response.json().get("error")
    except ValueError:
        return response.text[:200]
    message = error.get("message") if isinstance(error, dict) else error
    return str(message)[:200] if message else response.text[:200]


def make_embedder(settings: Settings) -> Embedder:
    if settings.mcp_semantic_embedder == "openai":
        if not settings.mcp_semantic_openai_url:
            raise ConfigError("MCP_SEMANTIC_EMBEDDER=openai needs MCP_SEMANTIC_OPENAI_URL.")
        key = settings.mcp_semantic_openai_key
        return OpenAIEmbedder(
            settings.mcp_semantic_openai_url,
            settings.mcp_semantic_openai_model,
            key.get_secret_value() if key else None,
        )
    return WordLlamaEmbedder()
