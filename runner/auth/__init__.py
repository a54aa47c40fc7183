"""OAuth2 for ``# @auth cafe24`` and ``# @auth oauth2`` (FORMAT.md, "Auth").

::

    tokens      Token, reading a provider's token JSON (Korean-time expiries, expires_in)
    profiles    Profile, profile_from_variables: which provider, client and API host
    store       TokenStore: the per-user JSON file, atomic writes, the inter-process lock
    endpoints   code exchange, refresh, revoke; provider errors -> AuthError
    listener    the one-shot loopback listener for the browser's redirect (certs: its TLS)
    authorize   the authorization-code flow
    manager     TokenManager: stored -> refresh -> log in -> fail, one per run
    factory     make_token_manager: the one builder of managers (runs, `httprun auth`)
    httpx_auth  BearerAuth: the token on the profile's API host only; 401 -> refresh once
    commands    what `httprun auth login|refresh|status|logout` do (runner.auth_cli: the CLI)

Nothing here imports the run's wiring (run, connect, the command line): they import this.

Names resolve lazily so that importing ``runner.auth`` costs nothing until auth is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Token": "runner.auth.tokens",
    "Profile": "runner.auth.profiles",
    "profile_from_variables": "runner.auth.profiles",
    "TokenStore": "runner.auth.store",
    "token_store_path": "runner.auth.store",
    "TokenManager": "runner.auth.manager",
    "BearerAuth": "runner.auth.httpx_auth",
}

__all__ = [
    "BearerAuth",
    "Profile",
    "Token",
    "TokenManager",
    "TokenStore",
    "profile_from_variables",
    "token_store_path",
]

if TYPE_CHECKING:
    from .httpx_auth import BearerAuth
    from .manager import TokenManager
    from .profiles import Profile, profile_from_variables
    from .store import TokenStore, token_store_path
    from .tokens import Token


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'runner.auth' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
