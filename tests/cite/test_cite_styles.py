"""Any CSL style, and a citation down to the paragraph, from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from coursepack import styles
from coursepack.cli import main
from coursepack.model import Reader
from coursepack.pipeline import read_reader
from coursepack.refs import Refs
from coursepack.render.cite import cite_command, split_pinpoint

REPO = Path(__file__).parents[2]
CS = {"cs": styles.CSL}


def test_adapt_keeps_whole_names_whole_and_initials_where_asked() -> None:
    xml = b"""<style xmlns="http://purl.org/net/xbiblio/csl" initialize-with=". ">
      <citation><layout><names variable="author"><name initialize="false"/></names>
      <label variable="page"/></layout></citation>
      <bibliography><layout><names variable="editor"><name/></names>
      <choose><if variable="edition"><label variable="edition"/></if></choose>
      </layout></bibliography></style>"""
    root = etree.fromstring(styles.adapt(xml))
    whole, initials = root.xpath("//cs:name", namespaces=CS)
    assert whole.get("initialize-with") is None
    assert initials.get("initialize-with") == ". "  # the style-wide setting, written on it
    assert root.get("initialize-with") is None
    page, _edition = root.xpath("//cs:label", namespaces=CS)
    assert page.getparent().tag.endswith("if") and page.getparent().get("variable") == "page"
    assert len(root.xpath("//cs:if[@variable='edition']", namespaces=CS)) == 1  # not twice


def test_unknown_styles_are_named() -> None:
    with pytest.raises(styles.UnknownStyle, match="apa, chicago-author-date"):
        styles.style_path("no-such-style")
    with pytest.raises(styles.UnknownStyle, match="no CSL file"):
        styles.style_path("missing/file.csl")


@pytest.mark.parametrize(
    ("style", "cite", "entry"),
    [
        ("", "(Crosse 2026, ¶14)", "Crosse, Jacob. 2026."),
        ("apa", "(Crosse, 2026, para. 14)", "Crosse, J. (2026, January 21)."),
        ("chicago-note", "Jacob Crosse, “Union", "Crosse, Jacob. “Union"),
    ],
)
def test_a_pinpointed_citation_in_each_style(
    reader: Reader, style: str, cite: str, entry: str
) -> None:
    text = cite_command(Refs(reader, style=style), "crosse-2026 ¶14", "text")
    first, _, second = text.partition("\n\n")
    assert first.startswith(cite) and second.startswith(entry)
    if style == "chicago-note":
        assert "para. 14" in first


@pytest.mark.parametrize("style", ["apa", "mla"])
def test_a_pinpointed_citation_keeps_what_tells_it_from_another(style: str) -> None:
    # APA's year suffix ("2022a") and MLA's short title beside another work by the same
    # author are in the flagship's citations with a pinpoint too.
    flagship, report = read_reader(Path(__file__).parents[2])
    assert flagship is not None, report.format()
    citations = Refs(flagship, style=style).citations
    told = [
        key
        for key, found in citations.items.items()
        if (found.suffix if style == "apa" else found.disambiguated)
    ]
    assert told

    def words(text: str) -> str:  # MLA moves a comma inside the closing quotation mark
        return re.sub(r"[,“”‘’]", "", text)

    for key in told:
        plain = citations.items[key].cite
        pinned = citations.cite_text_with(key, "14")
        assert words(pinned).startswith(words(f"({plain} ")), (key, pinned)


def test_every_pinpoint_form_names_the_same_paragraphs() -> None:
    assert split_pinpoint("crosse-2026 ¶14") == ("crosse-2026", "14")
    assert split_pinpoint("crosse-2026¶14-16") == ("crosse-2026", "14–16")
    assert split_pinpoint("crosse-2026#p14") == ("crosse-2026", "14")
    assert split_pinpoint("crosse2026union") == ("crosse2026union", None)


def test_pinpoints_go_where_each_format_holds_them(reader: Reader) -> None:
    refs = Refs(reader)
    biblatex = cite_command(refs, "crosse-2026#p14", "biblatex")
    assert biblatex.rstrip().endswith("% cite as: \\autocite[\\P~14]{crosse2026union}")
    data = json.loads(cite_command(refs, "crosse-2026 ¶14", "csl-json"))
    assert data["citation"]["citationItems"] == [
        {"id": "crosse2026union", "locator": "14", "label": "paragraph"}
    ]
    assert data["items"][0]["id"] == "crosse2026union"
    assert "¶" not in cite_command(refs, "crosse-2026 ¶14", "ris")


def test_the_reader_itself_is_citable_as_reader(reader: Reader) -> None:
    refs = Refs(reader)
    assert cite_command(refs, "reader", "bibtex").startswith(f"@proceedings{{{refs.key(reader)},")


def test_the_command_line_takes_a_style_and_refuses_an_unknown_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(["--root", str(REPO), "cite", "crosse-2026", "--format", "text", "--style", "mla"])
        == 0
    )
    assert "Crosse, Jacob." in capsys.readouterr().out
    assert main(["--root", str(REPO), "cite", "crosse-2026", "--style", "nope"]) == 2
    assert "unknown citation style 'nope'" in capsys.readouterr().err
