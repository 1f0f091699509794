"""YAML with positions: every value keeps the place it was written.

PyYAML's composer gives nodes with start marks; we build plain Python values from them and
a side table from each value's path (keys and list indexes) to its :class:`Location`.
Timestamps are not resolved, so dates stay the strings the editor wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from coursepack.diagnostics import Location, Report

PathKey = tuple[str | int, ...]
#: Line and column, from 1 (a Location is made only when one is asked for).
Position = tuple[int, int]


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

#: The same loader on libyaml's C parser, some ten times faster, where PyYAML has it.
_FastLoader: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        """CSafeLoader without the timestamp resolver."""

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    _FastLoader = _CLoader


@dataclass
class Located:
    """A parsed document and where each of its values was written."""

    data: Any
    path: str
    #: Line and column of each value, by its path from the document root.
    values: dict[PathKey, Position] = field(default_factory=dict)
    #: Line and column of each mapping key, by the path of its value.
    keys: dict[PathKey, Position] = field(default_factory=dict)
    #: Where data sits in the document that values and keys describe (see :meth:`sub`).
    base: PathKey = ()

    def at(self, *path: str | int) -> Location:
        """Return where the value at a path was written (or its nearest written parent)."""
        key: PathKey = self.base + path
        floor = len(self.base)
        while len(key) > floor:
            if key in self.values:
                return Location(self.path, *self.values[key])
            key = key[:-1]
        return Location(self.path, *self.values.get(self.base, (1, 1)))

    def key_at(self, *path: str | int) -> Location:
        """Return where the key of the value at a path was written."""
        position = self.keys.get(self.base + path)
        return Location(self.path, *position) if position else self.at(*path)

    def sub(self, *path: str | int) -> Located:
        """Return the value at a path as its own Located, positions kept.

        The result shares the position tables, so taking a part of a large file (one
        entity of hundreds) costs nothing more than looking the value up.
        """
        data: Any = self.data
        for part in path:
            data = data[part]
        return Located(data, self.path, self.values, self.keys, self.base + path)


def _location(path: str, mark: Any, line_offset: int) -> Location:
    return Location(path, *_position(mark, line_offset))


def _position(mark: Any, line_offset: int) -> Position:
    return (mark.line + 1 + line_offset, mark.column + 1)


def parse_yaml(text: str, path: str, report: Report, *, line_offset: int = 0) -> Located | None:
    """Parse one YAML document with positions; report syntax errors and duplicate keys."""
    if _FastLoader is not None:
        # Well-formed YAML (nearly all of it) goes through libyaml; a document it rejects
        # is parsed again by the pure-Python parser, whose messages the editors see.
        fast = _FastLoader(text)
        try:
            node = fast.get_single_node()
        except yaml.YAMLError:
            pass
        else:
            return _located(node, path, fast, report, line_offset)
        finally:
            fast.dispose()
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _location(path, mark, line_offset) if mark else Location(path, 1, 1)
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        report.error(
            "yaml.syntax",
            f"YAML syntax error: {problem}; check indentation, colons and quoting "
            "(quote values that contain ': ' or start with a special character)",
            where,
        )
        return None
    except yaml.YAMLError as exc:
        report.error("yaml.syntax", f"YAML error: {exc}", Location(path, 1, 1))
        return None
    finally:
        loader.dispose()
    return _located(node, path, loader, report, line_offset)


def _located(
    node: yaml.Node | None, path: str, loader: Any, report: Report, line_offset: int
) -> Located:
    located = Located(None, path)
    if node is None:
        return located
    located.data = _build(node, (), located, loader, report, line_offset)
    return located


def _build(
    node: yaml.Node,
    at: PathKey,
    out: Located,
    loader: Any,
    report: Report,
    line_offset: int,
) -> Any:
    out.values[at] = _position(node.start_mark, line_offset)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loader)
            key_position = _position(key_node.start_mark, line_offset)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                first_line = out.keys[(*at, key)][0]
                report.error(
                    "yaml.duplicate-key",
                    f"key '{key}' appears twice in this mapping (first at line {first_line}); "
                    "keep one",
                    Location(out.path, *key_position),
                )
                continue
            out.keys[(*at, key)] = key_position
            result[key] = _build(value_node, (*at, key), out, loader, report, line_offset)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*at, i), out, loader, report, line_offset)
            for i, item in enumerate(node.value)
        ]
    return _scalar(node, loader)


_STR = "tag:yaml.org,2002:str"


def _scalar(node: yaml.Node, loader: Any) -> Any:
    """Construct a value; a plain string (most values) is the node's own text."""
    if node.tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value
    return loader.construct_object(node, deep=True)


def split_front_matter(text: str, path: str, report: Report) -> tuple[Located | None, str, int]:
    """Split a Markdown file into front matter (with positions), body, and the body's line."""
    parts = front_matter_parts(text, path, report)
    if parts is None:
        return None, text, 1
    front, body, body_line = parts
    return parse_front_matter(front, path, report), body, body_line


def front_matter_parts(text: str, path: str, report: Report) -> tuple[str, str, int] | None:
    """Return a Markdown file's front matter text, its body, and the body's line."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        report.error(
            "frontmatter.missing",
            "file must start with a line '---', then the YAML front matter, then '---'",
            Location(path, 1, 1),
        )
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            front = "\n".join(lines[1:i])
            body = "\n".join(lines[i + 1 :]).strip("\n")
            return front, body, i + 2
    report.error(
        "frontmatter.unclosed",
        "front matter opened by '---' on line 1 is never closed; add a line '---' after it",
        Location(path, 1, 1),
    )
    return None


#: Front matter starts on a file's second line.
FRONT_MATTER_OFFSET = 1


def parse_front_matter(front: str, path: str, report: Report) -> Located | None:
    """Parse front matter text; empty front matter is an empty mapping."""
    located = parse_yaml(front, path, report, line_offset=FRONT_MATTER_OFFSET)
    if located is not None and located.data is None:
        located.data = {}
        located.values[()] = (2, 1)
    return located


def dotted(path: Iterable[str | int]) -> str:
    """Return a value's path as an editor would name it: ``anchors[0].quote``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
