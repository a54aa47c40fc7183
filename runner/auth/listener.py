"""The one-shot listener that catches the browser's redirect on a loopback ``redirect_uri``.

It binds the redirect_uri's own address, port and path (``localhost`` binds 127.0.0.1), answers
the browser with a short page, and stops at the first request on that path. Other paths (a
favicon) get a 404 and do not end the wait. An ``https://`` redirect_uri gets a certificate made
on the fly (see ``certs``): the browser warns about it once.
"""

from __future__ import annotations

import errno
import html
import http.server
import ipaddress
import socket
import socketserver
import ssl
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from ..errors import AuthError
from ..source import Span

# A connection that sends nothing (a browser's speculative pre-connect) must not stall the wait.
_CONNECTION_TIMEOUT = 10.0
# The wait polls in slices: select() takes no infinite or year-long timeout.
_WAIT_SLICE = 1.0

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>httprun</title>
<style>body{{font-family:system-ui,sans-serif;margin:4em auto;max-width:36em;color:#222}}</style>
</head><body><h1>{title}</h1><p>{text}</p></body></html>
"""


class ListenerUnavailable(AuthError):
    """The redirect_uri's port cannot be bound (in use, or below 1024 without privileges)."""


@dataclass(frozen=True, slots=True)
class LoopbackTarget:
    """Where a loopback redirect_uri points: what to bind and which path to wait on."""

    scheme: str  # "http" | "https"
    host: str  # the address to bind: 127.0.0.1, ::1, ...
    port: int
    path: str
    netloc: str  # as written in redirect_uri, to rebuild the URL the browser asked for


def loopback_target(redirect_uri: str) -> LoopbackTarget | None:
    """The listener's target when ``redirect_uri`` is a loopback address, else None."""
    parts = urlsplit(redirect_uri)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return None
    if host == "localhost":
        bind = "127.0.0.1"
    else:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return None
        if not address.is_loopback:
            return None
        bind = str(address)
    try:
        port = parts.port
    except ValueError:
        return None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return LoopbackTarget(parts.scheme, bind, port, parts.path or "/", parts.netloc)


class _Server(http.server.HTTPServer):
    listener: LoopbackListener
    tls: ssl.SSLContext | None = None

    def __init__(self, address: tuple[str, int], family: socket.AddressFamily) -> None:
        self.address_family = family  # read by TCPServer.__init__ to make the socket
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's full name: slow, and not needed here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that drops a connection (a speculative pre-connect, a refused certificate)
        is not news: socketserver would print a traceback on the login's terminal. Anything
        else is a bug and is shown. (The sandbox's server does the same.)"""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def get_request(self) -> tuple[Any, Any]:
        connection, address = self.socket.accept()
        connection.settimeout(_CONNECTION_TIMEOUT)
        if self.tls is not None:
            # A refused certificate ends this handshake with an OSError, which handle_request
            # swallows: the person can accept the warning and the browser tries again.
            connection = self.tls.wrap_socket(connection, server_side=True)
        return connection, address


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    timeout = _CONNECTION_TIMEOUT

    def do_GET(self) -> None:
        self.server.listener._answer(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Library code never prints; the request line holds the code anyway."""


class LoopbackListener:
    """Bind on ``__enter__``, then :meth:`wait` for the redirect.

    ``read_redirect(url)`` turns the URL the browser asked for into the result (the code) or
    raises :class:`AuthError`; the browser's page says which, and :meth:`wait` returns the result
    or re-raises that error.
    """

    def __init__(
        self,
        target: LoopbackTarget,
        read_redirect: Callable[[str], str],
        *,
        span: Span | None = None,
    ) -> None:
        self.target = target
        self._read_redirect = read_redirect
        self._span = span
        self._server: _Server | None = None
        self._result: str | None = None
        self._error: AuthError | None = None

    @property
    def port(self) -> int:
        """The bound port (useful when the redirect_uri says port 0, as tests do)."""
        assert self._server is not None, "not listening"
        return self._server.server_port

    def __enter__(self) -> LoopbackListener:
        target = self.target
        family = socket.AF_INET6 if ":" in target.host else socket.AF_INET
        try:
            server = _Server((target.host, target.port), family)
        except OSError as error:
            raise self._bind_error(error) from None
        server.listener = self
        if target.scheme == "https":
            from .certs import loopback_server_context

            server.tls = loopback_server_context(target.host)
        self._server = server
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.server_close()
            self._server = None

    def wait(self, deadline: float) -> str:
        """Serve until the redirect arrives or ``time.monotonic()`` passes ``deadline``."""
        server = self._server
        assert server is not None, "use LoopbackListener as a context manager"
        while self._result is None and self._error is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AuthError(
                    f"no redirect reached {self.target.scheme}://{self.target.netloc}"
                    f"{self.target.path} in time",
                    self._span,
                    hint="finish the consent in the browser sooner, and check that redirect_uri "
                    "is exactly a Redirect URL registered for the app",
                )
            server.timeout = min(remaining, _WAIT_SLICE)
            server.handle_request()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def _answer(self, handler: _Handler) -> None:
        path = handler.path.partition("?")[0]
        if path != self.target.path or self._result is not None or self._error is not None:
            self._send_page(handler, 404, "Not found", "This is httprun's login listener.")
            return
        url = f"{self.target.scheme}://{self.target.netloc}{handler.path}"
        try:
            self._result = self._read_redirect(url)
        except AuthError as error:
            self._error = error
            self._send_page(
                handler,
                400,
                "httprun could not log in",
                f"{error.message}. You can close this tab; the terminal says more.",
            )
            return
        self._send_page(
            handler, 200, "httprun is logged in", "You can close this tab and return to httprun."
        )

    @staticmethod
    def _send_page(handler: _Handler, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Cache-Control", "no-store")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)

    def _bind_error(self, error: OSError) -> ListenerUnavailable:
        where = f"{self.target.host}:{self.target.port}"
        if error.errno == errno.EADDRINUSE:
            hint = "another program (another httprun login?) uses that port: stop it, or "
            hint += "register and use a redirect_uri with another port"
        elif error.errno == errno.EACCES:
            hint = "ports below 1024 need privileges: register and use a redirect_uri with a "
            hint += "port such as 8765 (https://127.0.0.1:8765/callback)"
        else:
            hint = "check redirect_uri"
        return ListenerUnavailable(
            f"cannot listen on {where} for the login redirect: {error.strerror or error}",
            self._span,
            hint=hint,
        )
