"""Controller arguments as Nextcloud's dispatcher binds them, for every AppFramework route of the fake.

nextcloud/server ``lib/private/AppFramework/Utility/ControllerMethodReflector.php::reflect`` (default = the PHP
default of an optional parameter, else ``null``) and ``lib/private/AppFramework/Http/Dispatcher.php::
executeController`` (``getParam($name, $default)``, ``'false'`` → ``false`` for ``bool``, ``settype`` for
``int``/``bool``/``float``, then ``call_user_func_array``: ``null`` for a non-nullable parameter is a
``TypeError``, which ``Dispatcher::dispatch`` hands to the middlewares as an ``\\Exception`` → a 500).

The route walk below is generic: every route under ``/index.php`` and ``/ocs/v2.php`` must name the controller
method it reproduces (``core/signature.php_method``), and every required argument that is not part of the URL
is omitted once, expecting the 500 of that route's app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import BaseRoute, Mount, Route

from fake_nextcloud import FakeState, build_app
from fake_nextcloud.core.context import Family, NcContext
from fake_nextcloud.core.php import PhpTypeError
from fake_nextcloud.core.signature import PhpMethod, bind, parse_parameters, signature_of

pytestmark = pytest.mark.anyio
ADMIN = ("admin", "admin-secret")
_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}
#: Entry points whose routes are AppFramework controllers (``/apps/…`` and ``/ocs/v1.php`` mount the same routes).
_CONTROLLER_PREFIXES = ("/index.php/", "/ocs/v2.php/")


# --- the binder -------------------------------------------------------------------------------------------------


def test_parse_parameters_reads_types_nullability_and_defaults() -> None:
    params = parse_parameters(
        "int $id, ?string $content = null, string $title = '', bool $favorite = false, array $data = [],"
        " $untyped, int|null $limit = 10, #[SensitiveParameter] string $password, float $min = -1.5"
    )
    by_name = {p.name: p for p in params}
    assert [p.name for p in params] == [
        "id", "content", "title", "favorite", "data", "untyped", "limit", "password", "min"
    ]  # fmt: skip
    assert by_name["id"].required and by_name["password"].required
    assert not by_name["content"].required and by_name["content"].nullable
    assert by_name["title"].default == "" and by_name["favorite"].default is False and by_name["data"].default == []
    assert not by_name["untyped"].required  # an untyped parameter takes null without complaint
    assert by_name["limit"].nullable and by_name["limit"].default == 10 and by_name["min"].default == -1.5


def test_parse_parameters_rejects_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="cannot parse"):
        parse_parameters("string title")
    with pytest.raises(ValueError, match="unsupported PHP default"):
        parse_parameters("int $x = SOME_CONSTANT")


def _ctx(params: dict[str, Any], path_params: dict[str, Any] | None = None) -> tuple[NcContext, Request]:
    ctx = NcContext(
        state=FakeState(), family=Family.INDEX, ocs_version=0, method="POST", path="/", headers=Headers(), params=params
    )
    request = Request({"type": "http", "method": "POST", "path": "/", "headers": [], "path_params": path_params or {}})
    return ctx, request


def _method(params: str) -> PhpMethod:
    return PhpMethod("C::m", parse_parameters(params))


def test_bind_applies_defaults_settype_and_the_false_string() -> None:
    method = _method("int $id, string $exclude = '', bool $favorite = false, ?int $modified = null, float $x = 0.0")
    ctx, request = _ctx({"id": "12abc", "favorite": "false", "x": "2.5", "exclude": 7}, {"id": "5"})
    args = bind(ctx, request, method)
    assert args["id"] == 5  # the URL parameter wins over the body (Request::setUrlParameters), then settype
    assert args["exclude"] == "7" and args["favorite"] is False and args["modified"] is None and args["x"] == 2.5
    ctx, request = _ctx({"id": "12abc", "favorite": "yes"})
    args = bind(ctx, request, method)
    assert args["id"] == 12 and args["favorite"] is True  # settype('12abc', 'int'), settype('yes', 'bool')


def test_bind_raises_the_type_error_php_raises() -> None:
    method = _method("string $title, array $data = []")
    with pytest.raises(PhpTypeError, match=r"C::m\(\): Argument \$title must be of type string, null given"):
        bind(*_ctx({}), method)
    with pytest.raises(PhpTypeError, match="null given"):
        bind(*_ctx({"title": None}), method)  # an explicit JSON null is not isset()
    with pytest.raises(PhpTypeError, match="must be of type string, array given"):
        bind(*_ctx({"title": ["a"]}), method)
    with pytest.raises(PhpTypeError, match="must be of type array"):
        bind(*_ctx({"title": "t", "data": "x"}), method)
    assert bind(*_ctx({"title": 0}), method)["title"] == "0"  # coercive mode: int → string


# --- every route -------------------------------------------------------------------------------------------------


def _walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    for route in routes:
        if isinstance(route, Mount):
            inner = getattr(route.app, "router", route.app)
            children = getattr(inner, "routes", None)
            if children is not None:
                yield from _walk(children, prefix + route.path)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def _controller_routes() -> list[tuple[str, Route]]:
    app = build_app(FakeState())
    return [(path, route) for path, route in _walk(app.routes) if path.startswith(_CONTROLLER_PREFIXES)]


def test_every_controller_route_names_its_php_method() -> None:
    missing = sorted(
        f"{sorted(r.methods or [])} {path}" for path, r in _controller_routes() if not signature_of(r.endpoint)
    )
    assert missing == [], "routes without @php_method:\n" + "\n".join(missing)


async def _world(client: httpx2.AsyncClient) -> dict[str, str]:
    """Objects owned by ``admin`` so that permission checks before the controller call pass."""
    deck = await client.post(
        "/__testbed__/seed/deck",
        json={
            "user": "admin",
            "boards": [{"title": "B", "stacks": [{"title": "S", "cards": [{"title": "C1"}, {"title": "C2"}]}]}],
        },
    )
    board = deck.json()["boards"][0]
    stack = board["stacks"][0]
    spec = {"title": "T", "columns": [{"title": "A", "type": "text"}], "rows": [{"A": "x"}], "views": [{"title": "V"}]}
    table = await client.post("/__testbed__/seed/tables", json={"user": "admin", "tables": [spec]})
    seeded = table.json()["tables"][0]
    note = await client.post("/index.php/apps/notes/api/v1/notes", json={"title": "n"}, auth=ADMIN, headers=_HEADERS)
    recipe = await client.post("/__testbed__/seed/cookbook", json={"user": "admin", "recipes": [{"name": "R"}]})
    talk = "/ocs/v2.php/apps/spreed/api/v4/room?format=json"
    room = await client.post(talk, json={"roomType": 2, "roomName": "R"}, auth=ADMIN, headers=_HEADERS)
    return {
        "apiVersion": "1.0",
        "notifications:apiVersion": "v2",  # #[ApiRoute] requirements: (v1|v2)
        "boardId": str(board["id"]),
        "stackId": str(stack["id"]),
        "cardId": str(stack["cards"][0]),
        "dependentCardId": str(stack["cards"][1]),
        "labelId": str(next(iter(board["labels"].values()))),
        "tableId": str(seeded["id"]),
        "nodeId": str(seeded["id"]),
        "nodeType": "table",
        "nodeCollection": "tables",
        "viewId": str(seeded["views"]["V"]),
        "rowId": str(seeded["rows"][0]),
        "noteid": str(note.json()["id"]),
        "notes:id": str(note.json()["id"]),
        "cookbook:id": str(recipe.json()["recipes"][0]),
        "tables:id": str(seeded["id"]),
        "spreed:token": room.json()["ocs"]["data"]["token"],
        "userId": "admin",
        "groupId": "admin",
        "providerId": "files",
        "type": "file",
        "action": "archive",
    }


def _app_of(path: str) -> str:
    match = re.match(r"^/(?:index\.php|ocs/v2\.php)/apps/([^/]+)/", path)
    return match.group(1) if match else "core"


def _url(path: str, world: dict[str, str]) -> str:
    app = _app_of(path)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return world.get(f"{app}:{name}") or world.get(name) or "1"

    return re.sub(r"{(\w+)(?::\w+)?}", fill, path)


def _cases() -> list[tuple[str, str, Route, PhpMethod]]:
    cases = []
    for path, route in _controller_routes():
        method = signature_of(route.endpoint)
        if method is None:
            continue
        in_url = set(re.findall(r"{(\w+)", path))
        if not [p for p in method.required() if p.name not in in_url]:
            continue
        for verb in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
            cases.append((verb, path, route, method))
    return cases


async def test_a_missing_required_argument_is_a_server_error_on_every_route(client: httpx2.AsyncClient) -> None:
    """Each route is called without its body/query arguments: the dispatcher passes ``null`` for the first required
    one and PHP throws before the method body runs, so the answer is the app's 500 - never a default the real
    method does not have."""
    cases = _cases()
    assert len(cases) >= 10  # the walk found the routes (a broken walk must not pass silently)
    world = await _world(client)
    wrong = []
    for verb, path, _route, method in cases:
        # ocs/v2.php answers exceptions in OC_API::requestedFormat(): ``?format=`` only, never ``Accept``
        query = {"format": "json"} if path.startswith("/ocs/") else {}
        response = await client.request(verb, _url(path, world), auth=ADMIN, headers=_HEADERS, params=query)
        if response.status_code != 500:
            names = [p.name for p in method.required()]
            wrong.append(
                f"{verb} {path} ({method.qualname}, required {names}): {response.status_code} {response.text[:120]}"
            )
            continue
        if _app_of(path) == "deck":  # Deck's ExceptionMiddleware::afterException (every OCA\Deck\Controller class)
            assert response.json()["status"] == 500 and "requestId" in response.json()
        elif path.startswith("/ocs/"):  # ocs/v1.php catches it: OC_API::respond 996 (HTTP 500 on v2)
            assert response.json()["ocs"]["meta"]["statuscode"] in (500, 996)
    assert wrong == [], "\n".join(wrong)
