"""YAML with positions: every value keeps the place it was written.

PyYAML's composer gives nodes with start marks; we build plain Python values from them and
a side table from each value's path (keys and list indexes) to its :class:`Location`.
Timestamps are not resolved, so dates stay the strings the editor wrote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from coursepack.diagnostics import Location, Report

PathKey = tuple[str | int, ...]
#: Line and column, from 1 (a Location is made only when one is asked for).
Position = tuple[int, int]


#: Deeper nesting than this is refused: no file of a reader comes near it, and Python
#: would run out of stack long before the parsers do.
MAX_DEPTH = 100

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_MERGE = _TAG + "merge"
#: The tags a value may have: those YAML gives plain values by itself. Any other (a
#: custom ``!tag``, ``!!binary``, ``!!python/...``, ``!!set``) is refused.
_SCALAR_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null"))
_NAMES = {"int": "a whole number", "float": "a number", "bool": "true or false", "null": "empty"}


class Refused(yaml.MarkedYAMLError):
    """YAML that is well formed but not read: an alias or a nesting too deep."""

    def __init__(self, code: str, message: str, mark: Any) -> None:
        super().__init__(problem=message, problem_mark=mark)
        self.code = code


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver, refusing aliases and deep nesting.

    An alias is refused where it is written, before anything is built from it: expanding
    aliases is how a file of ten lines becomes gigabytes.
    """

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            if isinstance(index, yaml.ScalarNode) and index.tag == _MERGE:
                raise _merge_key(index.start_mark)
            raise Refused(
                "yaml.alias",
                f"the alias '*{event.anchor}' is not read: coursepack does not expand "
                "YAML aliases; write the value out in full",
                event.start_mark,
            )
        if isinstance(event, yaml.CollectionStartEvent):
            if self._depth >= MAX_DEPTH:
                raise _too_deep(event.start_mark)
            self._depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)


def _merge_key(mark: Any) -> Refused:
    return Refused(
        "yaml.merge-key",
        "merge keys ('<<') are not read; write the fields out in full",
        mark,
    )


def _too_deep(mark: Any) -> Refused:
    return Refused(
        "yaml.depth",
        f"values are nested more than {MAX_DEPTH} levels deep here; no file of a reader "
        "needs that: check the brackets and indentation",
        mark,
    )


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_RESOLVERS: dict[Any, list[tuple[str, re.Pattern[str]]]] = _Loader.yaml_implicit_resolvers
_SCALAR_NODE = yaml.ScalarNode

#: The same loader on libyaml's C parser, some ten times faster, where PyYAML has it.
_FastLoader: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        """CSafeLoader without the timestamp resolver, resolving tags in one step.

        The composer asks for the tag of every value; a quoted or block value is text,
        and a plain one is text unless a resolver for its first character matches it
        (PyYAML's own method gets there by a longer way; a test compares the two).
        """

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            # Called for every value and key (160,000 times at 200 readings): the names
            # it needs are module globals, not looked up on the class each time.
            if kind is not _SCALAR_NODE:
                return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            if not implicit[0]:
                return _STR
            for tag, regexp in _RESOLVERS.get(value[:1], ()):
                if regexp.match(value):
                    return tag
            return _STR

    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    if None in _CLoader.yaml_implicit_resolvers or _CLoader.yaml_path_resolvers:
        raise RuntimeError("internal error (a bug): the YAML resolvers are not the ones known")
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
    #: The paths of the text values that hold a line break or a tab, as parsed.
    broken: list[PathKey] = field(default_factory=list)

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


