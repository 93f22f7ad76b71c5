"""Shrink the JSON schemas pydantic generates, so `tools/list` costs the model fewer tokens.

Removes the auto-generated `title` of every schema node (the property names say the same) and, in
input schemas only, turns `anyOf: [X, {type: null}]` with `default: null` into plain X: an optional
argument is simply left out. Output schemas keep their nulls, since results really contain them. Keys are
sorted, so a schema reads the same whether it was just built or read back from the schema cache.
"""

from __future__ import annotations

from typing import Any

__all__ = ["compact_schema"]


def compact_schema(schema: dict[str, Any], *, input_schema: bool) -> dict[str, Any]:
    """Return a compacted copy of `schema`."""
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
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: _node(sub, input_schema) for name, sub in sorted(value.items())}
        else:
            out[key] = _node(value, input_schema)
    if input_schema and out.get("default", ...) is None and isinstance(out.get("anyOf"), list):
        variants = [v for v in out["anyOf"] if v != {"type": "null"}]
        if len(variants) == 1 and isinstance(variants[0], dict):
            rest = {k: v for k, v in out.items() if k not in ("anyOf", "default")}
            return dict(sorted({**variants[0], **rest}.items()))
    return dict(sorted(out.items()))
