"""Second cold-start baseline: a bare MCPServer registering the same tool functions as our server.

It shows what the SDK itself costs for this many tools (a pydantic model and two JSON schemas per tool),
without our settings, capability gating, schema compaction or the capabilities request to Nextcloud.
"""

from mcp.server.mcpserver import MCPServer

from nextcloud_mcp.apps import APPS
from nextcloud_mcp.server.registry import specs_of

server = MCPServer("bare-catalogue")
for app in APPS:
    for module in app.tool_modules:
        for spec in specs_of(module):
            server.add_tool(spec.fn, name=spec.name, description=spec.description, structured_output=True)


if __name__ == "__main__":
    server.run("stdio")
