"""The lexical (BM25) terms: a query's function words are dropped, in the languages listed; documents keep every
word; a query made only of function words keeps them all (semantic/lexical.py)."""

from __future__ import annotations

import pytest

from nextcloud_mcp.semantic.lexical import FUNCTION_WORDS, query_words, sparse_terms, words


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("when does the heater warranty expire", ["heater", "warranty", "expire"]),
        ("Wann läuft die Garantie für den Boiler ab?", ["läuft", "garantie", "boiler", "ab"]),
        ("Quand est-ce que la garantie de la chaudière expire", ["garantie", "chaudière", "expire"]),
        ("¿Cuándo vence la garantía de la caldera?", ["vence", "garantía", "caldera"]),
        ("Quando scade la garanzia della caldaia", ["scade", "garanzia", "caldaia"]),
        ("Wanneer verloopt de garantie van de ketel", ["verloopt", "garantie", "van", "ketel"]),
    ],
)
def test_a_querys_function_words_are_dropped(query: str, kept: list[str]) -> None:
    assert query_words(query) == kept


def test_rare_words_codes_and_numbers_stay() -> None:
    assert query_words("the HH-4471 part of Brightwave") == ["hh", "4471", "part", "brightwave"]


def test_words_that_are_also_nouns_stay() -> None:
    # "may" is a month, "bin" a bin, "van" a van: not dropped although they are function words somewhere
    assert query_words("bin day in May") == ["bin", "day", "may"]
    assert {"may", "bin", "van", "war", "hat", "see", "son", "more", "long"}.isdisjoint(FUNCTION_WORDS)


def test_a_query_of_function_words_only_keeps_them() -> None:
    assert query_words("to be or not to be") == ["to", "be", "or", "not", "to", "be"]
    indices, values = sparse_terms("to be or not to be", query=True)
    assert len(indices) == 4 and values == [1.0] * 4


def test_query_terms_weigh_one_each_and_skip_function_words() -> None:
    with_function_words, _ = sparse_terms("which boiler", query=True)
    without, values = sparse_terms("boiler", query=True)
    assert with_function_words == without and values == [1.0]


def test_documents_keep_every_word() -> None:
    text = "When the boiler was installed, the boiler was new."
    indices, values = sparse_terms(text)
    assert len(indices) == len(set(words(text))) == 6  # when, the, boiler, was, installed, new
    assert sorted(values)[-1] > 1.0  # a repeated word saturates above 1 (BM25's tf part)


def test_nothing_to_search_gives_no_terms() -> None:
    assert sparse_terms("?! a", query=True) == ([], [])
