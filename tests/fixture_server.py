"""A small real HTTP/1.1 server for tests: stdlib ``ThreadingHTTPServer`` on 127.0.0.1, port 0.

Use it through the session-scoped ``local_server`` fixture (``tests/conftest.py``), which yields
the base URL ``http://127.0.0.1:PORT``. Connections are kept alive (HTTP/1.1, every response has
a Content-Length), so clients reuse them as they would with a real API. Every route answers any
method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, or any other token); HEAD gets headers only.

Routes:

``/status/{code}``
    Responds with status ``code`` and the JSON body ``{"status": code}`` (no body for 1xx, 204
    and 304).
``/json``
    A fixed product-like JSON document, :data:`PRODUCTS`:
    ``{"products": [{"product_no": 7, "product_name": "Tee", "price": "1100.00"}], "count": 1}``.
``/echo``
    JSON describing the request: ``{"method", "path", "query", "headers", "body"}``; ``query``
    is a dict of lists (``?a=1&a=2`` → ``{"a": ["1", "2"]}``), ``headers`` has lower-case names
    (repeats joined with ``", "``), ``body`` is the request body decoded as UTF-8 text.
``/redirect?to=URL``
    302 with ``Location: URL`` (``/json`` when ``to`` is absent). ``URL`` may be relative.
``/slow?ms=N``
    Sleeps N milliseconds on the server, then 200 with ``{"slept_ms": N}``.
``/text``
    ``text/plain; charset=utf-8`` body ``hello``.
``/headers?Name=value&...``
    200 with each query parameter set as a response header (a name given twice is sent twice).
    The body is the JSON of the query (dict of lists); its Content-Type is
    ``application/json`` unless the query sets ``Content-Type`` itself.
``/empty``
    204 No Content.
``/reply``
    200 with the request's own body and Content-Type sent back unchanged (bytes as received):
    a test sends the response it needs, however odd (lone surrogate escapes, deep nesting).

Anything else is a 404 with ``{"error": "no route for PATH"}``.
"""

from __future__ import annotations

import json
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PRODUCTS: dict[str, Any] = {
    "products": [{"product_no": 7, "product_name": "Tee", "price": "1100.00"}],
    "count": 1,
}

# Idle keep-alive connections are dropped after this long, so handler threads never pile up.
_IDLE_SECONDS = 10.0
# /slow never sleeps longer than this, whatever a test asks for.
_MAX_SLOW_MS = 10_000


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server_version = "httprun-test"
    sys_version = ""
    timeout = _IDLE_SECONDS
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK hold each response back ~40 ms.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests must stay quiet

    def handle_one_request(self) -> None:
        # BaseHTTPRequestHandler dispatches on do_<METHOD>; every method goes to one router.
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except TimeoutError:
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        self._route()
        self.wfile.flush()

    # --- routing -------------------------------------------------------------------------------

    def _route(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        body = self._read_body()
        if path.startswith("/status/"):
            code_text = path.removeprefix("/status/")
            if not code_text.isdigit() or not 100 <= int(code_text) <= 599:
                self._send_json(400, {"error": f"bad status {code_text!r}"})
                return
            self._send_json(int(code_text), {"status": int(code_text)})
        elif path == "/json":
            self._send_json(200, PRODUCTS)
        elif path == "/echo":
            headers: dict[str, str] = {}
            for name, value in self.headers.items():
                key = name.lower()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
            self._send_json(
                200,
                {
                    "method": self.command,
                    "path": path,
                    "query": query,
                    "headers": headers,
                    "body": body.decode("utf-8", errors="replace"),
                },
            )
        elif path == "/redirect":
            target = query.get("to", ["/json"])[0]
            self._send(302, b"", [("Location", target)])
        elif path == "/slow":
            milliseconds = _int_or(query.get("ms", ["0"])[0], 0)
            time.sleep(min(max(milliseconds, 0), _MAX_SLOW_MS) / 1000)
            self._send_json(200, {"slept_ms": milliseconds})
        elif path == "/text":
            self._send(200, b"hello", [("Content-Type", "text/plain; charset=utf-8")])
        elif path == "/headers":
            extra = [(name, value) for name, values in query.items() for value in values]
            if not any(name.lower() == "content-type" for name, _ in extra):
                extra.append(("Content-Type", "application/json"))
            self._send(200, json.dumps(query).encode(), extra)
        elif path == "/empty":
            self._send(204, b"", [])
        elif path == "/reply":
            content_type = self.headers.get("Content-Type", "application/octet-stream")
            self._send(200, body, [("Content-Type", content_type)])
        else:
            self._send_json(404, {"error": f"no route for {path}"})

    # --- helpers -------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = _int_or(self.headers.get("Content-Length", "0"), 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode(), [("Content-Type", "application/json")])

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        no_body = status < 200 or status in (204, 304)
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        self.send_response(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        if not no_body:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not no_body and self.command != "HEAD":
            self.wfile.write(body)


def _int_or(text: str, default: int) -> int:
    try:
        return int(text)
    except ValueError:
        return default


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler stuck in /slow must not keep the test process alive
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a test's timeout against /slow) closes the socket under the
        # handler: expected, not worth a traceback. Anything else is a bug in this server.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


@contextmanager
def serve(
    ssl_context: ssl.SSLContext | None = None,
    *,
    handler: type[BaseHTTPRequestHandler] = _Handler,
) -> Iterator[str]:
    """Run the server in a background thread while the block runs; yields its base URL.

    With ``ssl_context`` (a server-side context holding a certificate) it speaks HTTPS and the
    URL starts with ``https://``. With ``handler``, that request handler answers instead of the
    routes above (tests that need a server of their own).
    """
    server = _Server(("127.0.0.1", 0), handler)
    if ssl_context is not None:
        # The handshake runs in accept(); one that fails (a client rejecting a self-signed
        # certificate) is an OSError there, which socketserver drops quietly.
        server.socket = ssl_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        host, port = server.server_address[:2]
        scheme = "https" if ssl_context is not None else "http"
        yield f"{scheme}://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
