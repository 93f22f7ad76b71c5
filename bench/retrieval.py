"""Retrieval (issue 25): a generated corpus with known answers, two query sets (paraphrases that avoid the text's
words; exact-word queries that type one of its rare words), and how well each way of searching finds the answer:
Nextcloud's unified search (as typed, and word by word), the hybrid `nc_semantic_search_items`, and its two halves
alone (dense, lexical); plus indexing throughput, query latency, the index's size and the server's memory (RSS
and peak RSS after start-up, after indexing and after the query sets; the embedded Qdrant's points included).

Everything a model would call goes through the stdio server (as alice, `MCP_SEMANTIC=true`, a fresh embedded
Qdrant folder). The dense-only and lexical-only rankings are read in-process from the same folder after the
server has stopped (embedded Qdrant locks its folder), with the server's own embedder and lexical weights.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import httpx2
from common import StdioRpc, percentile, rss_mb, server_argv, spread
from retrieval_corpus import EXACT, PARAPHRASE, Corpus, build_corpus

__all__ = ["measure_retrieval"]

Key = tuple[str, str]  # (app, object id): ("notes", "12") or ("files", "/Documents/a.md")
USER = "alice"
TOP = 10  # MRR counts ranks 1-10
METHODS = ("unified", "unified_keywords", "hybrid", "dense", "lexical")
_TIMED = ("open_s", "first_s", "second_s", "docs_per_s", "chunks_per_s")
_STAGES = ("started", "indexed", "queried")  # when the server's RSS is read (memory_mb)
_STOP = {"what", "when", "where", "which", "does", "have", "from", "with", "that", "this", "there", "their", "into",
         "much", "many", "long", "about", "would", "could", "should", "after", "before", "over", "your", "ours",
         "them", "they", "were", "been", "being", "will", "just", "than", "then", "also", "make", "made"}  # fmt: skip


def measure_retrieval(
    run_dir: Path, env: Mapping[str, str], facts: int, distractors: int, rounds: int
) -> dict[str, Any]:
    """`facts` of the 60 known answers among `distractors` generated objects, in alice's account on the fake.
    Timings are repeated `rounds` times, each by a new server indexing into a new folder; the rankings (the same
    every round: exact search over the same vectors) are scored from the first."""
    corpus = build_corpus(facts, distractors)
    answers, titles = _seed(env["NEXTCLOUD_HOST"], corpus)
    texts = [q.text for q in corpus.queries]
    rankings: dict[str, list[list[Key]]] = {}
    indexings: list[dict[str, Any]] = []
    latency: dict[str, list[dict[str, float]]] = {"hybrid": [], "unified": []}
    memory: dict[str, list[tuple[float, float]]] = {stage: [] for stage in _STAGES}
    for round_ in range(rounds):
        index = run_dir / f"retrieval-index-{round_}"
        server_env = {**env, "MCP_SEMANTIC": "true", "MCP_SEMANTIC_PATH": str(index)}
        with StdioRpc("retrieval", server_argv("--transport", "stdio"), run_dir, server_env) as rpc:
            rpc.initialize()
            rpc.request("tools/list")
            memory["started"].append(rss_mb(rpc.pid))
            indexings.append(_index(rpc))
            memory["indexed"].append(rss_mb(rpc.pid))

            def unified(term: str, limit: int = TOP) -> list[Key]:
                items = _items(rpc.call_tool("nc_search_query_items", {"term": term, "limit": limit}))
                return _dedupe(_unified_key(hit, titles) for hit in items)

            def hybrid(query: str) -> list[Key]:
                items = _items(rpc.call_tool("nc_semantic_search_items", {"query": query, "limit": 3 * TOP}))
                return _dedupe((hit["app"], hit["id"]) for hit in items)

            for name, search in (("unified", unified), ("hybrid", hybrid)):
                samples: list[float] = []
                rankings.setdefault(name, _timed(search, texts, samples))
                latency[name].append({"p50": percentile(samples, 50), "p99": percentile(samples, 99)})
            if not round_:
                rankings["unified_keywords"] = _keywords(texts, lambda word: unified(word, 25))
            memory["queried"].append(rss_mb(rpc.pid))
    rankings.update(anyio.run(_halves, index, texts))
    size = sum(p.stat().st_size for p in index.rglob("*") if p.is_file())
    chunks = sum(indexings[0]["chunks"].values())
    quality = {m: _score(rankings[m], corpus, answers) for m in METHODS}
    return {
        "corpus": {
            "facts": len(corpus.facts),
            "distractors": corpus.distractors,
            "objects": corpus.objects,
            "notes": len(corpus.notes),
            "files": len(corpus.files),
            "documents": sum(1 for f in corpus.facts if f.source == "documents"),
            "queries": len(corpus.queries),
            **{kind: sum(1 for q in corpus.queries if q.kind == kind) for kind in (PARAPHRASE, EXACT)},
        },
        "indexing": {
            "objects_indexed": indexings[0]["objects_indexed"],
            "chunks": indexings[0]["chunks"],
            **{k: spread([i[k] for i in indexings]) for k in _TIMED},
        },
        "latency_ms": {
            name: {"calls": len(texts), **{q: spread([r[q] for r in runs]) for q in ("p50", "p99")}}
            for name, runs in latency.items()
        },
        "quality": quality,
        "memory_mb": {
            stage: {"rss": spread([r for r, _ in readings]), "peak": spread([p for _, p in readings])}
            for stage, readings in memory.items()
        },
        "index": {"bytes": size, "chunks": chunks, "bytes_per_1000_chunks": size / chunks * 1000 if chunks else 0},
        "hybrid_misses": _misses(rankings, corpus, answers),
    }


def _seed(url: str, corpus: Corpus) -> tuple[list[Key], dict[str, str]]:
    """Seed alice's notes and files; the answer of each fact, and note title -> note id (a note is also a file
    under /Notes, which the files provider finds by name)."""
    with httpx2.Client(base_url=url, trust_env=False, timeout=60) as control:
        made = control.post("/__testbed__/seed/notes", json={"user": USER, "notes": corpus.notes})
        made.raise_for_status()
        control.post("/__testbed__/seed/files", json={"user": USER, "files": corpus.files}).raise_for_status()
    notes = made.json()["notes"]
    titles = {str(n["title"]): str(n["id"]) for n in notes}  # as Nextcloud names them (no ':' or '/')
    ids = iter(str(n["id"]) for n in notes)  # the facts' notes come first, in order
    answers: list[Key] = [("notes", next(ids)) if fact.is_note else ("files", fact.where) for fact in corpus.facts]
    return answers, titles


def _items(result: dict[str, Any]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = result["structuredContent"]["items"]
    return items


def _index(rpc: StdioRpc) -> dict[str, Any]:
    """The first (full) index and a second, unchanged one; opening the index and loading the embedder happens
    at the first semantic call (`nc_semantic_get_index`), timed apart."""
    started = time.perf_counter()
    rpc.call_tool("nc_semantic_get_index", {})
    opened = time.perf_counter()
    status = rpc.call_tool("nc_semantic_update_index", {})["structuredContent"]
    first = time.perf_counter()
    again = rpc.call_tool("nc_semantic_update_index", {})["structuredContent"]
    second = time.perf_counter()
    indexed = status["last_changes"]["indexed"]
    objects, chunks = sum(indexed.values()), sum(status["chunks"].values())
    if sum(again["last_changes"]["indexed"].values()):
        raise RuntimeError(f"the second update re-indexed unchanged objects: {again['last_changes']}")
    return {
        "open_s": opened - started,
        "first_s": first - opened,
        "second_s": second - first,
        "objects_indexed": indexed,
        "chunks": status["chunks"],
        "docs_per_s": objects / (first - opened),
        "chunks_per_s": chunks / (first - opened),
    }


def _unified_key(hit: dict[str, Any], titles: Mapping[str, str]) -> Key | None:
    """The object a unified-search hit names: a note (by its link, or its file under /Notes), or a file."""
    if hit["provider"] == "notes":
        return "notes", hit["url"].rstrip("/").rsplit("/", 1)[-1]
    path = hit.get("path")
    if hit["provider"] != "files" or not path:
        return None
    if path.startswith("/Notes/"):
        note = titles.get(path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
        return ("notes", note) if note else None
    return "files", path


def _dedupe(keys: Any) -> list[Key]:
    """Objects in rank order, each once (a search may return several chunks of one object), at most TOP."""
    seen: list[Key] = []
    for key in keys:
        if key is not None and key not in seen:
            seen.append(key)
    return seen[:TOP]


def _timed(search: Callable[[str], list[Key]], queries: Sequence[str], samples: list[float]) -> list[list[Key]]:
    search(queries[0])  # warm-up: first-use imports and connections
    out = []
    for query in queries:
        started = time.perf_counter()
        out.append(search(query))
        samples.append((time.perf_counter() - started) * 1000)
    return out


def _keywords(queries: Sequence[str], search: Callable[[str], list[Key]]) -> list[list[Key]]:
    """A generous lexical baseline: each word of 4+ letters (not a stopword) searched on its own; objects ranked by
    how many of the query's words found them, then by their best rank."""
    cache: dict[str, list[Key]] = {}
    out = []
    for query in queries:
        score: dict[Key, tuple[int, int]] = {}
        for word in dict.fromkeys(re.findall(r"[a-z0-9]{4,}", query.casefold())):
            if word in _STOP:
                continue
            found = cache[word] if word in cache else cache.setdefault(word, search(word))
            for rank, key in enumerate(found):
                hits, best = score.get(key, (0, rank))
                score[key] = (hits + 1, min(best, rank))
        out.append(sorted(score, key=lambda k: (-score[k][0], score[k][1]))[:TOP])
    return out


