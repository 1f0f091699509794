"""The annotation layer as W3C Web Annotations."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from coursepack.model import Reader
from coursepack.options import BuildOptions
from coursepack.refs import Refs
from coursepack.render.cite import render_cite


def load(reader: Reader, tmp_path: Path) -> dict[str, Any]:
    """Render and parse annotations.jsonld."""
    render_cite(Refs(reader), tmp_path / "cite", BuildOptions())
    data: dict[str, Any] = json.loads((tmp_path / "annotations.jsonld").read_text("utf-8"))
    return data


def targets(annotation: dict[str, Any]) -> list[dict[str, Any]]:
    """Return an annotation's targets as a list."""
    target = annotation["target"]
    return target if isinstance(target, list) else [target]


def test_collection_shape(reader: Reader, tmp_path: Path) -> None:
    data = load(reader, tmp_path)
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationCollection"
    items = data["first"]["items"]
    assert data["total"] == len(items)
    assert all(a["type"] == "Annotation" for a in items)
    assert len({a["id"] for a in items}) == len(items)


def test_motivations(reader: Reader, tmp_path: Path) -> None:
    items = {a["id"].rsplit("#", 1)[1]: a for a in load(reader, tmp_path)["first"]["items"]}
    assert items["note-teamsters-1934"]["motivation"] == "commenting"
    assert items["term-cba"]["motivation"] == "describing"
    assert items["question-crosse-q1"]["motivation"] == "questioning"
    assert items["textual-crosse-residue-1"]["motivation"] == "editing"
    assert items["entity-cwa"]["motivation"] == "identifying"
    note_body = items["note-teamsters-1934"]["body"][0]
    assert note_body["type"] == "TextualBody"
    assert "<script>alert(1)</script>" in note_body["value"]  # data, kept as Markdown
    assert "Knutson" not in json.dumps(items)  # teaching notes stay out


def test_selectors_match_the_text_their_source_names(reader: Reader, tmp_path: Path) -> None:
    seen = 0
    for annotation in load(reader, tmp_path)["first"]["items"]:
        for target in targets(annotation):
            # The source is the reading's text as published beside the page (its scope).
            reading_id = target["source"].rsplit("/", 1)[1].removesuffix(".txt")
            base = "https://example.org/reader/"
            assert target["source"] == f"{base}downloads/texts/{reading_id}.txt"
            assert target["scope"] == f"{base}readings/{reading_id}.html"
            text = (tmp_path / "texts" / f"{reading_id}.txt").read_text("utf-8")
            assert text == reader.reading(reading_id).text
            if "selector" not in target:
                continue
            quote, position = target["selector"]
            assert quote["type"] == "TextQuoteSelector"
            assert position["type"] == "TextPositionSelector"
            start, end = position["start"], position["end"]
            assert quote["exact"] == text[start:end]
            assert text[:start].endswith(quote["prefix"])
            assert text[end:].startswith(quote["suffix"])
            seen += 1
    assert seen >= 5


def test_whole_text_note_targets_the_reading(reader: Reader, tmp_path: Path) -> None:
    items = load(reader, tmp_path)["first"]["items"]
    whole = next(a for a in items if a["id"].endswith("#textual-wv-metadata"))
    assert whole["target"] == {
        "type": "SpecificResource",
        "source": "https://example.org/reader/downloads/texts/workers-vanguard-2026.txt",
        "scope": "https://example.org/reader/readings/workers-vanguard-2026.html",
    }


def test_the_hypothesis_file_has_the_shape_its_importer_reads(
    reader: Reader, tmp_path: Path
) -> None:
    load(reader, tmp_path)
    data = json.loads((tmp_path / "annotations-hypothesis.json").read_text("utf-8"))
    # The client's importer (hypothesis/client, readExportFile and the Import tab) wants an
    # object with an annotations array. Its Import tab lists the annotations by their
    # ``user`` (an account, acct:<username>@<authority>, shown by user_info.display_name
    # when the authority is not Hypothesis's own) and imports those of the user chosen,
    # keeping of each its uri, text, tags, target and document.
    assert isinstance(data, dict) and isinstance(data["annotations"], list)
    items = data["annotations"]
    assert items
    users = {item["user"] for item in items}
    assert users == {"acct:day-of-truth-2026@coursepack.invalid"} == {data["export_userid"]}
    for item in items:
        assert set(item) == {"uri", "user", "user_info", "text", "tags", "target", "document"}
        assert re.fullmatch(r"acct:[^@]+@.+", item["user"])
        assert item["user_info"] == {"display_name": ", ".join(reader.meta.editors)}
        assert item["uri"].startswith("https://example.org/reader/readings/")
        assert isinstance(item["text"], str) and item["text"]
        assert all(isinstance(t, str) for t in item["tags"])
        (target,) = item["target"]
        assert target["source"] == item["uri"]
        (quote,) = target["selector"]
        assert quote["type"] == "TextQuoteSelector" and quote["exact"]
    kinds = {item["tags"][0] for item in items}
    assert {"note", "term", "question", "textual", "entity"} <= kinds


def test_the_hypothesis_file_names_the_account_the_reader_gives(
    reader: Reader, tmp_path: Path
) -> None:
    own = dataclasses.replace(
        reader, meta=dataclasses.replace(reader.meta, hypothesis_user="acct:instructor@hypothes.is")
    )
    load(own, tmp_path)
    data = json.loads((tmp_path / "annotations-hypothesis.json").read_text("utf-8"))
    # The Import tab preselects the annotations of the account signed in: an instructor who
    # sets their own account imports with one click.
    assert {item["user"] for item in data["annotations"]} == {"acct:instructor@hypothes.is"}
