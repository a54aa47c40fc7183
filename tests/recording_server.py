"""Local HTTP servers that answer 200 ``{}`` to any method and remember what they received:
``recording_server`` the request lines (for tests that must show a request was never sent),
``capturing_server`` whole requests (for tests that compare what two clients sent)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from fixture_server import serve


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[str]  # set per server, below

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline or not self.parse_request():
            self.close_connection = True
            return
        self.seen.append(f"{self.command} {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[tuple[str, list[str]]]:
    """Yield the base URL ``http://127.0.0.1:PORT`` and the list of ``METHOD PATH`` lines
    received so far."""
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    with serve(handler=handler) as base_url:
        yield base_url, seen


@dataclass(frozen=True)
class Received:
    """One request as the server read it: the request line's parts, headers in order (names
    lower-cased), the body's bytes."""

    method: str
    target: str  # path and query, as sent
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key == name.lower()]
        return ", ".join(values) if values else None


class _Capturer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: list[Received]  # set per server, below

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline or not self.parse_request():
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = tuple((name.lower(), value) for name, value in self.headers.items())
        self.received.append(Received(self.command, self.path, headers, body))
        if self.path.startswith("/redirect"):  # for tests of following, or not
            self.send_response(302)
            self.send_header("Location", "/landed")
        else:
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"{}")
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def capturing_server() -> Iterator[tuple[str, list[Received]]]:
    """Yield the base URL and the list of every request received whole (method, target,
    headers, body bytes), each answered 200 ``{}`` (``/redirect...``: 302 to ``/landed``)."""
    received: list[Received] = []
    handler = type("Capturer", (_Capturer,), {"received": received})
    with serve(handler=handler) as base_url:
        yield base_url, received
