"""runner.decoding: content codings decoded under a cap, so a compression bomb never grows."""

from __future__ import annotations

import socket
import tracemalloc
import zlib
from contextlib import suppress

import httpx
import pytest
from hostile_server import serve_raw
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.decoding import BodyTooLarge, DecodeFailed, decode_all
from runner.errors import EXIT_INCOMPLETE, TransportError
from runner.executor import build_client, send_request
from runner.ratelimit import PacingTransport
from runner.results import ResolvedRequest
from runner.source import Span


def encode(data: bytes, coding: str) -> bytes:
    """``data`` in one content coding (deflate both zlib-wrapped and raw, as servers send it)."""
    wbits = {"gzip": 31, "x-gzip": 31, "deflate": 15, "raw-deflate": -15}.get(coding)
    if wbits is None:
        return data  # identity
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    return compressor.compress(data) + compressor.flush()


def encode_all(data: bytes, codings: list[str]) -> tuple[bytes, str]:
    """``data`` with ``codings`` applied in order, and the Content-Encoding that says so."""
    for coding in codings:
        data = encode(data, coding)
    header = ", ".join("deflate" if c == "raw-deflate" else c for c in codings)
    return data, header


def in_chunks(data: bytes, sizes: list[int]) -> list[bytes]:
    chunks, start = [], 0
    for size in sizes:
        chunks.append(data[start : start + size])
        start += size
    return [*chunks, data[start:]]


_CODINGS = st.lists(
    st.sampled_from(["gzip", "x-gzip", "deflate", "raw-deflate", "identity"]), max_size=3
)


@settings(max_examples=150, deadline=None)
@given(
    data=st.one_of(st.binary(max_size=3000), st.integers(0, 50_000).map(lambda n: b"\0" * n)),
    codings=_CODINGS,
    cap=st.integers(1, 60_000),
    sizes=st.lists(st.integers(0, 700), max_size=8),
)
def test_a_body_decodes_whole_under_the_cap_and_is_refused_past_it(
    data: bytes, codings: list[str], cap: int, sizes: list[int]
) -> None:
    wire, header = encode_all(data, codings)
    chunks = in_chunks(wire, sizes)
    if len(data) <= cap:
        assert decode_all(chunks, header, cap) == data
    else:
        with pytest.raises(BodyTooLarge):
            decode_all(chunks, header, cap)


def test_codings_httprun_does_not_ask_for_are_kept_as_they_came() -> None:
    wire = encode(b"x" * 1000, "gzip")
    assert decode_all([wire], "br", 10_000) == wire
    assert decode_all([wire], "gzip, zstd", 10_000) == wire
    with pytest.raises(BodyTooLarge):
        decode_all([b"y" * 11], "br", 10)


def test_a_body_that_is_not_its_coding_fails() -> None:
    with pytest.raises(DecodeFailed):
        decode_all([b"not gzip at all"], "gzip", 1000)


# --- through a local server ---------------------------------------------------------------------


def _answer_with(body: bytes, coding: str) -> object:
    def answer(connection: socket.socket) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\nContent-Length: {len(body)}\r\n"
        connection.sendall(head.encode() + b"\r\n" + body)

    return answer


def _get(url: str) -> ResolvedRequest:
    return ResolvedRequest("GET", url, (), None, Span.point("bomb.http", 1))


def test_a_stacked_gzip_bomb_is_refused_without_growing() -> None:
    # 32 MB of zeros, gzipped twice: a few hundred bytes on the wire.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    once = b"".join([compressor.compress(b"\0" * (1 << 20)) for _ in range(32)])
    once += compressor.flush()
    twice = encode(once, "gzip")
    assert len(twice) < 1000
    with (
        serve_raw(_answer_with(twice, "gzip, gzip")) as server,  # type: ignore[arg-type]
        build_client(transport=httpx.HTTPTransport(), max_body=256 * 1024) as client,
    ):
        tracemalloc.start()
        try:
            with pytest.raises(TransportError) as caught:
                send_request(client, _get(f"{server.url}/bomb"))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert caught.value.exit_code == EXIT_INCOMPLETE
    assert "is larger than 256 KB once decoded" in caught.value.message
    assert peak < 8 * (1 << 20)  # httpx's decoders took 829 MB for 400 MB gzipped twice


def test_a_body_that_is_not_gzip_is_a_transport_error() -> None:
    with (
        serve_raw(_answer_with(b"plain text", "gzip")) as server,  # type: ignore[arg-type]
        build_client(transport=httpx.HTTPTransport()) as client,
        pytest.raises(TransportError) as caught,
    ):
        send_request(client, _get(f"{server.url}/"))
    assert caught.value.message.startswith("could not decode the response body from 127.0.0.1:")


def test_the_client_asks_only_for_codings_it_decodes_under_the_cap() -> None:
    with build_client(transport=httpx.MockTransport(lambda r: httpx.Response(200))) as client:
        assert client.headers["accept-encoding"] == "gzip, deflate"


# --- responses read whole by the client (token endpoints, the sandbox's consent page) -----------


def test_a_response_read_whole_by_the_client_is_decoded_under_the_cap_too() -> None:
    bomb = encode(b"\0" * (4 << 20), "gzip")
    token = encode(b'{"access_token": "a1b2c3d4"}', "gzip")
    answers = iter([_answer_with(bomb, "gzip"), _answer_with(token, "gzip")])

    def answer(connection: socket.socket) -> None:
        next(answers)(connection)  # type: ignore[operator]

    with (
        serve_raw(answer) as server,
        build_client(transport=httpx.HTTPTransport(), max_body=1 << 20) as client,
    ):
        with pytest.raises(httpx.DecodingError, match="larger than 1 MB once decoded"):
            client.post(f"{server.url}/token", data={"grant_type": "refresh_token"})
        response = client.post(f"{server.url}/token", data={"grant_type": "refresh_token"})
    assert response.json() == {"access_token": "a1b2c3d4"}
    assert "content-encoding" not in response.headers  # it is decoded


def test_a_429_with_an_endless_body_is_not_read_to_its_end() -> None:
    sent: list[str] = []

    def answer(connection: socket.socket) -> None:
        if not sent:
            sent.append("429")
            head = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\n"
            connection.sendall(head + b"Content-Length: 1000000000\r\n\r\n")
            with suppress(OSError):
                while True:  # a body without end, until the client hangs up
                    connection.sendall(b"\0" * 65536)
        else:
            sent.append("200")
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    pacer = PacingTransport(httpx.HTTPTransport())
    with serve_raw(answer) as server, build_client(transport=pacer) as client:
        exchange = send_request(client, _get(f"{server.url}/"))
    assert exchange.status == 200 and exchange.response["text"] == "ok"
    assert sent == ["429", "200"]  # the endless connection was dropped, not drained