#: Characters no text of a reader may hold: C0 and C1 controls but the tab and the line
#: break, DEL, and lone surrogates (which no file can encode).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(text: str) -> tuple[int, str] | None:
    """Return the offset and a description of the first control character in text."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    return found.start(), f"U+{ord(char):04X}" + (
        f" ({_CONTROL_NAMES[char]})" if char in _CONTROL_NAMES else ""
    )


_CONTROL_NAMES = {
    "\x00": "null",
    "\x07": "bell",
    "\x08": "backspace",
    "\x0b": "vertical tab",
    "\x0c": "form feed",
    "\x1b": "escape",
    "\x7f": "delete",
}


def parse_yaml(text: str, path: str, report: Report, *, line_offset: int = 0) -> Located | None:
    """Parse one YAML document with positions; report what makes it unusable.

    Syntax errors, duplicate keys, aliases, merge keys, tags other than those YAML gives
    plain values, keys that are not text, nesting deeper than :data:`MAX_DEPTH` and
    control characters are each a diagnostic at their place; a document with any of them
    but a duplicate key or a control character is None.
    """
    if _FastLoader is not None:
        # Well-formed YAML (nearly all of it) goes through libyaml; a document it rejects,
        # or that holds an alias or nests too deep, is parsed again by the pure-Python
        # parser, which words the errors and refuses aliases before building anything.
        fast = _FastLoader(text)
        try:
            node = fast.get_single_node()
        except yaml.YAMLError:
            pass
        else:
            found = Report()
            try:
                located = _located(node, text, path, fast, found, line_offset)
            except _Again:
                pass
            else:
                report.extend(found.diagnostics)
                return located
        finally:
            fast.dispose()
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        _syntax_error(exc, text, path, report, line_offset)
        return None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        report.error(
            "text.control",
            f"the file holds the control character U+{exc.character:04X}, which YAML does "
            "not allow; delete it (it is often invisible: retype the text around it)",
            Location(path, line + line_offset, col),
        )
        return None
    except yaml.YAMLError as exc:
        report.error("yaml.syntax", f"YAML error: {' '.join(str(exc).split())}", Location(path))
        return None
    finally:
        if loader is not None:
            loader.dispose()
    try:
        return _located(node, text, path, loader, report, line_offset)
    except _Again as again:  # the Python composer refuses all this first
        raise RuntimeError("internal error (a bug): YAML refused after composing") from again


def _syntax_error(
    exc: yaml.MarkedYAMLError, text: str, path: str, report: Report, line_offset: int
) -> None:
    """Report a parser's error at the place that needs the fix."""
    if isinstance(exc, Refused):
        report.error(exc.code, str(exc.problem), _location(path, exc.problem_mark, line_offset))
        return
    context, problem = exc.context or "", exc.problem or ""
    mark = exc.problem_mark or exc.context_mark
    # The scanner notices a missing ':' or an unclosed quote only where it gives up (the
    # next line, the end of the file); the line to fix is where it started.
    if exc.context_mark is not None and (
        "could not find expected ':'" in problem or "unexpected end of stream" in problem
    ):
        mark = exc.context_mark
        if "quoted scalar" in context:
            message = "this quoted value is never closed; add the closing quote"
        elif "unexpected end of stream" in problem:
            message = f"{context} {problem}"
        else:
            message = (
                "this line is neither 'key: value' nor a list item '- value' (no ':' "
                "follows it); add the ':' or join it to the line above"
            )
        report.error(
            "yaml.syntax",
            f"YAML syntax error: {message}",
            _location(path, mark, line_offset) if mark else Location(path, 1, 1),
        )
        return
    if (
        context.startswith("while parsing a flow ")
        and exc.context_mark is not None
        and exc.problem_mark is not None
        and exc.context_mark.line != exc.problem_mark.line
    ):
        opened, closer = ("list", "]") if "sequence" in context else ("mapping", "}")
        report.error(
            "yaml.syntax",
            f"YAML syntax error: the {opened} opened here is not closed before line "
            f"{exc.problem_mark.line + 1 + line_offset} ({problem}); add the '{closer}', "
            "or quote the value if the bracket is part of the text",
            _location(path, exc.context_mark, line_offset),
        )
        return
    where = _location(path, mark, line_offset) if mark else Location(path, 1, 1)
    if exc.context_mark is not None and exc.problem_mark is not None and context:
        started = exc.context_mark.line + 1 + line_offset
        if started != where.line:
            context = f"{context} (started on line {started})"
    problem = " ".join(" ".join(p for p in (context, problem) if p).split())
    report.error(
        "yaml.syntax",
        f"YAML syntax error: {problem}; check indentation, colons and quoting "
        "(quote values that contain ': ' or start with a special character)",
        where,
    )


class _Again(Exception):
    """What libyaml composed holds an alias or nests too deep: parse it again slowly."""


def _located(
    node: yaml.Node | None, text: str, path: str, loader: Any, report: Report, line_offset: int
) -> Located | None:
    located = Located(None, path)
    if node is None:
        return located
    builder = _Builder(located, loader, report, line_offset, "*" in text)
    located.data = builder.build(node, (), 1)
    # A duplicate key or a control character leaves the document usable: it is checked
    # further, so that every problem in it is reported at once.
    return None if builder.refused else located


