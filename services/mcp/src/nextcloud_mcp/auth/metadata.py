"""RFC 9728 protected-resource metadata and the `WWW-Authenticate` challenges that point to it."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["challenge", "metadata_routes", "metadata_url"]


def metadata_url(resource: str) -> str:
    """`https://host/.well-known/oauth-protected-resource/<path>` for resource `https://host/<path>`."""
    parts = urlsplit(resource)
    return f"{parts.scheme}://{parts.netloc}/.well-known/oauth-protected-resource{parts.path.rstrip('/')}"


def challenge(resource: str, scopes: list[str], error: str | None = None, description: str | None = None) -> str:
    """A `Bearer` challenge with `resource_metadata` and `scope` (and the error, when there is one)."""
    params = []
    if error:
        params.append(f'error="{error}"')
    if description:
        params.append('error_description="{}"'.format(description.replace('"', "'")))
    if scopes:
        params.append(f'scope="{" ".join(scopes)}"')
    params.append(f'resource_metadata="{metadata_url(resource)}"')
    return "Bearer " + ", ".join(params)


def metadata_routes(resource: str, issuer: str, scopes: list[str]) -> list[Route]:
    """The metadata document at the path-specific well-known URL and at the root one."""
    document = {
        "resource": resource,
        "authorization_servers": [issuer],
        "scopes_supported": scopes,
        "bearer_methods_supported": ["header"],
        "resource_name": "Nextcloud MCP server",
    }

    async def serve(_: Request) -> Response:
        return JSONResponse(document, headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=300"})

    path = urlsplit(resource).path.rstrip("/")
    paths = {"/.well-known/oauth-protected-resource" + path, "/.well-known/oauth-protected-resource"}
    return [Route(p, serve, methods=["GET", "OPTIONS"]) for p in sorted(paths)]
