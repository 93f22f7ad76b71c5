"""Shrink the JSON schemas pydantic generates, so `tools/list` costs the model fewer bytes.

Every rule keeps what the schema accepts or describes for the model; the server still validates arguments with
the full pydantic models, and argument errors name the rule that was broken.

- The auto-generated `title` of every node goes (the property names say the same).
- A nullable value is `{"type": [T, "null"]}` instead of `anyOf: [{type: T}, {type: null}]` (an `enum` gets
  `null` among its values).
- Input schemas: an optional argument with `default: null` is plain `T` (it is simply left out); the
  length limits and patterns that only guard against abuse (`maxLength`, `pattern`) are not advertised.
- Output schemas: `required` lists go (structured results carry every field, `null` when absent), and a
  `$defs` entry used once is inlined where it is used.

Keys are sorted, so a schema reads the same whether it was just built or read back from the schema cache.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["compact_schema"]

_NOT_ADVERTISED = frozenset({"maxLength", "pattern"})


def compact_schema(schema: dict[str, Any], *, input_schema: bool) -> dict[str, Any]:
    """Return a compacted copy of `schema`."""
    if not input_schema:
        schema = _inline_single_use_defs(schema)
    result: dict[str, Any] = _node(schema, input_schema)
    return result


def _node(node: Any, input_schema: bool) -> Any:
    if isinstance(node, list):
        return [_node(item, input_schema) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if input_schema and key in _NOT_ADVERTISED:
            continue
        if not input_schema and key == "required" and isinstance(value, list):
            continue
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: _node(sub, input_schema) for name, sub in sorted(value.items())}
        else:
            out[key] = _node(value, input_schema)
    variants = out.get("anyOf")
    if isinstance(variants, list) and {"type": "null"} in variants:
        others = [v for v in variants if v != {"type": "null"}]
        rest = {k: v for k, v in out.items() if k != "anyOf"}
        if input_schema and out.get("default", ...) is None and len(others) == 1 and isinstance(others[0], dict):
            rest.pop("default")
            return dict(sorted({**others[0], **rest}.items()))
        if len(others) == 1 and isinstance(others[0], dict) and isinstance(others[0].get("type"), str):
            nullable = {**others[0], "type": [others[0]["type"], "null"]}
            if isinstance(nullable.get("enum"), list) and None not in nullable["enum"]:
                nullable["enum"] = [*nullable["enum"], None]  # else a null value breaks the schema it is sent with
            return dict(sorted({**nullable, **rest}.items()))
    return dict(sorted(out.items()))


def _inline_single_use_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with each `$defs` entry referenced exactly once put in place of its `$ref`."""
    defs = schema.get("$defs")
    if not isinstance(defs, dict):
        return schema
    text = json.dumps(schema)
    single = {name for name in defs if text.count(f'"#/$defs/{name}"') == 1}
    if not single:
        return schema

    def resolve(node: Any) -> Any:
        if isinstance(node, list):
            return [resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in single:
            return resolve({**defs[ref[8:]], **{k: v for k, v in node.items() if k != "$ref"}})
        return {k: resolve(v) for k, v in node.items() if k != "$defs"}

    remaining = {name: resolve(sub) for name, sub in defs.items() if name not in single}
    inlined: dict[str, Any] = resolve(schema)
    if remaining:
        inlined["$defs"] = remaining
    return inlined
