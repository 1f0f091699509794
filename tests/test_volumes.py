"""How a long reader is cut into printed volumes."""

from __future__ import annotations

import dataclasses

from coursepack.model import Reader, ReaderMeta, Session


def _reader(n: int, size: int, sessions: list[list[int]]) -> Reader:
    ids = [f"r{i}" for i in range(n)]
    meta = ReaderMeta(
        id="x",
        title="X",
        subtitle=None,
        editors=("E",),
        year=2026,
        publisher="P",
        place=None,
        url="https://example.org/",
        licence="L",
        language="en",
        introduction="",
        sequence=tuple(
            Session(
                title=f"s{k}", readings=tuple(ids[i] for i in s), notes=(), questions=(), plan=""
            )
            for k, s in enumerate(sessions)
        ),
        keywords=(),
        volume_readings=size,
    )
    readings = tuple(_Reading(i) for i in ids)
    return Reader(meta, readings, (), (), (), (), (), (), "/")  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class _Reading:
    id: str


def _sizes(reader: Reader) -> list[int]:
    return [len(v) for v in reader.volumes]


def test_short_reader_is_one_volume() -> None:
    assert _sizes(_reader(4, 25, [])) == [4]
    assert _sizes(_reader(25, 25, [])) == [25]


def test_long_reader_without_sessions_fills_volumes_in_order() -> None:
    reader = _reader(60, 25, [])
    assert _sizes(reader) == [25, 25, 10]
    assert [r for v in reader.volumes for r in v] == [f"r{i}" for i in range(60)]


def test_sessions_stay_together() -> None:
    # Sessions of 4 readings: a volume of at most 10 holds two sessions, not two and a half.
    sessions = [[i, i + 1, i + 2, i + 3] for i in range(0, 24, 4)]
    reader = _reader(24, 10, sessions)
    assert _sizes(reader) == [8, 8, 8]
    assert all(len({int(r[1:]) // 4 for r in v}) == 2 for v in reader.volumes)


def test_a_session_longer_than_a_volume_is_cut() -> None:
    reader = _reader(12, 5, [list(range(12))])
    assert _sizes(reader) == [5, 5, 2]
