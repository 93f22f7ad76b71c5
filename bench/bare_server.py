"""Baseline for the cold-start benchmark: a bare MCPServer with one tool, same SDK and interpreter."""

from mcp.server.mcpserver import MCPServer

server = MCPServer("bare")


@server.tool()
async def echo(text: str) -> str:
    """Echo the text."""
    return text


if __name__ == "__main__":
    server.run("stdio")
