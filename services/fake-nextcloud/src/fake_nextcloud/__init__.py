"""A faithful fake of the Nextcloud HTTP APIs (status.php, OCS core/provisioning, Notes API).

Public surface::

    from fake_nextcloud import FakeState, build_app
    state = FakeState()
    state.add_user("alice", "secret")
    app = build_app(state)          # an ASGI (Starlette) app
"""

from fake_nextcloud.app import FakeNextcloud, build_app
from fake_nextcloud.control.middleware import ConnectionDropped
from fake_nextcloud.core.clock import ManualClock, SystemClock
from fake_nextcloud.core.state import FakeState, User

__version__ = "0.1.0"

__all__ = ["ConnectionDropped", "FakeNextcloud", "FakeState", "ManualClock", "SystemClock", "User", "build_app"]
