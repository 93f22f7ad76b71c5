"""SDK floor for the HTTP benchmarks: a bare MCPServer whose one tool GETs a note with one shared httpx2 client.

Same SDK, interpreter and transport settings (stateless, JSON responses) as the server under test, but no
auth gate, no capability gating, no error mapping and no schemas beyond what the SDK derives.
Usage: bare_http_server.py PORT NEXTCLOUD_URL TOKEN [stateful|stateless]
"""

import sys
from typing import Any

import httpx2
from mcp.server.mcpserver import MCPServer

from nextcloud_mcp.core.cookies import cookieless_jar

PORT, NEXTCLOUD, TOKEN = int(sys.argv[1]), sys.argv[2], sys.argv[3]
STATELESS = (sys.argv[4] if len(sys.argv) > 4 else "stateless") == "stateless"
http = httpx2.AsyncClient(
    base_url=NEXTCLOUD, trust_env=False, headers={"Authorization": f"Bearer {TOKEN}"}, cookies=cookieless_jar()
)
server = MCPServer("bare", log_level="WARNING")


@server.tool()
async def nc_notes_get_note(note_id: int) -> dict[str, Any]:
    """Get a note."""
    response = await http.get(f"/index.php/apps/notes/api/v1/notes/{note_id}", headers={"Accept": "application/json"})
    response.raise_for_status()
    note: dict[str, Any] = response.json()
    return note


if __name__ == "__main__":
    server.run("streamable-http", host="127.0.0.1", port=PORT, stateless_http=STATELESS, json_response=True)
