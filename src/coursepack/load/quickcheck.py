"""A quick yes for documents that are valid: JSON Schemas compiled into plain checks.

jsonschema walks a schema anew for every document, which dominates loading a large reader.
:func:`quick_check` compiles a schema once into nested functions that say whether a
document is valid. It knows only the keywords coursepack's own schemas use; a schema with
any other keyword is not compiled, and a value whose verdict would depend on a corner of
JSON Schema it does not model (a float where an integer is wanted, lists of non-strings
under ``uniqueItems``) makes it give up. Only a clean "valid" is trusted: the loader runs
jsonschema itself on every other document, so every message still comes from there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from coursepack.schemas import SCHEMAS

Check = Callable[[Any], bool]


class Unsure(Exception):
    """The quick check cannot tell; ask jsonschema."""


#: Keywords that only describe (they never make a document invalid).
_ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment", "examples", "default"}
_KNOWN = _ANNOTATIONS | {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "uniqueItems",
    "enum",
    "pattern",
    "minimum",
    "maximum",
    "minLength",
    "oneOf",
}


class Unsupported(Exception):
    """The schema uses a keyword the quick check does not know."""


def _is_type(value: Any, name: str) -> bool:
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if name in ("integer", "number"):
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            if name == "number":
                return True
            raise Unsure  # 1.0 is an integer to JSON Schema
        return False
    raise Unsupported(name)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _compile(schema: Any) -> Check:
    if schema is True:
        return lambda value: True
    if schema is False:
        return lambda value: False
    if not isinstance(schema, dict):
        raise Unsupported(repr(schema))
    unknown = set(schema) - _KNOWN
    if unknown:
        raise Unsupported(", ".join(sorted(unknown)))
    checks: list[Check] = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        for name in types:
            _is_type(None, name)  # raises Unsupported for a type it does not know
        names_of_types = tuple(types)
        simple = {"string": str, "object": dict, "array": list}
        if len(types) == 1 and types[0] in simple:
            kind = simple[types[0]]
            checks.append(lambda v: isinstance(v, kind))
        else:
            checks.append(lambda v: any(_is_type(v, t) for t in names_of_types))
    if "enum" in schema:
        allowed = schema["enum"]
        if not all(isinstance(a, str) for a in allowed):
            raise Unsupported("enum of non-strings")
        values = frozenset(allowed)
        checks.append(lambda v: isinstance(v, str) and v in values)
    if "pattern" in schema:
        regex = re.compile(schema["pattern"])
        checks.append(lambda v: not isinstance(v, str) or regex.search(v) is not None)
    if "minLength" in schema:
        least = schema["minLength"]
        checks.append(lambda v: not isinstance(v, str) or len(v) >= least)
    if "minimum" in schema:
        low = schema["minimum"]
        checks.append(lambda v: not _number(v) or v >= low)
    if "maximum" in schema:
        high = schema["maximum"]
        checks.append(lambda v: not _number(v) or v <= high)
    if "minItems" in schema:
        count = schema["minItems"]
        checks.append(lambda v: not isinstance(v, list) or len(v) >= count)
    if schema.get("uniqueItems"):
        checks.append(_unique)
    if "items" in schema:
        checks.append(_each_item(_compile(schema["items"])))
    if "required" in schema:
        required = tuple(schema["required"])
        checks.append(lambda v: not isinstance(v, dict) or all(k in v for k in required))
    if "properties" in schema:
        checks.append(_each_field({k: _compile(s) for k, s in schema["properties"].items()}))
    if "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        if extra is not False:
            raise Unsupported("additionalProperties other than false")
        declared = frozenset(schema.get("properties", {}))
        checks.append(lambda v: not isinstance(v, dict) or all(k in declared for k in v))
    if "oneOf" in schema:
        branches = [_compile(b) for b in schema["oneOf"]]
        checks.append(lambda v: sum(1 for b in branches if b(v)) == 1)
    return _all_of(checks)


# Plain loops rather than all() over generators: these run for every value of every file.


def _all_of(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> bool:
        for one in checks:  # noqa: SIM110 (a loop: all() over a generator is slower here)
            if not one(value):
                return False
        return True

    return check


def _each_item(item: Check) -> Check:
    def check(value: Any) -> bool:
        if isinstance(value, list):
            for x in value:
                if not item(x):
                    return False
        return True

    return check


def _each_field(fields: dict[str, Check]) -> Check:
    def check(value: Any) -> bool:
        if isinstance(value, dict):
            for key, x in value.items():
                field = fields.get(key)
                if field is not None and not field(x):
                    return False
        return True

    return check


def _unique(value: Any) -> bool:
    if not isinstance(value, list):
        return True
    if not all(isinstance(x, str) for x in value):
        raise Unsure  # jsonschema's equality of mixed values has corners (1 and true)
    return len(set(value)) == len(value)


@cache
def compiled(name: str) -> Check | None:
    """Return the quick check of one of coursepack's schemas, or None if it has none."""
    try:
        return _compile(SCHEMAS[name])
    except Unsupported:
        return None


def quick_check(name: str, value: Any) -> bool:
    """Return True only when the value is certainly valid against the named schema."""
    check = compiled(name)
    if check is None:
        return False
    try:
        return check(value)
    except Unsure:
        return False
