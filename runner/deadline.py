"""The deadline of the exchange a thread is sending: ``@timeout`` bounds the whole of it.

httpx's timeouts apply to each socket operation: a server that trickles a byte now and then
never trips a read timeout, and would hold a request for as long as it likes. So the executor
opens a :class:`Deadline` for each exchange (connect, send, every read of the headers and body,
redirects included) in the thread that sends it, and the network layer (``connect``) shortens
each socket operation's timeout to the time left. Time the rate limiter holds a request back is
not the server's: ``ratelimit`` moves the deadline on by the time it waited.

Thread-local, because files run in parallel threads and each sends its own requests; a pooled
connection serves one request at a time, in that request's thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_current = threading.local()


class Deadline:
    """``seconds`` from now (``None``: no deadline)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._at = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        """Seconds left (0 or less once passed), or ``None`` without a deadline."""
        return None if self._at is None else self._at - time.monotonic()

    def passed(self) -> bool:
        remaining = self.remaining()
        return remaining is not None and remaining <= 0

    def extend(self, seconds: float) -> None:
        if self._at is not None:
            self._at += seconds

    def bound(self, timeout: float | None) -> float | None:
        """``timeout`` (one socket operation's), shortened to the time left."""
        remaining = self.remaining()
        if remaining is None:
            return timeout
        remaining = max(remaining, 0.0)
        return remaining if timeout is None else min(timeout, remaining)


@contextmanager
def exchange_deadline(seconds: float | None) -> Iterator[Deadline]:
    """Make a deadline ``seconds`` from now this thread's while the block runs."""
    outer = current()
    deadline = Deadline(seconds)
    _current.deadline = deadline
    try:
        yield deadline
    finally:
        _current.deadline = outer


def current() -> Deadline | None:
    """This thread's deadline, if it is sending an exchange."""
    deadline: Deadline | None = getattr(_current, "deadline", None)
    return deadline
