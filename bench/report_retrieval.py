"""The retrieval section of docs/performance.md (`bench/retrieval.py`'s results)."""

from __future__ import annotations

import textwrap
from typing import Any

__all__ = ["render_retrieval"]

Check = tuple[str, str, str, bool, str]  # as in report.py
SOURCES = ("notes", "text files", "documents")
LABELS = {
    "unified": "Unified search, the query as typed (`nc_search_query_items`)",
    "unified_keywords": "Unified search, word by word (each word of 4+ letters; ranked by words matched)",
    "hybrid": "**Hybrid** (`nc_semantic_search_items`: dense + BM25, reciprocal rank fusion)",
    "dense": "Dense only (WordLlama embeddings; in-process, same index)",
    "lexical": "Lexical only (BM25 sparse vectors; in-process, same index)",
}
MARGIN = 0.15  # "clearly above": hybrid recall@5 at least this much over the best unified-search baseline


def _cell(figures: dict[str, float] | None) -> str:
    return "-" if not figures else f"{figures['recall5']:.2f} / {figures['mrr']:.2f}"


def _wrap(text: str) -> str:
    return textwrap.fill(text, 116, break_long_words=False, break_on_hyphens=False)


def _rank(rank: int | None) -> str:
    return str(rank) if rank else "-"


def _documents(q: dict[str, Any], indexed_files: int, files: int) -> str:
    docs = q["hybrid"].get("documents")
    if docs and docs["recall5"] == 0:
        return (
            "Documents score 0 for every method: unified search only sees their names, and the semantic indexer "
            f"does not extract PDF or Office text yet, so they are not in the index ({indexed_files} of {files} "
            "files indexed)."
        )
    return f"Unified search only sees documents' names; the index reads their text ({indexed_files} of {files} files)."


def _indexed_recall(quality: dict[str, dict[str, float]]) -> float:
    """recall@5 over the queries whose answer the index reads today (notes and text files)."""
    parts = [quality[s] for s in ("notes", "text files") if s in quality]
    asked = sum(p["queries"] for p in parts)
    return sum(p["recall5"] * p["queries"] for p in parts) / asked if asked else 0.0


def _corpus(c: dict[str, Any], q: dict[str, Any]) -> str:
    per_source = ", ".join(f"{s} {q['hybrid'][s]['queries']}" for s in SOURCES if s in q["hybrid"])
    return (
        "**Corpus** (`bench/retrieval_corpus.py`, `bench/retrieval_facts.py`, seeded random, so every run is the "
        f"same): {c['facts']} hand-written facts, each stored once in alice's account, among {c['distractors']} "
        "generated distractors (everyday notes and Markdown files over the same vocabulary): "
        f"{c['objects']} objects, {c['notes']} notes and {c['files']} files; {c['documents']} of the facts are "
        f"documents (.docx, .odt, .xlsx, .pdf). **{c['queries']} queries** ask for the facts in other words "
        "(*when does the heater warranty expire* for *boiler under guarantee until March 2027*); each has one "
        f"right answer (the note, or the file's path). Queries per source of the answer: {per_source}."
    )


def _findings(ret: dict[str, Any], baseline: float) -> str:
    c, ix, q = ret["corpus"], ret["indexing"], ret["quality"]
    return (
        "MRR counts ranks 1-10 (0 below); a result listing several chunks of one object counts the object once. "
        "Unified search cannot answer a question as typed: Nextcloud's notes provider matches the whole term "
        "inside a note's title or text, the files provider only file names. Word by word, it finds an answer when "
        "the query shares a word with it, among every note that also has that word. **Hybrid search finds "
        f"{q['hybrid']['all']['recall5']:.0%} of the answers in its top 5, against {baseline:.0%} for the best "
        "unified search**; on what the index reads today (notes and text files) "
        f"{_indexed_recall(q['hybrid']):.0%}. {_documents(q, ix['objects_indexed'].get('files', 0), c['files'])}"
    )


