"""Controller arguments bound the way Nextcloud's dispatcher binds them, from the real PHP signature.

Every AppFramework route of the fake names the controller method it reproduces with its PHP parameter list,
copied from the app's source (``@php_method("NotesApiController::create", "string $category = '', …")``).
``bind`` then does what nextcloud/server does for that method:

* ``ControllerMethodReflector::reflect`` (lib/private/AppFramework/Utility/ControllerMethodReflector.php): the
  default of a parameter is its PHP default when it is optional, else ``null``; its type is the declared one.
* ``Dispatcher::executeController`` (lib/private/AppFramework/Http/Dispatcher.php): the value is
  ``IRequest::getParam($name, $default)`` (URL parameters, then the query string and the body; ``isset``
  semantics, so a JSON ``null`` counts as absent); ``'false'`` becomes ``false`` for a ``bool`` parameter; a
  non-null value of an ``int``/``bool``/``float`` parameter goes through ``settype()``.
* ``call_user_func_array`` then calls the method in PHP's coercive mode (calls made by internal functions do
  not use the caller's ``strict_types``): ``null`` for a parameter that is neither nullable nor defaulted, or
  an array for a scalar, is a ``TypeError``. ``Dispatcher::dispatch`` wraps that ``Throwable`` in an
  ``\\Exception`` for the middlewares' ``afterException``; no core middleware handles it, so the request ends
  in the 500 of whoever catches it next (the app's own exception middleware, ``ocs/v1.php``'s OCS 996, or
  index.php's error page) - raised here as :class:`~fake_nextcloud.core.php.PhpTypeError`.

The fake therefore never fills in a default the real method does not have: a client that omits a required
field fails here as it fails against Nextcloud.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.requests import Request

from fake_nextcloud.core.context import NcContext
from fake_nextcloud.core.php import PhpTypeError, php_bool, php_int, php_str

__all__ = ["Args", "PhpMethod", "PhpParam", "bind", "parse_parameters", "php_method", "signature_of"]

_CAST = {"int": "int", "integer": "int", "bool": "bool", "boolean": "bool", "float": "float", "double": "float"}
_PARAM = re.compile(
    r"^(?:(?P<type>[?\\\w|]+)\s+)?(?P<variadic>\.\.\.)?\$(?P<name>\w+)(?:\s*=\s*(?P<default>.+))?$", re.S
)


class _Missing:
    def __repr__(self) -> str:
        return "<no default>"


NO_DEFAULT: Any = _Missing()


@dataclass(frozen=True)
class PhpParam:
    """One parameter of a controller method."""

    name: str
    type: str | None  # "int", "bool", "float", "string", "array", a class name, or None (untyped / mixed)
    nullable: bool
    default: Any = NO_DEFAULT

    @property
    def required(self) -> bool:
        """The dispatcher passes ``null`` when the request omits it, and ``null`` is a ``TypeError``."""
        return self.default is NO_DEFAULT and not self.nullable and self.type not in (None, "mixed")


@dataclass(frozen=True)
class PhpMethod:
    """``Class::method`` and its parameters, as declared in the app's source."""

    qualname: str
    params: tuple[PhpParam, ...]

    def required(self) -> tuple[PhpParam, ...]:
        return tuple(p for p in self.params if p.required)


def _split_top_level(text: str) -> list[str]:
    parts, depth, quote, current = [], 0, "", []
    for char in text:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
            continue
        if char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _literal(text: str) -> Any:
    text = text.strip()
    lowered = text.lower()
    if lowered == "null":
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    if text == "array()" or (text.startswith("[") and text.endswith("]")):  # [] or a list such as ['code']
        return [_literal(item) for item in _split_top_level(text[1:-1])] if text[0] == "[" else []
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d*\.\d+", text):
        return float(text)
    raise ValueError(f"unsupported PHP default {text!r}")


