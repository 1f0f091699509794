"""Formatted citations kept between runs (coursepack.refs.cache): what comes from the
cache is what citeproc-py would write, a changed record or style is formatted anew, and a
cache file that cannot be read is ignored."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from coursepack import styles
from coursepack.load.cache import DISABLE, FOLDER
from coursepack.model import Reader
from coursepack.pipeline import read_reader
from coursepack.refs import Refs, csl
from coursepack.refs.cache import CitationCache

REPO = Path(__file__).parents[2]


@dataclasses.dataclass
class Flagship:
    records: list[csl.CslRecord]
    refs: Refs


@pytest.fixture(scope="module")
def flagship() -> Flagship:
    reader, report = read_reader(REPO)
    assert reader is not None, report.format()
    refs = Refs(reader)
    return Flagship(refs.records, refs)


@pytest.fixture(autouse=True)
def nothing_formatted_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start each test without the citations this process formatted last."""
    monkeypatch.setattr(csl, "_last", {})


@pytest.fixture
def formatted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record the key of every record citeproc-py formats."""
    seen: list[str] = []
    render = csl._render_many

    def counting(records: list[csl.CslRecord], *args: Any) -> list[list[str]]:
        seen.extend(str(r["id"]) for r in records)
        return render(records, *args)

    monkeypatch.setattr(csl, "_render_many", counting)
    yield seen


def citations(
    refs: Refs, records: list[csl.CslRecord], style: str, root: Path | None
) -> csl.Citations:
    """Return the citations of records as a new process formats them (from the cache at
    root, if any), without those this process formatted last."""
    csl._last.clear()
    return csl.Citations(records, refs.keys, 1, None, style, str(root) if root else None)


def kept(refs: Refs, records: list[csl.CslRecord], style: str) -> csl.Citations:
    """Return the citations of records as a process that formatted before formats them."""
    return csl.Citations(records, refs.keys, 1, None, style)


def same(a: csl.Citations, b: csl.Citations) -> None:
    assert a.items == b.items
    assert a.order == b.order


@pytest.mark.parametrize("style", sorted(styles.STYLES))
def test_cached_citations_equal_fresh_ones(
    flagship: Flagship, style: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every citation of the flagship, in each style: formatted from a cache that was
    filled in another order, in two parts, equals the citation formatted afresh."""
    records = flagship.records
    cache = CitationCache.for_reader(tmp_path, style, "html")
    assert cache.enabled
    # Each part in reverse, apart from the other: a record's place and company differ.
    for part in (records[1::2][::-1], records[::2][::-1]):
        rendered = csl._render_records(part, "html", style)
        for key, raw in zip(cache.keys(part), rendered, strict=True):
            cache.put(key, raw)
        # As a citation that reads like another's is formatted again (MLA adds its title).
        rendered = csl._render_records(part, "html", style, disambiguate=True)
        for key, raw in zip(cache.keys(part, "disambiguate"), rendered, strict=True):
            cache.put(key, raw)
    cache.save()
    fresh = citations(flagship.refs, records, style, None)

    def forbidden(*args: Any) -> list[list[str]]:
        raise AssertionError("citeproc-py was asked to format a cached record")

    monkeypatch.setattr(csl, "_render_many", forbidden)
    same(citations(flagship.refs, records, style, tmp_path), fresh)


