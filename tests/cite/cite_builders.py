"""Small readers built by hand from the model's constructors, for the citation tests."""

from __future__ import annotations

from coursepack.diagnostics import Location
from coursepack.model import (
    Anchor,
    Entity,
    Note,
    Paragraph,
    PartialDate,
    Period,
    Question,
    Reader,
    ReaderMeta,
    Reading,
    Reference,
    Source,
    Term,
    TextualNote,
)

CROSSE_TEXT = (
    "Union bureaucracy seeks to block strike action\n\n"
    "Jacob Crosse\n21 January 2026\n\n"
    "The event featured Communications Workers of America (CWA) Local 7520.\n\n"
    "The 1934 Teamsters strike & the CBA <b>mattered</b>, said one worker.\n"
)
WV_TEXT = (
    "https://iclfi.org/pubs/wv/2026-jan23\n\n"
    "Union leaders have endorsed the January 23 stay-away.\n\n"
    "A general strike is a political act; the no-strike clause says otherwise.\n"
)

CROSSE_DATE = PartialDate(2026, 1, 21)


def split_blocks(text: str, front_blocks: int) -> tuple[tuple[Paragraph, ...], ...]:
    """Return (front, numbered) paragraphs of a text, blocks separated by blank lines."""
    blocks: list[tuple[int, int]] = []
    pos = 0
    for chunk in text.split("\n\n"):
        start = pos + (len(chunk) - len(chunk.lstrip("\n")))
        stripped = chunk.strip("\n")
        if stripped:
            blocks.append((start, start + len(stripped)))
        pos += len(chunk) + 2
    front = tuple(Paragraph(None, s, e, text[s:e]) for s, e in blocks[:front_blocks])
    numbered = tuple(
        Paragraph(i + 1, s, e, text[s:e]) for i, (s, e) in enumerate(blocks[front_blocks:])
    )
    return front, numbered


def anchor(reading: Reading, quote: str, *, explicit: bool = True) -> Anchor:
    """Return the anchor of the first occurrence of a quote."""
    start = reading.text.index(quote)
    end = start + len(quote)
    block = reading.paragraph_at(start)
    return Anchor(
        reading=reading.id,
        paragraph=block.number if block else None,
        start=start,
        end=end,
        exact=quote,
        prefix=reading.text[max(0, start - 32) : start],
        suffix=reading.text[end : end + 32],
        location=Location("annotations/x.md", 3, 5) if explicit else None,
    )


def make_reading(
    reading_id: str,
    text: str,
    *,
    title: str,
    authors: tuple[str, ...] = (),
    corporate_author: str | None = None,
    outlet: str = "World Socialist Web Site",
    date: PartialDate = CROSSE_DATE,
    url: str = "https://www.wsws.org/en/articles/2026/01/21/",
    supplied: frozenset[str] = frozenset(),
    front_blocks: int = 2,
) -> Reading:
    """Return a reading with its paragraphs split."""
    front, numbered = split_blocks(text, front_blocks)
    return Reading(
        id=reading_id,
        title=title,
        authors=authors,
        corporate_author=corporate_author,
        outlet=outlet,
        date=date,
        url=url,
        genre="news report",
        language="en",
        perspective="A perspective.",
        supplied=supplied,
        original_filename="x.txt",
        sha256="0" * 64,
        text=text,
        front=front,
        paragraphs=numbered,
        text_path=f"seeds/{reading_id}.txt",
        meta_path=f"seeds/{reading_id}.yaml",
    )


