"""Which mall a request is for: the Host header says it, as on cafe24 (``{mall}.cafe24api.com``).

An IP address, ``localhost`` or any other host (the sandbox reached directly) means the
default mall of the settings. The port never matters.
"""

from __future__ import annotations

from .settings import MALL_ID

CAFE24_DOMAIN = ".cafe24api.com"


def host_name(host: str) -> str:
    """The Host header without its port, lower-case; IPv6 brackets removed."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host[1:]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def is_cafe24_host(host: str) -> bool:
    return host_name(host).endswith(CAFE24_DOMAIN)


def mall_for_host(host: str, default_mall: str) -> str | None:
    """The mall named by ``host``; ``None`` for a ``*.cafe24api.com`` host that names none."""
    name = host_name(host)
    if not name.endswith(CAFE24_DOMAIN):
        return default_mall
    label = name[: -len(CAFE24_DOMAIN)]
    return label if MALL_ID.fullmatch(label) else None