async def _halves(index: Path, queries: Sequence[str]) -> dict[str, list[list[Key]]]:
    """The dense (embedding) and lexical (BM25) rankings alone, from the index the server wrote."""
    from qdrant_client import AsyncQdrantClient
    from qdrant_client import models as qm

    from nextcloud_mcp.semantic.embedder import WordLlamaEmbedder
    from nextcloud_mcp.semantic.lexical import sparse_terms
    from nextcloud_mcp.semantic.store import DENSE, LEXICAL

    embedder = WordLlamaEmbedder()
    client = AsyncQdrantClient(path=str(index))
    try:
        names = [c.name for c in (await client.get_collections()).collections]
        [collection] = [n for n in names if n.startswith("nc_chunks_")]
        mine = qm.Filter(must=[qm.FieldCondition(key="user", match=qm.MatchValue(value=USER))])
        out: dict[str, list[list[Key]]] = {"dense": [], "lexical": []}
        for query in queries:
            [vector] = await embedder.embed([query])
            indices, values = sparse_terms(query, query=True)
            sparse = qm.SparseVector(indices=indices, values=values)
            asks: list[tuple[str, str, Any]] = [("dense", DENSE, vector), ("lexical", LEXICAL, sparse)]
            for name, using, vec in asks:
                result = await client.query_points(
                    collection, query=vec, using=using, query_filter=mine, limit=3 * TOP, with_payload=True
                )
                payloads = [p.payload or {} for p in result.points]
                out[name].append(_dedupe((p["app"], str(p["object"])) for p in payloads))
        return out
    finally:
        await client.close()


