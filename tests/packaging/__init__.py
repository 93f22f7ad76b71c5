"""The server as a user installs it: the wheel and sdist `uv build` makes, in a clean venv."""
