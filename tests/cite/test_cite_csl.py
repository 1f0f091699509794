"""Chicago author-date formatting through citeproc-py, checked by meaning."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from bs4 import BeautifulSoup

from coursepack.model import Reader, Reference
from coursepack.refs import Refs, csl


def text_of(fragment: str) -> str:
    """Return the text of an HTML fragment."""
    return BeautifulSoup(fragment, "html.parser").get_text()


def in_order(text: str, *parts: str) -> bool:
    """Return whether every part occurs in text, each after the one before."""
    pos = 0
    for part in parts:
        found = text.find(part, pos)
        if found < 0:
            return False
        pos = found + len(part)
    return True


def test_book(reader: Reader) -> None:
    entry = Refs(reader).entry("walker1937")
    soup = BeautifulSoup(entry, "html.parser")
    text = soup.get_text()
    assert in_order(text, "Walker, Charles Rumford.", "1937.", "American City", "Farrar")
    assert soup.find("i").get_text() == "American City: A Rank-and-File History"
    assert Refs(reader).cite("walker1937") == "Walker 1937"


def test_article(reader: Reader) -> None:
    text = text_of(Refs(reader).entry("smith1999"))
    assert in_order(text, "Smith, Jane, and Ann Jones.", "1999.", "“Strikes & Lockouts")
    assert in_order(text, "Labor History", "40", "(3)", "45–67")
    assert "Lockouts: 100% of the Story.”" in text  # period inside the quotes
    assert Refs(reader).cite("smith1999") == "Smith and Jones 1999"


def test_online_page(reader: Reader) -> None:
    text = text_of(Refs(reader).entry("mnopedia-teamsters-1934"))
    assert in_order(text, "MNopedia", "n.d.", "“Minneapolis Teamsters Strike, 1934.”")
    assert "Accessed November 1, 2026" in text
    assert text.rstrip(".").endswith(
        "http://www.mnopedia.org/event/minneapolis-teamsters-strike-1934"
    )
    assert text.count("Minnesota Historical Society") == 1


def test_reading_with_supplied_fields_in_brackets(reader: Reader) -> None:
    text = text_of(Refs(reader).entry("workers-vanguard-2026"))
    assert in_order(text, "[Workers Vanguard].", "2026.", "“[Union Leaders Endorse", "January")
    crosse = text_of(Refs(reader).entry("crosse-2026"))
    assert in_order(crosse, "Crosse, Jacob.", "2026.", "“Union Bureaucracy", "January 21")
    assert "Edition" not in crosse


def test_pinpoints(reader: Reader) -> None:
    assert Refs(reader).cite("crosse-2026", "14") == "Crosse 2026, ¶14"
    assert Refs(reader).cite("crosse2026union", "14") == "Crosse 2026, ¶14"
    assert Refs(reader).cite("crosse-2026", "3-5") == "Crosse 2026, ¶¶3–5"
    assert Refs(reader).cite("walker1937", "pp. 4–5") == "Walker 1937, pp. 4–5"
    assert Refs(reader).cite("walker1937", "<b>") == "Walker 1937, <b>"
    assert Refs(reader).cite_html("walker1937", "<b>") == "Walker 1937, &lt;b&gt;"


def test_notes_and_terms_cite_the_reader_entry(reader: Reader) -> None:
    cite = text_of(Refs(reader).cite("term:cba"))
    assert in_order(cite, "The Day of Truth and Freedom", "2026", "collective bargaining")
    entry = text_of(Refs(reader).entry("daytruth2026:note:teamsters-1934"))
    assert in_order(entry, "The Day of Truth and Freedom.", "2026.", "“The 1934 Minneapolis")
    assert "https://example.org/reader/notes/teamsters-1934.html" in entry
    assert entry.count("The Day of Truth and Freedom") == 1


def test_bibliography_is_sorted_and_lists_readings_and_references(reader: Reader) -> None:
    bib = Refs(reader).citations.bibliography()
    keys = [k for k, _ in bib]
    assert keys == [
        "crosse2026union",
        "mnopedia-teamsters-1934",
        "nlra-1935",
        "smith1999",
        "walker1937",
        "workersvanguard2026union",
    ]


def test_bibliography_of_references_only(reader: Reader) -> None:
    keys = [k for k, _ in Refs(reader).citations.bibliography(("reference",))]
    assert keys == ["mnopedia-teamsters-1934", "nlra-1935", "smith1999", "walker1937"]


def test_case_names_keep_a_lower_case_v(reader: Reader) -> None:
    case = Reference(
        "boys-markets-1970",
        "misc",
        {"title": "Boys Markets, Inc. v. Retail Clerks Union", "year": "1970"},
    )
    text = text_of(Refs(with_refs(reader, case)).entry("boys-markets-1970"))
    assert "“Boys Markets, Inc. v. Retail Clerks Union.”" in text


def test_untrusted_values_are_escaped(reader: Reader) -> None:
    evil = Reference(
        "evil",
        "book",
        {"author": "Smith & <b>Sons</b>", "title": "<script>alert(1)</script>", "year": "2001"},
    )
    bad = dataclasses.replace(reader, references=(*reader.references, evil))
    entry = Refs(bad).entry("evil")
    soup = BeautifulSoup(entry, "html.parser")
    assert soup.find("script") is None and soup.find("b") is None
    assert "<script>alert(1)</script>" in soup.get_text()
    assert "Smith & <b>Sons</b>" in Refs(bad).cite("evil")
    assert "Smith &amp; &lt;b&gt;Sons" in Refs(bad).cite_html("evil")
    assert "<script>" in Refs(bad).citations.entry_text(Refs(bad).key("evil"))


def test_year_suffixes_for_same_author_and_year(reader: Reader) -> None:
    second = Reference(
        "walker1937b",
        "book",
        {"author": "Walker, Charles Rumford", "title": "A Second Book", "year": "1937"},
    )
    two = dataclasses.replace(reader, references=(*reader.references, second))
    # Chicago orders same-author, same-year works by title: "A Second Book" comes first.
    assert Refs(two).cite("walker1937b") == "Walker 1937a"
    assert Refs(two).cite("walker1937", "2") == "Walker 1937b, ¶2"
    assert "1937b." in text_of(Refs(two).entry("walker1937"))
    assert [k for k, _ in Refs(two).citations.bibliography()].index("walker1937b") < [
        k for k, _ in Refs(two).citations.bibliography()
    ].index("walker1937")


def test_unknown_key(reader: Reader) -> None:
    with pytest.raises(KeyError, match="did you mean"):
        Refs(reader).entry("walker1973")


def test_names() -> None:
    assert csl.csl_name("Jacob Crosse") == {"family": "Crosse", "given": "Jacob"}
    assert csl.csl_name("Feliz Leon, Luis") == {"family": "Feliz Leon", "given": "Luis"}
    assert csl.csl_name("Minnesota Historical Society") == {
        "literal": "Minnesota Historical Society"
    }
    assert csl.csl_name("The coursepack editors") == {"literal": "The coursepack editors"}
    assert csl.csl_name("{Workers Vanguard}", bibtex=True) == {"literal": "Workers Vanguard"}
    assert csl.split_bibtex_names("A, B and {C and D} and E F") == ["A, B", "{C and D}", "E F"]


def test_csl_records_use_bibtex_keys(reader: Reader) -> None:
    records = {r["id"]: r for r in Refs(reader).records}
    assert records["crosse2026union"]["author"] == [{"family": "Crosse", "given": "Jacob"}]
    assert records["workersvanguard2026union"]["title"].startswith("[Union leaders")
    assert records["daytruth2026reader"]["type"] == "book"
    assert records["daytruth2026:term:cba"]["URL"].endswith("glossary.html#cba")


def with_refs(reader: Reader, *refs: Reference) -> Reader:
    """Return the reader with more references."""
    return dataclasses.replace(reader, references=(*reader.references, *refs))


def test_quotes_inside_a_quoted_title_become_single(reader: Reader) -> None:
    ref = Reference(
        "isser2020",
        "article",
        {
            "author": "Isser, Mindy",
            "title": "Bus driver: “It's imperative that unions fight”",
            "journal": "Jacobin",
            "year": "2020",
        },
    )
    text = text_of(Refs(with_refs(reader, ref)).entry("isser2020"))
    assert "“Bus Driver: ‘It's Imperative That Unions Fight.’”" in text


def test_anonymous_work_keeps_its_title_once_and_its_publisher_once(reader: Reader) -> None:
    site = Reference(
        "union-site",
        "online",
        {
            "title": "Minneapolis Regional Labor Federation",
            "organization": "Minneapolis Regional Labor Federation",
            "url": "https://minneapolisunions.org/",
            "urldate": "2026-11-21",
        },
    )
    case = Reference(
        "hansen1986",
        "misc",
        {
            "title": "Hansen v. Guyette, 636 F. Supp. 907 (D. Minn. 1986)",
            "howpublished": "United States District Court",
            "year": "1986",
        },
    )
    two = with_refs(reader, site, case)
    text = text_of(Refs(two).entry("union-site"))
    assert text.count("Minneapolis Regional Labor Federation") == 2  # author and title
    assert "“Minneapolis Regional Labor Federation.”" in text
    assert "https://minneapolisunions.org/" in text  # not "Https://"
    hansen = text_of(Refs(two).entry("hansen1986"))
    assert hansen.startswith("“Hansen v. Guyette, 636 F. Supp. 907 (D. Minn. 1986).” 1986.")
    assert hansen.count("1986") == 2


def test_periodical_named_like_its_corporate_author_is_kept(reader: Reader) -> None:
    text = text_of(Refs(reader).entry("workers-vanguard-2026"))
    assert text.count("Workers Vanguard") == 2


def test_undated_works_get_suffixed_no_date(reader: Reader) -> None:
    pages = [
        Reference(
            f"wiki-{n}",
            "online",
            {"title": title, "organization": "Wikipedia", "url": f"https://w.org/{n}"},
        )
        for n, title in (("b", "Beta"), ("a", "Alpha"))
    ]
    two = with_refs(reader, *pages)
    assert Refs(two).cite("wiki-a") == "Wikipedia, n.d.-a"
    assert Refs(two).cite("wiki-b") == "Wikipedia, n.d.-b"
    assert text_of(Refs(two).entry("wiki-b")).startswith("Wikipedia. n.d.-b. “Beta.”")


def test_a_reference_for_a_reading_is_the_same_work(reader: Reader) -> None:
    crosse = reader.reading("crosse-2026")
    copy = Reference(
        "wsws2026crosse",
        "online",
        {
            "author": "Crosse, Jacob",
            "title": crosse.title,
            "date": "2026-01-21",
            "url": crosse.url + "/",
        },
    )
    home = Reference(
        "wsws-home",
        "online",
        {
            "author": "Crosse, Jacob",
            "title": "Home",
            "year": "2026",
            "url": "https://www.wsws.org/",
        },
    )
    more = with_refs(reader, copy, home)
    assert Refs(more).cite("wsws2026crosse") == Refs(more).cite("crosse-2026")
    listed = [k for k, _ in Refs(more).citations.bibliography()]
    assert "crosse2026union" in listed and "wsws2026crosse" not in listed
    # A site's home page is not the same work as an article on it: that one is disambiguated.
    assert "wsws-home" in listed
    assert Refs(more).cite("crosse-2026") == "Crosse 2026b"
    assert Refs(more).cite("wsws-home") == "Crosse 2026a"


@pytest.fixture
def parts_started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Cut even a short list in parts; return the parts started elsewhere, as they start."""
    from coursepack import background

    monkeypatch.setattr(csl, "PARALLEL_RECORDS", 2)
    started: list[background.Pending] = []
    real = background.start

    def spy(compute: Any, **kwargs: Any) -> background.Pending:
        pending = real(compute, **kwargs)
        started.append(pending)
        return pending

    monkeypatch.setattr(background, "start", spy)
    return started


