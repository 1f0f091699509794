"""Paragraph numbering: blocks between blank lines, front blocks unnumbered."""

from __future__ import annotations

from coursepack.resolve.text import paragraphs_of, split_blocks


def test_blocks_and_numbers() -> None:
    text = "\n\nHeadline\n\nBy A. Writer\nJan 1\n\nFirst para.\n \u00a0\nSecond\nstill second.\n"
    front, body = paragraphs_of(text, front_blocks=2)
    assert [b.text for b in front] == ["Headline", "By A. Writer\nJan 1"]
    assert [(p.number, p.text) for p in body] == [
        (1, "First para."),
        (2, "Second\nstill second."),
    ]
    for block in (*front, *body):
        assert text[block.start : block.end] == block.text


def test_boilerplate_keeps_its_number() -> None:
    text = "One.\n\nSign up now\n\nThree."
    _, plain = paragraphs_of(text, 0)
    _, marked = paragraphs_of(text, 0, boilerplate=frozenset({2}))
    assert [p.number for p in plain] == [p.number for p in marked] == [1, 2, 3]
    assert [p.boilerplate for p in marked] == [False, True, False]


def test_whitespace_only_text_has_no_blocks() -> None:
    assert split_blocks(" \n\t\n") == []
