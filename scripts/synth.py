"""Write a synthetic reader, valid by construction, for benchmarks and scale tests.

Usage::

    python scripts/synth.py OUT --readings N [--annotations-per-reading 40] [--seed 1]

OUT receives a complete reader: ``seeds/*.txt`` (1,500 to 3,000 words of pseudo-English in
20 to 40 paragraphs each, with curly quotes, a boilerplate paragraph, a duplicated sentence
and Markdown residue such as ``\\$``), ``seeds/*.yaml`` with the right sha256, and
``annotations/`` with the reader's metadata and a class sequence, historical notes, glossary
terms (whose forms occur in the texts), questions on each reading, comparative questions,
textual notes of every kind, people and organizations, and ``references.bib``; plus a
minimal ``docs/`` Sphinx project for the site.

Each reading gets about ``--annotations-per-reading`` annotations, shared among the kinds as
:data:`SHARES` says (see :func:`plan`); the reader also gets :func:`comparative_count`
comparative questions. Every anchor quotes a passage that occurs once in its reading (or
carries a prefix that picks one place), so ``coursepack check`` passes. The same arguments
always give byte-identical files: everything comes from one seeded random generator.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from coursepack.model import Paragraph
from coursepack.render.site.build import GENERATED_PAGES
from coursepack.resolve.anchor import TextIndex
from coursepack.resolve.text import paragraphs_of

#: Share of a reading's annotations given to each kind (entities take what is left).
SHARES: dict[str, float] = {"notes": 0.2, "terms": 0.15, "questions": 0.3, "textual": 0.15}
KINDS = ("notes", "terms", "questions", "textual", "entities")


def _words(text: str) -> list[str]:
    """Return the words of a word list."""
    return text.split()


NOUNS = _words(
    """
account action agreement allowance answer assembly audience authority balance bargain
benefit board border branch budget building bulletin bus campaign candidate capital card
center chair charter city claim class clause coalition committee community company
complaint condition conference contract council county court crew crisis debate decision
delegate demand department deputy district dock document driver economy editor election
employer engineer estate factory family farm federation fight floor force fund future
garage government governor grievance ground group hall harbor hearing history hospital
house idea industry inspector job judge kitchen labor law leader leaflet letter line list
local machine majority manager march market meeting member method mill mine minority
minute moment morning motion movement neighbor network newspaper night notice office
officer order organizer paper parent park party pension picket plan plant platform police
policy position power press price principle program protest public question rally rank
rate reason record region report resolution right river road rule safety school season
sector shift shop side signal society speech staff station statement street strike study
system table teacher term territory thing threat ticket time town trade train truck trust
unit union value vote wage warehouse week winter worker world yard year youth
"""
)
VERBS = _words(
    """
accept address affect announce answer argue arrange ask attend back bring build call carry
change charge check choose claim close collect consider count cover cross decide defend
demand describe discuss divide draft elect end enter expect explain face fight file finish
follow form gather give hold join keep lead leave limit lose meet move name need offer
open organize oppose pass pay picket plan pledge present press print promise propose
protect publish push raise reach read receive refuse reject remain report represent
require respond return review run secure send serve settle share sign speak stand start
state stop strike support take teach tell test think train turn urge visit wait warn
watch win write
"""
)
ADJECTIVES = _words(
    """
active angry annual basic bitter brief broad busy careful central civil clear close cold
common complete direct early eastern entire equal federal final firm formal free full
general great hard heavy high honest human independent industrial informal joint large
late legal local long loyal main major mass minor modest national new northern official
old open ordinary organized original partial patient political popular poor powerful
practical private public quiet rapid rare recent regional regular rural serious sharp
short silent simple single small social solid southern special steady strong sudden
temporary tense total uneasy united urban useful usual vast weekly western whole wide
young
"""
)
ADVERBS = _words(
    """
again already briefly carefully clearly closely early easily finally firmly formally
gradually hardly largely later nearly now often openly partly plainly quickly quietly
rarely recently seldom sharply simply slowly soon steadily suddenly today twice widely
"""
)
PREPOSITIONS = _words(
    """
