"""Checks of the self-hosting stack (compose files, Dockerfile, Nextcloud hooks, patches) without a container engine."""
