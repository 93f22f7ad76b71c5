"""Test support: real processes on loopback with PID files, and MCP client helpers."""
