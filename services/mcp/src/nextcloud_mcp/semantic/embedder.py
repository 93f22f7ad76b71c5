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
    """`POST {url}/embeddings` with `{"model", "input"}` (OpenAI, vLLM, Ollama, LocalAI, …)."""

    def __init__(self, url: str, model: str, key: str | None) -> None:
        self.name = f"openai-{model}"
        self.dim = 0  # learnt from the first answer
        self._url = url.rstrip("/") + "/embeddings"
        self._model = model
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}

    async def embed(self, texts: list[str]) -> list[list[float]]:
        async with httpx2.AsyncClient(timeout=60) as client:
            response = await client.post(self._url, json={"model": self._model, "input": texts}, headers=self._headers)
        if response.status_code != 200:
            raise NextcloudMCPError(f"The embedding endpoint answered {response.status_code}: {response.text[:200]}")
        data = sorted(response.json()["data"], key=lambda d: d["index"])
        vectors = [[float(x) for x in d["embedding"]] for d in data]
        if vectors:
            self.dim = len(vectors[0])
        return vectors


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
