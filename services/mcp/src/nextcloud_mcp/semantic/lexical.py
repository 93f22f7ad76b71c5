"""The lexical side of the hybrid ranking: words → a sparse vector for Qdrant, whose IDF modifier turns the
term weights below into BM25 (the `k1` saturation is applied here; Qdrant multiplies by each term's IDF)."""

from __future__ import annotations

import re
import zlib
from collections import Counter

__all__ = ["sparse_terms", "words"]

K1 = 1.2
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased words of two or more characters."""
    return [w for w in _WORD.findall(text.casefold()) if len(w) > 1]


def sparse_terms(text: str, *, query: bool = False) -> tuple[list[int], list[float]]:
    """(indices, values): each word hashed to a 31-bit index; a document's weight saturates with its count
    (BM25's tf part); a query's words weigh 1 each."""
    counts = Counter(zlib.crc32(w.encode()) & 0x7FFFFFFF for w in words(text))
    indices = sorted(counts)
    if query:
        return indices, [1.0] * len(indices)
    return indices, [counts[i] * (K1 + 1) / (counts[i] + K1) for i in indices]
