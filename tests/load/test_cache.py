"""The load cache: a warm load gives the reader a cold one does; problems are never kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from coursepack.load.cache import DISABLE, FOLDER
from coursepack.pipeline import read_reader

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def flagship(tmp_path: Path) -> Path:
    root = tmp_path / "flagship"
    for part in ("seeds", "annotations"):
        shutil.copytree(REPO / part, root / part)
    return root


def _cache_file(root: Path) -> Path:
    (found,) = (root / FOLDER).glob("parsed-*")
    return found


def _entries(root: Path) -> dict[str, Any]:
    """Return the entries of a reader's cache, each value read as JSON."""
    lines = _cache_file(root).read_text(encoding="utf-8").split("\n")[:-1]
    return {key: json.loads(entry) for key, entry in (line.split("\t") for line in lines)}


def test_warm_load_equals_cold_load(flagship: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DISABLE, "1")
    plain, plain_report = read_reader(flagship)
    assert not (flagship / FOLDER).exists()
    monkeypatch.delenv(DISABLE)
    cold, _ = read_reader(flagship)
    entries = _entries(flagship)
    kinds = {key.split(":")[0] for key in entries if ":" in key}
    assert kinds == {"anchor", "occurrences"}
    assert sum(":" not in key for key in entries) >= 70  # parsed documents
    warm, warm_report = read_reader(flagship)
    assert plain is not None and plain == cold == warm
    assert plain_report.format() == warm_report.format()


def test_problems_are_found_again(flagship: Path) -> None:
    read_reader(flagship)
    note = next((flagship / "annotations/notes").glob("*.md"))
    text = note.read_text(encoding="utf-8")
    note.write_text(text.replace("title:", "title: [unclosed", 1), encoding="utf-8")
    first = read_reader(flagship)[1].format()
    assert "yaml.syntax" in first
    assert read_reader(flagship)[1].format() == first
    note.write_text(text, encoding="utf-8")
    assert read_reader(flagship)[0] is not None


def test_changed_quote_is_anchored_again(flagship: Path) -> None:
    read_reader(flagship)
    path = flagship / "annotations/questions/crosse-2026.yaml"
    text = path.read_text(encoding="utf-8")
    quote = text.split("quote: ", 1)[1].split("\n", 1)[0]
    path.write_text(text.replace(quote, '"not in the text at all"', 1), encoding="utf-8")
    reader, report = read_reader(flagship)
    assert reader is None
    assert "anchor.not-found" in report.format()


def test_edited_seed_reanchors(flagship: Path) -> None:
    read_reader(flagship)
    seed = flagship / "seeds/crosse-2026.txt"
    seed.write_bytes(b"Nothing is left.\n\nOf the old text.\n")
    reader, report = read_reader(flagship)
    assert reader is None
    assert "anchor.not-found" in report.format() and "seed.changed" in report.format()


def test_damaged_cache_is_ignored(flagship: Path) -> None:
    good, _ = read_reader(flagship)
    cache = _cache_file(flagship)
    entries = _entries(flagship)
    # Entries of the wrong shape are misses; an unreadable file is an empty cache.
    cache.write_text("".join(f"{k}\t[1, 2\n" for k in entries), encoding="utf-8")
    assert read_reader(flagship)[0] == good
    cache.write_text("".join(f"{k}\t{json.dumps(v)}\n" for k, v in entries.items())[:-80])
    assert read_reader(flagship)[0] == good
    cache.write_text("{not json", encoding="utf-8")
    assert read_reader(flagship)[0] == good


def test_unwritable_cache_still_loads(flagship: Path) -> None:
    (flagship / FOLDER).write_text("a file where the cache folder would be", encoding="utf-8")
    reader, _ = read_reader(flagship)
    assert reader is not None
    assert read_reader(flagship)[0] == reader


