"""Arguments as a Deck service method receives them from a controller (PHP's coercive typing mode).

Deck's controllers hand request values on to typed service methods (``CardService::create(string $title, int
$stackId, …)``): the values of untyped controller parameters (``CardApiController::create($title, …)``) and of
``$this->request->getParam(…)`` calls (URL parameters are strings) arrive as the request carried them. No Deck
controller that does so declares ``strict_types``, so php-src's weak scalar checks apply
(``Zend/zend_API.c::zend_parse_arg_{long,double,bool,str}_weak``):

* ``null`` for a parameter that is neither nullable nor defaulted to ``null``: ``TypeError`` (a default does
  not replace an explicit ``null``);
* ``int``: ``bool`` -> 0/1; ``float`` truncated (NaN, infinite or out of range: ``TypeError``); a *numeric*
  string (``is_numeric_str_function``: surrounding whitespace allowed, no trailing garbage - ``"5abc"`` and
  ``"abc"`` are a ``TypeError`` since PHP 8) -> its value; an array: ``TypeError``;
* ``float``: the same without truncation; ``string``: scalars are converted, an array is a ``TypeError``;
* ``bool``: scalars by truthiness (``"0"``/``""`` false, ``"false"`` true); ``array``: arrays only.

Any ``TypeError`` ends in Deck's JSON 500 (``ExceptionMiddleware``), like a missing controller argument.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

from fake_nextcloud.core.php import PhpTypeError, php_empty, php_str
from fake_nextcloud.core.signature import PhpParam, parse_parameters

__all__ = ["php_call"]

_NUMERIC = re.compile(r"[ \t\n\r\v\f]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[ \t\n\r\v\f]*")
_INT_STRING = re.compile(r"[ \t\n\r\v\f]*[+-]?\d+[ \t\n\r\v\f]*")
_INT64 = 2**63


@functools.cache
def _params(parameters: str) -> dict[str, PhpParam]:
    return {p.name: p for p in parse_parameters(parameters)}


def _given(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    return {int: "int", float: "float", str: "string", list: "array", dict: "array"}.get(type(value), "mixed")


def _number(value: Any) -> int | float | None:
    """The number a weak ``int``/``float`` parameter takes from ``value``, or ``None`` (a ``TypeError``)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMERIC.fullmatch(value):
        if _INT_STRING.fullmatch(value) and -_INT64 <= int(value) < _INT64:
            return int(value)
        return float(value)
    return None


def _coerce(where: str, param: PhpParam, value: Any) -> Any:
    if value is None:
        if param.nullable or param.type in (None, "mixed"):
            return None
        raise PhpTypeError(f"{where} must be of type {param.type}, null given")
    bad = PhpTypeError(f"{where} must be of type {param.type}, {_given(value)} given")
    if param.type in ("int", "float"):
        number = _number(value)
        if number is None or (isinstance(number, float) and not math.isfinite(number)):
            raise bad
        if param.type == "float":
            return float(number)
        if isinstance(number, float) and not -_INT64 <= number < _INT64:
            raise bad
        return int(number)  # a fractional part is only deprecated (PHP 8.1), the value truncated
    if param.type == "string":
        try:
            return php_str(value)
        except PhpTypeError:
            raise bad from None
    if param.type == "bool":
        if isinstance(value, list | dict):
            raise bad
        return not php_empty(value)
    if param.type == "array" and not isinstance(value, list | dict):
        raise bad
    return value


def php_call(qualname: str, parameters: str, **values: Any) -> dict[str, Any]:
    """The ``values`` (by parameter name) as ``qualname``, declared with ``parameters``, receives them from a
    non-strict caller; a value PHP refuses raises :class:`PhpTypeError`. Parameters not given are not checked."""
    params = _params(parameters)
    out: dict[str, Any] = {}
    for index, (name, param) in enumerate(params.items(), 1):
        if name in values:
            out[name] = _coerce(f"{qualname}(): Argument #{index} (${name})", param, values[name])
    unknown = set(values) - set(params)
    if unknown:
        raise ValueError(f"{qualname} has no parameter {sorted(unknown)}")
    return out