def _type(declared: str | None) -> tuple[str | None, bool]:
    if declared is None:
        return None, True
    nullable = declared.startswith("?")
    names = [n.lstrip("\\") for n in declared.lstrip("?").split("|")]
    if "null" in (n.lower() for n in names):
        nullable = True
        names = [n for n in names if n.lower() != "null"]
    name = names[0] if len(names) == 1 else "mixed"  # a union of several types is only checked for null
    name = _CAST.get(name.lower(), name.lower() if name.lower() in ("string", "array", "mixed") else name)
    return name, nullable or name not in ("int", "bool", "float", "string", "array")  # a class: injected if null


def parse_parameters(text: str) -> tuple[PhpParam, ...]:
    """Parse a PHP parameter list (``string $title = '', ?int $limit = null, array $data``)."""
    params = []
    for part in _split_top_level(text):
        part = re.sub(r"#\[[^\]]*\]\s*", "", part)  # attributes such as #[SensitiveParameter]
        match = _PARAM.match(part)
        if match is None:
            raise ValueError(f"cannot parse PHP parameter {part!r}")
        type_, nullable = _type(match["type"])
        default = NO_DEFAULT if match["default"] is None else _literal(match["default"])
        if default is None:
            nullable = True  # `string $x = null` is implicitly nullable
        params.append(PhpParam(match["name"], type_, nullable, default))
    return tuple(params)


class Args(Mapping[str, Any]):
    """The bound arguments of one call, by parameter name."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _coerce(method: PhpMethod, param: PhpParam, value: Any) -> Any:
    """PHP's coercive-mode check of one argument (after the dispatcher's ``settype``)."""
    where = f"{method.qualname}(): Argument ${param.name}"
    if value is None:
        if param.nullable or param.type in (None, "mixed"):
            return None
        raise PhpTypeError(f"{where} must be of type {param.type}, null given")
    if param.type == "string":
        try:
            return php_str(value)
        except PhpTypeError:
            raise PhpTypeError(f"{where} must be of type string, array given") from None
    if param.type == "array" and not isinstance(value, list | dict):
        raise PhpTypeError(f"{where} must be of type array, {type(value).__name__} given")
    return value


def _settype(param: PhpParam, value: Any) -> Any:
    if param.type == "int":
        return php_int(value)
    if param.type == "bool":
        return php_bool(value)
    if param.type == "float":
        if isinstance(value, list | dict):
            return 1.0 if value else 0.0
        try:
            return float(value)
        except (TypeError, ValueError):
            return float(php_int(value)) if isinstance(value, str) else 0.0
    return value


def bind(ctx: NcContext, request: Request, method: PhpMethod) -> Args:
    """The arguments ``Dispatcher::executeController`` passes to ``method`` for this request."""
    values: dict[str, Any] = {}
    for param in method.params:
        raw = request.path_params.get(param.name)
        if raw is None:
            raw = ctx.param(param.name)
        value = (None if param.default is NO_DEFAULT else copy.deepcopy(param.default)) if raw is None else raw
        if raw is not None:
            if param.type == "bool" and value == "false":
                value = False
            elif param.type in ("int", "bool", "float"):
                value = _settype(param, value)
        values[param.name] = _coerce(method, param, value)
    return Args(values)


H = TypeVar("H", bound=Callable[..., Awaitable[Any]])


def php_method(qualname: str, parameters: str = "") -> Callable[[H], H]:
    """Declare the controller method a handler reproduces; its arguments are bound before it runs.

    The handler receives them as ``ctx.args``. Put this decorator *inside* the app's controller decorator, so
    the security middlewares run first and a ``TypeError`` reaches the app's own error handling, as it does
    in Nextcloud (``beforeController`` runs before ``executeController``).
    """
    method = PhpMethod(qualname, parse_parameters(parameters))

    def decorate(handler: H) -> H:
        @functools.wraps(handler)
        async def wrapped(ctx: NcContext, request: Request) -> Any:
            ctx.args = bind(ctx, request, method)
            return await handler(ctx, request)

        wrapped.__php_method__ = method  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def signature_of(endpoint: Any) -> PhpMethod | None:
    """The controller method an endpoint declared (``functools.wraps`` carries it through the decorators)."""
    method = getattr(endpoint, "__php_method__", None)
    return method if isinstance(method, PhpMethod) else None
