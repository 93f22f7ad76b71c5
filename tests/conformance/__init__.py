"""Standards checks of the authorization servers in the test bed (OIDC Discovery, RFC 8414, 7591, 7636, 8707,
9068, 7662, 7009), driven over plain HTTP the way an MCP client and our resource server use them."""