about across after against along among around at before behind beside beyond during for
from inside near over since through toward under with within without
"""
)
CONNECTIVES = (
    "Yet", "However", "Still", "Meanwhile", "By then", "In the end", "At first", "Even so",
    "For now", "In practice", "On Monday", "On Friday", "That week", "Later that month",
    "Since then", "Until then",
)  # fmt: skip
FIRST_NAMES = _words(
    """
Ada Alma Amos Anna Ben Bess Carl Cora Dale Dora Earl Edna Ella Emil Ezra Faye Finn Flora
Gail Hank Hazel Ida Ira Ivan Jack Jane June Karl Lena Leo Lila Lou Mae Mara Max Milo Nell
Noor Otto Pearl Rosa Ruth Sam Sara Tess Theo Vera Walt Zoe
"""
)
SYLLABLES = _words(
    """
ba be bo bra da de dor fa fen gal ger ha hel ka kel kor la len lor ma mer mo na nel nor
pa pel ra ren ro sa sel sor ta tel tor va vel vor wen za zel
"""
)
ENDINGS = _words("an ar ec el en er ic ik in is on or ov sk ton vik")
ORG_KINDS = (
    ("union", "Workers Union"),
    ("federation", "Federation of Labor"),
    ("party", "Workers Party"),
    ("publication", "Bulletin"),
    ("organization", "Tenants Association"),
    ("government", "City Council"),
)
TEXTUAL_KINDS = (
    "sic",
    "boilerplate",
    "residue",
    "duplicated",
    "variant",
    "error",
    "missing-quote",
    "displaced",
    "metadata",
)
LEVELS = ("recall", "interpret", "compare", "evaluate")
OUTLETS = ("Worker", "Review", "Herald", "Bulletin")
BOILERPLATE = "Sign up for our newsletter to get the news."
GENRES = ("news report", "editorial", "commentary", "feature", "interview", "open letter")


def plural(noun: str) -> str:
    """Return the plural of an English noun of the word list."""
    if noun.endswith("y") and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def plan(per_reading: int) -> dict[str, int]:
    """Return how many annotations of each kind one reading gets."""
    counts = {kind: int(per_reading * share + 0.5) for kind, share in SHARES.items()}
    counts["entities"] = max(0, per_reading - sum(counts.values()))
    return counts


def comparative_count(readings: int) -> int:
    """Return how many comparative questions a reader of this many readings gets."""
    return readings // 2 if readings > 1 else 0


@dataclass
class Text:
    """A reading's text as it is built: blocks of sentences, then one string."""

    id: str
    front: list[str]
    paragraphs: list[list[str]] = field(default_factory=list)

    def render(self) -> str:
        """Return the text: blocks separated by blank lines, ending with a newline."""
        blocks = [*self.front, *(" ".join(p) for p in self.paragraphs)]
        return "\n\n".join(blocks) + "\n"


