"""The search index's stemmer, asked once per word of the site rather than once per page.

Sphinx stems every word of every page for its search index, in the main process while the
pages are written, and remembers a word's stem for the page at hand only; on the flagship
that is some 26,000 calls of the Snowball stemmer for a few thousand words. The extension
registers, under the configured language's code, a subclass of Sphinx's own class for it
(:meth:`sphinx.application.Sphinx.add_search_language`, a public hook) that keeps each
word's stem for the whole build. A stem depends on the word alone, so the index is the
same; the class's JavaScript stemmer and stop words are its parent's.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.search import SearchLanguage, languages
from sphinx.search.en import SearchEnglish


def language_class(lang: str) -> type[SearchLanguage]:
    """Return Sphinx's class for a language code, found as Sphinx's indexer finds it."""
    found = languages.get(lang)
    if found is None and "_" in lang:
        found = languages.get(lang.partition("_")[0])
    if found is None:
        return SearchEnglish
    if isinstance(found, str):
        module, name = found.rsplit(".", 1)
        loaded: type[SearchLanguage] = getattr(import_module(module), name)
        return loaded
    return found


def remembering(base: type[SearchLanguage]) -> type[SearchLanguage]:
    """Return a subclass of base that stems each word once per build."""
    if getattr(base, "remembers_stems", False):
        return base

    def __init__(self: Any, options: dict[str, str]) -> None:
        base.__init__(self, options)
        self._stems = {}

    def stem(self: Any, word: str) -> str:
        found: str | None = self._stems.get(word)
        if found is None:
            found = self._stems[word] = base.stem(self, word)
        return found

    namespace = {
        "__init__": __init__,
        "stem": stem,
        "remembers_stems": True,
        "__module__": __name__,
        "__doc__": f"{base.__name__}, each word stemmed once per build.",
    }
    return type(base.__name__, (base,), namespace)


def config_inited(app: Sphinx, config: Config) -> None:
    """Register the remembering stemmer for the language the site is indexed in."""
    lang = config.html_search_language or config.language
    if lang:
        app.add_search_language(remembering(language_class(lang)))
