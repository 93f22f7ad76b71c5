"""PHP semantics that leak through Nextcloud's HTTP APIs.

Nextcloud is PHP, and a few of PHP's conversions are visible on the wire:

* ``json_encode`` escapes ``/`` as ``\\/`` and non-ASCII as ``\\uXXXX``; with ``JSON_HEX_TAG`` (used by
  ``OCP\\AppFramework\\Http\\JSONResponse::render`` and
  ``lib/private/AppFramework/OCS/BaseResponse.php::renderResult``) also ``<``/``>`` as ``\\u003C``/``\\u003E``.
  ETags computed as ``md5(json_encode(...))`` (nextcloud/notes ``lib/Service/MetaService.php::generateEtag``,
  ``lib/Controller/NotesApiController.php::index``) therefore depend on these exact bytes.
* Controller arguments are cast with ``settype()`` for ``int``/``bool`` parameters and coerced for ``string``
  ones (nextcloud/server ``lib/private/AppFramework/Http/Dispatcher.php::executeController``).
* ``empty()`` treats ``"0"`` as empty (used by ``Session::tryBasicAuthLogin`` and ``NoteUtil::getSafeTitle``).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

__all__ = [
    "PhpTypeError",
    "md5_hex",
    "php_bool",
    "php_empty",
    "php_int",
    "php_json_encode",
    "php_str",
    "php_trim",
]

_PHP_TRIM_CHARS = " \t\n\r\0\x0b"
_LEADING_NUMBER = re.compile(r"^[ \t\n\r\v\f]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)


class PhpTypeError(Exception):
    """Raised where PHP would throw a ``TypeError`` (e.g. an array passed to a ``string`` parameter)."""


def php_json_encode(value: Any, *, hex_tag: bool = False) -> str:
    """Encode like PHP's ``json_encode`` (optionally with ``JSON_HEX_TAG``).

    Only ``/`` and, with ``hex_tag``, ``<``/``>`` need post-processing: they can only occur inside JSON
    strings, and Python already escapes non-ASCII as lowercase ``\\uXXXX`` (as PHP does).
    """
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    text = text.replace("/", "\\/")
    if hex_tag:
        text = text.replace("<", "\\u003C").replace(">", "\\u003E")
    return text


def md5_hex(data: str | bytes) -> str:
    """``md5()`` of a PHP string (UTF-8 bytes for Python ``str``)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.md5(raw, usedforsecurity=False).hexdigest()


def php_trim(value: str) -> str:
    """PHP ``trim()`` with its default character list (ASCII whitespace and NUL only)."""
    return value.strip(_PHP_TRIM_CHARS)


def php_empty(value: Any) -> bool:
    """PHP ``empty()``: ``""``, ``"0"``, ``0``, ``0.0``, ``False``, ``None`` and ``[]`` are empty."""
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return value in ("", "0")
    if isinstance(value, int | float):
        return value == 0
    if isinstance(value, list | dict):
        return len(value) == 0
    return False


def php_int(value: Any) -> int:
    """``settype($value, 'int')`` for values that can come from a query string or ``json_decode``."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return _clamp(value)
    if isinstance(value, str):
        match = _LEADING_NUMBER.match(value)
        if match is None:
            return 0
        number = match.group(0).strip()
        if re.fullmatch(r"[+-]?\d+", number):
            return max(_INT64_MIN, min(_INT64_MAX, int(number)))
        return _clamp(float(number))
    if isinstance(value, list | dict):
        return 1 if value else 0
    return 0


def _clamp(number: float) -> int:
    if number != number or number in (float("inf"), float("-inf")):  # NaN / inf
        return 0
    return max(_INT64_MIN, min(_INT64_MAX, int(number)))


def php_bool(value: Any, *, false_string_is_false: bool = False) -> bool:
    """``settype($value, 'bool')``.

    ``false_string_is_false`` reproduces the Dispatcher special case: the string ``'false'`` becomes
    ``false`` only for GET requests and form-encoded bodies, not for JSON bodies.
    """
    if false_string_is_false and value == "false":
        return False
    return not php_empty(value)


def php_str(value: Any) -> str:
    """Coerce a scalar to a PHP string the way a weakly-typed ``string`` parameter would."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    raise PhpTypeError(f"cannot pass {type(value).__name__} as string")
