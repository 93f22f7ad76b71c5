"""`nextcloud-mcp-server demo`: the server against a sandbox Nextcloud with sample data, in one process.

The sandbox is the fake Nextcloud of this repository (services/fake-nextcloud), installed only with the `demo`
extra. `run.py` orchestrates; `guard.py` turns a missing extra into the install command; `sandbox.py`, the only
module of the server that imports `fake_nextcloud`, serves it on a loopback port; `seed.py` fills it from
`samples.py` and `samples_dav.py`; `guide.py` prints how to connect; `folder.py` owns the temporary folder. Nothing
is imported here, so `nextcloud-mcp-server --help` stays light. docs/demo.md is the user's page.
"""
