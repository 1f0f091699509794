"""The Sphinx site of the test reader: pages, links, editions, safety, metadata."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from sitebuild import READER, Site, make_site
from sphinx.util.inventory import InventoryFile
from zotero import coins_items, embedded_item

from coursepack.pipeline import read_reader
from coursepack.refs import Refs
from coursepack.render.markup import markdown_to_text

READING = "readings/alpha-2026"
BETA = "readings/beta-2026"
GLOSSARY = "glossary"


def article(page: BeautifulSoup) -> Tag:
    found = page.find("article")
    assert isinstance(found, Tag)
    return found


def test_student_site_builds_without_warnings(student_site: Site) -> None:
    assert student_site.warnings == ""
    for name in (
        READING,
        BETA,
        "readings/index",
        GLOSSARY,
        "notes/index",
        "notes/strike-1934",
        "notes/contract-2020",
        "timeline",
        "people",
        "questions",
        "bibliography",
        "downloads",
    ):
        assert (student_site.out / f"{name}.html").is_file(), name


def test_paragraphs_are_numbered_and_linkable(student_site: Site) -> None:
    page = article(student_site.page(READING))
    paras = page.select("div.cp-reading > div.cp-para")
    assert [p["id"] for p in paras] == ["p1", "p2", "p3"]
    pnum = page.select_one("#p2 a.cp-pnum")
    assert pnum is not None
    assert pnum.get_text() == "¶2"
    assert pnum["href"] == "#p2"
    assert pnum["data-cite"] == "Writer 2026, ¶2"
    # The headline and byline are shown as received, without numbers.
    front = page.select(".cp-front .cp-para")
    assert [f.get_text(" ", strip=True) for f in front] == ["Headline of Alpha", "By Ann Writer"]
    assert not page.select(".cp-front a.cp-pnum")
    assert "cp-boilerplate" in page.select_one("#p3")["class"]  # type: ignore[index]


def test_annotated_passages_link_their_notes(student_site: Site) -> None:
    page = article(student_site.page(READING))
    p1 = page.select_one("#p1")
    assert p1 is not None
    assert p1.select_one("mark.cp-hl").get_text() == "after the strike of 1934"  # type: ignore[union-attr]
    call = p1.select_one("a.cp-call")
    assert call is not None and call["href"] == "#note-strike-1934"
    note = p1.select_one(".cp-margin details.cp-note#note-strike-1934")
    assert note is not None
    assert note.summary is not None and "The strike of 1934" in note.summary.get_text()
    more = note.select_one("a.cp-note-more")
    assert more is not None and more["href"] == "../notes/strike-1934.html"
    # A note anchored in two readings gets a number in each, counted per reading.
    calls = [a.get_text() for a in page.select("a.cp-call:not(.cp-call-textual)")]
    assert calls == ["1", "2"]


def test_terms_names_and_note_calls_carry_their_full_text(student_site: Site) -> None:
    page = article(student_site.page(READING))
    links = page.select("a.cp-term")
    assert [a.get_text() for a in links] == [
        "collective bargaining agreement",
        "general strike",
        "CBA",
    ]
    reader = Refs(read_reader(student_site.reader)[0])  # type: ignore[arg-type]
    for link in links:
        href = link["href"]
        # The entry's own id, not Sphinx's name for the term: rewording breaks no link.
        assert isinstance(href, str) and href.startswith("../glossary.html#")
        assert not href.split("#")[1].startswith("term-")
        template = page.find("template", id=f"cp-preview-{link['data-preview']}")
        assert isinstance(template, Tag), link
        term = reader.reader.term(href.split("#")[1])
        # The whole definition, never a shortened one.
        shown = " ".join(template.get_text(" ").split())
        assert " ".join(markdown_to_text(term.definition).split()) in shown
    names = page.select("a.cp-name")
    assert names and all(str(a["href"]).startswith("../people.html#") for a in names)
    # A note call previews the note beside the text.
    calls = page.select("a.cp-call[data-preview]")
    assert calls and all(page.select_one(f"details{a['href']} .cp-note-body") for a in calls)
    targets = {str(a["href"]).split("#")[1] for a in links}
    glossary = article(student_site.page(GLOSSARY))
    for target in targets:
        assert glossary.find(id=target) is not None, target
    # Previews are outside the page's text: not in the search index, not in snippets.
    index = (student_site.out / "searchindex.js").read_text("utf-8")
    assert '"written"' not in index or "written" in glossary.get_text()
    body = student_site.page(READING).select_one("[role=main]")
    assert body is not None
    visible = "".join(t for t in body.find_all(string=True) if not t.find_parent("template"))
    assert "A written contract between an employer" not in visible


def test_textual_notes_are_marked(student_site: Site) -> None:
    page = article(student_site.page(READING))
    sic = page.select_one("#p2 .cp-tx-sic")
    assert sic is not None and sic.get_text() == "recieved"
    assert sic.find_parent("mark") is not None
    marker = page.select_one("#p2 .cp-sic")
    assert marker is not None and marker.get_text() == "[sic]"
    note = page.select_one("details#tn-alpha-recieved")
    assert note is not None and "Correct reading: received" in note.get_text(" ", strip=True)
    whole = page.select_one("details.cp-whole .cp-whole-notes")
    assert whole is not None and "supplied from a stored copy" in whole.get_text()


def test_supplied_metadata_is_bracketed(student_site: Site) -> None:
    alpha = article(student_site.page(READING))
    url = alpha.select_one(".cp-meta a.cp-url")
    assert url is not None and url.get_text() == "[https://example.org/alpha]"
    assert alpha.select_one(".cp-perspective") is not None
    assert "A test outlet with a point of view." in alpha.get_text()
    beta = article(student_site.page(BETA))
    assert beta.h1 is not None
    assert beta.h1.get_text().rstrip("¶") == "[Beta's supplied title]"


def test_questions_and_cite_block_end_the_reading(student_site: Site) -> None:
    page = article(student_site.page(READING))
    sections = [s["id"] for s in page.select("section > section")]
    assert sections == ["discussion-questions", "cite-this-reading"]
    jumps = [a["href"] for a in page.select("nav.cp-jump a")]
    assert jumps == ["#text", "#discussion-questions", "#cite-this-reading"]
    for href in jumps:
        assert page.find(id=str(href)[1:]) is not None
    q = page.select_one("#q-alpha-who-signed")
    assert q is not None and "Who signed the agreement?" in q.get_text()
    assert "TEACHING-SECRET" not in page.get_text()
    passage = q.select_one("a[href='#p1']")
    assert passage is not None
    cite = page.select_one(".cp-cite-entry")
    assert cite is not None and "Writer, Ann. 2026." in cite.get_text()
    bib = page.select_one(".cp-cite pre")
    assert bib is not None and bib.get_text().startswith("@")
    targets = [b["data-copy-target"] for b in page.select("button.cp-copy")]
    assert targets == [cite["id"], bib["id"]]


def test_zotero_saves_what_the_cite_block_says(student_site: Site) -> None:
    alpha = embedded_item(student_site.page(READING))
    assert alpha == {
        "itemType": "newspaperArticle",  # a news report, not a journal article
        "title": "Headline of Alpha",
        "creators": [{"lastName": "Writer", "firstName": "Ann", "creatorType": "author"}],
        "date": "2026/01/21",
        "publicationTitle": "The Alpha Gazette",
        "publisher": "",
        "language": "en",
        "url": "https://example.org/alpha",  # the original, not this site
    }
    beta = embedded_item(student_site.page(BETA))
    assert beta["title"] == "[Beta's supplied title]"  # bracketed as in the cite block
    assert beta["url"].endswith("/readings/beta-2026.html")  # no address of its own
    front = embedded_item(student_site.page("index"))
    assert front["itemType"] == "book"
    assert {c["creatorType"] for c in front["creators"]} == {"editor"}
    note = embedded_item(student_site.page("notes/strike-1934"))
    assert note["itemType"] == "encyclopediaArticle"
    assert note["publicationTitle"] == "A Test Reader"
    assert note["url"].endswith("/notes/strike-1934.html")
    # Pages of many entries offer each one: one ContextObject per entry.
    terms = coins_items(student_site.page(GLOSSARY))
    assert {t["itemType"] for t in terms} == {"encyclopediaArticle"}
    assert sorted(t["url"].rsplit("#", 1)[1] for t in terms) == ["cba", "general-strike"]
    people = coins_items(student_site.page("people"))
    assert any(p["url"].endswith("people.html#ann-writer") for p in people)
    assert "citation_title" not in [
        m.get("name") for m in student_site.page(GLOSSARY).find_all("meta")
    ]


def test_every_page_has_a_description(student_site: Site) -> None:
    for path in sorted(student_site.out.rglob("*.html")):
        page = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        if page.find("meta", attrs={"http-equiv": "refresh"}):
            continue
        found = page.find("meta", attrs={"name": "description"})
        assert isinstance(found, Tag), path
        assert 10 < len(str(found["content"])) <= 160, (path, found["content"])


def test_every_citable_page_has_a_cite_block(student_site: Site) -> None:
    for name in ("index", READING, BETA, "notes/strike-1934"):
        page = article(student_site.page(name))
        assert len(page.select(".cp-cite .cp-cite-entry")) == 1, name
        assert page.select_one(".cp-cite pre code") is not None, name
    glossary = article(student_site.page(GLOSSARY))
    assert len(glossary.select("details.cp-cite-details .cp-cite")) == 2
    people = article(student_site.page("people"))
    assert len(people.select("details.cp-cite-details")) == len(people.select("dt"))


def test_annotation_markup_never_becomes_html(student_site: Site) -> None:
    for path in student_site.out.rglob("*.html"):
        page = BeautifulSoup(path.read_text("utf-8"), "html.parser")
        for script in page.find_all("script"):
            assert "__pwned" not in script.get_text(), path
        for tag in page.find_all(True):
            assert not any(a.startswith("on") for a in tag.attrs), (path, tag)
    note = article(student_site.page("notes/strike-1934"))
    assert "<script>window.__pwned" in note.get_text()  # shown as text


def test_glossary_uses_sphinx_terms(student_site: Site) -> None:
    page = article(student_site.page(GLOSSARY))
    terms = [dt.get_text().rstrip("¶") for dt in page.select("dl.glossary dt")]
    assert terms == ["collective bargaining agreement", "CBA", "general strike"]
    entry = page.select_one("dt#term-collective-bargaining-agreement")
    assert entry is not None
    # Sphinx's own target (for :term: and intersphinx) and the entry's id, in the term.
    own = entry.select_one("span[id]")
    assert own is not None and own["id"] == "cba"
    dd = entry.find_next_sibling("dd")
    assert isinstance(dd, Tag)
    occurrences = [a["href"] for a in dd.select(".cp-occurrences a")]
    assert occurrences == [
        "readings/alpha-2026.html#p1",
        "readings/alpha-2026.html#p2",
        "readings/beta-2026.html#p2",
    ]
    see = dd.select_one(".cp-see-also a")
    assert see is not None and see["href"] == "#general-strike"
    assert "American City" in dd.get_text()
    with (student_site.out / "objects.inv").open("rb") as f:
        inventory = InventoryFile.load(f, "", lambda base, uri: uri)
    terms_inv = set(inventory["std:term"])
    assert {"collective bargaining agreement", "CBA", "general strike"} <= terms_inv


def test_note_pages_list_sources_and_passages(student_site: Site) -> None:
    page = article(student_site.page("notes/contract-2020"))
    passages = [(a["href"], a.get_text()) for a in page.select(".cp-passages a")]
    assert passages == [
        ("../readings/alpha-2026.html#p2", "Writer 2026, ¶2"),
        ("../readings/beta-2026.html#p2", "Beta Weekly 2026, ¶2"),
    ]
    quotes = [q.get_text() for q in page.select(".cp-passages q")]
    assert quotes == ["The CBA was recieved badly", "The contract expired in the spring"]
    sources = page.select_one(".cp-sources")
    assert sources is not None and "Walker, Charles Rumford. 1937." in sources.get_text()
    strike = article(student_site.page("notes/strike-1934"))
    assert "May–August 1934" in strike.get_text()
    assert "(pp. 1–20)" in strike.get_text()
    assert "Ask what the" not in strike.get_text()  # teaching note: instructor edition only


def test_timeline_people_questions_bibliography(student_site: Site) -> None:
    timeline = article(student_site.page("timeline"))
    assert [t["datetime"] for t in timeline.select(".cp-timeline time")] == [
        "1934-05-16",
        "2020-03-01",
        "2026-01",
        "2026-01-21",
    ]
    people = article(student_site.page("people"))
    writer = people.select_one("dt#ann-writer")
    assert writer is not None
    dd = writer.find_next_sibling("dd")
    assert isinstance(dd, Tag)
    assert [a["href"] for a in dd.select(".cp-occurrences a")] == [
        "readings/alpha-2026.html#front-2",
        "readings/beta-2026.html#p2",
    ] or [a["href"] for a in dd.select(".cp-occurrences a")] == ["readings/beta-2026.html#p2"]
    questions = article(student_site.page("questions"))
    assert questions.select_one("#q-alpha-who-signed") is not None
    assert questions.select_one("#q-compare-strike") is not None
    assert "TEACHING" not in questions.get_text()
    bib = article(student_site.page("bibliography"))
    ids = [li["id"] for li in bib.select(".cp-bibliography li")]
    assert "ref-walker1937" in ids and "ref-alpha-2026" in ids


def test_downloads_link_the_built_files(student_site: Site) -> None:
    page = article(student_site.page("downloads"))
    links = {a["href"]: a.get_text() for a in page.select(".cp-downloads a")}
    assert list(links.items()) == [
        ("downloads/pdf/reader.pdf", "The full course reader (PDF)"),
        ("downloads/pdf/handouts/alpha-2026.pdf", "Handout: Headline of Alpha (PDF)"),
        (
            "downloads/cite/coursepack.bib",
            "BibTeX: the reader, each reading, note and term, and every reference",
        ),
        (
            "downloads/cite/coursepack.ris",
            "RIS: the same entries, for EndNote and other reference managers",
        ),
        (
            "downloads/annotations.jsonld",
            "The annotations as W3C Web Annotations (JSON-LD)",
        ),
    ]
    for href in links:
        assert (student_site.out / href).resolve().is_file(), href
    # The instructor's guide is not offered, nor copied, with the student edition.
    assert not (student_site.out / "downloads/pdf/instructor-guide.pdf").exists()


def test_instructor_edition_shows_teaching_notes(site_factory: Callable[..., Site]) -> None:
    site = site_factory("site-instructor")
    assert site.warnings == ""
    reading = article(site.page(READING))
    teaching = reading.select_one("#q-alpha-who-signed .cp-teaching")
    assert teaching is not None and "TEACHING-SECRET" in teaching.get_text()
    questions = article(site.page("questions"))
    assert "TEACHING-COMPARE" in questions.get_text()
    note = article(site.page("notes/strike-1934"))
    assert note.select_one(".cp-teaching strong") is not None
    plan = article(site.page("index")).select_one("#session-1 .cp-teaching")
    assert plan is not None and "TEACHING-PLAN" in plan.get_text()


def test_the_front_page_holds_the_class_plan(student_site: Site) -> None:
    page = article(student_site.page("index"))
    session = page.select_one("ol.cp-sequence > li#session-1")
    assert session is not None
    assert "Session 1: The agreement and the strike" in session.get_text()
    hrefs = [str(a["href"]) for a in session.select("a")]
    assert hrefs[:2] == ["readings/alpha-2026.html", "readings/beta-2026.html"]
    assert "notes/strike-1934.html" in hrefs and "notes/contract-2020.html" in hrefs
    # Questions by the numbers they have everywhere, each linked to where it is asked.
    numbers = {a.get_text(): str(a["href"]) for a in session.select("a[aria-label^=Question]")}
    assert numbers == {"1.1": "readings/alpha-2026.html#q-alpha-who-signed",
                       "2.1": "questions.html#q-compare-strike"}  # fmt: skip
    assert "TEACHING" not in page.get_text()  # teaching plans: the instructor edition only


def test_reading_pages_link_their_handout_reader_and_citation_files(student_site: Site) -> None:
    page = article(student_site.page(READING))
    files = {a.get_text(): str(a["href"]) for a in page.select(".cp-files a")}
    assert files["Handout (PDF, 16\u00a0bytes)"] == "../downloads/pdf/handouts/alpha-2026.pdf"
    assert files["Course reader (PDF, 15\u00a0bytes)"] == "../downloads/pdf/reader.pdf"
    assert files["BibTeX"] == "../downloads/cite/coursepack.bib"
    for href in files.values():
        assert (student_site.out / "readings" / href).resolve().is_file(), href
    # Beta has no handout among the files built: its page offers the others.
    beta = {a.get_text() for a in article(student_site.page(BETA)).select(".cp-files a")}
    assert "Course reader (PDF, 15\u00a0bytes)" in beta and not any("Handout" in t for t in beta)


def test_sources_and_addresses_are_links(student_site: Site) -> None:
    bib = article(student_site.page("bibliography"))
    assert bib.select("ul.cp-bibliography a.cp-url[href^='https://']")
    note = article(student_site.page("notes/strike-1934"))
    for a in note.select(".cp-sources a.cp-url, .cp-cite-entry a.cp-url"):
        assert a["href"] == a.get_text() and not str(a["href"]).endswith((".", ","))


def test_hand_written_pages_show_the_reader_as_it_is_now(
    site_factory: Callable[..., Site],
) -> None:
    site = site_factory("site-basic")
    assert site.build() == ""
    assert site.reads[-1] == []
    meta = site.reader / "annotations/reader.yaml"
    meta.write_text(meta.read_text("utf-8").replace("The agreement and", "Signing and"), "utf-8")
    assert site.build() == ""
    assert "index" in site.reads[-1]
    assert "Session 1: Signing and the strike" in article(site.page("index")).get_text()


def test_the_annotation_client_is_off_unless_asked_for(
    student_site: Site, site_factory: Callable[..., Site]
) -> None:
    def scripts(site: Site) -> list[str]:
        return [str(s.get("src")) for s in site.page(READING).find_all("script")]

    assert not any("hypothes.is" in src for src in scripts(student_site))
    site = site_factory("site-basic", coursepack_annotation="hypothesis")
    assert site.warnings == ""
    assert "https://hypothes.is/embed.js" in scripts(site)


def test_input_errors_become_located_warnings(site_factory: Callable[..., Site]) -> None:
    def break_anchor(reader: Path) -> None:
        path = reader / "annotations/notes/contract-2020.md"
        text = path.read_text("utf-8").replace("recieved badly", "received well")
        path.write_text(text, "utf-8")

    site = site_factory("site-errors", break_anchor)
    lines = [line for line in site.warnings.splitlines() if "coursepack." in line]
    assert len(lines) == 1, site.warnings
    assert re.search(
        r"reader/annotations/notes/contract-2020\.md:\d+:\d+: WARNING: .*"
        r"\[coursepack\.anchor\.not-found\]",
        lines[0],
    ), lines[0]
    # The pages still exist, saying why they are empty.
    page = article(site.page("readings/index"))
    assert "The reader has errors" in page.get_text()
    assert not (site.src / "readings/alpha-2026.rst").exists()


def test_incremental_build_rereads_only_affected_pages(
    site_factory: Callable[..., Site],
) -> None:
    site = site_factory("site-basic")
    assert site.build() == ""
    assert site.reads[-1] == []  # nothing changed, nothing re-read
    note = site.reader / "annotations/notes/strike-1934.md"
    note.write_text(note.read_text("utf-8").replace("Truck drivers", "Drivers"), "utf-8")
    assert site.build() == ""
    assert site.reads[-1] == ["notes/strike-1934", READING]
    assert "Drivers struck" in site.page(READING).get_text()


def test_parallel_build_matches_serial(
    student_site: Site, site_factory: Callable[..., Site], tmp_path: Path
) -> None:
    site = site_factory("site-basic")
    par = Site(src=site.src, out=tmp_path / "par" / "out", reader=site.reader, warnings="")
    assert par.build(parallel=2) == ""
    for name in (READING, GLOSSARY, "notes/strike-1934"):
        assert str(article(par.page(name))) == str(article(site.page(name))), name


def test_text_builder_keeps_the_text_without_widgets(tmp_path: Path) -> None:
    site = make_site(tmp_path, "site-basic")
    site.out = tmp_path / "text"
    assert site.build(builder="text") == ""
    text = " ".join((site.out / f"{READING}.txt").read_text("utf-8").split())
    assert "The union signed a collective bargaining agreement with the city" in text
    assert "A written contract" not in text  # the tooltip is HTML only
    assert "Copy BibTeX" not in text


def test_descriptions_are_cut_at_a_word() -> None:
    from coursepack.render.site.metadata import shorten

    short = shorten("word " * 100, 50)
    assert short.endswith("…") and len(short) <= 51
    assert not short[:-1].endswith(" ")
    assert shorten("A short description.") == "A short description."


def test_generated_documents_are_the_same_in_every_process(tmp_path: Path) -> None:
    # Sets (a reading's supplied fields) iterate in a different order under each hash seed;
    # a digest that followed that order would rewrite pages, and rebuild them, every time.
    code = (
        "import sys, json\n"
        "from coursepack.pipeline import read_reader\n"
        "from coursepack.refs import Refs\n"
        "from coursepack.render.site.generate import documents\n"
        "reader, _ = read_reader(sys.argv[1])\n"
        "print(json.dumps(documents(Refs(reader), 'student', ()), sort_keys=True))\n"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", code, str(READER)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_each_annotation_is_digested_once_for_every_page_that_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A term or a person is on many pages, a reading on every index: hashed for each page,
    # the pages of a reader of hundreds of readings cost the square of its size.
    from coursepack.render.site import generate

    digested: Counter[str] = Counter()

    class Counting(dict[type, tuple[str, ...]]):
        def get(self, key: type, default: object = None) -> Any:
            digested[key.__name__] += 1
            return super().get(key, default)

    monkeypatch.setattr(generate, "_FIELDS", Counting())
    reader, _ = read_reader(READER)
    docs = generate.documents(Refs(reader), "student", ())
    assert len(docs) > len(reader.readings) + len(reader.notes)
    assert digested["Reading"] == len(reader.readings)
    assert 0 < digested["Entity"] <= len(reader.entities)
    assert 0 < digested["Term"] <= len(reader.terms)
    assert 0 < digested["Note"] <= len(reader.notes)


def test_a_reading_page_is_rewritten_when_its_own_files_change_not_anothers() -> None:
    # A reading's handout that comes or goes changes its page and the downloads page:
    # the other readings' pages, which offer other files, stay as they were (and Sphinx
    # reads them not again).
    from coursepack.render.site import generate
    from coursepack.render.site.state import Download

    reader, _ = read_reader(READER)
    refs = Refs(reader)
    alpha, beta = (r.id for r in reader.readings)

    def files(beta_handout: bool) -> tuple[Download, ...]:
        return (
            Download("pdf/reader.pdf", "Reader", 0, "reader", (alpha, beta)),
            Download(f"pdf/handouts/{alpha}.pdf", "Handout", 1, "handout", (alpha,)),
        ) + (
            (Download(f"pdf/handouts/{beta}.pdf", "Handout", 1, "handout", (beta,)),)
            if (beta_handout)
            else ()
        )

    before = generate.documents(refs, "student", files(True))
    after = generate.documents(refs, "student", files(False))
    assert after[f"readings/{alpha}.rst"] == before[f"readings/{alpha}.rst"]
    assert after[f"readings/{beta}.rst"] != before[f"readings/{beta}.rst"]
    assert after["downloads.rst"] != before["downloads.rst"]


def test_no_page_is_read_again_for_the_size_of_a_file_it_offers(tmp_path: Path) -> None:
    # Every edit makes the reader's PDF a few bytes longer or shorter, and the site is
    # built while the PDFs are laid out: the pages' sources never depend on a size.
    from coursepack.outputs import Output
    from coursepack.render.site import generate
    from coursepack.render.site.state import downloads_of

    reader, _ = read_reader(READER)
    refs = Refs(reader)
    ids = tuple(r.id for r in reader.readings)
    pdf = tmp_path / "pdf" / "reader.pdf"
    pdf.parent.mkdir()
    offered = [Output(pdf, "The full course reader (PDF)", role="reader", readings=ids)]

    def pages(size: int | None) -> dict[str, str]:
        if size is None:  # not written yet, but coming
            found = downloads_of(offered, tmp_path, "student", coming={pdf})
        else:
            with pdf.open("wb") as handle:
                handle.truncate(size)
            found = downloads_of(offered, tmp_path, "student")
        assert [d.path for d in found] == ["pdf/reader.pdf"]
        return generate.documents(refs, "student", found)

    coming = pages(None)
    assert pages(2_200_000) == coming
    assert pages(2_400_000) == coming
    pdf.unlink()
    assert downloads_of(offered, tmp_path, "student") == []  # neither there nor coming


def test_titles_with_markup_characters_stay_text(student_site: Site) -> None:
    title = 'Contracts that <i>expire</i> & "lapse" `x` *y* .. |z|'
    note = article(student_site.page("notes/contract-2020"))
    assert note.h1 is not None and note.h1.get_text().rstrip("¶") == title
    assert note.h1.find(["i", "em", "code"]) is None
    reading = article(student_site.page(READING))
    call = reading.select_one("a.cp-call[href='#note-contract-2020']")
    assert call is not None and call["aria-label"] == f"Note 2: {title}"
    summary = reading.select_one("#note-contract-2020 .cp-note-title")
    assert summary is not None and summary.get_text() == title


def test_pages_of_a_reader_loaded_again_digest_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The preview loads the reader again after each save: what equals what the last
    # pages met takes its digest, and the pages are those written from nothing.
    import shutil

    from coursepack.render.site import generate

    root = tmp_path / "reader"
    shutil.copytree(READER, root)
    calls = Counter[str]()
    canonical = generate._canonical

    def counting(value: object) -> object:
        calls["now"] += 1
        return canonical(value)

    monkeypatch.setattr(generate, "_canonical", counting)
    monkeypatch.setattr(generate, "_KEPT", {})

    def pages() -> dict[str, str]:
        reader, report = read_reader(root)
        assert reader is not None, report.format()
        calls.clear()
        return generate.documents(Refs(reader), "student", ())

    first = pages()
    cold = calls["now"]
    note = sorted((root / "annotations" / "notes").glob("*.md"))[0]
    note.write_text(note.read_text(encoding="utf-8") + "\nA sentence added.\n", "utf-8")
    edited = pages()
    warm = calls["now"]
    monkeypatch.setattr(generate, "_KEPT", {})
    assert pages() == edited  # the same as from nothing
    assert calls["now"] == cold  # from nothing, everything is digested again
    assert warm < cold / 3
    changed = {name for name in first if first[name] != edited[name]}
    assert f"notes/{note.stem}.rst" in changed
    assert len(changed) < len(first) / 2


@dataclass(frozen=True)
class _Entry:
    key: str
    title: str = field(compare=False)


@dataclass(frozen=True)
class _Shelf:
    entries: tuple[_Entry, ...]
    label: str


def test_what_holds_a_field_left_out_of_equality_is_digested_in_full() -> None:
    # A shelf of entries whose titles changed equals the old one, as their titles are
    # left out of their equality (so are a reference's fields, in the model): it is never
    # taken for the one the last pages met.
    from coursepack.render.site import generate

    old = _Shelf((_Entry("smith2020", "Old title"),), "Works")
    new = _Shelf((_Entry("smith2020", "New title"),), "Works")
    assert old == new and hash(old) == hash(new)
    with generate._remembering():
        before = generate.digest(old)
    with generate._remembering():
        after = generate.digest(new)
    assert before != after
    # What compares by every field is looked up by value; what holds such a shelf is not.
    assert not generate._by_value(_Shelf) and not generate._by_value(_Entry)
    from coursepack.model import Note, Reader, Reading, Reference

    assert generate._by_value(Note) and generate._by_value(Reading)
    assert not generate._by_value(Reference) and not generate._by_value(Reader)


def test_pages_that_show_citations_change_with_a_reference_not_otherwise(
    tmp_path: Path,
) -> None:
    # The citations' digest is what decides them (records, kinds, copies, style): a
    # reference's new title changes the pages that show citations; loading again does not.
    import shutil

    from coursepack.render.site import generate

    root = tmp_path / "reader"
    shutil.copytree(READER, root)

    def pages() -> dict[str, str]:
        reader, report = read_reader(root)
        assert reader is not None, report.format()
        return generate.documents(Refs(reader), "student", ())

    first, again = pages(), pages()
    assert again == first
    bib = root / "annotations" / "references.bib"
    text = bib.read_text(encoding="utf-8")
    bib.write_text(text.replace("A Rank-and-File History", "A Rank and File History"), "utf-8")
    edited = pages()
    assert edited["bibliography.rst"] != first["bibliography.rst"]
    assert edited["readings/index.rst"] != first["readings/index.rst"]
