"""A faithful fake of the Nextcloud HTTP APIs (status.php, OCS core/provisioning, Notes API, browser login,
the oidc identity-provider app and user_oidc Bearer login).

Public surface::

    from fake_nextcloud import FakeState, build_app
    state = FakeState()
    state.add_user("alice", "secret")
    app = build_app(state)          # an ASGI (Starlette) app
"""

from fake_nextcloud.app import FakeNextcloud, build_app
from fake_nextcloud.control.middleware import ConnectionDropped
from fake_nextcloud.core.clock import ManualClock, SystemClock
from fake_nextcloud.core.config import InstanceConfig, ProviderSpec
from fake_nextcloud.core.state import FakeState, User

__version__ = "0.1.0"

__all__ = [
    "ConnectionDropped",
    "FakeNextcloud",
    "FakeState",
    "InstanceConfig",
    "ManualClock",
    "ProviderSpec",
    "SystemClock",
    "User",
    "build_app",
]
