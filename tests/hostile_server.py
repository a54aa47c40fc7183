"""A raw TCP server on 127.0.0.1 for tests of servers that misbehave on purpose: trickling
headers or a body, never answering, sending a compression bomb.

``serve_raw(answer)`` runs ``answer(connection)`` in a daemon thread for each accepted
connection, after the request's head has been read; it yields the server, whose ``url`` is
``http://127.0.0.1:PORT`` and whose ``accepted`` counts the connections taken so far (tests poll
it, with a deadline, to know that requests are in flight).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

Answer = Callable[[socket.socket], None]


class RawServer:
    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # so that stop() is seen at once
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.accepted = 0
        self._count_lock = threading.Lock()  # handler threads count at once
        self._stop = threading.Event()
        self._connections: list[socket.socket] = []

    def serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connections.append(connection)
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with suppress(OSError), connection:
            connection.settimeout(10)
            head = b""
            while b"\r\n\r\n" not in head:
                data = connection.recv(4096)
                if not data:
                    return
                head += data
            with self._count_lock:
                self.accepted += 1
            self._answer(connection)

    def stop(self) -> None:
        self._stop.set()
        for connection in self._connections:
            with suppress(OSError):
                connection.close()
        self._listener.close()

    def wait_for_requests(self, count: int, within: float = 10.0) -> None:
        """Poll until ``count`` requests have arrived (fails after ``within`` seconds)."""
        deadline = time.monotonic() + within
        while self.accepted < count:
            assert time.monotonic() < deadline, f"only {self.accepted} of {count} requests came"
            time.sleep(0.01)


@contextmanager
def serve_raw(answer: Answer) -> Iterator[RawServer]:
    server = RawServer(answer)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(timeout=5)


def trickle(connection: socket.socket, data: bytes, every: float) -> None:
    """Send ``data`` a byte at a time, one every ``every`` seconds (a slow-loris server)."""
    for index in range(len(data)):
        connection.sendall(data[index : index + 1])
        time.sleep(every)


def never_answer(connection: socket.socket) -> None:
    """Hold the connection open without a word until the client goes away."""
    connection.settimeout(30)
    with suppress(OSError):
        while connection.recv(4096):
            pass
