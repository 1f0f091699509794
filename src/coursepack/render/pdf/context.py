"""Turn a Reader and its shared layer into the plain data the PDF templates show.

Everything here is plain data (dicts, lists, strings), so a context can be hashed to skip
unchanged PDFs and sent to a worker process. Labels, short forms, orders, question numbers
and formatted citations come from :class:`~coursepack.refs.Refs`, as every output's do;
what is made here is only the PDFs' own (footnote and occurrence ids, the index).
Annotation bodies become HTML only through :mod:`coursepack.render.markup`; the reading
texts stay text and are escaped by Jinja.
"""

from __future__ import annotations

import re
import weakref
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from markupsafe import Markup, escape

from coursepack.model import (
    Anchor,
    ContextDocument,
    Entity,
    Note,
    Packet,
    Paragraph,
    Question,
    Reading,
    Source,
    Term,
    TextualNote,
)
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.refs.labels import (
    LEVEL_LABELS,
    author_line,
    byline,
    editors_line,
    format_period,
    headline_is_title,
    reading_title,
    running_title,
    term_title,
    textual_label,
)
from coursepack.refs.names import index_name, sort_text
from coursepack.refs.orders import ChronologyEntry
from coursepack.render import markup, segments
from coursepack.render.segments import Mark, MarkKind

Context = dict[str, Any]

_MARK_KINDS: frozenset[MarkKind] = frozenset({"note", "textual", "term", "entity"})


def _inline(text: str) -> Markup:
    """Return Markdown as inline HTML on one line (footnotes keep no source line breaks)."""
    return Markup(" ".join(markup.markdown_to_inline_html(text).splitlines()))


#: A web address as printed in running text; what follows it (a stop, a bracket) is not
#: part of it.
_URL = re.compile(r"https?://[^\s<>\"“”‘’]+[^\s<>\"“”‘’.,;:!?)\]]")
#: Where a printed address may break: after a slash, a dot or a hyphen (never inside the
#: scheme's "//"), without a hyphen added.
_URL_BREAK = re.compile(r"(?<=[/.\-])(?=[^/])")


def url_html(url: str) -> Markup:
    """Return a printed web address as a link that breaks only after "/", "." or "-"."""
    parts = _URL_BREAK.split(url)
    if len(parts) > 1 and parts[0].endswith("://"):
        parts[:2] = [parts[0] + parts[1]]  # not straight after the scheme
    shown = Markup("<wbr>").join(escape(p) for p in parts)
    return Markup('<a class="url" href="{}">{}</a>').format(url, shown)


def linkify(text: str) -> Markup:
    """Return plain text escaped, with every web address in it a link (url_html)."""
    out: list[Markup] = []
    last = 0
    for match in _URL.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(url_html(match.group(0)))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _field_value(value: str, href: str) -> Markup | str:
    """Return a byline's value, its address a link (in brackets when supplied)."""
    if not href:
        return value
    if value == f"[{href}]":
        return Markup("[{}]").format(url_html(href))
    return url_html(href) if value == href else value


_TAG = re.compile(r"(<[^>]*>)")


def linkify_html(html: str) -> Markup:
    """Return sanitized HTML with the web addresses of its text (outside links) as links."""
    pieces = _TAG.split(html)
    out: list[str] = []
    in_link = 0
    for piece in pieces:
        if piece.startswith("<"):
            if re.match(r"<a[\s>]", piece):
                in_link += 1
            elif piece.startswith("</a"):
                in_link = max(0, in_link - 1)
            out.append(piece)
        elif in_link or not _URL.search(piece):
            out.append(piece)
        else:
            # Text of sanitized HTML: its entities are unescaped, then escaped again.
            out.append(linkify(Markup(piece).unescape()))
    return Markup("".join(out))


def css_string(text: str) -> str:
    """Return text as the inside of a CSS string: every character but letters, digits and
    spaces as a hexadecimal escape (which HTML escaping leaves as it is)."""
    return "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text)


