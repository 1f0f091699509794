"""How names sort and how an index writes them: "Trump, Donald" under T.

A person's name is written in the apparatus as it is said ("Donald Trump"); an entry may
give the inverted form itself (``sort_as: "Feliz Leon, Luis"``) when the family name has
several words or comes first. Without it, the last word is the family name, a generational
suffix ("Jr.") set aside. Organizations sort by their name without a leading article.
"""

from __future__ import annotations

import re
import unicodedata

from coursepack.model import Entity

#: Suffixes that follow a family name ("Martin Luther King Jr.").
SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_ARTICLE = re.compile(r"^(the|a|an)\s+", re.IGNORECASE)


def sort_text(text: str) -> str:
    """Return text as it sorts letter by letter: accents, case and punctuation set aside."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^\w ]+", "", plain).strip()


def inverted(name: str) -> str:
    """Return a personal name with the family name first ("Trump, Donald")."""
    words = name.split()
    if len(words) < 2:
        return name
    suffix = ""
    if words[-1].casefold() in SUFFIXES and len(words) > 2:
        suffix = words.pop()
    family, given = words[-1], " ".join(words[:-1])
    return f"{family}, {given}" + (f", {suffix}" if suffix else "")


def index_name(entity: Entity) -> str:
    """Return how an index or a list sorted by surname writes an entity."""
    if entity.sort_as:
        return entity.sort_as
    if entity.kind == "person":
        return inverted(entity.name)
    return entity.name


def entity_sort_key(entity: Entity) -> tuple[str, str]:
    """Return where an entity goes: people by family name, others by name ("The" aside)."""
    shown = index_name(entity)
    if entity.kind != "person":
        shown = _ARTICLE.sub("", shown)
    return (sort_text(shown), entity.id)
