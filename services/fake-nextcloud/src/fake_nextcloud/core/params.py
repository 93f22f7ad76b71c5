"""Typed controller arguments, cast like ``Dispatcher::executeController`` does.

``int``/``bool`` parameters go through ``settype()``; ``'false'`` becomes ``false`` for a ``bool`` whatever the method
and body type (the current ``Dispatcher``, the one with ``ensureParameterValueSatisfiesRange``; older releases did
it only for GET and form bodies). ``string`` parameters are coerced from scalars and reject arrays (a PHP
``TypeError`` -> server error). An explicit JSON ``null`` counts as absent (``isset``), so the
method's default applies.
"""

from __future__ import annotations

from typing import TypeVar

from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.php import php_bool, php_int, php_str

__all__ = ["bool_param", "int_param", "str_param"]

D = TypeVar("D")


def str_param(ctx: NcContext, name: str, default: D) -> str | D:
    value = ctx.param(name)
    return default if value is None else php_str(value)


def int_param(ctx: NcContext, name: str, default: D) -> int | D:
    value = ctx.param(name)
    return default if value is None else php_int(value)


def bool_param(ctx: NcContext, name: str, default: D) -> bool | D:
    value = ctx.param(name)
    return default if value is None else php_bool(value, false_string_is_false=True)