def _md(text: str) -> Markup:
    """Return Markdown as sanitized block HTML with its printed addresses as links."""
    return linkify_html(markup.markdown_to_html(text))


def stop(html: str) -> str:
    """Return the full stop a sentence ending in html needs: none after one it has."""
    text = re.sub(r"<[^>]*>", "", str(html)).rstrip()
    return "" if text.endswith((".", "?", "!", ".”", "?”", "!”")) else "."


#: What each kind of context document is called.
CONTEXT_LABELS = {"law": "Law", "contract": "Contract", "statement": "Statement"}
_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)


def chronology_id(entry_id: str) -> str:
    """Return the HTML id of an entry of the chronology."""
    return f"c-{entry_id}"


def _spellings(forms: Iterable[str], first_letter_either_case: bool = False) -> tuple[str, ...]:
    """Return every spelling of a name's or term's forms that counts as a mention, in its
    case (a term's first letter in either: it may start a sentence), the longest first."""
    spelled = [f for f in forms if f]
    if first_letter_either_case:
        spelled += [f[0].swapcase() + f[1:] for f in spelled]
    return tuple(sorted(set(spelled), key=len, reverse=True))


def _forms_pattern(forms: Iterable[str], first_letter_either_case: bool = False) -> re.Pattern[str]:
    """Return a pattern that finds any spelling of a name or term (:func:`_spellings`) as a
    whole word."""
    alternatives = "|".join(re.escape(f) for f in _spellings(forms, first_letter_either_case))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def _mark_first(html: str, pattern: re.Pattern[str], anchor: str) -> Markup | None:
    """Return sanitized HTML with an empty anchor before the first match of pattern in its
    text (outside tags), or None if the text has no match."""
    pieces = _TAG.split(html)
    for i, piece in enumerate(pieces):
        if piece.startswith("<"):
            continue
        match = pattern.search(piece)
        if match is not None:
            mark = f'<span class="mention" id="{anchor}"></span>'
            pieces[i] = piece[: match.start()] + mark + piece[match.start() :]
            return Markup("".join(pieces))
    return None