def test_formatting_in_parts_gives_what_formatting_at_once_gives(
    reader: Reader, parts_started: list[Any]
) -> None:
    import threading

    refs = Refs(reader)
    whole = csl._format_all(refs.records, refs.keys, 1, refs.copies)
    assert parts_started == []
    parts = csl._format_all(refs.records, refs.keys, 3, refs.copies)
    # Three parts: two formatted in children (forked when this process has no threads).
    assert len(parts_started) == 2
    if threading.active_count() == 1:
        assert all(p.forked for p in parts_started)
    assert parts == whole
    assert len(whole[0]) >= 3 and whole[1]


def test_formatting_in_a_pool_gives_what_formatting_at_once_gives(
    reader: Reader, parts_started: list[Any]
) -> None:
    """A build whose PDF workers are started formats part of the citations in them (it
    has threads then, the pool's, so cannot fork)."""
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    refs = Refs(reader)
    whole = csl._format_all(refs.records, refs.keys, 1, refs.copies)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as pool:
        pool.submit(int).result()  # its processes and its thread started
        assert threading.active_count() > 1
        parts = csl._format_all(refs.records, refs.keys, 2, refs.copies, pool=pool)
    # Three parts (one more than the pool's workers): two formatted by them, one here.
    assert len(parts_started) == 2
    assert all(p.forked for p in parts_started)
    assert parts == whole
