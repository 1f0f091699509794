"""Validate a located document against its JSON Schema, with editor-friendly messages."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from coursepack.diagnostics import Report
from coursepack.load.yamlnodes import Located, dotted
from coursepack.schemas import DATE_PATTERN, ID_PATTERN, SCHEMAS

if TYPE_CHECKING:  # imported when a document is first checked: a warm check needs none
    from jsonschema import Draft202012Validator

_TYPE_NAMES = {
    "string": "text",
    "array": "a list",
    "object": "a mapping of fields",
    "integer": "a whole number",
    "boolean": "true or false",
    "number": "a number",
    "null": "empty",
}


@cache
def _validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(SCHEMAS[name])


def _type_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def suggest(word: str, choices: list[str]) -> str:
    """Return " (did you mean 'x'?)" for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _branch_errors(error: Any) -> list[Any]:
    """Pick the errors of the oneOf branch whose type fits the value."""
    kind = _type_of(error.instance)
    branches: dict[int, list[Any]] = {}
    for sub in error.context or []:
        branches.setdefault(int(sub.schema_path[0]), []).append(sub)
    for index, subs in sorted(branches.items()):
        branch = error.schema["oneOf"][index]
        types = branch.get("type")
        names = (
            [_TYPE_NAMES.get(t, t) for t in types]
            if isinstance(types, list)
            else [_TYPE_NAMES.get(str(types), str(types))]
        )
        if kind in names or (kind == "a mapping" and "a mapping of fields" in names):
            return subs
    return []


def _shown(value: Any, limit: int = 60) -> str:
    """Return a value as a message quotes it: on one line, control characters escaped."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _describe(error: Any, what: str) -> list[tuple[str, str, tuple[str | int, ...]]]:
    """Return (code, message, path to point at) for each problem one schema error finds."""
    if error.validator == "additionalProperties":
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = sorted(schema.get("properties", {}))
        path = tuple(error.absolute_path)
        return [
            (
                "schema.unknown-field",
                f"unknown field '{_shown(name)}'{suggest(name, allowed)}; "
                f"the fields allowed here are: {', '.join(allowed)}",
                (*path, name),
            )
            for name in error.instance
            if name not in allowed
        ]
    return [_describe_one(error, what)]


def _describe_one(error: Any, what: str) -> tuple[str, str, tuple[str | int, ...]]:
    """Return (code, message, path to point at) for one schema error."""
    path = tuple(error.absolute_path)
    field = dotted(path) or what
    validator = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if validator == "required":
        missing = str(error.message).split("'")[1]
        return (
            "schema.required",
            f"missing required field '{missing}' in {field if path else what}; add it",
            path,
        )
    if validator == "type":
        expected = schema.get("type")
        names = expected if isinstance(expected, list) else [expected]
        wanted = " or ".join(_TYPE_NAMES.get(str(n), str(n)) for n in names)
        hint = ""
        if "string" in names and not isinstance(error.instance, str):
            hint = "; put the value in quotes"
        return (
            "schema.type",
            f"'{field}' must be {wanted}, not {_type_of(error.instance)}{hint}",
            path,
        )
    if validator == "enum":
        allowed = [str(v) for v in error.validator_value]
        value = _shown(error.instance)
        return (
            "schema.value",
            f"'{field}' must be one of {', '.join(allowed)}; "
            f"'{value}' is not{suggest(value, allowed)}",
            path,
        )
    if validator == "pattern":
        pattern = error.validator_value
        value = _shown(error.instance)
        if pattern == DATE_PATTERN:
            message = f"'{field}' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD (got '{value}')"
        elif pattern == ID_PATTERN:
            message = (
                f"'{field}' must be an id of lower-case letters, digits and hyphens (got '{value}')"
            )
        elif "https?" in pattern:
            message = f"'{field}' must be a URL starting with http:// or https:// (got '{value}')"
        elif "0-9a-f" in pattern:
            message = f"'{field}' must be 64 lower-case hexadecimal digits (got '{value}')"
        else:
            message = f"'{field}' has the wrong form (got '{value}')"
        return ("schema.value", message, path)
    if validator in ("minimum", "maximum"):
        return (
            "schema.value",
            f"'{field}' must be {'at least' if validator == 'minimum' else 'at most'} "
            f"{error.validator_value} (got {error.instance})",
            path,
        )
    if validator == "minItems":
        return (
            "schema.value",
            f"'{field}' must list at least {error.validator_value} "
            f"item{'s' if error.validator_value != 1 else ''}",
            path,
        )
    if validator == "minLength":
        return ("schema.value", f"'{field}' must not be empty", path)
    if validator == "uniqueItems":
        return ("schema.value", f"'{field}' lists the same value twice; remove one", path)
    return ("schema.value", f"'{field}': {_shown(error.message, 200)}", path)


def _branch_types(branches: list[Any]) -> list[str]:
    types: list[str] = []
    for branch in branches:
        kind = branch.get("type") if isinstance(branch, dict) else None
        types.extend(kind if isinstance(kind, list) else [str(kind)])
    return list(dict.fromkeys(types))


def _flatten(errors: list[Any]) -> list[Any]:
    out: list[Any] = []
    for error in errors:
        if error.validator == "oneOf":
            subs = _branch_errors(error)
            if subs:
                out.extend(_flatten(subs))
                continue
            types = _branch_types(error.schema["oneOf"])
            from jsonschema.exceptions import ValidationError

            error = ValidationError(
                "wrong type",
                validator="type",
                validator_value=types,
                instance=error.instance,
                schema={"type": types},
                path=error.absolute_path,
            )
        out.append(error)
    return out


@cache
def _compiled(name: str) -> Callable[[Any], Any]:
    import fastjsonschema

    # Only the verdict is read (jsonschema explains a failure), so the compiled code need
    # not describe what failed: a quarter of the code to compile, and a branch of a oneOf
    # that does not fit (every source, every date) costs no description of it.
    compiled: Callable[[Any], Any] = fastjsonschema.compile(
        SCHEMAS[name], detailed_exceptions=False
    )
    return compiled


def _plainly_valid(data: Any, schema: str) -> bool:
    """Return whether a document is valid, as far as a quick look can tell.

    jsonschema walks the schema anew for every document, which was most of a first check
    of a large reader (0.8 s of 4,200 documents at 200 readings). fastjsonschema compiles a
    schema into Python once and then checks a document in a tenth of the time; a document
    it passes is valid, and one it fails is given to jsonschema, whose messages (every
    problem at once) are the ones reported. tests/load/test_validate_fast.py holds that
    the two agree.

    Each schema is compiled before its first document. Compiling takes 1 to 6 ms a
    schema, less than jsonschema spends on one large document (the entities of 200
    readings: 0.1 s), and a reader whose documents all pass never imports jsonschema
    (some 70 ms), so even a small reader's first check is quicker for it.
    """
    import fastjsonschema

    try:
        _compiled(schema)(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def validate(doc: Located, schema: str, what: str, report: Report) -> bool:
    """Check a document against a schema; report each problem at its value; return ok."""
    if _plainly_valid(doc.data, schema):
        return True
    errors = sorted(_validator(schema).iter_errors(doc.data), key=lambda e: list(e.absolute_path))
    ok = True
    for error in _flatten(errors):
        for code, message, path in _describe(error, what):
            where = doc.key_at(*path) if code == "schema.unknown-field" else doc.at(*path)
            report.error(code, message, where)
            ok = False
    return ok