class _Builder:
    """Build plain values from composed nodes, recording positions and refusing what is
    not read."""

    def __init__(
        self, out: Located, loader: Any, report: Report, line_offset: int, aliases: bool
    ) -> None:
        self.out = out
        self.aliases = aliases
        self.loader = loader
        self.report = report
        self.line_offset = line_offset
        self.seen: set[int] = set()
        self.refused = False

    def refuse(self, code: str, message: str, node: yaml.Node) -> None:
        self.refused = True
        self.report.error(
            code, message, _location(self.out.path, node.start_mark, self.line_offset)
        )

    def build(self, node: yaml.Node, at: PathKey, depth: int) -> Any:
        out = self.out
        mark = node.start_mark
        out.values[at] = (mark.line + 1 + self.line_offset, mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR and not self.aliases and node.value.isprintable():
                return node.value  # most values: plain text on one line
            return self.scalar(node, at)
        # A node met twice is an alias (libyaml shares it); one nested too deep would
        # overflow the stack. The pure-Python parser says where, before building.
        if depth > MAX_DEPTH:
            raise _Again
        self.met(node)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _TAG + "map":
                self.refuse("yaml.tag", _tag_message(node.tag, "a mapping"), node)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key_position = _position(key_node.start_mark, self.line_offset)
                if not isinstance(key_node, yaml.ScalarNode):
                    self.refuse(
                        "yaml.key",
                        "a key must be plain text, not a list or a mapping; write 'name: value'",
                        key_node,
                    )
                    continue
                if key_node.tag == _MERGE:
                    error = _merge_key(key_node.start_mark)
                    self.refuse(error.code, str(error.problem), key_node)
                    continue
                if key_node.tag == _STR and not self.aliases and key_node.value.isprintable():
                    key = key_node.value
                else:
                    key = self.scalar(key_node, None)
                    if not isinstance(key, str):
                        key = str(key)
                if key in result:
                    first_line = out.keys[(*at, key)][0]
                    self.report.error(
                        "yaml.duplicate-key",
                        f"key '{_escaped(key)}' appears twice in this mapping (first at "
                        f"line {first_line}); keep one",
                        Location(out.path, *key_position),
                    )
                    continue
                out.keys[(*at, key)] = key_position
                result[key] = self.build(value_node, (*at, key), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _TAG + "seq":
                self.refuse("yaml.tag", _tag_message(node.tag, "a list"), node)
            return [self.build(item, (*at, i), depth + 1) for i, item in enumerate(node.value)]
        raise AssertionError(f"internal error (a bug): unknown YAML node {node!r}")

    def met(self, node: yaml.Node) -> None:
        """Note a node built; one built twice is an alias (only a text with '*' has one)."""
        if self.aliases:
            if id(node) in self.seen:
                raise _Again
            self.seen.add(id(node))

    def scalar(self, node: yaml.ScalarNode, at: PathKey | None) -> Any:
        """Return a scalar's value; a plain string (most values) is the node's own text."""
        self.met(node)
        if node.tag == _STR:
            value: Any = node.value
        elif node.tag not in _SCALAR_TAGS:
            self.refuse("yaml.tag", _tag_message(node.tag, "a value"), node)
            return None
        else:
            try:
                value = self.loader.construct_object(node, deep=True)
            except (ValueError, KeyError, yaml.YAMLError):
                name = node.tag[len(_TAG) :]
                self.refuse(
                    "yaml.tag",
                    f"'{_escaped(node.value)}' is not {_NAMES[name]}, yet it is tagged "
                    f"'!!{name}'; remove the tag, or correct the value",
                    node,
                )
                return None
        if isinstance(value, str) and not value.isprintable():
            control = control_character(value)
            if control is not None:
                offset, char = control
                self.report.error(
                    "text.control",
                    f"this text holds the control character {char} at character "
                    f"{offset + 1}; delete it",
                    _location(self.out.path, node.start_mark, self.line_offset),
                )
            elif at is not None and ("\n" in value or "\t" in value):
                self.out.broken.append(at)
        return value


def _tag_message(tag: str | None, what: str) -> str:
    shown = f"!!{tag[len(_TAG) :]}" if tag and tag.startswith(_TAG) else str(tag)
    return (
        f"the tag '{_escaped(shown)}' on {what} is not read: coursepack takes plain YAML "
        "values only; remove the tag (quote the value if it is text)"
    )


def _escaped(text: str, limit: int = 60) -> str:
    """Return text as a message shows it: on one line, control characters escaped."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


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
