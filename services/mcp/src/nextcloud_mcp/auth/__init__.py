"""How the server authenticates to Nextcloud on behalf of the caller."""

from nextcloud_mcp.auth.basic import BasicCredentials

__all__ = ["BasicCredentials"]
