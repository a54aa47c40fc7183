"""Whether a host name can be sent to, checked before anything is sent.

An empty or over-long label (``a..b``, 64 characters) makes ``socket.getaddrinfo`` raise
UnicodeError, and an ``xn--`` host that is not Punycode makes httpx raise one (``idna``) as it
builds a request: deep inside sending, where they would read as bugs in httprun.
"""

from __future__ import annotations


def host_problem(host: str) -> str | None:
    """Why ``host`` (as a URL holds it: lower case, IDNA-encoded) cannot be sent to, else None."""
    try:
        host.encode("idna")  # what socket.getaddrinfo does with a host name
        if host.startswith("xn--"):  # what httpx's URL.host does with one
            import idna

            idna.decode(host)
    except UnicodeError as error:
        reason = str(error.__cause__ or error)
        shown = host if len(host) <= 80 else host[:80] + "…"
        return f"the host {shown!r} is not valid ({reason})"
    return None
