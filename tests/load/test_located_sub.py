"""A part of a located document keeps the positions of the whole."""

from __future__ import annotations

from coursepack.diagnostics import Location, Report
from coursepack.load.yamlnodes import parse_yaml

DOC = """\
entities:
  - id: a
    name: A
  - id: b
    name: B
    sources:
      - key: x
        locator: p. 2
"""


def test_sub_points_where_the_whole_points() -> None:
    doc = parse_yaml(DOC, "e.yaml", Report())
    assert doc is not None
    second = doc.sub("entities", 1)
    assert second.data["id"] == "b"
    assert second.at("name") == doc.at("entities", 1, "name") == Location("e.yaml", 5, 11)
    assert second.key_at("name") == Location("e.yaml", 5, 5)
    # A sub of a sub, and a path that is not written, fall back to the nearest parent.
    source = second.sub("sources", 0)
    assert source.at("locator") == Location("e.yaml", 8, 18)
    assert source.at("missing") == Location("e.yaml", 7, 9)
    assert source.at() == Location("e.yaml", 7, 9)
    # Positions never leak from a sibling: the first entity has no 'sources'.
    assert doc.sub("entities", 0).at("sources", 0) == Location("e.yaml", 2, 5)
