"""The index in Qdrant: embedded local mode (a folder, one machine) or a Qdrant server (replicas share it).

Isolation by construction: every method takes the Nextcloud user id, every point carries it in its `user`
payload, and every read, count and delete is filtered on it; there is no call without a user.

Three collections: the chunks (per embedder), each user's last sync status, and the objects that could not be
indexed (`skip`: an encrypted or corrupt document, with the etag it had and why), so a sync does not read them
again until they change.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qdrant_client import AsyncQdrantClient
from qdrant_client import models as qm

from nextcloud_mcp.semantic.lexical import sparse_terms
from nextcloud_mcp.semantic.qdrant import connect

__all__ = ["Chunk", "Found", "SemanticStore", "Skipped", "close_stores", "open_store"]

DENSE, LEXICAL = "dense", "lexical"
STATUS = "semantic_status"
SKIPPED = "semantic_skipped"
_NS = uuid.UUID("6f1d5c1e-2b1b-4f57-9a55-7f0e52f3b0a1")
_STORES: dict[str, SemanticStore] = {}  # one client per folder or URL: embedded Qdrant locks its folder
# Reciprocal rank fusion weights of the dense and the lexical ranking. Qdrant scores a point at rank r (from 0)
# of a ranking weighted w as 1 / (k + (r + 1) / w - 1), k = 2 (qdrant/landing_page documentation/search/
# hybrid-queries.md, "Weighted RRF"; qdrant-client hybrid/fusion.py in embedded mode): at 3 to 1 the dense third
# hit ties with the lexical first. Measured in-process on the retrieval benchmark's index (docs/performance.md
# section 9: paraphrased and exact-word queries), function words dropped from queries: equal weights let BM25's
# top hits, often a shared incidental word, push right answers down on paraphrases (recall@5 0.75, dense alone
# 0.78); 3 to 1 gives 0.79 and keeps the exact-word set at 0.98 (dense alone 0.96). Weights 3, 4 and 6 rank
# identically, 1.5 and 2 in between, and each half of the facts alone picks 3: a plateau, not a tuned point. Also
# measured and not taken: `k` = 60 (0.69 on paraphrases), DBSF (0.69), smaller prefetches (no gain with weights).
# Weights need Qdrant 1.17 or later in server mode (1.16 added `k`, left at its default 2 here).
FUSION_WEIGHTS = (3.0, 1.0)


@dataclass(frozen=True)
class Chunk:
    app: str
    object_id: str
    title: str
    etag: str
    number: int
    text: str


@dataclass(frozen=True)
class Skipped:
    etag: str
    reason: str
    at: float  # when it was found unindexable (epoch seconds)


@dataclass(frozen=True)
class Found:
    app: str
    object_id: str
    title: str
    text: str
    score: float
    etag: str = ""


def open_store(location: str, *, url: bool, api_key: str | None, space: str) -> SemanticStore:
    """The process's one store for this folder or server URL and vector space (embedder name)."""
    key = f"{location}\0{space}"
    store = _STORES.get(key)
    if store is None:
        store = _STORES[key] = SemanticStore(connect(location, url=url, api_key=api_key), space, indexes=url)
    return store


async def close_stores() -> None:
    """Close every store's client (releases an embedded index's folder lock)."""
    while _STORES:
        _, store = _STORES.popitem()
        await store.close()


def _mine(user: str, *more: qm.FieldCondition) -> qm.Filter:
    return qm.Filter(must=[qm.FieldCondition(key="user", match=qm.MatchValue(value=user)), *more])