def _is_acronym(form: str) -> bool:
    """Return whether a form is an acronym ("ICE", "AFL-CIO")."""
    letters = [c for c in form if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def title_dates(note: Note) -> bool:
    """Return whether a note's title names the year its period starts or ends in."""
    end = note.period.end or note.period.start
    years = {int(y) for y in re.findall(r"(?<!\d)(\d{4})(?!\d)", note.title)}
    years |= {2000 + int(y) for y in re.findall(r"(?<=\d{4}[–-])(\d{2})(?!\d)", note.title)}
    return bool(years & {note.period.start.year, end.year})


def occurrence_id(kind: str, item_id: str, index: int) -> str:
    """Return the HTML id of one occurrence of a term or entity in a reading."""
    return f"o-{kind}-{item_id}-{index}"


def _anchor_href(anchor: Anchor) -> str:
    if anchor.paragraph is None:
        return f"#r-{anchor.reading}"
    return f"#r-{anchor.reading}-p{anchor.paragraph}"


#: A kind ("entity" or "term"), an id, the pattern that finds a mention, and the
#: spellings it finds.
MentionPattern = tuple[str, str, re.Pattern[str], tuple[str, ...]]

_WORD = re.compile(r"\w+")


class MentionPatterns:
    """Each person's, organization's and term's forms as one pattern, in the order they are
    tried, and which of them a given text may hold.

    A pattern finds a spelling as a whole word, so a text holds a spelling only if one of
    the text's words is the spelling's first word (a run of word characters): looking
    up the text's words finds the few patterns worth trying among thousands (a 200-reading
    reader's 3,400 names and terms, tried on each of its 2,700 notes, were most of the time
    planning its PDFs took)."""

    def __init__(self, patterns: list[MentionPattern]) -> None:
        self.patterns = patterns
        self._by_first_word: dict[str, set[int]] = defaultdict(set)
        #: Patterns with a spelling of no word character at all: always tried.
        self._always: list[int] = []
        for i, (_kind, _id, _pattern, spellings) in enumerate(patterns):
            for spelling in spellings:
                first = _WORD.search(spelling)
                if first is None:
                    self._always.append(i)
                    break
                self._by_first_word[first.group()].add(i)

    def __iter__(self) -> Iterator[MentionPattern]:
        return iter(self.patterns)

    def __getitem__(self, i: int) -> MentionPattern:
        return self.patterns[i]

    def candidates(self, html: str) -> list[MentionPattern]:
        """Return, in order, the patterns that may find a mention in html: every pattern
        that does is among them (a word of a tag may add one that does not)."""
        found = set(self._always)
        for word in set(_WORD.findall(html)):
            found.update(self._by_first_word.get(word, ()))
        return [self.patterns[i] for i in sorted(found)]


#: Each Refs's mention patterns, made once for every document planned from it (made for
#: each document, a 200-reading reader's 3,400 names and terms were compiled 208 times).
_MENTION_PATTERNS: weakref.WeakKeyDictionary[Refs, MentionPatterns] = weakref.WeakKeyDictionary()


def mention_patterns(refs: Refs) -> MentionPatterns:
    """Return each person's, organization's and term's forms as one pattern, with the
    spellings the pattern finds."""
    found = _MENTION_PATTERNS.get(refs)
    if found is None:
        reader = refs.reader
        patterns = [
            ("entity", e.id, _forms_pattern(e.forms), _spellings(e.forms)) for e in reader.entities
        ]
        patterns += [
            ("term", t.id, _forms_pattern(t.forms, True), _spellings(t.forms, True))
            for t in reader.terms
        ]
        found = _MENTION_PATTERNS[refs] = MentionPatterns(patterns)
    return found


class _Builder:
    """Build the contexts of one reader (the ids are shared by every document)."""

    def __init__(
        self, refs: Refs, options: BuildOptions, reading_ids: Iterable[str] | None = None
    ) -> None:
        reader = refs.reader
        self.refs = refs
        self.reader = reader
        self.options = options
        #: The readings this document prints (the index lists occurrences in these only).
        self._reading_ids = (
            set(reading_ids) if reading_ids is not None else {r.id for r in reader.readings}
        )
        self._marks_cache: dict[str, list[Mark]] = {}
        self._first_terms: dict[str, set[tuple[str, int]]] = {}
        self._footnotes: dict[str, int] = defaultdict(int)
        self._occurrences: dict[tuple[str, str], dict[tuple[str, int], int]] = {}
        self._textual = {t.id: t for t in reader.textual_notes}
        self._term_ids = {t.id for t in reader.terms}
        self._current = ""
        #: The block (paragraph id) where each footnote is called.
        self.footnote_blocks: dict[str, str] = {}
        #: Where the apparatus printed here names each person, organization or term:
        #: (kind, id) -> the ids of the marks put before the first mention in each note or
        #: event (the index's locators beside the readings').
        self.mentions: dict[tuple[str, str], list[str]] = defaultdict(list)

    @property
    def _patterns(self) -> MentionPatterns:
        return mention_patterns(self.refs)

    def mark_mentions(self, html: Markup, where: str) -> Markup:
        """Return apparatus HTML with an anchor before the first mention of each name and
        term in it, and remember the anchors for the index."""
        for kind, item_id, pattern, _ in self._patterns.candidates(html):
            anchor = f"m-{kind}-{item_id}-{where}"
            marked = _mark_first(html, pattern, anchor)
            if marked is not None:
                html = marked
                self.mentions[(kind, item_id)].append(anchor)
        return html

    # -- readings ---------------------------------------------------------------------------

    def reading(self, reading: Reading) -> Context:
        """Return a reading: metadata, blocks of runs, citation, questions."""
        r = reading
        reader, refs = self.reader, self.refs
        whole_text = [self.textual(t) for t in reader.textual_notes_for(r.id) if t.anchor is None]
        blocks = [self.block(r, b) for b in (*r.front, *r.paragraphs)]
        # A headline that is the title itself is printed once: as received (its quotation
        # marks, its notes), as the reading's heading, where its block keeps its id.
        headline: Context | None = None
        if blocks and blocks[0]["number"] is None and headline_is_title(r):
            headline = blocks.pop(0)
        short = refs.short(r)
        return {
            "id": r.id,
            "title": reading_title(r),
            "headline": headline,
            "plain_title": r.title,
            # A running head is short: the short form, and the title cut at a word, unless
            # the short form is the title itself (a reading without an author).
            "running": f"{short} · {running_title(r, 40)}" if author_line(r) else short,
            "author": author_line(r),
            "short": short,
            "language": r.language,
            "fields": [
                {
                    "label": f.label,
                    "value": _field_value(f.value, f.href),
                }
                for f in byline(r)
                if f.name != "authors" and f.name != "corporate_author"
            ],
            "perspective": r.perspective,
            "whole_text_notes": whole_text,
            "blocks": blocks,
            "citation": linkify_html(refs.entry(r)),  # sanitized by the shared layer
            "online": url_html(refs.site.url(refs.site.reading(r.id))),
            "questions": [self.question(q) for q in reader.questions_for(r.id)],
            "comparative": [
                self.question(q) for q in reader.comparative_questions if r.id in q.readings
            ],
            "notes": refs.orders.notes_in_order(n.id for n, _ in reader.notes_for(r.id)),
            "terms": [t.id for t in reader.terms_in(r.id)],
        }

    def sources(self, sources: tuple[Source, ...]) -> list[Markup | str]:
        """Return the in-text citations of a list of sources (a pinpoint after each)."""
        known = self.refs.keys.items
        return [
            linkify_html(self.refs.cite_html(s.key, s.locator)) if s.key in known else s.key
            for s in sources
        ]

    def passage(self, anchor: Anchor) -> Context:
        """Return a passage an annotation points to, labelled as a citation."""
        return {
            "label": self.refs.anchor_label(anchor),
            "href": _anchor_href(anchor),
            "reading": anchor.reading,
        }

    def _reading_marks(self, reading: Reading) -> list[Mark]:
        """Return (and remember) the marks of a reading and the first use of each term."""
        marks = self._marks_cache.get(reading.id)
        if marks is None:
            marks = segments.reading_marks(self.reader, reading.id, _MARK_KINDS)
            self._marks_cache[reading.id] = marks
            firsts = segments.first_uses([m for m in marks if m.kind == "term"])
            self._first_terms[reading.id] = {(m.id, m.start) for m in firsts}
        return marks

    def _occurrence_index(self, kind: str, item_id: str, start: int) -> int:
        """Return the position of an occurrence among the term's or entity's occurrences."""
        key = (kind, item_id)
        table = self._occurrences.get(key)
        if table is None:
            item = self.reader.term(item_id) if kind == "term" else self.reader.entity(item_id)
            table = self._occurrences[key] = {
                (o.reading, o.start): i for i, o in enumerate(item.occurrences)
            }
        return table[(self._current, start)]

    def block(self, reading: Reading, paragraph: Paragraph) -> Context:
        """Return a block as runs of text, with occurrence ids, term marks and footnotes."""
        reader = self.reader
        marks = self._reading_marks(reading)
        firsts = self._first_terms[reading.id]
        if paragraph.number is None:
            block_id = f"r-{reading.id}-f{reading.front.index(paragraph) + 1}"
        else:
            block_id = f"r-{reading.id}-p{paragraph.number}"
        self._current = reading.id
        runs = []
        for run in segments.segment(reading.text, paragraph, marks):
            classes: list[str] = sorted({m.kind for m in run.marks})
            if any(m.kind == "term" and (m.id, m.start) in firsts for m in run.marks):
                classes.append("first-use")
            ids = [
                occurrence_id(m.kind, m.id, self._occurrence_index(m.kind, m.id, m.start))
                for m in run.marks
                if m.kind in ("term", "entity") and m.start == run.start
            ]
            after: list[Context] = []
            for m in sorted(run.ends, key=lambda m: (m.start, m.kind, m.id)):
                if m.kind == "term" and (m.id, m.start) in firsts:
                    term = reader.term(m.id)
                    after.append({"kind": "term", "id": term.id, "term": term.term})
                elif m.kind == "note":
                    after.append(self.note_call(reader.note(m.id)))
                elif m.kind == "textual":
                    textual = self._textual[m.id]
                    after.append({"kind": "textual", **self.textual(textual)})
            for item in after:
                if item["kind"] != "term":
                    self._footnotes[reading.id] += 1
                    item["fid"] = f"f-{reading.id}-{self._footnotes[reading.id]}"
                    self.footnote_blocks[item["fid"]] = block_id
            runs.append(
                {
                    "text": linkify(run.text),
                    "classes": " ".join(classes),
                    "ids": ids,
                    "after": after,
                }
            )
        return {
            "number": paragraph.number,
            "id": block_id,
            "boilerplate": paragraph.boilerplate,
            "runs": runs,
        }

    def note_call(self, note: Note) -> Context:
        """Return the footnote that points a passage to its historical note.

        The note's period follows its title unless the title already dates it (names the
        year it starts or ends): a call does not print one date in two forms.
        """
        return {
            "kind": "note",
            "id": note.id,
            "title": note.title,
            "period": "" if title_dates(note) else format_period(note.period),
        }

    def textual(self, t: TextualNote) -> Context:
        """Return a textual note."""
        html = _inline(t.note)
        correction = t.correction or ""
        return {
            "id": t.id,
            "label": textual_label(t.kind),
            "html": html,
            "stop": stop(html),
            "correction": correction,
            "correction_stop": stop(correction),
            "sources": self.sources(t.sources),
        }

    # -- apparatus --------------------------------------------------------------------------

    def note(self, note: Note) -> Context:
        """Return a historical note in full."""
        return {
            "id": note.id,
            "title": note.title,
            "period": format_period(note.period),
            "html": self.mark_mentions(_md(note.body), f"n-{note.id}"),
            "teaching": _md(note.teaching) if note.teaching else "",
            "sources": self.sources(note.sources),
            "anchors": [self.passage(a) for a in note.anchors],
        }

    def term(self, term: Term) -> Context:
        """Return a glossary entry."""
        occurs_in = {o.reading for o in term.occurrences}
        readings = [r for r in self.reader.readings if r.id in occurs_in]
        return {
            "id": term.id,
            "term": term.term,
            "title": term_title(term),
            "abbreviation": term.abbreviation or "",
            "html": _md(term.definition),
            "see_also": [
                {"id": s, "term": self.reader.term(s).term, "linked": True}
                for s in term.see_also
                if s in self._term_ids
            ],
            "sources": (sources := self.sources(term.sources)),
            "sources_stop": stop(sources[-1]) if sources else "",
            "readings": [self.refs.short(r) for r in readings],
        }

    def question(self, q: Question, teaching: bool | None = None) -> Context:
        """Return a question; its teaching note only in the instructor edition or when asked."""
        show = self.options.edition == "instructor" if teaching is None else teaching
        return {
            "id": q.id,
            "number": self.refs.question_number(q),
            "html": _md(q.text),
            "level": LEVEL_LABELS.get(q.level, q.level),
            "readings": [self.refs.short(r) for r in q.readings],
            "reading_ids": list(q.readings),
            "passages": [self.passage(a) for a in q.anchors],
            "teaching": (_md(q.teaching_note) if show and q.teaching_note else ""),
        }

    def timeline(self) -> list[Context]:
        """Return the historical notes in the order of their periods."""
        return [
            {"id": n.id, "title": n.title, "period": format_period(n.period)}
            for n in self.refs.orders.notes
        ]

    def question_groups(
        self, teaching: bool | None = None, readings: Collection[str] | None = None
    ) -> list[Context]:
        """Return the questions by reading, then the comparative ones, numbered "g.q".

        readings: only the questions on these readings (a volume's), numbered as in the
        whole reader.
        """
        groups: list[Context] = []
        for group in self.refs.orders.question_groups:
            shown = [
                self.question(q, teaching)
                for q in group.questions
                if readings is None or any(r in readings for r in q.readings)
            ]
            if not shown:
                continue
            if group.reading is None:
                title, short = "Comparing the readings", ""
            else:
                title, short = reading_title(group.reading), self.refs.short(group.reading)
            groups.append({"title": title, "short": short, "questions": shown})
        return groups

    def chronology(self, entries: Iterable[ChronologyEntry]) -> list[Context]:
        """Return entries of the chronology: events, and the readings' publications."""
        out: list[Context] = []
        for entry in entries:
            item: Context = {
                "id": chronology_id(entry.id),
                "kind": entry.kind,
                "period": format_period(entry.period),
            }
            if entry.event is not None:
                event = entry.event
                item["html"] = self.mark_mentions(
                    linkify_html(_inline(event.event)), chronology_id(entry.id)
                )
                item["notes"] = [
                    {"id": n, "title": self.reader.note(n).title}
                    for n in self.refs.orders.notes_in_order(event.notes)
                ]
                item["sources"] = self.sources(event.sources)
                item["sources_stop"] = stop(item["sources"][-1]) if item["sources"] else ""
            else:
                assert entry.reading is not None
                item["reading"] = entry.reading.id
                item["title"] = reading_title(entry.reading)
                item["short"] = self.refs.short(entry.reading)
                item["notes"] = []
                item["sources"] = []
                item["sources_stop"] = ""
            out.append(item)
        return out

    def context_document(self, document: ContextDocument) -> Context:
        """Return a context document: its headnote, the text, where it comes from."""
        return {
            "id": document.id,
            "title": document.title,
            "kind": CONTEXT_LABELS.get(document.kind, document.kind),
            "headnote": _md(document.headnote),
            "text": _md(document.text),
            "provenance": _md(document.provenance),
            "source": (source := self.sources((document.source,))),
            "source_stop": stop(source[-1]),
            "url": url_html(document.url) if document.url else "",
            "readings": [
                {"id": r, "short": self.refs.short(r)}
                for r in document.readings
                if r in self._reading_ids
            ],
        }

    def further_reading(self) -> list[Context]:
        """Return the works of further reading, each entry with what it offers."""
        known = self.refs.keys.items
        return [
            {
                "key": work.key,
                "entry": linkify_html(self.refs.entry(work.key)),
                "annotation": _md(work.annotation),
            }
            for work in self.refs.orders.further_reading
            if work.key in known
        ]

    def index(self, glossary: bool = True) -> dict[str, list[Context]]:
        """Return the index of names and of terms, each entry with where it stands.

        An entry lists the occurrences in the readings (a passage that speaks of it without
        naming it is a paraphrase, marked as such), the first mention in each historical
        note and event of the chronology built so far (:meth:`mark_mentions`), and, for a
        term, its glossary entry. Forms that sort elsewhere (abbreviations, acronyms of
        organizations) are "see" entries.
        """
        orders = self.refs.orders

        def locators(item: Entity | Term, kind: str) -> list[Context]:
            found: list[Context] = []
            forms = item.forms
            for i, o in enumerate(item.occurrences):
                if o.reading not in self._reading_ids:
                    continue
                named = any(f.casefold() in o.exact.casefold() for f in forms)
                found.append(
                    {"anchor": occurrence_id(kind, item.id, i), "style": "" if named else "para"}
                )
            found += [{"anchor": a, "style": ""} for a in self.mentions.get((kind, item.id), ())]
            return found

        names: list[Context] = []
        see: list[Context] = []
        for e in orders.entities:
            found = locators(e, "entity")
            if not found:
                continue
            label = index_name(e)
            names.append({"label": label, "sort": label, "locators": found})
            if e.kind != "person":
                for alias in e.aliases:
                    if _is_acronym(alias) and sort_text(alias)[:1] != sort_text(label)[:1]:
                        see.append({"label": alias, "sort": alias, "see": label})
        terms: list[Context] = []
        for t in orders.terms:
            found = locators(t, "term")
            if not found:
                continue
            if glossary:
                found.append({"anchor": f"g-{t.id}", "style": "def"})
            title = term_title(t)
            terms.append({"label": title, "sort": t.term, "locators": found})
            if t.abbreviation and sort_text(t.abbreviation)[:1] != sort_text(t.term)[:1]:
                terms.append({"label": t.abbreviation, "sort": t.abbreviation, "see": t.term})
        terms.sort(key=lambda entry: sort_text(entry["sort"]))
        names += see
        names.sort(key=lambda entry: sort_text(_ARTICLE.sub("", entry["sort"])))
        return {"names": names, "terms": terms}

    def common(self) -> Context:
        """Return what every document shows: the reader's metadata and the options."""
        m = self.reader.meta
        return {
            "meta": {
                "id": m.id,
                "title": m.title,
                "title_css": css_string(m.title),
                "subtitle": m.subtitle or "",
                "editors": list(m.editors),
                "editors_line": editors_line(m),
                "year": m.year,
                "publisher": m.publisher,
                "place": m.place or "",
                "url": self.refs.site.base_url,
                "url_html": url_html(self.refs.site.base_url),
                "licence": m.licence,
                "language": m.language,
                "keywords": list(m.keywords),
            },
            "paper": self.options.paper,
            "edition": self.options.edition,
        }


def reader_context(
    refs: Refs,
    options: BuildOptions,
    volume: int = 1,
) -> Context:
    """Return the context of one printed volume of the course reader (most have one).

    A volume holds its readings and the apparatus they call on: the historical notes
    anchored in them, the glossary terms that occur in them, their questions (numbered as
    in the whole reader) and the works those cite, and an index of their pages. Links go
    only to what the volume holds.
    """
    return _selection(refs, options, refs.reader.volumes[volume - 1], volume=volume)


def packet_context(refs: Refs, options: BuildOptions, packet: Packet) -> Context:
    """Return the context of a packet: its readings with the apparatus they call on, as a
    volume has it (and, for a session, the notes the session lists), numbered as in the
    whole reader."""
    return _selection(refs, options, packet.readings, packet=packet)


def _selection(
    refs: Refs,
    options: BuildOptions,
    ids: tuple[str, ...],
    *,
    volume: int = 1,
    packet: Packet | None = None,
) -> Context:
    """Return the context of a book printing the readings ids: a volume or a packet."""
    reader = refs.reader
    volumes = reader.volumes
    alone = packet is None and len(volumes) == 1
    also = set(packet.notes) if packet else set()
    b = _Builder(refs, options, ids)
    entries = refs.citations.bibliography()
    readings = [b.reading(reader.reading(r)) for r in ids]
    notes = [
        n
        for n in refs.orders.notes
        if alone or n.id in also or any(a.reading in ids for a in n.anchors)
    ]
    wanted = {t.id for r in ids for t in reader.terms_in(r)}
    terms = [t for t in refs.orders.terms if alone or t.id in wanted]
    glossary = [b.term(t) for t in terms]
    here = {t.id for t in terms}
    for entry in glossary:
        for see in entry["see_also"]:
            see["linked"] = see["id"] in here
    note_ids = {n.id for n in notes}
    groups = b.question_groups(readings=None if alone else set(ids))
    # The chronology: the events (those that tell of a note printed here, in a volume) and
    # the publications of the readings printed here.
    chronology = [
        e
        for e in refs.orders.chronology
        if (e.reading is not None and e.reading.id in ids)
        or (e.event is not None and (alone or any(n in note_ids for n in e.event.notes)))
    ]
    contexts = [c for c in refs.orders.contexts if alone or any(r in ids for r in c.readings)]
    further = b.further_reading() if alone else []
    printed_notes = [b.note(n) for n in notes]
    printed_chronology = b.chronology(chronology)
    if not alone:
        sources = [
            *(n.sources for n in notes),
            *(t.sources for t in terms),
            *(t.sources for r in ids for t in reader.textual_notes_for(r)),
            *(e.event.sources for e in chronology if e.event is not None),
            *((c.source,) for c in contexts),
        ]
        cited = {s.key for group in sources for s in group}
        entries = [(k, html) for k, html in entries if k in cited]
    return {
        **b.common(),
        "volume": {
            "number": volume,
            "count": len(volumes),
            "all": [
                {
                    "number": n,
                    "first": refs.short(v[0]),
                    "last": refs.short(v[-1]),
                    "size": len(v),
                }
                for n, v in enumerate(volumes, start=1)
            ],
        },
        "packet": None
        if packet is None
        else {
            "id": packet.id,
            "title": packet.title,
            "session": packet.session,
            "of": len(reader.readings),
        },
        "linkable": None if alone else list(ids),
        "citation": linkify_html(refs.entry(reader)),  # sanitized by the shared layer
        "introduction": _md(reader.meta.introduction),
        "readings": readings,
        "footnote_blocks": b.footnote_blocks,
        "breaks": [],
        "notes": printed_notes,
        "glossary": glossary,
        "timeline": [t for t in b.timeline() if t["id"] in note_ids],
        "chronology": printed_chronology,
        "contexts": [b.context_document(c) for c in contexts],
        "further_reading": further,
        "question_groups": groups,
        "bibliography": [{"key": k, "html": linkify_html(v)} for k, v in entries],
        # After the notes and the chronology: the index lists where they name each entry.
        "index": b.index(),
    }


def handout_context(refs: Refs, reading_id: str, options: BuildOptions) -> Context:
    """Return the context of one reading's handout."""
    reader = refs.reader
    b = _Builder(refs, options)
    reading = b.reading(reader.reading(reading_id))
    notes = [b.note(reader.note(n)) for n in reading["notes"]]
    glossary = [b.term(t) for t in reader.terms_in(reading_id)]
    here = {t["id"] for t in glossary}
    for entry in glossary:
        for see in entry["see_also"]:
            see["linked"] = see["id"] in here
    return {
        **b.common(),
        "reading": reading,
        "footnote_blocks": b.footnote_blocks,
        "breaks": [],
        "notes": notes,
        "glossary": glossary,
        "inline_citation": reading["short"],
    }


def guide_context(refs: Refs, options: BuildOptions) -> Context:
    """Return the context of the instructor guide."""
    reader = refs.reader
    b = _Builder(refs, options)
    groups = b.question_groups(teaching=True)
    questions = {q.id: q for q in reader.questions}
    notes = {n.id: n for n in reader.notes}
    sessions = []
    for number, s in enumerate(reader.meta.sequence, start=1):
        sessions.append(
            {
                "number": number,
                "title": s.title,
                "readings": [
                    {"title": reading_title(reader.reading(r)), "short": refs.short(r)}
                    for r in s.readings
                    if r in b._reading_ids
                ],
                "notes": [
                    {"id": n, "title": notes[n].title}
                    for n in refs.orders.notes_in_order(s.notes)
                    if n in notes
                ],
                "questions": [
                    {
                        "id": q,
                        "number": refs.question_number(q),
                        "level": LEVEL_LABELS.get(questions[q].level, ""),
                    }
                    for q in s.questions
                    if q in questions
                ],
                "plan": _md(s.plan),
            }
        )
    counts: dict[str, int] = defaultdict(int)
    for q in reader.questions:
        counts[q.level] += 1
    return {
        **b.common(),
        "citation": linkify_html(refs.entry(reader)),  # sanitized by the shared layer
        "question_groups": groups,
        "footnote_blocks": {},
        "breaks": [],
        "timeline": b.timeline(),
        "chronology": b.chronology(refs.orders.chronology),
        "sessions": sessions,
        "level_counts": [
            {"level": LEVEL_LABELS[k], "count": counts[k]} for k in LEVEL_LABELS if counts[k]
        ],
    }
