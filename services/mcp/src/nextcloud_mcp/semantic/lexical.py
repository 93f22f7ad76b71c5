"""The lexical side of the hybrid ranking: words → a sparse vector for Qdrant, whose IDF modifier turns the
term weights below into BM25 (the `k1` saturation is applied here; Qdrant multiplies by each term's IDF).

A query's function words (*when*, *does*, *wann*, *quand*...) are dropped before it is searched. In a corpus of
statements they are rare, so BM25 gave them a high IDF and ranked up whatever note happened to contain *which* or
*does* (retrieval benchmark, docs/performance.md section 9). Documents keep theirs: Qdrant's IDF modifier weighs
a term by its document frequency alone, with no document length, so a word absent from the query changes no score
whether or not documents hold it (measured: dropping them from documents too ranked the same, ties aside); keeping
them means a query made only of function words (*to be or not to be*) still matches, and the list can change
without re-indexing.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter

__all__ = ["FUNCTION_WORDS", "query_words", "sparse_terms", "words"]

K1 = 1.2
_WORD = re.compile(r"\w+", re.UNICODE)

# Articles, pronouns, prepositions, conjunctions, auxiliaries and question words of English, German, French,
# Spanish, Italian and Dutch (Nextcloud users write in many languages). Words that are also everyday nouns in one
# of them stay out: may (the month), bin, hat, war, see, son, van, dove, come, comment, fur, dal, more, long.
_BY_LANGUAGE = {
    "en": "an the and or nor but of to in on at for by with from into onto about as if than then so not no is are "
    "was were be been being am do does did done have has had having can could should would will shall must might "
    "what when where which who whom whose why how my our your their his her its me us them we you they he she it "
    "this that these those there here much many any some each every",
    "de": "und oder aber der die das den dem des ein eine einen einem einer eines ist sind waren sein haben habe "
    "wird werden im zu zum zur mit von vom für auf bei nach aus um über wie wo wann wer wen wem welche welcher "
    "welches warum ich du er sie es wir ihr mein meine unser unsere dein nicht kein keine",
    "fr": "le la les un une des du de et ou est sont été au aux en dans pour par sur avec sans quand quel quelle "
    "quels quelles qui que quoi où pourquoi mon ma mes notre nos votre vos je tu il elle nous vous ils elles ce "
    "cette ces ne pas",
    "es": "el la los las un una unos unas de del al en es están fue con por para que qué cuándo cuando dónde donde "
    "cómo como cuál cuáles quién quiénes mi mis nuestro nuestra su sus se lo no",
    "it": "il lo la gli le un uno una di della dello dei degli delle da in nel nella con su per che quando quale "
    "quali perché sono mio mia non",
    "nl": "de het een en in op met voor naar wat wie waar wanneer hoe welke welk is zijn mijn ons onze niet te om "
    "aan bij dat die",
}
FUNCTION_WORDS = frozenset(word for words in _BY_LANGUAGE.values() for word in words.split())


def words(text: str) -> list[str]:
    """Lower-cased words of two or more characters."""
    return [w for w in _WORD.findall(text.casefold()) if len(w) > 1]


def query_words(text: str) -> list[str]:
    """A query's words without its function words; all of them when nothing else is left."""
    found = words(text)
    return [w for w in found if w not in FUNCTION_WORDS] or found


def _index(word: str) -> int:
    return zlib.crc32(word.encode()) & 0x7FFFFFFF


def sparse_terms(text: str, *, query: bool = False) -> tuple[list[int], list[float]]:
    """(indices, values): each word hashed to a 31-bit index; a document's weight saturates with its count
    (BM25's tf part); a query's words (function words dropped) weigh 1 each."""
    if query:
        indices = sorted({_index(w) for w in query_words(text)})
        return indices, [1.0] * len(indices)
    counts = Counter(_index(w) for w in words(text))
    indices = sorted(counts)
    return indices, [counts[i] * (K1 + 1) / (counts[i] + K1) for i in indices]