class SemanticStore:
    def __init__(self, client: AsyncQdrantClient, space: str, *, indexes: bool) -> None:
        self._client = client
        self._indexes = indexes  # payload indexes: a Qdrant server uses them, embedded mode has none
        self._collection = "nc_chunks_" + re.sub(r"[^A-Za-z0-9_]+", "_", space)
        self._ready = False

    async def _ensure(self, dim: int) -> bool:
        """Create the collections (chunks, once their dimension is known; status); False when there are none."""
        if self._ready:
            return True
        client = self._client
        for small in (STATUS, SKIPPED):
            if not await client.collection_exists(small):
                await client.create_collection(small, vectors_config=qm.VectorParams(size=1, distance=qm.Distance.DOT))
                if self._indexes:
                    await client.create_payload_index(small, "user", qm.PayloadSchemaType.KEYWORD)
        if not await client.collection_exists(self._collection):
            if not dim:
                return False
            await client.create_collection(
                self._collection,
                vectors_config={DENSE: qm.VectorParams(size=dim, distance=qm.Distance.COSINE)},
                sparse_vectors_config={LEXICAL: qm.SparseVectorParams(modifier=qm.Modifier.IDF)},
            )
            for field in ("user", "app", "object") if self._indexes else ():
                await client.create_payload_index(self._collection, field, qm.PayloadSchemaType.KEYWORD)
        self._ready = True
        return True

    async def close(self) -> None:
        await self._client.close()

    async def versions(self, user: str, app: str) -> dict[str, str]:
        """Object id → indexed etag, of this user's objects of `app`."""
        if not await self._ensure(0):
            return {}
        found: dict[str, str] = {}
        offset: Any = None
        only = _mine(user, qm.FieldCondition(key="app", match=qm.MatchValue(value=app)))
        while True:
            points, offset = await self._client.scroll(
                self._collection, scroll_filter=only, limit=512, offset=offset, with_payload=["object", "etag"]
            )
            for p in points:
                payload = p.payload or {}
                found[str(payload["object"])] = str(payload["etag"])
            if offset is None:
                return found

    async def replace(
        self, user: str, app: str, object_id: str, chunks: list[Chunk], vectors: list[list[float]]
    ) -> None:
        """The object's chunks, instead of those indexed before."""
        await self.remove(user, app, object_id)
        if not chunks or not await self._ensure(len(vectors[0])):
            return
        points = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            indices, values = sparse_terms(f"{chunk.title}\n{chunk.text}")
            pid = uuid.uuid5(_NS, f"{user}\0{app}\0{object_id}\0{chunk.number}")
            payload = {
                "user": user, "app": app, "object": object_id, "title": chunk.title,
                "etag": chunk.etag, "chunk": chunk.number, "text": chunk.text,
            }  # fmt: skip
            vec: dict[str, Any] = {DENSE: vector, LEXICAL: qm.SparseVector(indices=indices, values=values)}
            points.append(qm.PointStruct(id=str(pid), vector=vec, payload=payload))
        await self._client.upsert(self._collection, points=points)

    async def remove(self, user: str, app: str, object_id: str) -> None:
        if not await self._ensure(0):
            return
        only = _mine(
            user,
            qm.FieldCondition(key="app", match=qm.MatchValue(value=app)),
            qm.FieldCondition(key="object", match=qm.MatchValue(value=object_id)),
        )
        await self._client.delete(self._collection, points_selector=qm.FilterSelector(filter=only))

    @staticmethod
    def _skip_id(user: str, app: str, object_id: str) -> str:
        return str(uuid.uuid5(_NS, f"skip\0{user}\0{app}\0{object_id}"))

    async def skip(self, user: str, app: str, object_id: str, etag: str, reason: str) -> None:
        """Remember that this version (`etag`) of the object cannot be indexed, and why."""
        await self._ensure(0)
        payload = {"user": user, "app": app, "object": object_id, "etag": etag, "reason": reason, "at": time.time()}
        point = qm.PointStruct(id=self._skip_id(user, app, object_id), vector=[1.0], payload=payload)
        await self._client.upsert(SKIPPED, points=[point])

    async def unskip(self, user: str, app: str, object_id: str) -> None:
        await self._ensure(0)
        await self._client.delete(SKIPPED, points_selector=[self._skip_id(user, app, object_id)])

    async def skipped(self, user: str, app: str) -> dict[str, Skipped]:
        """Object id → the version that could not be indexed, why and when, of this user's objects of `app`."""
        await self._ensure(0)
        found: dict[str, Skipped] = {}
        offset: Any = None
        only = _mine(user, qm.FieldCondition(key="app", match=qm.MatchValue(value=app)))
        while True:
            points, offset = await self._client.scroll(
                SKIPPED, scroll_filter=only, limit=512, offset=offset, with_payload=True
            )
            for p in points:
                payload = p.payload or {}
                found[str(payload["object"])] = Skipped(
                    str(payload["etag"]), str(payload.get("reason", "")), float(payload.get("at", 0.0))
                )
            if offset is None:
                return found

    async def search(self, user: str, query: str, vector: list[float], limit: int) -> list[Found]:
        """The user's best chunks: the dense (meaning) and lexical (BM25) rankings fused by weighted reciprocal
        rank (`FUSION_WEIGHTS`)."""
        if not await self._ensure(0):
            return []
        mine = _mine(user)
        indices, values = sparse_terms(query, query=True)
        prefetch = [qm.Prefetch(query=vector, using=DENSE, filter=mine, limit=limit * 4)]
        if indices:
            sparse = qm.SparseVector(indices=indices, values=values)
            prefetch.append(qm.Prefetch(query=sparse, using=LEXICAL, filter=mine, limit=limit * 4))
        result = await self._client.query_points(
            self._collection,
            prefetch=prefetch,
            query=qm.RrfQuery(rrf=qm.Rrf(weights=list(FUSION_WEIGHTS[: len(prefetch)]))),
            query_filter=mine,
            limit=limit,
            with_payload=True,
        )
        hits = []
        for p in result.points:
            payload = p.payload or {}
            if payload.get("user") != user:  # the filter already guarantees it; never let a stranger's chunk out
                continue
            hits.append(
                Found(
                    payload["app"],
                    str(payload["object"]),
                    payload["title"],
                    payload["text"],
                    p.score,
                    str(payload.get("etag", "")),
                )
            )
        return hits

    async def counts(self, user: str, apps: Sequence[str]) -> dict[str, int]:
        """Chunks per app, of this user."""
        if not await self._ensure(0):
            return {}
        counts: dict[str, int] = {}
        for app in apps:
            only = _mine(user, qm.FieldCondition(key="app", match=qm.MatchValue(value=app)))
            counts[app] = (await self._client.count(self._collection, count_filter=only, exact=True)).count
        return counts

    async def save_status(self, user: str, status: dict[str, Any]) -> None:
        """The user's sync record, replaced; `at` (the sync's time) is now unless `status` says otherwise."""
        await self._ensure(0)
        payload = {"at": time.time(), **status, "user": user}
        point = qm.PointStruct(id=str(uuid.uuid5(_NS, f"status\0{user}")), vector=[1.0], payload=payload)
        await self._client.upsert(STATUS, points=[point])

    async def update_status(self, user: str, fields: dict[str, Any]) -> None:
        """Change some fields of the user's sync record (nothing when there is none)."""
        saved = await self.status(user)
        if saved is not None:
            await self.save_status(user, {**saved, **fields})

    async def status(self, user: str) -> dict[str, Any] | None:
        await self._ensure(0)
        points, _ = await self._client.scroll(STATUS, scroll_filter=_mine(user), limit=1, with_payload=True)
        return dict(points[0].payload or {}) if points else None
