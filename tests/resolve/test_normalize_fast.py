"""Quote normalization gives, character by character, what the plain rules say."""

from __future__ import annotations

from pathlib import Path
from string import punctuation

from hypothesis import given, settings
from hypothesis import strategies as st

from coursepack.resolve.anchor import _SPECIAL, _specials, normalize

QUOTES = dict(zip("‘’‚‛′“”„‟″", "'''''\"\"\"\"\"", strict=True))


def rules(text: str) -> tuple[str, list[int]]:
    """Normalize one character at a time: the rules as the editors' guide states them."""
    out: list[str] = []
    origin: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space:
                out.append(" ")
                origin.append(i)
                in_space = True
            continue
        if ch == "*" or (ch == "\\" and i + 1 < len(text) and text[i + 1] in punctuation):
            continue
        in_space = False
        out.append(QUOTES.get(ch, ch))
        origin.append(i)
    return "".join(out), origin


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="ab \t\n\u00a0\u2009*\\$.“”‘’\"'„″é😀", max_size=60))
def test_same_as_the_rules(text: str) -> None:
    norm, origin = normalize(text)
    assert (norm, list(origin)) == rules(text)
    assert [origin[i - len(origin)] for i in range(len(origin))] == list(origin)


def test_same_as_the_rules_on_the_flagship_texts() -> None:
    texts = sorted((Path(__file__).parents[2] / "seeds").glob("*.txt"))
    assert texts
    for path in texts:
        text = path.read_text(encoding="utf-8")
        norm, origin = normalize(text)
        assert (norm, list(origin)) == rules(text), path.name


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab \t\n\r\u00a0\u2009\u2028*\\$.“”'é", max_size=60))
def test_specials_found_where_the_pattern_alone_finds_them(text: str) -> None:
    expected = [m.span() for m in _SPECIAL.finditer(text)]
    assert [m.span() for m in _specials(text)] == expected