@pytest.mark.parametrize("style", sorted(styles.STYLES))
def test_citations_kept_whole_equal_fresh_ones_and_are_not_worked_out_again(
    flagship: Flagship, style: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While no record changes (an edit to a note's text), the next run reads the
    finished citations: no citeproc-py, no tidying, the same citations."""
    records = flagship.records
    fresh = citations(flagship.refs, records, style, tmp_path)

    def forbidden(*args: Any) -> str:
        raise AssertionError("a citation was worked out again")

    monkeypatch.setattr(csl, "_render_many", forbidden)
    monkeypatch.setattr(csl, "_finish", forbidden)
    same(citations(flagship.refs, records, style, tmp_path), fresh)


def test_finished_citations_of_other_records_or_the_wrong_form_are_not_used(
    reader: Reader, tmp_path: Path, formatted: list[str]
) -> None:
    refs = Refs(reader)
    fresh = citations(refs, refs.records, styles.DEFAULT, tmp_path)
    path = _cache_file(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    ((decided, finished),) = data["finished"].items()
    damaged = {
        "a key missing": {**finished, "items": dict(list(finished["items"].items())[1:])},
        "a field missing": {
            **finished,
            "items": {k: v[:-1] for k, v in finished["items"].items()},
        },
        "a flag as text": {
            **finished,
            "items": {k: [*v[:5], "yes", *v[6:]] for k, v in finished["items"].items()},
        },
        "an unknown key in the order": {**finished, "order": [*finished["order"], "nobody"]},
    }
    for name, wrong in damaged.items():
        path.write_text(json.dumps({**data, "finished": {decided: wrong}}), encoding="utf-8")
        formatted.clear()
        again = citations(refs, refs.records, styles.DEFAULT, tmp_path)
        same(again, fresh)
        assert formatted == [], name  # from each record's entries, which are whole


def test_a_changed_record_is_formatted_again(
    reader: Reader, tmp_path: Path, formatted: list[str]
) -> None:
    refs = Refs(reader)
    records = refs.records
    first = citations(refs, records, styles.DEFAULT, tmp_path)
    assert sorted(formatted) == sorted(str(r["id"]) for r in records)
    formatted.clear()
    same(citations(refs, records, styles.DEFAULT, tmp_path), first)
    assert formatted == []

    changed = [
        {**r, "title": "A Title Never Seen"} if r["id"] == "walker1937" else r for r in records
    ]
    again = citations(refs, changed, styles.DEFAULT, tmp_path)
    assert formatted == ["walker1937"]
    assert "A Title Never Seen" in again.entry_text("walker1937")
    same(again, citations(refs, changed, styles.DEFAULT, None))


def test_another_style_is_formatted_again_and_both_are_kept(
    reader: Reader, tmp_path: Path, formatted: list[str]
) -> None:
    refs = Refs(reader)
    n = len(refs.records)
    chicago = citations(refs, refs.records, styles.DEFAULT, tmp_path)
    apa = citations(refs, refs.records, "apa", tmp_path)
    assert len(formatted) == 2 * n
    assert apa.items != chicago.items
    same(citations(refs, refs.records, styles.DEFAULT, tmp_path), chicago)
    same(citations(refs, refs.records, "apa", tmp_path), apa)
    assert len(formatted) == 2 * n


#: The bibliography's layout in the Chicago author-date style.
ENTRY_LAYOUT = '<layout suffix=".">'


def test_a_changed_style_file_is_formatted_again(
    reader: Reader, tmp_path: Path, formatted: list[str]
) -> None:
    refs = Refs(reader)
    style = tmp_path / "house.csl"
    original = styles.style_path(styles.DEFAULT).read_text(encoding="utf-8")
    style.write_text(original, encoding="utf-8")
    before = citations(refs, refs.records, str(style), tmp_path)
    formatted.clear()
    # The same file, every entry now ending in a word of its own: all are formatted again.
    style.write_text(original.replace(ENTRY_LAYOUT, '<layout suffix=". House.">', 1), "utf-8")
    after = citations(refs, refs.records, str(style), tmp_path)
    assert sorted(formatted) == sorted(str(r["id"]) for r in refs.records)
    assert after.entry_text("walker1937").endswith("House.")
    assert not before.entry_text("walker1937").endswith("House.")
    same(after, citations(refs, refs.records, str(style), None))


def _cache_file(root: Path) -> Path:
    (found,) = (root / FOLDER).glob("citations-*.json")
    return found


def _damaged_entries(path: Path) -> bytes:
    data = json.loads(path.read_text(encoding="utf-8"))
    for entries in data["styles"].values():
        for i, key in enumerate(entries):
            entries[key] = [42, None] if i % 2 else "text"
    for finished in data["finished"].values():
        for i, key in enumerate(finished["items"]):
            finished["items"][key] = [42, None] if i % 2 else "text"
    return json.dumps(data).encode()


DAMAGE: dict[str, Callable[[Path], bytes]] = {
    "binary": lambda _: b"\x00\xff\xfe not JSON",
    "cut short": lambda path: path.read_bytes()[: path.stat().st_size // 2],
    "a list": lambda _: b"[]",
    "styles as a list": lambda _: b'{"styles": []}',
    "a style as a number": lambda _: b'{"styles": {"x": 1}}',
    "entries of the wrong shape": _damaged_entries,
    "empty": lambda _: b"",
    "nested too deep": lambda _: b'{"styles": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_cache_file_is_ignored_and_replaced(
    reader: Reader, tmp_path: Path, damage: str, formatted: list[str]
) -> None:
    refs = Refs(reader)
    fresh = citations(refs, refs.records, styles.DEFAULT, tmp_path)
    path = _cache_file(tmp_path)
    path.write_bytes(DAMAGE[damage](path))
    formatted.clear()
    same(citations(refs, refs.records, styles.DEFAULT, tmp_path), fresh)
    assert sorted(formatted) == sorted(str(r["id"]) for r in refs.records)
    formatted.clear()
    same(citations(refs, refs.records, styles.DEFAULT, tmp_path), fresh)  # written anew
    assert formatted == []


def test_a_cache_that_cannot_be_read_or_written_is_done_without(
    reader: Reader, tmp_path: Path
) -> None:
    refs = Refs(reader)
    fresh = citations(refs, refs.records, styles.DEFAULT, None)
    (tmp_path / FOLDER).write_text("a file where the folder goes", encoding="utf-8")
    same(citations(refs, refs.records, styles.DEFAULT, tmp_path), fresh)
    shutil.rmtree(tmp_path / "nowhere", ignore_errors=True)
    (tmp_path / "nowhere").mkdir()
    path = tmp_path / "nowhere" / FOLDER
    path.mkdir()
    citations(refs, refs.records, styles.DEFAULT, tmp_path / "nowhere")
    target = _cache_file(tmp_path / "nowhere")
    target.unlink()
    target.mkdir()  # a folder in the file's place
    same(citations(refs, refs.records, styles.DEFAULT, tmp_path / "nowhere"), fresh)
    assert not list(path.glob(".tmp-*"))
    target.rmdir()
    os.mkfifo(target)  # a named pipe, which would block a plain read
    same(citations(refs, refs.records, styles.DEFAULT, tmp_path / "nowhere"), fresh)


def test_no_cache_when_turned_off(
    reader: Reader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DISABLE, "1")
    refs = Refs(reader)
    citations(refs, refs.records, styles.DEFAULT, tmp_path)
    assert not (tmp_path / FOLDER).exists()


def test_a_style_that_numbers_its_records_is_not_cached(tmp_path: Path) -> None:
    numbered = tmp_path / "numbered.csl"
    original = styles.style_path(styles.DEFAULT).read_text(encoding="utf-8")
    numbered.write_text(
        original.replace(ENTRY_LAYOUT, f'{ENTRY_LAYOUT}<text variable="citation-number"/>', 1),
        encoding="utf-8",
    )
    assert not CitationCache.for_reader(tmp_path, str(numbered), "html").enabled


def test_the_cache_is_the_readers_not_the_builds(reader: Reader, tmp_path: Path) -> None:
    """The cache is kept under the reader's root, so removing build/ keeps it."""
    root = tmp_path / "reader"
    root.mkdir()
    refs = Refs(dataclasses.replace(reader, root=str(root)))
    refs.citations  # noqa: B018 (formatted on first use)
    assert _cache_file(root).parent == root / FOLDER


def test_the_citations_formatted_last_are_kept_while_nothing_that_decides_them_changes(
    reader: Reader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that builds again and again formats again only what changed."""
    refs = Refs(reader)
    first = kept(refs, refs.records, styles.DEFAULT)
    format_all = csl._format_all
    calls: list[str] = []

    def counting(*args: Any) -> Any:
        calls.append(args[4])
        return format_all(*args)

    monkeypatch.setattr(csl, "_format_all", counting)
    same(kept(refs, [dict(r) for r in refs.records], styles.DEFAULT), first)
    assert calls == []
    changed = [{**r, "title": "Another"} if r["id"] == "walker1937" else r for r in refs.records]
    again = kept(refs, changed, styles.DEFAULT)
    assert calls == [styles.DEFAULT]
    assert "Another" in again.entry_text("walker1937")
    apa = kept(refs, changed, "apa")
    assert calls == [styles.DEFAULT, "apa"]
    assert apa.items != again.items