def render_retrieval(ret: dict[str, Any], checks: list[Check]) -> str:
    c, ix, q = ret["corpus"], ret["indexing"], ret["quality"]
    hybrid, dense = q["hybrid"]["all"], q["dense"]["all"]
    best = max(("unified", "unified_keywords"), key=lambda m: q[m]["all"]["recall5"])
    baseline = q[best]["all"]["recall5"]
    checks.append(
        (
            "Retrieval recall@5: hybrid vs unified search",
            f"{hybrid['recall5']:.2f} vs {baseline:.2f}",
            f"≥ unified + {MARGIN:.2f}",
            hybrid["recall5"] >= baseline + MARGIN,
            "documents (PDF, Office) are not indexed yet",
        )
    )
    rows = [
        f"| {LABELS[m]} | {_cell(q[m]['all'])} | " + " | ".join(_cell(q[m].get(s)) for s in SOURCES) + " |"
        for m in LABELS
    ]
    when = f" (measured {ret['measured']})" if "measured" in ret else ""
    lexical = q["lexical"]["all"]["recall5"]
    if dense["recall5"] > hybrid["recall5"] or dense["mrr"] > hybrid["mrr"]:
        fusion = (
            f"**Fusion costs here**: the dense ranking alone does better ({dense['recall5']:.2f} / {dense['mrr']:.2f}) "
            f"than the hybrid one. These queries avoid the answers' words on purpose, so the BM25 list (alone "
            f"{lexical:.2f}) is mostly objects sharing an incidental word with the query: a function word that is "
            "rare in this corpus (*when*, *does*: no stopwords are dropped) or a topic word (*club*, *appointment*). "
            "Reciprocal rank fusion weighs its top hits like the dense ones and pushes right answers down. BM25 "
            "earns its place on queries that share the text's rare words (names, codes, numbers: *HH-4471*, "
            "*Brightwave*), which this set leaves out; stopwords and a weighted fusion, measured on both kinds of "
            "query, are the next step."
        )
    else:
        fusion = (
            f"Fusion helps: the hybrid ranking beats the dense one alone ({dense['recall5']:.2f} / "
            f"{dense['mrr']:.2f}) and the lexical one alone ({lexical:.2f})."
        )
    missed = [m for m in ret["hybrid_misses"] if m["source"] != "documents"]
    examples = "; ".join(
        f"*{m['query']}* → {m['text'][:50].rstrip()}… (hybrid {_rank(m['hybrid'])}, dense {_rank(m['dense'])})"
        for m in missed[:6]
    )
    misses = (
        f"Where hybrid search misses a note or text file ({len(missed)} queries; the answer's rank in the hybrid "
        f"and in the dense ranking, - for not in the top 10), e.g.: {examples}. WordLlama is a "
        "static token-embedding model (256 dimensions, no context): a paraphrase that needs world knowledge "
        "(*teeth hygiene* for *dental cleaning*) is beyond it."
    )
    return f"""## 9. Retrieval: unified search vs semantic (hybrid) search{when}

{_wrap(_corpus(c, q))}

| Method | recall@5 / MRR, all | notes | text files | documents |
|---|---|---|---|---|
{chr(10).join(rows)}

{_wrap(_findings(ret, baseline))}

{_wrap(fusion)}

{_wrap(misses)}

| Indexing, querying, size ({ix["first_s"]["runs"]} rounds, each a new server and folder) | median (min-max) |
|---|---|
{chr(10).join(f"| {label} | {value} |" for label, value in _costs(ret))}

{_wrap(_storage(ret))}
"""


def _s(spread: dict[str, float], fmt: str = "{:.0f}") -> str:
    """`median (min-max)` of a spread (as in report.py)."""
    return "{} ({}-{})".format(*(fmt.format(spread[k]) for k in ("median", "min", "max")))


def _costs(ret: dict[str, Any]) -> list[tuple[str, str]]:
    ix, lat, size = ret["indexing"], ret["latency_ms"], ret["index"]
    objects, chunks = sum(ix["objects_indexed"].values()), sum(ix["chunks"].values())
    hyb, uni, f2, f1 = lat["hybrid"], lat["unified"], "{:.2f}", "{:.1f}"
    return [
        (
            f"First index: {objects} objects, {chunks} chunks",
            f"{_s(ix['first_s'], f2)} s: **{_s(ix['docs_per_s'])} objects/s**, {_s(ix['chunks_per_s'])} chunks/s",
        ),
        ("Second index, nothing changed (etags compared, nothing embedded)", f"{_s(ix['second_s'], f2)} s"),
        ("Opening the index and loading the embedder (first semantic call)", f"{_s(ix['open_s'], f2)} s"),
        (
            f"`nc_semantic_search_items`, MCP round trip ({hyb['calls']} queries a round)",
            f"p50 **{_s(hyb['p50'], f1)} ms**, p99 {_s(hyb['p99'], f1)} ms",
        ),
        (
            "`nc_search_query_items` as typed, same queries (the fake searches in memory)",
            f"p50 {_s(uni['p50'], f1)} ms, p99 {_s(uni['p99'], f1)} ms",
        ),
        (
            "Index on disk (embedded Qdrant folder)",
            f"{size['bytes'] / 1e6:.2f} MB: **{size['bytes_per_1000_chunks'] / 1e6:.2f} MB per 1,000 chunks**",
        ),
    ]


def _storage(ret: dict[str, Any]) -> str:
    ix, size, calls = ret["indexing"], ret["index"], ret["latency_ms"]["hybrid"]["calls"]
    per_object = sum(ix["chunks"].values()) / max(1, sum(ix["objects_indexed"].values()))
    return (
        "Indexing reads every note and file from the fake over the server's HTTP client, chunks (~800 characters; "
        f"{per_object:.2f} chunks per object here), embeds on the CPU and upserts. The embedded Qdrant "
        "(`MCP_SEMANTIC_PATH`) pickles each point into SQLite (256 floats as Python floats, the sparse terms, the "
        f"payload with the chunk's text), hence {size['bytes_per_1000_chunks'] / 1e6:.1f} KB a chunk; a Qdrant "
        "server (`MCP_SEMANTIC_QDRANT_URL`) stores vectors differently and is not measured here. The p99 of "
        f"{calls} calls is close to their maximum."
    )
