"""Rate-limit pacing and 429 retries, as an httpx transport.

cafe24 meters every mall with a leaky bucket (capacity per endpoint, e.g. 40; drains 2 calls a
second) and answers 429 once it overflows; see docs/CAFE24.md, "Rate limits". Every
response says how full the bucket is (``X-Api-Call-Limit: used/capacity``), so we pace ahead of
time instead of bumping into 429s; when one comes anyway we wait what the server asks and resend.

``PacingTransport`` wraps the real transport under the one ``httpx.Client`` of a run. Files may
run in parallel threads, so each host (cafe24: one host per mall, one bucket per mall) has a
``_HostLimiter`` guarded by its own lock. Nobody sleeps while holding a lock: a thread reserves
its slot in the bucket model under the lock, then sleeps until its turn, so threads queue up
1/rate seconds apart instead of all waking at once.

Hosts that never send a rate-limit header (and never answer 429) stay on a hot path without
lock or clock: a dict lookup, a set add and discard, one pass over the response's header names
(about a microsecond), because a benchmark compares httprun with a raw httpx loop.

Under concurrency the model stays an upper bound of the server's bucket (see
``_HostLimiter.resync``), which is why a run of parallel threads never overflows it; the
``min_free_slots`` margin absorbs the network latency and calls from other clients of the mall.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx

from . import deadline

CALL_LIMIT = "x-api-call-limit"  # "used/capacity", on every cafe24 response
CALL_USAGE = "x-cafe24-call-usage"  # percent of the call quota
TIME_USAGE = "x-cafe24-time-usage"  # percent of the time quota
CALL_REMAIN = "x-cafe24-call-remain"  # seconds to wait once a quota is over 100%
TIME_REMAIN = "x-cafe24-time-remain"

# cafe24 sends no Retry-After; "about 1 s" is the documented advice when nothing else is known.
DEFAULT_RETRY_WAIT = 1.0
# Waits shorter than this are rounding noise in the bucket model: sending at once is fine.
MIN_WAIT = 0.001
# The response extension that says how long the request waited in the limiter (seconds).
WAITED_EXTENSION = "httprun.rate_limit_wait"


def _host_key(url: httpx.URL) -> str:
    # The bucket is per mall, and a mall is a host; the port keeps two local sandboxes apart.
    return url.host if url.port is None else f"{url.host}:{url.port}"


def _seconds(value: float) -> str:
    return f"{round(value, 2):g}"


def _parse_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _parse_call_limit(value: str | None) -> tuple[int, int] | None:
    """``"39/40"`` -> ``(39, 40)``; anything malformed -> None (we then simply do not pace)."""
    if value is None:
        return None
    used, sep, capacity = value.partition("/")
    if not sep:
        return None
    try:
        used_n, capacity_n = int(used.strip()), int(capacity.strip())
    except ValueError:
        return None
    if used_n < 0 or capacity_n <= 0:
        return None
    return used_n, capacity_n


def _quota_remain(headers: httpx.Headers) -> float | None:
    """The larger of the ``*-Remain`` waits, when either is present and positive."""
    remains = [
        r
        for r in (_parse_number(headers.get(CALL_REMAIN)), _parse_number(headers.get(TIME_REMAIN)))
        if r is not None and r > 0
    ]
    return max(remains) if remains else None


def _retry_after(headers: httpx.Headers, wall_clock: Callable[[], float]) -> float | None:
    """Retry-After as seconds (RFC 9110: delay-seconds or an HTTP date), or None."""
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _parse_number(value)
    if seconds is not None:
        return max(seconds, 0.0)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # Measure against the server's own Date when it sent one: no clock skew between us.
    now: float | None = None
    date = headers.get("date")
    if date is not None:
        try:
            now = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            now = None
    return max(when - (wall_clock() if now is None else now), 0.0)


@dataclass(frozen=True, slots=True)
class _Ticket:
    """One reserved slot: enough to tell which of our calls its answer may not count."""

    number: int  # reservations before this one
    pending: int  # calls without an answer when it was reserved (ours, tracked or not)


@dataclass(slots=True)
class _HostLimiter:
    """What we know of one host's bucket. Read and written under ``lock``, except ``paced``
    (a flag, only ever set) and ``untracked`` (single set operations, atomic)."""

    lock: threading.Lock
    rate: float  # calls drained per second
    # False until the host sends a rate-limit header or a 429. Until then its calls take the
    # hot path: no lock, no clock, just their ids in ``untracked`` while they are on the wire,
    # so that the calls still out when pacing starts are not forgotten.
    paced: bool = False
    untracked: set[int] = field(default_factory=set)
    # The bucket model: ``level`` calls at time ``level_at``, draining linearly. ``level_at``
    # lies in the future when threads have reserved slots ahead; read back from an earlier
    # time the level is then higher, which only errs on the safe side.
    level: float = 0.0
    level_at: float = 0.0
    capacity: int | None = None  # None until the host sends X-Api-Call-Limit
    reserved: int = 0  # slots ever reserved; numbers the tickets
    unanswered: dict[int, float] = field(default_factory=dict)  # ticket number -> send time
    blocked_until: float = -math.inf  # after a 429 or an exhausted quota
    block_reason: str = ""

    def level_when(self, t: float) -> float:
        return max(self.level - self.rate * (t - self.level_at), 0.0)

    def reserve(self, send_at: float) -> _Ticket:
        ticket = _Ticket(self.reserved, len(self.unanswered) + len(self.untracked))
        self.reserved += 1
        self.unanswered[ticket.number] = send_at
        self._add_call(send_at)
        return ticket

    def answer(self, ticket: _Ticket) -> None:
        del self.unanswered[ticket.number]

    def resync(self, used: int, capacity: int, now: float, ticket: _Ticket | None) -> None:
        """Take the server's ``used`` as of ``now``, plus our calls it may not count yet.

        Answers come back out of order, so the server may miss any of our calls still
        unanswered when this one was reserved, and any reserved since (on the wire, processed
        after this one, or asleep until their turn). Counting them all keeps the model an upper
        bound, and a late answer can never pull it below what a fresher one said. Sequential
        use (nothing pending) makes it exact. Calls still asleep are counted at their send
        time, not now: counted now, they would drain before they are even sent.
        """
        if ticket is None:
            # An answer to a hot-path call: it knows nothing of the order of our tracked calls.
            # The first one sets the model up (every tracked call counted); later ones, the
            # stragglers of the switch to pacing, could only make it worse.
            if self.capacity is not None:
                return
            unseen = self.reserved + len(self.untracked)
        else:
            unseen = ticket.pending + self.reserved - ticket.number - 1 + len(self.untracked)
        later = sorted(t for t in self.unanswered.values() if t > now)  # all among the unseen
        self.capacity = capacity
        self.level = float(used + unseen - len(later))
        self.level_at = now
        for send_at in later:
            self._add_call(send_at)

    def _add_call(self, at: float) -> None:
        self.level = self.level_when(at) + 1
        self.level_at = at


class PacingTransport(httpx.BaseTransport):
    """Paces requests per host from cafe24's rate-limit headers and resends on 429.

    Only 429 is ever resent, for every method: the server did not process the request. After
    ``max_retries`` resends the 429 is returned as it is. Every wait is reported through
    ``notify`` as one line. ``clock``/``sleep``/``wall_clock`` are injectable for tests.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        max_retries: int = 3,
        notify: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        drain_per_second: float = 2.0,
        min_free_slots: int = 2,
        max_wait: float = 120.0,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, not {max_retries}")
        if drain_per_second <= 0:
            raise ValueError(f"drain_per_second must be positive, not {drain_per_second}")
        if min_free_slots < 1:
            raise ValueError(f"min_free_slots must be 1 or more, not {min_free_slots}")
        if max_wait <= 0:
            raise ValueError(f"max_wait must be positive, not {max_wait}")
        self._inner = inner
        self._max_retries = max_retries
        self._notify = notify
        self._clock = clock
        self._sleep = sleep
        self._rate = drain_per_second
        self._min_free = min_free_slots
        self._max_wait = max_wait
        self._wall_clock = wall_clock
        self._hosts: dict[str, _HostLimiter] = {}
        self._hosts_lock = threading.Lock()
        self._waited = threading.local()  # seconds this thread's current request waited

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._waited.seconds = 0.0
        response = self._handle(request)
        # The time spent waiting here is the limiter's, not the server's: the executor takes it
        # out of the request's reported time.
        response.extensions[WAITED_EXTENSION] = self._waited.seconds
        return response

    def _pause(self, seconds: float) -> None:
        self._waited.seconds += seconds
        # Waiting here is not the server's time: the request's timeout starts again after it.
        exchange = deadline.current()
        if exchange is not None:
            exchange.extend(seconds)
        self._sleep(seconds)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        host = _host_key(request.url)
        retries = 0
        while True:
            response = self._send_paced(request, host)
            if response.status_code != 429:
                return response
            wait = self._retry_wait(response.headers)
            if wait > self._max_wait:
                # No retry can succeed sooner, and sleeping that long helps nobody: hand the
                # 429 back at once (and hold nothing back, or every later call would sleep).
                self._report(
                    f"rate limited by {host} (429): server asks to wait {_seconds(wait)} s, "
                    f"over the {_seconds(self._max_wait)} s limit; not retrying"
                )
                return response
            # Even when we do not resend, the next call to this host (from any thread) waits:
            # calling while blocked lengthens cafe24's block.
            self._block(host, wait, f"rate limited by {host} (429)")
            if retries >= self._max_retries:
                self._report(
                    f"rate limited by {host} (429): giving up after {retries} "
                    f"{'retry' if retries == 1 else 'retries'}"
                )
                return response
            if not isinstance(request.stream, httpx.ByteStream):
                # A streamed body was consumed by the first send and cannot be replayed intact.
                self._report(f"rate limited by {host} (429): streamed body, not retrying")
                return response
            retries += 1
            _discard(response)
            if wait >= MIN_WAIT:
                self._report(
                    f"rate limited by {host} (429): waiting {_seconds(wait)} s, "
                    f"retry {retries} of {self._max_retries}"
                )
                self._pause(wait)

    def close(self) -> None:
        self._inner.close()

    # -- one send, with the wait before it and the bookkeeping after it -----------------------

    def _send_paced(self, request: httpx.Request, host: str) -> httpx.Response:
        limiter = self._hosts.get(host) or self._limiter(host)
        if limiter.paced:
            return self._send_tracked(request, host, limiter)
        # The hot path: this host has never sent a rate-limit header nor a 429.
        call = id(request)  # unique while it is on the wire; one thread per request
        limiter.untracked.add(call)
        if limiter.paced:
            # Pacing began in between. Checked after the add, so the answer that began it
            # either saw this call in ``untracked`` or is seen here.
            limiter.untracked.discard(call)
            return self._send_tracked(request, host, limiter)
        try:
            response = self._inner.handle_request(request)
        except BaseException:
            limiter.untracked.discard(call)
            raise
        if response.status_code != 429 and not _has_rate_headers(response.headers):
            limiter.untracked.discard(call)
            return response
        # Still counted as out until its answer is taken in: the first answer read may be
        # older than this one, and must not forget it.
        self._observe(limiter, host, response, None, untracked=call)
        return response

    def _send_tracked(
        self, request: httpx.Request, host: str, limiter: _HostLimiter
    ) -> httpx.Response:
        ticket = self._wait_for_slot(limiter, host)
        try:
            response = self._inner.handle_request(request)
        except BaseException:
            with limiter.lock:
                limiter.answer(ticket)
            raise
        self._observe(limiter, host, response, ticket)
        return response

    def _wait_for_slot(self, limiter: _HostLimiter, host: str) -> _Ticket:
        """Reserve a slot in the host's bucket, then sleep until the reservation's time."""
        with limiter.lock:
            now = self._clock()
            send_at = now
            prefix = ""  # the report line up to "waiting ..."
            if limiter.blocked_until > now:
                send_at = limiter.blocked_until
                prefix = f"{limiter.block_reason}: "
            if limiter.capacity is not None:
                capacity = limiter.capacity
                # Keep min_free slots open (a margin for calls we cannot see), but a bucket of 1
                # (some sales reports) must still let one call through once it is empty.
                threshold = max(capacity - self._min_free, 0)
                level = limiter.level_when(send_at)
                if level > threshold:
                    if not prefix:
                        used = _usage(limiter.level_when(now), capacity)
                        prefix = f"pacing {host}: {used}, "
                    send_at += (level - threshold) / self._rate
            send_at = min(send_at, now + self._max_wait)
            ticket = limiter.reserve(send_at)
        wait = send_at - now
        if wait >= MIN_WAIT:
            self._report(f"{prefix}waiting {_seconds(wait)} s")
            self._pause(wait)
        return ticket

    def _observe(
        self,
        limiter: _HostLimiter,
        host: str,
        response: httpx.Response,
        ticket: _Ticket | None,
        *,
        untracked: int | None = None,
    ) -> None:
        """Update the host's bucket model and quota block from one response's headers."""
        headers = response.headers
        limit = _parse_call_limit(headers.get(CALL_LIMIT))
        usage = [
            (name, pct)
            for name, pct in (
                ("X-Cafe24-Call-Usage", _parse_number(headers.get(CALL_USAGE))),
                ("X-Cafe24-Time-Usage", _parse_number(headers.get(TIME_USAGE))),
            )
            if pct is not None and pct >= 100
        ]
        remain = _quota_remain(headers) if usage else None
        with limiter.lock:
            limiter.paced = True
            if ticket is not None:
                limiter.answer(ticket)
            if untracked is not None:
                limiter.untracked.discard(untracked)
            now = self._clock()
            if limit is not None:
                limiter.resync(*limit, now, ticket)
            if remain is not None:
                name, pct = max(usage, key=lambda item: item[1])
                self._block_locked(
                    limiter, now, remain, f"quota used up on {host} ({name} {_seconds(pct)}%)"
                )

    # -- blocks (429, exhausted quota) --------------------------------------------------------

    def _limiter(self, host: str) -> _HostLimiter:
        with self._hosts_lock:
            limiter = self._hosts.get(host)
            if limiter is None:
                limiter = self._hosts[host] = _HostLimiter(threading.Lock(), self._rate)
            return limiter

    def _block(self, host: str, wait: float, reason: str) -> None:
        limiter = self._limiter(host)
        with limiter.lock:
            self._block_locked(limiter, self._clock(), wait, reason)

    def _block_locked(self, limiter: _HostLimiter, now: float, wait: float, reason: str) -> None:
        limiter.paced = True
        until = now + min(wait, self._max_wait)
        if until > limiter.blocked_until:
            limiter.blocked_until = until
            limiter.block_reason = reason

    def _retry_wait(self, headers: httpx.Headers) -> float:
        remain = _quota_remain(headers)
        if remain is not None:
            return remain
        retry_after = _retry_after(headers, self._wall_clock)
        return DEFAULT_RETRY_WAIT if retry_after is None else retry_after

    def _report(self, message: str) -> None:
        if self._notify is not None:
            self._notify(message)


# A 429's body says nothing we use: read (undecoded) up to this much so that the connection
# can carry the resend; past it, the connection is dropped instead (a hostile or broken server
# could send without end, or a compression bomb).
_DRAIN_LIMIT = 64 * 1024


def _discard(response: httpx.Response) -> None:
    drained = 0
    chunks = () if response.is_stream_consumed else response.iter_raw()  # read in memory
    for chunk in chunks:
        drained += len(chunk)
        if drained > _DRAIN_LIMIT:
            break
    response.close()


_RATE_HEADERS = frozenset(name.encode() for name in (CALL_LIMIT, CALL_USAGE, TIME_USAGE))


def _has_rate_headers(headers: httpx.Headers) -> bool:
    # One pass over the raw names: a third of the cost of three ``name in headers`` lookups,
    # and this runs on every response of the hot path.
    return any(name.lower() in _RATE_HEADERS for name, _ in headers.raw)


def _usage(level: float, capacity: int) -> str:
    # The model counts reservations of other threads too, so it can pass the capacity.
    used = math.ceil(level - 1e-9)
    if used <= capacity:
        return f"{used}/{capacity} calls used"
    return f"{capacity}/{capacity} calls used (+{used - capacity} queued)"