def test_values_json_would_change_are_not_kept(tmp_path: Path) -> None:
    from coursepack.diagnostics import Report
    from coursepack.load.cache import ParseCache
    from coursepack.load.yamlnodes import parse_yaml

    cache = ParseCache(tmp_path)
    for text in ("size: .inf\n", "nothing: .nan\n"):
        doc = parse_yaml(text, "x.yaml", Report())
        assert doc is not None
        cache.put("any", text, 0, doc)
        assert cache.used == {}
    plain = "title: A text\nyear: 2026\n"
    doc = parse_yaml(plain, "x.yaml", Report())
    assert doc is not None
    cache.put("any", plain, 0, doc)
    cache.save()
    again = ParseCache(tmp_path).get("any", plain, 0, "x.yaml")
    assert again is not None and again.data == doc.data and again.at("year") == doc.at("year")


def test_positions_come_back_as_parsed(flagship: Path) -> None:
    """Every value and key of every kept document has the position it was parsed with."""
    from coursepack.diagnostics import Report
    from coursepack.load import load_project

    cold = load_project(flagship, Report())
    assert cold.cache is not None
    cold.cache.save()
    warm = load_project(flagship, Report())
    assert warm.cache is not None and len(warm.cache.used) == len(warm.cache.entries)

    def documents(raw: Any) -> list[Any]:
        docs = [raw.reader, *(rec.doc for recs in raw.records.values() for rec in recs)]
        docs += [seed.meta for seed in raw.seeds.values()]
        return docs

    pairs = list(zip(documents(cold), documents(warm), strict=True))
    assert len(pairs) >= 70
    for parsed, kept in pairs:
        assert kept is not parsed
        assert (kept.data, kept.values, kept.keys) == (parsed.data, parsed.values, parsed.keys)
        assert list(kept.values) == list(parsed.values)


def test_nested_values_and_empty_front_matter_round_trip(tmp_path: Path) -> None:
    from coursepack.diagnostics import Report
    from coursepack.load.cache import ParseCache
    from coursepack.load.yamlnodes import parse_front_matter, parse_yaml

    text = "a:\n  - [1, {b: 2, c: []}]\n  - {}\n  - d: {e: [x, y]}\n'7': seven\nf: null\n"
    # A value may hold what ends a line elsewhere; an entry stays on its one line.
    text += 'g: "one\\ntwo\u2028three\tfour"\n'
    docs = {
        ("yaml", text, 0): parse_yaml(text, "x.yaml", Report()),
        ("front", "", 1): parse_front_matter("", "x.md", Report()),
    }
    cache = ParseCache(tmp_path)
    for (schema, source, offset), doc in docs.items():
        assert doc is not None
        cache.put(schema, source, offset, doc)
    cache.save()
    again = ParseCache(tmp_path)
    for (schema, source, offset), doc in docs.items():
        kept = again.get(schema, source, offset, doc.path)
        assert kept is not None
        assert (kept.data, kept.values, kept.keys) == (doc.data, doc.values, doc.keys)
    # Positions that do not fit the data are a miss, not a wrong position.
    key = next(k for k in again.entries if again.entries[k].startswith('[{"a"'))
    data, values, keys = json.loads(again.entries[key])
    again.entries[key] = json.dumps([data, values[:-2], keys])
    assert again.get("yaml", text, 0, "x.yaml") is None


def test_a_cache_that_is_no_plain_file_is_ignored(flagship: Path) -> None:
    import os
    import signal

    good, _ = read_reader(flagship)
    cache = _cache_file(flagship)
    cache.unlink()
    os.mkfifo(cache)  # reading it plainly would wait for a writer forever
    signal.alarm(60)
    try:
        assert read_reader(flagship)[0] == good
    finally:
        signal.alarm(0)
    assert cache.is_file()  # replaced by the cache this load wrote
    outside = flagship.parent / "elsewhere.json"
    outside.write_text('{"x": "[1]"}', encoding="utf-8")
    cache.unlink()
    cache.symlink_to(outside)
    assert read_reader(flagship)[0] == good
