"""The benchmark's HTTP/1.1 keep-alive server: ``GET /ok`` answers a small JSON body, fast.

Run it in its own process (``python bench/server.py``, or ``running()`` from the benchmark) so it
never shares the GIL with the client being measured. It binds 127.0.0.1 on a free port (or
``--port``) and prints that port on one line of stdout once it accepts connections; it stops on
SIGTERM, SIGINT or when stdin (a pipe) closes.

Routes (any other path is a 404; a request body is read and ignored):

``/ok``
    200 ``{"ok":true}`` (``application/json``), answered at once.
``/ok?delay_ms=N``
    The same after N milliseconds (at most 1000), without blocking other connections: a stand-in
    for a real API's latency, so running files in parallel has something to gain.

Written on asyncio's protocol layer rather than ``http.server`` or asyncio streams: no thread per
connection and no per-request coroutine, so one core answers tens of thousands of requests a
second and the server is never what a benchmark measures. It speaks just enough HTTP/1.1 for
that: keep-alive by default, ``Connection: close`` honoured, ``Content-Length`` bodies.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import selectors
import signal
import stat
import subprocess
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

_BODY = b'{"ok":true}'
_OK = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: " + str(len(_BODY)).encode() + b"\r\n"
    b"\r\n" + _BODY
)
_NOT_FOUND_BODY = b'{"error":"no such route; try GET /ok"}'
_NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\n"
    b"Content-Type: application/json\r\n"
    b"Content-Length: " + str(len(_NOT_FOUND_BODY)).encode() + b"\r\n"
    b"\r\n" + _NOT_FOUND_BODY
)
_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_MAX_HEAD = 64 * 1024  # a request head larger than this is refused (400) and the connection closed
_MAX_DELAY_MS = 1000


class _Connection(asyncio.Protocol):
    """One client connection: split the byte stream into requests and answer them in order."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._body_left = 0  # bytes of the current request's body still to skip
        # Answers not yet written, oldest first, as (delay in seconds, bytes, close after).
        # Clients here do not pipeline, but answering strictly in order keeps HTTP/1.1 correct
        # if one does, even when a delayed answer is waiting.
        self._queue: deque[tuple[float, bytes, bool]] = deque()
        self._waiting = False  # a delayed answer's timer is running
        self._closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._queue.clear()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while not self._closing:
            if self._body_left:
                skipped = min(self._body_left, len(self._buffer))
                del self._buffer[:skipped]
                self._body_left -= skipped
                if self._body_left:
                    return
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buffer) > _MAX_HEAD:
                    self._answer(0.0, _BAD_REQUEST, close=True)
                return
            head = bytes(self._buffer[:end])
            del self._buffer[: end + 4]
            self._handle(head)

    def _handle(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ")
        if len(parts) != 3:
            self._answer(0.0, _BAD_REQUEST, close=True)
            return
        method, target, version = parts
        close = version == b"HTTP/1.0"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                try:
                    self._body_left = int(value.strip())
                except ValueError:
                    self._answer(0.0, _BAD_REQUEST, close=True)
                    return
            elif name == b"connection":
                tokens = value.strip().lower()
                close = tokens == b"close" or (close and tokens != b"keep-alive")
        path, _, query = target.partition(b"?")
        if path != b"/ok" or method not in (b"GET", b"HEAD"):
            self._answer(0.0, _NOT_FOUND, close=close)
            return
        delay = 0.0
        if query:
            raw = parse_qs(query.decode("latin-1")).get("delay_ms", ["0"])[-1]
            try:
                delay = min(max(float(raw), 0.0), _MAX_DELAY_MS) / 1000
            except ValueError:
                delay = 0.0
        response = _OK if method == b"GET" else _OK[: -len(_BODY)]
        self._answer(delay, response, close=close)

    def _answer(self, delay: float, response: bytes, *, close: bool) -> None:
        if close:
            self._closing = True
        self._queue.append((delay, response, close))
        if not self._waiting:
            self._flush()

    def _flush(self) -> None:
        """Write queued answers in order; a delayed one parks the rest behind its timer."""
        while self._queue and self._transport is not None:
            delay, response, close = self._queue[0]
            if delay > 0 and not self._waiting:
                self._waiting = True
                asyncio.get_running_loop().call_later(delay, self._delay_over)
                return
            self._waiting = False
            self._queue.popleft()
            self._transport.write(response)
            if close:
                self._transport.close()
                return

    def _delay_over(self) -> None:
        # The head of the queue has waited its delay: mark it ready (delay 0) and write on.
        if self._queue:
            _, response, close = self._queue[0]
            self._queue[0] = (0.0, response, close)
        self._waiting = False
        self._flush()


async def serve(host: str, port: int) -> None:
    """Serve until SIGTERM/SIGINT or until stdin reaches end of file."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Connection, host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"{bound}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    watcher: asyncio.Task[None] | None = None
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # When stdin is a pipe, its end (the parent closed it, or died) stops us too: no orphan
    # servers after a crash. Anything else on stdin (a terminal, /dev/null) is left alone.
    if _stdin_is_pipe():
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        watcher = loop.create_task(_stop_at_eof(reader, stop))
    async with server:
        await stop.wait()
    if watcher is not None:
        watcher.cancel()


def _stdin_is_pipe() -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(sys.stdin.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return False


async def _stop_at_eof(reader: asyncio.StreamReader, stop: asyncio.Event) -> None:
    while await reader.read(4096):
        pass
    stop.set()


@contextlib.contextmanager
def running(startup_timeout: float = 10.0) -> Iterator[str]:
    """Start this server in a child process; yield its base URL ``http://127.0.0.1:PORT``.

    For the parent (the benchmark): the child is a separate interpreter, so it never competes
    for the client's GIL. Stopped (stdin closed, then SIGTERM, then SIGKILL) on the way out.
    """
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        yield f"http://127.0.0.1:{_read_port(child, startup_timeout)}"
    finally:
        _stop(child)


def _read_port(child: subprocess.Popen[bytes], timeout: float) -> int:
    assert child.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise RuntimeError(f"bench server printed no port within {timeout:.0f} s")
    line = child.stdout.readline().strip()
    if not line.isdigit():
        errors = child.stderr.read().decode(errors="replace") if child.stderr else ""
        raise RuntimeError(f"bench server did not start: {errors.strip() or 'no output'}")
    return int(line)


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.stdin is not None:
        with contextlib.suppress(OSError):
            child.stdin.close()
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.terminate()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    for stream in (child.stdout, child.stderr):
        if stream is not None:
            stream.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0: a free one, printed)")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