def _score(rankings: list[list[Key]], corpus: Corpus, answers: list[Key]) -> dict[str, dict[str, float]]:
    """recall@5 and MRR (ranks 1-10), over all queries, per query set (paraphrase, exact) and per source of the
    answer."""
    groups: dict[str, list[int | None]] = {"all": []}
    for query, ranking in zip(corpus.queries, rankings, strict=True):
        rank = _rank(ranking, answers[query.fact])
        groups["all"].append(rank)
        groups.setdefault(query.kind, []).append(rank)
        groups.setdefault(query.source, []).append(rank)
    return {
        name: {
            "recall5": sum(1 for r in ranks if r is not None and r <= 5) / len(ranks),
            "mrr": sum(1 / r for r in ranks if r is not None) / len(ranks),
            "queries": len(ranks),
        }
        for name, ranks in groups.items()
    }


def _misses(rankings: Mapping[str, list[list[Key]]], corpus: Corpus, answers: list[Key]) -> list[dict[str, Any]]:
    """The queries whose answer hybrid search did not rank in its top 5, with the answer's rank in the hybrid and
    the dense ranking (None: not in the top 10)."""
    out = []
    for n, query in enumerate(corpus.queries):
        answer = answers[query.fact]
        ranks = {m: _rank(rankings[m][n], answer) for m in ("hybrid", "dense")}
        if ranks["hybrid"] is None or ranks["hybrid"] > 5:
            fact = corpus.facts[query.fact]
            asked = {"query": query.text, "kind": query.kind, "source": query.source}
            out.append({**asked, "answer": fact.where, "text": fact.text, **ranks})
    return out


def _rank(ranking: list[Key], answer: Key) -> int | None:
    return ranking.index(answer) + 1 if answer in ranking else None