class Words:
    """Pseudo-English words and names from one random generator, never twice the same name."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def pseudo(self, syllables: int = 2) -> str:
        """Return a new made-up word such as ``kelvorik``."""
        while True:
            word = "".join(self.rng.choice(SYLLABLES) for _ in range(syllables))
            word += self.rng.choice(ENDINGS)
            if word not in self.used:
                self.used.add(word)
                return word

    def phrase(self) -> str:
        """Return a noun phrase: ``the bitter strike`` or ``their 14 delegates``."""
        rng = self.rng
        det = rng.choice(("the", "the", "a", "their", "its", "this", "every", "no"))
        noun = rng.choice(NOUNS)
        if rng.random() < 0.15:
            return f"{rng.randint(2, 900)} {plural(noun)}"
        if det in ("the", "their", "its") and rng.random() < 0.3:
            noun = plural(noun)
        words = [rng.choice(ADJECTIVES), noun] if rng.random() < 0.5 else [noun]
        if det == "a" and words[0][0] in "aeiou":
            det = "an"
        return " ".join((det, *words))

    def verb(self) -> str:
        """Return a verb in the past tense."""
        verb = self.rng.choice(VERBS)
        irregular = {
            "bring": "brought", "build": "built", "choose": "chose", "fight": "fought",
            "give": "gave", "hold": "held", "keep": "kept", "lead": "led", "leave": "left",
            "lose": "lost", "meet": "met", "pay": "paid", "run": "ran", "send": "sent",
            "speak": "spoke", "stand": "stood", "strike": "struck", "take": "took",
            "teach": "taught", "tell": "told", "think": "thought", "win": "won",
            "write": "wrote", "read": "read", "set": "set",
        }  # fmt: skip
        if verb in irregular:
            return irregular[verb]
        if verb.endswith("e"):
            return verb + "d"
        if verb.endswith("y") and verb[-2] not in "aeiou":
            return verb[:-1] + "ied"
        if verb in ("plan", "stop", "picket", "ship"):
            return verb + ("ed" if verb == "picket" else verb[-1] + "ed")
        return verb + "ed"

    def sentence(self, subject: str | None = None) -> str:
        """Return one sentence of 8 to 30 words."""
        rng = self.rng
        subject = subject or self.phrase()
        shape = rng.randrange(7)
        if shape == 0:
            body = (
                f"{subject} {self.verb()} {self.phrase()} {rng.choice(PREPOSITIONS)} "
                f"{self.phrase()}"
            )
        elif shape == 1:
            body = (
                f"{rng.choice(CONNECTIVES)}, {subject} {rng.choice(ADVERBS)} {self.verb()} "
                f"{self.phrase()} and {self.verb()} {self.phrase()}"
            )
        elif shape == 2:
            body = (
                f"{subject} {self.verb()} that {self.phrase()} had {self.verb()} "
                f"{self.phrase()} {rng.choice(PREPOSITIONS)} {self.phrase()}"
            )
        elif shape == 3:
            quoted = (
                f"{self.phrase().capitalize()} {self.verb()} {self.phrase()}, and "
                f"{self.phrase()} {rng.choice(ADVERBS)} {self.verb()} {self.phrase()}"
            )
            body = f"“{quoted},” {rng.choice(('said', 'wrote', 'added'))} {subject}"
            if rng.random() < 0.3:
                body += f" {rng.choice(PREPOSITIONS)} {self.phrase()}"
        elif shape == 4:
            body = (
                f"{subject} {self.verb()} {self.phrase()} — {self.phrase()} "
                f"{rng.choice(PREPOSITIONS)} {self.phrase()} — {rng.choice(PREPOSITIONS)} "
                f"{self.phrase()}"
            )
        elif shape == 5:
            body = (
                f"{rng.choice(PREPOSITIONS).capitalize()} {self.phrase()}, {subject} "
                f"{self.verb()} {self.phrase()}, {rng.randint(2, 95)} percent of "
                f"{self.phrase()}"
            )
        else:
            body = (
                f"{subject} {rng.choice(ADVERBS)} {self.verb()} the ‘{rng.choice(ADJECTIVES)} "
                f"{rng.choice(NOUNS)}’ of {self.phrase()} {rng.choice(PREPOSITIONS)} "
                f"{self.phrase()}"
            )
        body = body[0].upper() + body[1:]
        return body + rng.choice((".", ".", ".", ".", "?", "!") if shape != 3 else ".")

    def words(self, n: int) -> str:
        """Return sentences of about n words in all."""
        out: list[str] = []
        count = 0
        while count < n:
            s = self.sentence()
            out.append(s)
            count += len(s.split())
        return " ".join(out)

    def markdown(self, n: int) -> str:
        """Return a Markdown body of about n words in two or three paragraphs."""
        parts = []
        paragraphs = self.rng.randint(2, 3)
        for i in range(paragraphs):
            text = self.words(n // paragraphs)
            if i == 0:
                first, _, rest = text.partition(" ")
                text = f"*{first}* {rest}"
            parts.append(text)
        return "\n\n".join(parts)


@dataclass
class Entity:
    """A person or organization, and the forms by which texts name it."""

    id: str
    name: str
    kind: str
    aliases: list[str]
    home: int


@dataclass
class Term:
    """A glossary term and its forms."""

    id: str
    term: str
    abbreviation: str | None
    aliases: list[str]
    home: int


class Synth:
    """Build the whole reader in memory, then write it."""

    def __init__(self, readings: int, per_reading: int, seed: int) -> None:
        self.n = readings
        self.per = plan(per_reading)
        self.rng = random.Random(seed)
        self.w = Words(self.rng)
        self.files: dict[str, str] = {}
        self.reading_ids = [f"reading-{i + 1:03d}" for i in range(readings)]
        self.texts: list[str] = []
        self.references: list[str] = []
        self.note_ids: list[str] = []
        self.question_ids: list[str] = []
        #: Per reading: the duplicated sentence and the paragraph its second copy ends.
        self.duplicated: list[tuple[str, list[str]]] = []
        self.indexes: list[TextIndex] = []
        self.blocks: list[tuple[Paragraph, ...]] = []

    # ---- people, terms and references -------------------------------------------------

    def make_entities(self) -> list[Entity]:
        out = []
        for home in range(self.n):
            for k in range(self.per["entities"]):
                if k % 3 == 2:
                    kind, suffix = ORG_KINDS[(home + k) % len(ORG_KINDS)]
                    core = self.w.pseudo().capitalize()
                    name = f"{core} {suffix}"
                    out.append(Entity(f"{core.lower()}-{kind}", name, kind, [core], home))
                else:
                    first = self.rng.choice(FIRST_NAMES)
                    last = self.w.pseudo().capitalize()
                    out.append(Entity(f"{first.lower()}-{last.lower()}", f"{first} {last}",
                                      "person", [last], home))  # fmt: skip
        return out

    def make_terms(self) -> list[Term]:
        out = []
        taken: set[str] = set()  # a glossary keys its entries by term and abbreviation
        for home in range(self.n):
            for k in range(self.per["terms"]):
                word = self.w.pseudo()
                noun = self.rng.choice(NOUNS)
                term = f"{word} {noun}"
                abbreviation = None
                if k % 2 == 0:
                    abbreviation = (word[:2] + noun[0]).upper() + str(home + 1)
                    while abbreviation.lower() in taken:
                        abbreviation += "X"
                    taken.add(abbreviation.lower())
                aliases = [word] if k % 3 == 1 else []
                out.append(Term(f"{word}-{noun}", term, abbreviation, aliases, home))
        return out

    def make_references(self) -> None:
        count = max(10, 2 * self.n)
        for i in range(count):
            first = self.rng.choice(FIRST_NAMES)
            last = self.w.pseudo().capitalize()
            year = self.rng.randint(1930, 2025)
            key = f"{last.lower()}{year}"
            title = self.w.phrase().replace("the ", "", 1).capitalize()
            title = f"{title} and {self.w.phrase()}: A History of {self.rng.choice(NOUNS)}s"
            if i % 3 == 0:
                entry = (
                    f"@book{{{key},\n  author = {{{last}, {first}}},\n  title = {{{title}}},\n"
                    f"  publisher = {{{self.w.pseudo().capitalize()} Press}},\n"
                    f"  address = {{Minneapolis}},\n  year = {{{year}}},\n}}\n"
                )
            elif i % 3 == 1:
                entry = (
                    f"@article{{{key},\n  author = {{{last}, {first}}},\n  title = {{{title}}},\n"
                    f"  journal = {{Labor History}},\n  volume = {{{self.rng.randint(1, 60)}}},\n"
                    f"  pages = {{{self.rng.randint(1, 200)}--{self.rng.randint(201, 400)}}},\n"
                    f"  year = {{{year}}},\n}}\n"
                )
            else:
                entry = (
                    f"@online{{{key},\n  author = {{{last}, {first}}},\n  title = {{{title}}},\n"
                    f"  url = {{https://example.org/{key}}},\n  urldate = {{2026-01-25}},\n"
                    f"  year = {{{year}}},\n}}\n"
                )
            self.references.append(key)
            self.files.setdefault("annotations/references.bib", "")
            self.files["annotations/references.bib"] += entry + "\n"

    def sources(self, low: int = 1, high: int = 2) -> list[Any]:
        out: list[Any] = []
        for key in self.rng.sample(self.references, self.rng.randint(low, high)):
            if self.rng.random() < 0.3:
                out.append({"key": key, "locator": f"pp. {self.rng.randint(1, 300)}–"
                            f"{self.rng.randint(301, 320)}"})  # fmt: skip
            else:
                out.append(key)
        return out

    # ---- texts ------------------------------------------------------------------------

    def make_text(self, index: int, entities: list[Entity], terms: list[Term]) -> Text:
        rng = self.rng
        reading_id = self.reading_ids[index]
        title = f"{self.w.phrase()} {self.w.verb()} {self.w.phrase()}"
        title = " ".join(
            w if w in ("a", "an", "the", "of") else w.capitalize() for w in title.split()
        )
        title = title[0].upper() + title[1:]
        person = entities[0].name if entities and entities[0].kind == "person" else "Staff"
        front = [title, f"By {person}" if index % 4 else "Editorial"]
        text = Text(reading_id, front)
        # Whole sentences overshoot each paragraph, and names and terms add more below:
        # together some 300 to 700 words.
        words = rng.randint(1100, 2300)
        paragraphs = rng.randint(20, 40)
        for _ in range(paragraphs):
            p: list[str] = []
            size = 0
            while size < words // paragraphs:
                s = self.w.sentence()
                p.append(s)
                size += len(s.split())
            text.paragraphs.append(p)
        # Names and terms in the paragraphs, each at least once.
        body = text.paragraphs
        for e in entities:
            for form in (e.name, *e.aliases[:1]):
                target = body[rng.randrange(len(body))]
                target.insert(rng.randrange(len(target) + 1), self.w.sentence(subject=form))
        for t in terms:
            forms = [t.term, *([t.abbreviation] if t.abbreviation else []), *t.aliases]
            for form in forms:
                target = body[rng.randrange(len(body))]
                obj = f"{rng.choice(('the', 'a'))} {form}" if form[0].islower() else form
                sentence = (
                    f"{self.w.phrase().capitalize()} {self.w.verb()} {obj} "
                    f"{rng.choice(PREPOSITIONS)} {self.w.phrase()}."
                )
                target.insert(rng.randrange(len(target) + 1), sentence)
        # The marks of a text taken from the web: residue, a duplicate, boilerplate.
        amount = rng.randint(2, 99)
        residue = f"Dues rose to \\${amount} a month for *{self.w.pseudo().capitalize()}* readers."
        body[rng.randrange(len(body))].append(residue)
        first = body[rng.randrange(0, len(body) // 2)]
        later = body[rng.randrange(len(body) // 2 + 1, len(body))]
        later.append(first[0])
        self.duplicated.append((first[0], later))
        body.insert(rng.randrange(3, len(body)), [BOILERPLATE])
        return text

    def index_text(self, index: int) -> None:
        """Keep a reading's text ready for anchoring, as coursepack will see it."""
        text = self.texts[index]
        front, paragraphs = paragraphs_of(text, 2)
        self.indexes.append(TextIndex(self.reading_ids[index], text, front + paragraphs))
        self.blocks.append(paragraphs)

    # ---- anchors ------------------------------------------------------------------------

    def check(self, index: int, spec: dict[str, Any], start: int) -> bool:
        """Return whether an anchor resolves, to the span that starts at start."""
        found = self.indexes[index].resolve(
            spec["quote"], spec.get("prefix"), spec.get("suffix"), spec.get("occurrence")
        )
        return isinstance(found, tuple) and found[0] == start

    def anchor(self, index: int, with_reading: bool = True) -> dict[str, Any]:
        """Return an anchor to a passage of reading index that only one place matches."""
        text = self.texts[index]
        while True:
            block = self.rng.choice(self.blocks[index])
            words = block.text.split(" ")
            if len(words) < 8:
                continue
            length = self.rng.randint(4, min(9, len(words) - 1))
            i = self.rng.randrange(0, len(words) - length)
            quote = " ".join(words[i : i + length])
            if any(c in quote for c in "*\\"):
                continue
            start = block.start + len(" ".join(words[:i])) + (1 if i else 0)
            spec: dict[str, Any] = {"reading": self.reading_ids[index]} if with_reading else {}
            spec["quote"] = quote
            if len(_find_all(text, quote)) > 1:
                # Another place has the same words: name the words just before.
                spec["prefix"] = " ".join(words[max(0, i - 3) : i])
            if self.check(index, spec, start):
                return spec

    def duplicate(self, index: int) -> dict[str, Any]:
        """Return an anchor to the second copy of the duplicated sentence."""
        sentence, later = self.duplicated[index]
        block = next(b for b in self.blocks[index] if b.text == " ".join(later))
        start = block.end - len(sentence)
        spec: dict[str, Any] = {"quote": sentence}
        before = block.text[: -len(sentence)].split()
        if before:
            spec["prefix"] = " ".join(before[-3:])
        if not self.check(index, spec, start):
            spec.pop("prefix", None)
            spec["occurrence"] = len(_find_all(self.texts[index], sentence))
        if not self.check(index, spec, start):
            return self.anchor(index, with_reading=False)
        return spec

    # ---- files --------------------------------------------------------------------------

    def dump(self, path: str, data: Any) -> None:
        self.files[path] = yaml.safe_dump(
            data, sort_keys=False, allow_unicode=True, width=88, default_flow_style=None
        )

    def front_matter(self, path: str, data: dict[str, Any], body: str) -> None:
        front = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=88)
        self.files[path] = f"---\n{front}---\n\n{body}\n"

    def build(self) -> dict[str, str]:
        """Return every file of the reader, path (relative to the root) to text."""
        self.make_references()
        entities = self.make_entities()
        terms = self.make_terms()
        for index in range(self.n):
            text = self.make_text(
                index,
                [e for e in entities if e.home == index],
                [t for t in terms if t.home == index],
            )
            self.texts.append(text.render())
            self.index_text(index)
        for index, reading_id in enumerate(self.reading_ids):
            self.seed(index, reading_id)
            self.notes(index)
            self.questions(index)
            self.textual(index)
        self.glossary(terms)
        self.entities(entities)
        self.comparative()
        self.reader()
        self.docs()
        return dict(sorted(self.files.items()))

    def seed(self, index: int, reading_id: str) -> None:
        text = self.texts[index]
        data = text.encode("utf-8")
        self.files[f"seeds/{reading_id}.txt"] = text
        headline, byline = text.split("\n\n")[:2]
        editorial = byline == "Editorial"
        meta: dict[str, Any] = {
            "title": headline,
            "authors": [] if editorial else [byline.removeprefix("By ")],
        }
        if editorial:
            meta["corporate_author"] = "The Editors"
            # Every editorial is "The Editors" of 2026, and their first words repeat: the
            # key made from them would be another editorial's, which check refuses.
            meta["key"] = f"editors2026{reading_id.replace('-', '')}"
        meta.update(
            {
                "outlet": f"The {self.w.pseudo().capitalize()} {self.rng.choice(OUTLETS)}",
                "date": f"2026-01-{self.rng.randint(1, 28):02d}",
                "url": f"https://example.org/{reading_id}" if index % 5 else "",
                "genre": "editorial" if editorial else self.rng.choice(GENRES),
                "language": "en",
                "original_filename": f"{index:03d}_{hashlib.sha256(data).hexdigest()[:16]}.txt",
                "sha256": hashlib.sha256(data).hexdigest(),
                "front_blocks": 2,
                "perspective": "A fictional outlet made up for benchmarks.",
                "supplied": ["outlet"] + ([] if index % 5 else ["url"]),
            }
        )
        self.dump(f"seeds/{reading_id}.yaml", meta)

    def notes(self, index: int) -> None:
        for k in range(self.per["notes"]):
            note_id = f"{self.reading_ids[index]}-note-{k + 1}"
            start = self.rng.randint(1850, 2020)
            anchors = [self.anchor(index)]
            if self.n > 1 and k % 3 == 0:
                other = (index + 1 + self.rng.randrange(self.n - 1)) % self.n
                anchors.append(self.anchor(other))
            front: dict[str, Any] = {
                "title": f"The {self.w.pseudo().capitalize()} {self.rng.choice(NOUNS)} of {start}",
                "date": (
                    {
                        "start": f"{start}-{self.rng.randint(1, 6):02d}",
                        "end": f"{start + self.rng.randint(0, 3)}-{self.rng.randint(7, 12):02d}",
                    }
                    if k % 2
                    else str(start)
                ),
                "sources": self.sources(1, 3),
                "anchors": anchors,
            }
            if k % 4 == 1:
                front["teaching"] = self.w.words(30)
            self.note_ids.append(note_id)
            self.front_matter(f"annotations/notes/{note_id}.md", front, self.w.markdown(150))

    def questions(self, index: int) -> None:
        count = self.per["questions"]
        if not count:
            return
        items = []
        for k in range(count):
            qid = f"{self.reading_ids[index]}-q{k + 1}"
            item: dict[str, Any] = {
                "id": qid,
                "level": LEVELS[k % 3] if k % 3 != 2 else "evaluate",
                "question": self.w.sentence().rstrip(".!?") + "?",
            }
            anchors = [self.anchor(index, with_reading=False) for _ in range(k % 3)]
            if anchors:
                item["anchors"] = anchors
            item["teaching_note"] = self.w.words(25)
            items.append(item)
            self.question_ids.append(qid)
        self.dump(
            f"annotations/questions/{self.reading_ids[index]}.yaml",
            {"reading": self.reading_ids[index], "questions": items},
        )

    def textual(self, index: int) -> None:
        count = self.per["textual"]
        if not count:
            return
        text = self.texts[index]
        reading_id = self.reading_ids[index]
        items = []
        for k in range(count):
            kind = TEXTUAL_KINDS[k % len(TEXTUAL_KINDS)]
            item: dict[str, Any] = {"id": f"{reading_id}-t{k + 1}", "kind": kind}
            if kind == "boilerplate":
                item["anchor"] = {"quote": BOILERPLATE}
            elif kind == "residue":
                start = text.index("Dues rose to \\$")
                item["anchor"] = {"quote": text[start : text.index(" a month", start)]}
                item["correction"] = item["anchor"]["quote"].replace("\\", "")
            elif kind == "duplicated":
                item["anchor"] = self.duplicate(index)
            elif kind != "metadata":
                spec = self.anchor(index, with_reading=False)
                item["anchor"] = spec
            item["note"] = self.w.words(20)
            if k % 2:
                item["sources"] = self.sources(1, 1)
            items.append(item)
        self.dump(f"annotations/textual/{reading_id}.yaml", {"reading": reading_id, "notes": items})

    def glossary(self, terms: list[Term]) -> None:
        ids = [t.id for t in terms]
        for i, t in enumerate(terms):
            front: dict[str, Any] = {"term": t.term}
            if t.abbreviation:
                front["abbreviation"] = t.abbreviation
            if t.aliases:
                front["aliases"] = t.aliases
            if i % 4 == 3:
                front["see_also"] = [ids[i - 1]]
            front["sources"] = self.sources(1, 2)
            if i % 5 == 0:
                front["anchors"] = [self.anchor(t.home)]
            self.front_matter(f"annotations/glossary/{t.id}.md", front, self.w.words(60))

    def entities(self, entities: list[Entity]) -> None:
        items = []
        for i, e in enumerate(entities):
            item: dict[str, Any] = {"id": e.id, "name": e.name, "kind": e.kind}
            if e.aliases:
                item["aliases"] = e.aliases
            item["description"] = self.w.sentence(subject=e.name)
            if i % 2:
                item["sources"] = self.sources(1, 1)
            items.append(item)
        if items:
            self.dump("annotations/entities.yaml", {"entities": items})

    def comparative(self) -> None:
        items = []
        for k in range(comparative_count(self.n)):
            picked = sorted(self.rng.sample(range(self.n), min(self.n, 2 + k % 2)))
            items.append(
                {
                    "id": f"compare-{k + 1}",
                    "level": "compare",
                    "readings": [self.reading_ids[i] for i in picked],
                    "question": self.w.sentence().rstrip(".!?") + "?",
                    "anchors": [self.anchor(i) for i in picked[:2]],
                    "teaching_note": self.w.words(25),
                }
            )
            self.question_ids.append(f"compare-{k + 1}")
        if items:
            self.dump("annotations/questions/comparative.yaml", {"questions": items})

    def reader(self) -> None:
        sessions: list[dict[str, Any]] = []
        per = max(1, self.n // 8)
        for s in range(0, self.n, per * 2):
            ids = self.reading_ids[s : s + per]
            sessions.append(
                {
                    "title": f"Session {len(sessions) + 1}. {self.w.phrase().capitalize()}",
                    "readings": ids,
                    "notes": [n for n in self.note_ids if n.startswith(ids[0] + "-")][:2],
                    "questions": [q for q in self.question_ids if q.startswith(ids[0] + "-")][:3],
                    "plan": self.w.words(40),
                }
            )
        self.dump(
            "annotations/reader.yaml",
            {
                "id": f"synthetic-{self.n}",
                "title": f"A Synthetic Reader of {self.n} Readings",
                "subtitle": "Generated for benchmarks",
                "editors": ["The coursepack editors"],
                "year": 2026,
                "publisher": "coursepack",
                "place": "Minneapolis",
                "url": "https://example.org/synthetic/",
                "licence": "CC0 1.0; the texts are made up.",
                "language": "en",
                "keywords": ["benchmark", "synthetic"],
                "readings": self.reading_ids,
                "introduction": self.w.markdown(120),
                "sequence": sessions,
                # Made-up notes cite one source; a benchmark measures, it is not read.
                "silence": ["coursepack.quality.note-sources"],
            },
        )

    def docs(self) -> None:
        self.files["docs/conf.py"] = DOCS_CONF
        self.files["docs/index.md"] = DOCS_INDEX


def _find_all(text: str, quote: str) -> list[int]:
    """Return every start of quote in text, overlapping matches included."""
    found = []
    i = text.find(quote)
    while i != -1:
        found.append(i)
        i = text.find(quote, i + 1)
    return found


DOCS_CONF = '''"""Sphinx configuration of a synthetic reader's site."""

project = "A Synthetic Reader"
author = "The coursepack editors"
copyright = "2026, the coursepack editors"
extensions = ["myst_parser", "coursepack.sphinx"]
coursepack_root = ".."
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
language = "en"
html_theme = "furo"
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
'''

DOCS_INDEX = (
    "# A Synthetic Reader\n\n```{coursepack-introduction}\n```\n\n"
    "```{toctree}\n:caption: The reader\n:maxdepth: 1\n\n"
    + "".join(f"{page}\n" for page in GENERATED_PAGES)
    + "```\n"
)


def generate(out: Path, readings: int, per_reading: int = 40, seed: int = 1) -> list[Path]:
    """Write a synthetic reader into out; return the paths written."""
    files = Synth(readings, per_reading, seed).build()
    written = []
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = argparse.ArgumentParser(
        description="Write a synthetic reader, valid by construction, for benchmarks."
    )
    parser.add_argument("out", type=Path, help="directory to write the reader into")
    parser.add_argument("--readings", type=int, default=10, help="number of readings")
    parser.add_argument(
        "--annotations-per-reading", type=int, default=40, help="annotations per reading"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument(
        "--force", action="store_true", help="replace seeds/, annotations/ and docs/ in OUT"
    )
    args = parser.parse_args(argv)
    if args.readings < 1 or args.annotations_per_reading < 0:
        parser.error("--readings must be at least 1 and --annotations-per-reading at least 0")
    parts = [args.out / p for p in ("seeds", "annotations", "docs")]
    if any(p.exists() for p in parts):
        if not args.force:
            parser.error(f"{args.out} already holds a reader; pass --force to replace it")
        for p in parts:
            shutil.rmtree(p, ignore_errors=True)
    written = generate(args.out, args.readings, args.annotations_per_reading, args.seed)
    counts = plan(args.annotations_per_reading)
    total = sum(counts.values()) * args.readings + comparative_count(args.readings)
    print(
        f"{args.out}: {args.readings} readings, {total} annotations "
        f"({', '.join(f'{n} {k}' for k, n in counts.items())} per reading, "
        f"{comparative_count(args.readings)} comparative questions); {len(written)} files",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
