"""Annotation Markdown: typography as an editor expects, and a law's letters left alone."""

from __future__ import annotations

from coursepack.render.markup import markdown_to_html, markdown_to_text


def test_a_subsection_letter_is_not_a_copyright_sign() -> None:
    html = markdown_to_html("**(c) Jurisdiction.** See (r) and (tm), and (C).")
    assert "©" not in html and "®" not in html and "™" not in html
    assert "(c) Jurisdiction." in html and "(r) and (tm), and (C)" in html


def test_dashes_ellipses_and_quotes_are_set() -> None:
    text = markdown_to_text('1934--1935, a pause... then "the strike" --- and it\'s over')
    assert "1934–1935" in text and "pause…" in text
    assert "“the strike”" in text and " — " in text and "it’s" in text