def base_reader() -> Reader:
    """Return a two-reading reader with a note, two terms, a question and references."""
    here = Location("annotations/notes/teamsters-1934.md", 1, 1)
    crosse = make_reading(
        "crosse-2026",
        CROSSE_TEXT,
        title="Union bureaucracy seeks to block strike action against ICE rampage",
        authors=("Jacob Crosse",),
        supplied=frozenset({"url"}),
    )
    wv = make_reading(
        "workers-vanguard-2026",
        WV_TEXT,
        title="Union leaders endorse the January 23 stay-away",
        corporate_author="Workers Vanguard",
        outlet="Workers Vanguard",
        date=PartialDate(2026, 1),
        url="https://iclfi.org/pubs/wv/2026-jan23",
        supplied=frozenset({"title", "authors", "corporate_author", "date"}),
        front_blocks=1,
    )
    note = Note(
        id="teamsters-1934",
        title="The 1934 Minneapolis Teamsters strikes",
        body="The **Teamsters** struck in 1934 <script>alert(1)</script>.",
        period=Period(PartialDate(1934, 2, 7), PartialDate(1934, 8, 21), "February–August 1934"),
        sources=(Source("walker1937", "pp. 1–20"),),
        anchors=(anchor(crosse, "The 1934 Teamsters strike"),),
        terms=("cba",),
        entities=(),
        teaching=None,
        location=here,
    )
    cba_occ = anchor(crosse, "CBA", explicit=False)
    cba = Term(
        id="cba",
        term="collective bargaining agreement",
        abbreviation="CBA",
        aliases=("contract",),
        definition="A written contract between an employer & a union.",
        see_also=("no-strike-clause",),
        sources=(Source("nlra-1935"),),
        anchors=(),
        occurrences=(cba_occ,),
        autolink=True,
        location=Location("annotations/glossary/cba.md", 1, 1),
    )
    nsc = Term(
        id="no-strike-clause",
        term="no-strike clause",
        abbreviation=None,
        aliases=(),
        definition="A clause in a CBA.",
        see_also=(),
        sources=(),
        anchors=(anchor(wv, "no-strike clause"),),
        occurrences=(anchor(wv, "no-strike clause"),),
        autolink=True,
        location=Location("annotations/glossary/no-strike-clause.md", 1, 1),
    )
    question = Question(
        id="crosse-q1",
        text="Who spoke at the *event*?",
        level="recall",
        readings=("crosse-2026",),
        anchors=(anchor(crosse, "The event featured"),),
        teaching_note="Knutson.",
        location=Location("annotations/questions/crosse-2026.yaml", 2, 3),
    )
    textual = TextualNote(
        id="crosse-residue-1",
        reading="crosse-2026",
        kind="residue",
        anchor=anchor(crosse, "<b>mattered</b>"),
        note="HTML tags left in the text.",
        correction="mattered",
        sources=(),
        location=Location("annotations/textual/crosse-2026.yaml", 2, 3),
    )
    whole = TextualNote(
        id="wv-metadata",
        reading="workers-vanguard-2026",
        kind="metadata",
        anchor=None,
        note="The text carries only its URL.",
        correction=None,
        sources=(),
        location=Location("annotations/textual/workers-vanguard-2026.yaml", 2, 3),
    )
    cwa = Entity(
        id="cwa",
        name="Communications Workers of America",
        kind="union",
        description="A US union.",
        aliases=("CWA",),
        sources=(),
        occurrences=(anchor(crosse, "Communications Workers of America", explicit=False),),
        autolink=True,
        location=Location("annotations/entities.yaml", 2, 3),
    )
    refs = (
        Reference(
            "walker1937",
            "book",
            {
                "author": "Walker, Charles Rumford",
                "title": "American City: A Rank-and-File History",
                "publisher": "Farrar and Rinehart",
                "address": "New York",
                "year": "1937",
            },
        ),
        Reference(
            "smith1999",
            "article",
            {
                "author": "Smith, Jane and Jones, Ann",
                "title": "Strikes & lockouts: 100% of the story",
                "journal": "Labor History",
                "volume": "40",
                "number": "3",
                "pages": "45–67",
                "year": "1999",
            },
        ),
        Reference(
            "mnopedia-teamsters-1934",
            "online",
            {
                "title": "Minneapolis Teamsters Strike, 1934",
                "organization": "MNopedia, Minnesota Historical Society",
                "url": "http://www.mnopedia.org/event/minneapolis-teamsters-strike-1934",
                "urldate": "2026-11-01",
            },
        ),
        Reference(
            "nlra-1935",
            "misc",
            {
                "title": "National Labor Relations Act",
                "howpublished": "29 U.S.C. §§ 151–169",
                "year": "1935",
                "url": "https://www.nlrb.gov/guidance/key-reference-materials/national-labor-relations-act",
            },
        ),
    )
    meta = ReaderMeta(
        id="day-of-truth-2026",
        title="The Day of Truth and Freedom",
        subtitle="Four Readings on the Call for a General Strike in Minneapolis, January 2026",
        editors=("The coursepack editors",),
        year=2026,
        publisher="coursepack",
        place="Minneapolis",
        url="https://example.org/reader/",
        licence="CC BY 4.0",
        language="en",
        introduction="Intro.",
        sequence=(),
        keywords=("general strike",),
    )
    return Reader(
        meta=meta,
        readings=(crosse, wv),
        notes=(note,),
        terms=(cba, nsc),
        questions=(question,),
        textual_notes=(textual, whole),
        entities=(cwa,),
        references=refs,
        root="/nonexistent",
    )
