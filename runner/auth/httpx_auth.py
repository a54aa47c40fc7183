"""``BearerAuth``: attach a profile's token to the requests that go to its API host, and only those.

The run's client (``executor.Client``) follows redirects itself, one ``send`` per hop, so this
flow runs again for every hop and its host check below decides each time whether the token goes
along. Headers a request set itself are governed by the client's redirect rule: on a redirect
to another origin (scheme, host or port) every sensitive header and every header carrying a known
secret is dropped, Authorization included.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Generator

import httpx

from .manager import TokenManager
from .profiles import Profile


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` for ``profile``'s API host; on a 401 from that host,
    one refresh and one resend.

    The token is sent only over https, or over http to a loopback address (RFC 6750 §5.3:
    bearer tokens travel over TLS), and never when the request sets Authorization itself.
    """

    # Read the body before the flow starts, so the request can be sent a second time.
    requires_request_body = True

    def __init__(self, profile: Profile, manager: TokenManager) -> None:
        self.profile = profile
        self.manager = manager

    def __repr__(self) -> str:
        return f"BearerAuth({self.profile.label})"

    def applies_to(self, url: httpx.URL) -> bool:
        """True when ``url`` is the profile's API host (exactly) over a channel fit for a token."""
        host = url.host.lower()
        if host != self.profile.api_host:
            return False
        if self.profile.api_port is not None and _port(url) != self.profile.api_port:
            return False
        return url.scheme == "https" or (url.scheme == "http" and _is_loopback(host))

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if "authorization" in request.headers or not self.applies_to(request.url):
            yield request
            return
        token = self.manager.token_for(self.profile)
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        response = yield request
        # Only the API host's own 401 says the token is bad; a 401 after a redirect elsewhere
        # does not (and that host never saw the token).
        if response.status_code != 401 or not self.applies_to(response.request.url):
            return
        fresh = self.manager.refresh(self.profile, token)
        request.headers["Authorization"] = f"Bearer {fresh.access_token}"
        yield request


def _port(url: httpx.URL) -> int:
    if url.port is not None:
        return url.port
    return 443 if url.scheme == "https" else 80


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
