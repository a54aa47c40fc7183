"""The sandbox on a socket: a standard-library threaded HTTP/1.1 server with keep-alive.

:class:`Sandbox` runs it on a daemon thread (tests, ``httprun --sandbox``); :func:`serve` runs it
in the foreground (``httprun sandbox``). Nothing here prints: the request log is switched off
and a bug in a handler is answered with a 500 instead of a traceback on stderr.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from ..errors import UsageError
from .banner import local_url
from .messages import ApiError, Response
from .routing import handle
from .settings import SandboxSettings
from .state import SandboxState
from .timefmt import Clock

# Far above any request httprun sends; a bound keeps a broken client from exhausting memory.
MAX_BODY = 16 * 1024 * 1024
# Idle keep-alive connections close after this long, so their threads do not linger.
IDLE_TIMEOUT = 60.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: SandboxState, family: int) -> None:
        self.address_family = family
        self.state = state
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that resets or drops its connection is not news: socketserver would print
        a traceback on stderr (the `httprun sandbox` terminal). Anything else is a bug, and is
        shown as socketserver does."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """End open keep-alive connections, so their handler threads finish now."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class _BadRequest(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version = "httprun-sandbox"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    # One buffered write per response (handle_one_request flushes it), sent at once: otherwise
    # Nagle's algorithm and the client's delayed ACK add 40 ms to every keep-alive request.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _Server

    def _answer(self) -> None:
        try:
            body = self._read_body()
        except _BadRequest as bad:
            self.close_connection = True
            self._send(ApiError(400, str(bad)).to_response())
            return
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        try:
            response = handle(self.server.state, self.command, self.path, headers, body)
        except Exception as bug:  # a bug must not kill the connection or print a traceback
            response = ApiError(500, f"Internal sandbox error: {type(bug).__name__}").to_response()
        self._send(response)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            raise _BadRequest("Content-Length is not a number.") from None
        if not 0 <= length <= MAX_BODY:
            raise _BadRequest(f"The body must be at most {MAX_BODY} bytes.")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise _BadRequest("The chunked body is malformed.") from None
            if size == 0:
                # Trailer lines until the empty line that ends the message.
                while self.rfile.readline(1024).strip():
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise _BadRequest(f"The body must be at most {MAX_BODY} bytes.")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after each chunk

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def handle_expect_100(self) -> bool:
        # The buffered writer would hold "100 Continue" back while the client waits for it.
        answered = super().handle_expect_100()
        self.wfile.flush()
        return answered

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: library code never prints (the CLI reports what it needs)."""


def _bind(host: str, port: int, state: SandboxState) -> _Server:
    if not host.strip():
        # The socket layer reads "" as every interface: an empty shell variable must not open
        # the sandbox, its known password and client secret to the network.
        raise UsageError(
            "--host is empty", hint="leave it out for 127.0.0.1, or say --host 0.0.0.0"
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return _Server((host, port), state, family)
    except OSError as failed:
        reason = failed.strerror or str(failed)
        hint = (
            "choose another --port, or stop what uses it"
            if failed.errno == errno.EADDRINUSE
            else "check --host and --port"
        )
        raise UsageError(
            f"cannot serve the sandbox on {host}:{port}: {reason}", hint=hint
        ) from None


def _bound(server: _Server) -> tuple[str, int]:
    """The address as bound (0.0.0.0 stays 0.0.0.0; a port of 0 became a real one)."""
    return str(server.server_address[0]), int(server.server_address[1])


class Sandbox:
    """The cafe24 sandbox on a background thread::

    with Sandbox() as sandbox:
        sandbox.start()
        ...  # send to sandbox.base_url, or through SandboxTransport(sandbox.base_url)
    """

    def __init__(
        self, settings: SandboxSettings | None = None, *, clock: Clock = time.time
    ) -> None:
        self._settings = settings if settings is not None else SandboxSettings()
        self._state = SandboxState.create(self._settings, clock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    @property
    def settings(self) -> SandboxSettings:
        return self._settings

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``; a :class:`RuntimeError` before :meth:`start`."""
        if self._base_url is None:
            raise RuntimeError("the sandbox is not started; call start() first")
        return self._base_url

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0: any free port) and serve on a daemon thread.

        Returns the base URL. Starting a running sandbox again returns its URL.
        """
        if self._server is not None:
            return self.base_url
        server = _bind(host, port, self._state)
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},  # how soon stop() returns
            name=f"httprun-sandbox-{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread
        self._base_url = local_url(*_bound(server))
        return self._base_url

    def stop(self) -> None:
        """Stop serving and close every connection; a stopped sandbox may be started again."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = self._thread = None
        self._base_url = None

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    host: str,
    port: int,
    settings: SandboxSettings,
    *,
    on_ready: Callable[[str, int], None] | None = None,
    clock: Clock = time.time,
) -> None:
    """Serve in the foreground until interrupted; once listening, ``on_ready`` gets the address
    as bound and the port (see :func:`~runner.sandbox.banner.banner_lines`).

    Returns only by raising (``KeyboardInterrupt`` on Ctrl-C), after closing the socket.
    """
    server = _bind(host, port, SandboxState.create(settings, clock))
    try:
        if on_ready is not None:
            on_ready(*_bound(server))
        server.serve_forever(poll_interval=0.2)
    finally:
        server.close_connections()
        server.server_close()
