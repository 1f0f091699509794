"""The search index's stemmer that stems each word once per build gives Sphinx's stems."""

from __future__ import annotations

from sphinx.search import SearchLanguage, languages
from sphinx.search.en import SearchEnglish

from coursepack.render.site.search import language_class, remembering

#: Words as a page has them, some twice over, in several cases.
TEXT = (
    "The union's members voted; striking, strikes, struck, strike, organizing organized "
    "organizations Minneapolis Teamsters 1934 general strike generally generalities the THE "
    "running runs ran runner caresses ponies ties cats happily relational conditional"
)
WORDS = SearchEnglish({}).split(TEXT)


def test_the_remembering_stemmer_gives_the_stems_of_sphinx_own() -> None:
    plain = SearchEnglish({})
    kept = remembering(SearchEnglish)({})
    for word in [*WORDS, *WORDS]:  # the second time, from what it kept
        assert kept.stem(word) == plain.stem(word)
    assert set(kept._stems) == set(WORDS)  # type: ignore[attr-defined]


def test_the_remembering_class_is_its_language_own() -> None:
    kept = remembering(SearchEnglish)
    assert issubclass(kept, SearchEnglish)
    assert kept.lang == "en"
    assert kept.js_stemmer_rawcode == SearchEnglish.js_stemmer_rawcode
    assert remembering(kept) is kept


def test_languages_are_found_as_sphinx_finds_them() -> None:
    assert language_class("en_GB") is language_class("en")
    assert language_class("xx") is SearchEnglish
    french = language_class("fr")
    assert issubclass(french, SearchLanguage) and french.lang == "fr"
    assert isinstance(languages["fr"], str) or languages["fr"] is french
