"""Control API for files (``/__testbed__/seed/files``).

``POST /seed/files``  ``{"user": login|uid, "quota"?: bytes|"none"|"5 GB", "files": [{"path", "content"?: text,
"size"?: bytes of deterministic content, "mtime"?: ts, "favorite"?: bool, "folder"?: bool}]}`` -> 201
``{"files": [{"path", "fileid", "etag", "size", "mtime", "favorite", "folder"}]}``. Parent folders are created.
Deterministic content of ``size`` bytes: the repeated pattern ``bytes(range(256))`` (``seed_pattern``).
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from fake_nextcloud.apps.dav.models import DavBackend, DavError, Node, normalize
from fake_nextcloud.core.state import FakeState, parse_quota

__all__ = ["build_files_control_routes", "seed_pattern"]

_PATTERN = bytes(range(256))
_CHUNK = 1024 * 1024


def seed_pattern(size: int) -> bytes:
    """The first ``size`` bytes of the deterministic seed content (for small sizes / tests)."""
    return (_PATTERN * (size // 256 + 1))[:size]


def _write_pattern(backend: DavBackend, size: int) -> Path:
    staged = backend.new_blob()
    block = _PATTERN * (_CHUNK // 256)
    with staged.open("wb") as out:
        remaining = size
        while remaining > 0:
            out.write(block[: min(remaining, _CHUNK)])
            remaining -= _CHUNK
    return staged


def _node_json(node: Node) -> dict[str, Any]:
    return {
        "path": node.path,
        "fileid": node.file_id,
        "etag": node.etag,
        "size": node.size,
        "mtime": node.mtime,
        "favorite": node.favorite,
        "folder": node.is_dir,
    }


def build_files_control_routes(state: FakeState) -> list[BaseRoute]:
    """Routes relative to ``/__testbed__``."""

    async def seed_files(request: Request) -> Response:
        try:
            data = json.loads(await request.body() or b"{}")
            users = state.users_for_name(str(data["user"]))
            if len(users) != 1:
                return JSONResponse({"error": f"unknown user {data['user']!r}"}, status_code=404)
            user = users[0]
            if "quota" in data:
                user.quota = parse_quota(data["quota"])
            backend = DavBackend.of(state)
            out = []
            for spec in data.get("files", []):
                path = normalize(str(spec["path"]))
                parent = path.rsplit("/", 1)[0] if "/" in path else ""
                if parent and backend.get(user.uid, parent) is None:
                    backend.mkcol(user.uid, parent, parents=True)
                if spec.get("folder"):
                    node = backend.get(user.uid, path) or backend.mkcol(user.uid, path)
                else:
                    mtime = int(spec["mtime"]) if spec.get("mtime") is not None else None
                    if "content_base64" in spec:  # binary content (documents for the server's extraction tests)
                        blob = base64.b64decode(str(spec["content_base64"]), validate=True)
                        node = backend.write_bytes(user.uid, path, blob, mtime=mtime)
                    elif "content" in spec:
                        node = backend.write_bytes(user.uid, path, str(spec["content"]).encode("utf-8"), mtime=mtime)
                    else:
                        size = int(spec.get("size", 0))
                        staged = await anyio.to_thread.run_sync(_write_pattern, backend, size)
                        node = backend.put(user.uid, path, staged, size, mtime=mtime)[0]
                if spec.get("mtime") is not None:
                    node.mtime = int(spec["mtime"])
                node.favorite = bool(spec.get("favorite", False))
                out.append(_node_json(node))
        except DavError as exc:
            return JSONResponse({"error": exc.message}, status_code=400)
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            return JSONResponse({"error": f"{type(exc).__name__}: {exc}"}, status_code=400)
        return JSONResponse({"files": out}, status_code=201)

    return [Route("/seed/files", seed_files, methods=["POST"])]
