"""What ``httprun sandbox`` prints once it listens: where, how to log in, and a warning when
machines other than this one can reach it.

Credentials: the sandbox's built-in ones (user ``admin``, password ``sandbox``, client secret
``sandbox-client-secret``) are published in the README and the source, so the banner shows them:
they are what a person or another tool needs to log in. A password or client secret set with
``HTTPRUN_SANDBOX_PASSWORD`` / ``HTTPRUN_SANDBOX_CLIENT_SECRET`` is the user's own secret and,
as everywhere in httprun, never printed: the banner names the setting instead.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlencode

from .settings import SandboxSettings, key_for

AUTHORIZE_PATH = "/api/v2/oauth/authorize"
_DEFAULTS = SandboxSettings()


def local_url(host: str, port: int) -> str:
    """The base URL this machine reaches a server bound to ``host:port`` at (an unspecified
    address such as 0.0.0.0 is reached through the loopback address)."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def consent_page_url(base_url: str, settings: SandboxSettings) -> str:
    """The authorize URL that opens the consent page for the registered app, every scope."""
    query = urlencode(
        [
            ("response_type", "code"),
            ("client_id", settings.client_id),
            ("redirect_uri", settings.redirect_uris[0]),
            ("scope", ",".join(settings.scopes)),
        ],
        safe=":/,",  # legal in a query, and the URL stays readable
        quote_via=quote,
    )
    return f"{base_url}{AUTHORIZE_PATH}?{query}"


def banner_lines(host: str, port: int, settings: SandboxSettings) -> list[str]:
    """The banner for a sandbox bound to ``host`` (the address as bound) and ``port``."""
    base_url = local_url(host, port)
    reach = _reach(host)
    if reach is None:
        lines = [f"cafe24 sandbox on {base_url} (mall '{settings.mall}'); Ctrl-C stops it"]
    else:
        lines = [
            f"cafe24 sandbox listening on {reach}, port {port} (from this machine: {base_url}; "
            f"mall '{settings.mall}'); Ctrl-C stops it",
            f"warning: the sandbox is open to the network: anyone who reaches port {port} can "
            f"log in with the {_which_secrets(settings)} below and get tokens for its mall. "
            "Use --host 127.0.0.1 unless other machines must reach it.",
        ]
    uris = ", ".join(settings.redirect_uris)
    lines += [
        f"  consent page: {consent_page_url(base_url, settings)}",
        f"  login: user {settings.user}, password {_secret(settings, 'password')}",
        f"  app: client_id {settings.client_id}, "
        f"client_secret {_secret(settings, 'client_secret')}",
        f"  redirect_uris: {uris}",
    ]
    return lines


def _reach(host: str) -> str | None:
    """How others reach a server bound to ``host``; None when only this machine can."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host  # a name: whoever resolves it to this machine
    if address.is_loopback:
        return None
    if address.is_unspecified:
        return f"all interfaces ({host})"
    return str(address)


_SECRETS = ("password", "client_secret")


def _secret(settings: SandboxSettings, name: str) -> str:
    value: str = getattr(settings, name)
    if value == getattr(_DEFAULTS, name):
        return value
    return f"(set by {key_for(name)}, not shown)"


def _which_secrets(settings: SandboxSettings) -> str:
    mine = any(_secret(settings, name).startswith("(set by") for name in _SECRETS)
    return "password and client secret" if mine else "well-known password and client secret"
