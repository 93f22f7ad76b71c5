"""The retrieval section of docs/performance.md (`bench/retrieval.py`'s results)."""

from __future__ import annotations

import textwrap
from typing import Any

__all__ = ["render_retrieval"]

Check = tuple[str, str, str, bool, str]  # as in report.py
SOURCES = ("notes", "text files", "documents")
SETS = ("paraphrase", "exact")  # the query sets (retrieval_corpus.py)
LABELS = {
    "unified": "Unified search, the query as typed (`nc_search_query_items`)",
    "unified_keywords": "Unified search, word by word (each word of 4+ letters; ranked by words matched)",
    "hybrid": "**Hybrid** (`nc_semantic_search_items`: dense + BM25, weighted reciprocal rank fusion)",
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
        f"documents (.docx, .odt, .xlsx, .pdf). **{c['queries']} queries** in two sets: {c.get('paraphrase', 0)} "
        "*paraphrased* ones ask in other words, sharing no rare word with the answer (*when does the heater "
        "warranty expire* for *boiler under guarantee until March 2027*); "
        f"{c.get('exact', 0)} *exact-word* ones type a rare word the person remembers (a name, code, number, "
        "product) and a word of context (*HH-4471 repair*, *Brightwave invoice*, *salary 25th*). Each has one "
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
    hybrid = q["hybrid"]["all"]
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
        f"| {LABELS[m]} | {_cell(q[m]['all'])} | " + " | ".join(_cell(q[m].get(s)) for s in SETS + SOURCES) + " |"
        for m in LABELS
    ]
    when = f" (measured {ret['measured']})" if "measured" in ret else ""
    fusion = _fusion(q)
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

| Method (recall@5 / MRR) | all queries | paraphrased | exact words | notes | text files | documents |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

{_wrap(_findings(ret, baseline))}

{_wrap(fusion)}

{_wrap(misses)}

| Indexing, querying, size ({ix["first_s"]["runs"]} rounds, each a new server and folder) | median (min-max) |
|---|---|
{chr(10).join(f"| {label} | {value} |" for label, value in _costs(ret))}

{_wrap(_storage(ret))}
"""


def _fusion(q: dict[str, Any]) -> str:
    """Where each half wins, per query set, and what the fusion makes of them."""
    hybrid, dense, lexical = q["hybrid"], q["dense"], q["lexical"]

    def para(method: dict[str, Any]) -> str:
        return _cell(method.get("paraphrase"))

    def exact(method: dict[str, Any]) -> str:
        return _cell(method.get("exact"))

    h, d = hybrid["all"], dense["all"]
    if h["recall5"] >= d["recall5"] and h["mrr"] >= d["mrr"]:
        verdict = f"on all queries {_cell(h)}, ahead of the dense ranking alone ({_cell(d)})"
    elif h["recall5"] >= d["recall5"]:
        verdict = (
            f"on all queries it finds more answers in its top 5 than the dense ranking alone ({h['recall5']:.2f} "
            f"against {d['recall5']:.2f}) but ranks them a little lower (MRR {h['mrr']:.2f} against {d['mrr']:.2f})"
        )
    else:
        verdict = f"**the dense ranking alone still does better on all queries** ({_cell(d)} against {_cell(h)})"
    return (
        f"**Where each half wins.** On paraphrases the dense ranking ({para(dense)}) is far ahead of BM25 "
        f"({para(lexical)}), which finds an answer only through a shared word. On exact words both find nearly every "
        f"answer (dense {exact(dense)}, BM25 {exact(lexical)}): WordLlama embeds a short query's rare word well, so "
        "in a corpus this size BM25's edge is a few queries, where the context word pulls the embedding elsewhere "
        "(*Miles & More card*). The fusion drops a query's function words (*when*, *does*, *wann*, *quand*; "
        "English, German, French, Spanish, Italian and Dutch) before BM25, which ranked up any note that happened "
        "to contain them, and weighs the dense ranking 3 to 1 in reciprocal rank fusion (`FUSION_WEIGHTS`, "
        "semantic/store.py), so a BM25 top hit on an incidental word no longer outranks the dense top three. "
        f"Hybrid search: paraphrases {para(hybrid)}, exact words {exact(hybrid)}; {verdict}. Dropping function "
        "words costs BM25 alone a few lucky matches on paraphrases (*who* in a spreadsheet's *Who* column). BM25 "
        "ties (notes sharing one query word equally often) are ordered differently by the server's live index and "
        "by the folder reopened in-process, so the halves and an in-process hybrid can differ by a rank here and there."
    )


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
        *_memory(ret.get("memory_mb")),
    ]


def _memory(memory: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The stdio server's RSS (VmRSS) and peak RSS (VmHWM) at each stage (absent from older results)."""
    if not memory:
        return []
    labels = {
        "started": "Server RSS after start-up and `tools/list` (`MCP_SEMANTIC=true`)",
        "indexed": "Server RSS after indexing (embedder loaded, embedded index open)",
        "queried": "Server RSS after the query sets",
    }
    return [
        (label, f"{_s(memory[stage]['rss'], '{:.1f}')} MiB, peak {_s(memory[stage]['peak'], '{:.1f}')} MiB")
        for stage, label in labels.items()
        if stage in memory
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
        f"{calls} calls is close to their maximum. The server's RSS includes the embedded Qdrant, which keeps every "
        "point in the server's memory; with a Qdrant server the points live there instead, so these figures bound "
        "a server-mode replica from above (deploy/kubernetes/components/semantic sizes its requests from them)."
    )
