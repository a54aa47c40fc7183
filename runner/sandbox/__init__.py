"""httprun's bundled cafe24 sandbox: a cafe24-compatible HTTP server for tests and the offline
quickstart, on the standard library alone.

- :class:`Sandbox` runs it on a background thread; :func:`serve` in the foreground.
- :class:`SandboxSettings` says what it pretends is registered (``HTTPRUN_SANDBOX_*`` keys).
- :func:`banner_lines` is what ``httprun sandbox`` prints once it listens.
- :class:`SandboxTransport` routes ``https://{mall}.cafe24api.com`` traffic of an httpx client
  to it; :func:`approve_consent` fills in its consent page like a person would.

The httpx-based helpers load lazily, so serving needs nothing beyond the standard library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .banner import banner_lines
from .server import Sandbox, serve
from .settings import SandboxSettings

__all__ = [
    "Sandbox",
    "SandboxSettings",
    "SandboxTransport",
    "approve_consent",
    "banner_lines",
    "serve",
]

_LAZY = {"SandboxTransport": ".transport", "approve_consent": ".approve"}

if TYPE_CHECKING:
    from .approve import approve_consent
    from .transport import SandboxTransport


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'runner.sandbox' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value
