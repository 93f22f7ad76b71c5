"""Semantic search (issue 25, docs/semantic-search.md): an index of what the user can read, chunked, embedded and
searched with a lexical ranker at once (hybrid), every chunk bound to the Nextcloud user whose credentials read it.

Layer: below `server` (which offers the tools when `MCP_SEMANTIC=true`), above `apps` (whose clients read what is
indexed). `qdrant-client` and `wordllama` come with the `semantic` extra; `guard.require` turns their absence into
the install command. Nothing here is imported unless semantic search is enabled.
"""
