"""The shared layer: what every output shows of a reader, computed once after resolve.

``build`` makes one :class:`Refs` from the resolved :class:`~coursepack.model.Reader` and
hands it to each renderer; the renderers share nothing else and derive none of it again:

* citation keys (:mod:`coursepack.refs.keys`);
* formatted citations, with their year suffixes (:mod:`coursepack.refs.csl`), and the
  BibTeX entries (:mod:`coursepack.refs.bibtex`);
* the site map, the public address of every page and item (:mod:`coursepack.refs.sitemap`);
* display labels: supplied details in brackets, dates and periods in one style, short
  forms (:mod:`coursepack.refs.labels`, :meth:`Refs.short`);
* canonical orders and the one numbering of questions (:mod:`coursepack.refs.orders`).

The formatted citations cost a second or more (citeproc-py); they are made on first use,
once, so ``coursepack check`` and a build that needs none pay nothing for them, and what
citeproc-py wrote is kept between runs under the reader's root (:mod:`coursepack.refs.cache`),
so a build formats only the records that changed. For the
same reason this module loads the citation processors (citeproc-py, bibtexparser) only when
they are used: ``coursepack check`` reads the keys and styles modules without them.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from coursepack import styles
from coursepack.model import (
    Anchor,
    ContextDocument,
    Note,
    Question,
    Reader,
    Reading,
    Reference,
    Term,
)
from coursepack.refs.keys import Citable, KeyTable
from coursepack.refs.labels import paragraph_span
from coursepack.refs.orders import Orders
from coursepack.refs.sitemap import SiteMap

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from coursepack.refs import bibtex as bib
    from coursepack.refs import csl

__all__ = ["Refs"]

Citable_ = Reader | Reading | Note | Term | ContextDocument | Reference | str


class Refs:
    """The shared layer of one reader: keys, citations, addresses, labels and orders."""

    def __init__(
        self,
        reader: Reader,
        *,
        base_url: str = "",
        workers: int = 1,
        style: str = "",
        pool: Executor | None = None,
    ) -> None:
        #: The resolved reader.
        self.reader = reader
        #: Public addresses, under the reader's URL unless another base is given.
        self.site = SiteMap(base_url or reader.meta.url)
        #: Every citable item's key.
        self.keys = KeyTable(reader)
        #: The one order of each kind, and the question numbers.
        self.orders = Orders(reader)
        self._workers = workers
        # Worker processes that may format part of a long list of citations (the PDFs'
        # workers, idle until the documents are planned): see csl._render_many.
        self._pool = pool
        #: The citation style: the one asked for, else the reader's, else Chicago.
        self.style = style or reader.meta.citation_style or styles.DEFAULT

    # -- citations ---------------------------------------------------------------------

    @cached_property
    def records(self) -> list[csl.CslRecord]:
        """Return the CSL-JSON record of every citable item, sorted by key."""
        from coursepack.refs import csl

        return csl.csl_records(self.reader, self.keys, self.site)

    @cached_property
    def copies(self) -> dict[str, str]:
        """Return {key: the key that stands for the same work} for works entered twice.

        A reading kept in references.bib as well, or a reference entered twice, is one
        work: it is exported once, under the key that stands for it (a reading's first),
        and the other key is an alias of it (biblatex ``ids``; ``coursepack cite``).
        """
        from coursepack.refs import csl

        return csl.listed_works(self.keys, self.records)

    @cached_property
    def exported_records(self) -> list[csl.CslRecord]:
        """Return the CSL-JSON records the citation files hold: one for each work."""
        return [r for r in self.records if r["id"] not in self.copies]

    @cached_property
    def citations(self) -> csl.Citations:
        """Return every citable item formatted (made on first use)."""
        from coursepack.refs import csl

        return csl.Citations(
            self.records,
            self.keys,
            self._workers,
            self.copies,
            self.style,
            self.reader.root,
            self._pool,
        )

    def key(self, item: Citable_) -> str:
        """Return the citation key of an item, or of a key, reading id, ``note:<id>``..."""
        return self.keys.key_of(item)

    def item(self, key: str) -> Citable:
        """Return the citable item a key, a reading id, ``note:<id>`` or ``term:<id>`` names."""
        return self.keys.lookup(key)

    def cite(self, item: Citable_, locator: str | None = None) -> str:
        """Return the in-text citation of an item as text ("Crosse 2026, ¶14")."""
        return self.citations.cite(self.key(item), locator)

    def cite_html(self, item: Citable_, locator: str | None = None) -> str:
        """Return the in-text citation of an item as sanitized HTML."""
        return self.citations.cite_html(self.key(item), locator)

    def entry(self, item: Citable_) -> str:
        """Return the bibliography entry of an item as sanitized HTML."""
        return self.citations.entry(self.key(item))

    def short(self, reading: Reading | str) -> str:
        """Return a reading's short form ("Feliz Leon 2026a"), the same in every output."""
        return self.cite(reading)

    def bibtex(self, item: Citable_, flavour: bib.Flavour = "bibtex") -> str:
        """Return the BibTeX (or biblatex) entry of an item."""
        from coursepack.refs import bibtex as bib

        found = self.keys.items[self.key(item)]
        return bib.write_bib([bib.entry_for(self.reader, found, self.site, flavour)])

    def bib_entries(self, flavour: bib.Flavour) -> list[bib.BibEntry]:
        """Return every entry in one flavour, sorted by key, each work once."""
        from coursepack.refs import bibtex as bib

        return bib.bib_entries(self.reader, self.keys, self.site, flavour, self.copies)

    # -- labels that combine the layers -------------------------------------------------

    def anchor_label(self, anchor: Anchor) -> str:
        """Return where a passage is, as a citation ("Crosse 2026, ¶¶14–16")."""
        return f"{self.short(anchor.reading)}, {paragraph_span(self.reader, anchor)}"

    def question_number(self, question: Question | str) -> str:
        """Return a question's number ("3.2"), the same in every output."""
        return self.orders.question_number(question)
