"""The timeout bounds a request's whole exchange, not each read (runner.deadline, and its use
in executor, connect and ratelimit)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from hostile_server import serve_raw, trickle

from runner import deadline
from runner.connect import DeadlineBackend, NetworkTransport
from runner.errors import EXIT_INCOMPLETE, TransportError
from runner.executor import build_client, send_request
from runner.ratelimit import PacingTransport
from runner.results import ResolvedRequest
from runner.source import Span

SPAN = Span.point("slow.http", 1)
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 40\r\n\r\n"


def get(url: str, timeout: float | None) -> ResolvedRequest:
    return ResolvedRequest("GET", url, (), None, SPAN, timeout=timeout)


def network_client() -> httpx.Client:
    return build_client(transport=NetworkTransport(insecure=False), timeout=30.0)


def trickling_body(connection: socket.socket) -> None:
    connection.sendall(HEAD)
    trickle(connection, b"x" * 40, every=0.1)  # 4 s in all, never 0.1 s without a byte


def trickling_headers(connection: socket.socket) -> None:
    trickle(connection, HEAD + b"x" * 40, every=0.1)


@pytest.mark.parametrize("answer", [trickling_body, trickling_headers], ids=["body", "headers"])
def test_a_trickling_server_cannot_hold_a_request_past_its_timeout(answer: object) -> None:
    with serve_raw(answer) as server, network_client() as client:  # type: ignore[arg-type]
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            send_request(client, get(f"{server.url}/slow", timeout=0.5))
        took = time.monotonic() - started
    assert 0.4 < took < 2.0  # the whole exchange (the trickle takes 4 s), not 0.5 s per byte
    error = caught.value
    assert error.exit_code == EXIT_INCOMPLETE
    assert "timed out after 0.5 s" in error.message


def test_a_request_within_its_timeout_is_not_cut_short() -> None:
    def quick(connection: socket.socket) -> None:
        connection.sendall(HEAD)
        trickle(connection, b"x" * 40, every=0.001)

    with serve_raw(quick) as server, network_client() as client:
        exchange = send_request(client, get(f"{server.url}/", timeout=5.0))
    assert exchange.response["text"] == "x" * 40


class _TrickleStream(httpx.SyncByteStream):
    """A body that comes slowly from a transport that is not the network's."""

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(40):
            time.sleep(0.05)
            yield b"x"


def test_any_transport_s_body_is_read_under_the_deadline() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=_TrickleStream()))
    with build_client(transport=transport) as client:
        started = time.monotonic()
        with pytest.raises(TransportError, match=r"timed out after 0\.3 s"):
            send_request(client, get("http://api.test/", timeout=0.3))
    assert time.monotonic() - started < 1.5  # the body takes 2 s


def test_the_deadline_is_the_exchange_s_and_only_in_its_thread() -> None:
    assert deadline.current() is None
    with deadline.exchange_deadline(2.0) as outer:
        assert deadline.current() is outer
        assert outer.bound(None) == pytest.approx(2.0, abs=0.1)
        assert outer.bound(0.5) == 0.5
        with deadline.exchange_deadline(None) as inner:
            assert deadline.current() is inner and inner.bound(3.0) == 3.0
        assert deadline.current() is outer
    assert deadline.current() is None


def test_time_held_back_by_the_rate_limiter_does_not_count() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "30"}), httpx.Response(200)])
    slept: list[float] = []
    pacer = PacingTransport(httpx.MockTransport(lambda request: next(answers)), sleep=slept.append)
    with deadline.exchange_deadline(1.0) as exchange:
        pacer.handle_request(httpx.Request("GET", "http://api.test/"))
        remaining = exchange.remaining()
    assert slept[0] == 30.0
    # Every pause moved the deadline on: the 1 s are still (nearly all) there.
    assert remaining is not None and remaining > sum(slept) + 0.5


def test_the_network_transport_uses_the_deadline_backend() -> None:
    # httpx takes no network backend: connect.py gives its pool ours. A new httpx that moves
    # the pool's backend would silently bring back per-read timeouts; this says so instead.
    transport = NetworkTransport(insecure=False)
    http = transport._transport(httpx.URL("http://127.0.0.1/"))
    assert isinstance(http._pool._network_backend, DeadlineBackend)
