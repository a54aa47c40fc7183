"""PacingTransport: pacing from X-Api-Call-Limit, 429 retries, quotas, threads.

No test sleeps: a fake clock only moves when the transport "sleeps", and every wait is recorded.
"""

from __future__ import annotations

import heapq
import sys
import threading
from collections.abc import Callable, Iterator
from email.utils import formatdate

import httpx
import pytest

from runner.ratelimit import WAITED_EXTENSION, PacingTransport

HOST = "demo.cafe24api.com"
URL = f"https://{HOST}/api/v2/admin/products"

Handler = Callable[[httpx.Request], httpx.Response]


class FakeTime:
    """A monotonic clock that advances only through sleep(), which records each wait."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.waits: list[float] = []
        self.clock_calls = 0
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            self.clock_calls += 1
            return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the transport must never sleep for nothing"
        with self._lock:
            self.waits.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


class VirtualTime:
    """Time for several threads: the clock moves only once every thread is asleep, to the
    earliest wake-up. Sleeps overlap as real ones do, and no running thread is overtaken."""

    def __init__(self, threads: int, start: float = 1000.0) -> None:
        self.now = start
        self.waits: list[float] = []
        self._running = threads
        self._wake_ups: list[float] = []  # a heap
        self._changed = threading.Condition()

    def clock(self) -> float:
        with self._changed:
            return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the transport must never sleep for nothing"
        with self._changed:
            self.waits.append(seconds)
            wake_up = self.now + seconds
            heapq.heappush(self._wake_ups, wake_up)
            self._running -= 1
            self._advance_if_all_asleep()
            woke = self._changed.wait_for(lambda: self.now >= wake_up, timeout=30)
            assert woke, "virtual time stalled"

    def leave(self) -> None:
        """A thread is done: stop waiting for it before moving the clock."""
        with self._changed:
            self._running -= 1
            self._advance_if_all_asleep()

    def _advance_if_all_asleep(self) -> None:
        if self._running or not self._wake_ups:
            return
        self.now = self._wake_ups[0]
        while self._wake_ups and self._wake_ups[0] <= self.now:
            heapq.heappop(self._wake_ups)
            self._running += 1  # counted here, so the clock cannot move before it runs
        self._changed.notify_all()


class LeakyBucketServer:
    """A cafe24-like endpoint: a leaky bucket on the fake clock, 429 when it overflows."""

    def __init__(self, clock: Callable[[], float], capacity: int = 40, rate: float = 2.0) -> None:
        self.clock = clock
        self.capacity = capacity
        self.rate = rate
        self.level = 0.0
        self.at = clock()
        self.sends = 0
        self.overflows = 0
        self.max_level = 0.0
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            now = self.clock()
            self.level = max(self.level - self.rate * (now - self.at), 0.0)
            self.at = now
            self.sends += 1
            if self.level + 1 > self.capacity + 1e-9:
                self.overflows += 1
                limit = f"{self.capacity}/{self.capacity}"
                return httpx.Response(429, headers={"X-Api-Call-Limit": limit})
            self.level += 1
            self.max_level = max(self.max_level, self.level)
            used = round(self.level)
            return httpx.Response(
                200, headers={"X-Api-Call-Limit": f"{used}/{self.capacity}"}, json={}
            )


def make_client(
    handler: Handler,
    time: FakeTime | VirtualTime,
    messages: list[str] | None = None,
    **options: object,
) -> httpx.Client:
    transport = PacingTransport(
        httpx.MockTransport(handler),
        notify=None if messages is None else messages.append,
        clock=time.clock,
        sleep=time.sleep,
        **options,  # type: ignore[arg-type]
    )
    return httpx.Client(transport=transport)


def scripted(*responses: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering with ``responses`` in order (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return handler, seen


def limited(used: int, capacity: int = 40) -> httpx.Response:
    return httpx.Response(200, headers={"X-Api-Call-Limit": f"{used}/{capacity}"})


def too_many(headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(429, headers=headers, json={"error": {"code": 429}})


# -- pacing ahead of time --------------------------------------------------------------------


def test_nearly_full_bucket_waits_until_two_slots_are_free() -> None:
    time = FakeTime()
    messages: list[str] = []
    handler, seen = scripted(limited(39))
    with make_client(handler, time, messages) as client:
        client.get(URL)
        assert time.waits == []
        client.get(URL)
    assert time.waits == [pytest.approx(0.5)]
    assert messages == [f"pacing {HOST}: 39/40 calls used, waiting 0.5 s"]
    assert len(seen) == 2


def test_bucket_drains_with_time() -> None:
    time = FakeTime()
    handler, _ = scripted(limited(40))
    with make_client(handler, time) as client:
        client.get(URL)
        time.advance(1.0)  # 40 -> 38 used: two free slots, no wait
        client.get(URL)
    assert time.waits == []


def test_room_in_the_bucket_means_no_wait() -> None:
    time = FakeTime()
    handler, _ = scripted(limited(38))
    with make_client(handler, time) as client:
        for _ in range(3):
            client.get(URL)
    assert time.waits == []


def test_sequential_calls_are_paced_so_the_server_never_overflows() -> None:
    time = FakeTime()
    server = LeakyBucketServer(time.clock)
    with make_client(server, time) as client:
        statuses = [client.get(URL).status_code for _ in range(60)]
    assert statuses == [200] * 60
    assert server.overflows == 0
    # 39 calls go at once; each of the 21 after that waits for half a slot's drain.
    assert time.waits == [pytest.approx(0.5)] * 21
    assert server.max_level <= 39


def test_drain_rate_is_a_constructor_argument() -> None:
    time = FakeTime()
    handler, _ = scripted(limited(39))
    with make_client(handler, time, drain_per_second=1.0) as client:
        client.get(URL)
        client.get(URL)
    assert time.waits == [pytest.approx(1.0)]


def test_bucket_of_one_waits_until_empty() -> None:
    # Some sales-report endpoints have a capacity of 1.
    time = FakeTime()
    handler, _ = scripted(limited(1, capacity=1))
    messages: list[str] = []
    with make_client(handler, time, messages) as client:
        client.get(URL)
        client.get(URL)
    assert time.waits == [pytest.approx(0.5)]
    assert messages == [f"pacing {HOST}: 1/1 calls used, waiting 0.5 s"]


def test_no_header_means_no_delay_and_no_bookkeeping() -> None:
    time = FakeTime()
    messages: list[str] = []
    handler, seen = scripted(httpx.Response(200, json={"ok": True}))
    with make_client(handler, time, messages) as client:
        for _ in range(50):
            assert client.get(URL).status_code == 200
    assert len(seen) == 50
    assert time.waits == []
    assert messages == []
    assert time.clock_calls == 0  # the hot path does not even read the clock


@pytest.mark.parametrize("value", ["garbage", "39", "a/40", "39/0", "-1/40", ""])
def test_malformed_call_limit_is_ignored(value: str) -> None:
    time = FakeTime()
    handler, _ = scripted(httpx.Response(200, headers={"X-Api-Call-Limit": value}))
    with make_client(handler, time) as client:
        for _ in range(3):
            assert client.get(URL).status_code == 200
    assert time.waits == []


def test_hosts_have_separate_buckets() -> None:
    time = FakeTime()
    messages: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return limited(39) if request.url.host == "full.cafe24api.com" else limited(1)

    with make_client(handler, time, messages) as client:
        client.get("https://full.cafe24api.com/api/v2/admin/products")
        client.get("https://empty.cafe24api.com/api/v2/admin/products")
        client.get("https://empty.cafe24api.com/api/v2/admin/products")
        assert time.waits == []
        client.get("https://full.cafe24api.com/api/v2/admin/products")
    assert time.waits == [pytest.approx(0.5)]
    assert messages == ["pacing full.cafe24api.com: 39/40 calls used, waiting 0.5 s"]


def test_ports_of_one_address_are_separate_hosts() -> None:
    time = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        return limited(39) if request.url.port == 8001 else limited(0)

    with make_client(handler, time) as client:
        client.get("http://127.0.0.1:8001/x")
        client.get("http://127.0.0.1:8002/x")
        client.get("http://127.0.0.1:8002/x")
    assert time.waits == []


# -- 429 and retries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call_remain", "time_remain", "expected"),
    [("1.5", "3", 3.0), ("4", "2", 4.0), ("2", None, 2.0), (None, "1.5", 1.5)],
)
def test_429_waits_the_larger_remain(
    call_remain: str | None, time_remain: str | None, expected: float
) -> None:
    headers = {}
    if call_remain is not None:
        headers["X-Cafe24-Call-Remain"] = call_remain
    if time_remain is not None:
        headers["X-Cafe24-Time-Remain"] = time_remain
    time = FakeTime()
    messages: list[str] = []
    handler, seen = scripted(too_many(headers), httpx.Response(200, json={"ok": True}))
    with make_client(handler, time, messages) as client:
        response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert len(seen) == 2
    assert time.waits == [pytest.approx(expected)]
    assert messages == [f"rate limited by {HOST} (429): waiting {expected:g} s, retry 1 of 3"]


def test_remain_wins_over_retry_after() -> None:
    time = FakeTime()
    handler, _ = scripted(
        too_many({"X-Cafe24-Call-Remain": "2", "Retry-After": "9"}), httpx.Response(200)
    )
    with make_client(handler, time) as client:
        client.get(URL)
    assert time.waits == [pytest.approx(2.0)]


def test_retry_after_seconds() -> None:
    time = FakeTime()
    handler, _ = scripted(too_many({"Retry-After": "7"}), httpx.Response(200))
    with make_client(handler, time) as client:
        assert client.get(URL).status_code == 200
    assert time.waits == [pytest.approx(7.0)]


def test_retry_after_date_against_the_servers_date() -> None:
    time = FakeTime()
    server_now = 1_700_000_000.0
    headers = {
        "Date": formatdate(server_now, usegmt=True),
        "Retry-After": formatdate(server_now + 5, usegmt=True),
    }
    handler, _ = scripted(too_many(headers), httpx.Response(200))
    # Our own wall clock is far off: the server's Date is what the delay is measured from.
    with make_client(handler, time, wall_clock=lambda: server_now + 3600) as client:
        assert client.get(URL).status_code == 200
    assert time.waits == [pytest.approx(5.0)]


def test_retry_after_date_against_our_wall_clock() -> None:
    time = FakeTime()
    wall = 1_700_000_000.0
    handler, _ = scripted(
        too_many({"Retry-After": formatdate(wall + 4, usegmt=True)}), httpx.Response(200)
    )
    with make_client(handler, time, wall_clock=lambda: wall) as client:
        assert client.get(URL).status_code == 200
    assert time.waits == [pytest.approx(4.0)]


def test_retry_after_in_the_past_retries_at_once() -> None:
    time = FakeTime()
    wall = 1_700_000_000.0
    handler, seen = scripted(
        too_many({"Retry-After": formatdate(wall - 60, usegmt=True)}), httpx.Response(200)
    )
    with make_client(handler, time, wall_clock=lambda: wall) as client:
        assert client.get(URL).status_code == 200
    assert len(seen) == 2
    assert time.waits == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"Retry-After": "soon"}, {"X-Cafe24-Call-Remain": "0"}, {"X-Cafe24-Time-Remain": "x"}],
)
def test_429_without_usable_hint_waits_about_a_second(headers: dict[str, str]) -> None:
    time = FakeTime()
    handler, _ = scripted(too_many(headers), httpx.Response(200))
    with make_client(handler, time) as client:
        assert client.get(URL).status_code == 200
    assert time.waits == [pytest.approx(1.0)]


def test_retry_limit_reached_returns_the_429() -> None:
    time = FakeTime()
    messages: list[str] = []
    handler, seen = scripted(too_many())
    with make_client(handler, time, messages) as client:
        response = client.get(URL)
    assert response.status_code == 429
    assert response.json() == {"error": {"code": 429}}
    assert len(seen) == 4  # the first send and three retries
    assert time.waits == [pytest.approx(1.0)] * 3
    assert messages == [
        f"rate limited by {HOST} (429): waiting 1 s, retry 1 of 3",
        f"rate limited by {HOST} (429): waiting 1 s, retry 2 of 3",
        f"rate limited by {HOST} (429): waiting 1 s, retry 3 of 3",
        f"rate limited by {HOST} (429): giving up after 3 retries",
    ]


def test_max_retries_zero_never_resends() -> None:
    time = FakeTime()
    handler, seen = scripted(too_many(), httpx.Response(200))
    with make_client(handler, time, max_retries=0) as client:
        assert client.get(URL).status_code == 429
    assert len(seen) == 1
    assert time.waits == []


def test_wait_over_the_limit_returns_the_429_at_once() -> None:
    # Retrying before the block ends only lengthens it; sleeping an hour is no help either.
    time = FakeTime()
    messages: list[str] = []
    handler, seen = scripted(too_many({"X-Cafe24-Time-Remain": "3600"}), httpx.Response(200))
    with make_client(handler, time, messages) as client:
        assert client.get(URL).status_code == 429
    assert len(seen) == 1
    assert time.waits == []
    assert messages == [
        f"rate limited by {HOST} (429): server asks to wait 3600 s, "
        "over the 120 s limit; not retrying"
    ]


@pytest.mark.parametrize("status", [400, 409, 500, 502, 503, 504])
def test_only_429_is_resent(status: int) -> None:
    time = FakeTime()
    handler, seen = scripted(httpx.Response(status, headers={"Retry-After": "1"}))
    with make_client(handler, time) as client:
        assert client.post(URL, content=b"{}").status_code == status
    assert len(seen) == 1
    assert time.waits == []


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_non_idempotent_request_is_resent_with_its_body_intact(method: str) -> None:
    time = FakeTime()
    bodies: list[tuple[str, bytes, str | None]] = []
    answers = iter([too_many(), httpx.Response(201, json={"product": {"product_no": 7}})])

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append((request.method, request.content, request.headers.get("content-length")))
        return next(answers)

    body = b'{"shop_no": 1, "request": {"product_name": "\xed\x95\x9c"}}'
    with make_client(handler, time) as client:
        response = client.request(method, URL, content=body)
    assert response.status_code == 201
    assert bodies == [(method, body, str(len(body)))] * 2


def test_429_response_is_read_and_closed_before_the_resend() -> None:
    class TrackedStream(httpx.SyncByteStream):
        def __init__(self) -> None:
            self.consumed = False
            self.closed = False

        def __iter__(self) -> Iterator[bytes]:
            self.consumed = True
            yield b'{"error": {"code": 429}}'

        def close(self) -> None:
            self.closed = True

    first = TrackedStream()
    state_at_resend: list[tuple[bool, bool]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if not state_at_resend and not first.consumed:
            state_at_resend.append((False, False))
            return httpx.Response(429, stream=first)
        state_at_resend.append((first.consumed, first.closed))
        return httpx.Response(200)

    time = FakeTime()
    with make_client(handler, time) as client:
        assert client.get(URL).status_code == 200
    assert state_at_resend == [(False, False), (True, True)]


def test_streamed_body_is_not_resent() -> None:
    # A transport that consumes the body as it sends it, like a real one: it cannot be replayed.
    class ConsumingTransport(httpx.BaseTransport):
        def __init__(self) -> None:
            self.bodies: list[bytes] = []

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            assert isinstance(request.stream, httpx.SyncByteStream)
            self.bodies.append(b"".join(request.stream))
            return httpx.Response(429)

    inner = ConsumingTransport()
    messages: list[str] = []
    time = FakeTime()
    transport = PacingTransport(inner, notify=messages.append, clock=time.clock, sleep=time.sleep)
    with httpx.Client(transport=transport) as client:
        response = client.post(URL, content=iter([b"chunk-1 ", b"chunk-2"]))
    assert response.status_code == 429
    assert inner.bodies == [b"chunk-1 chunk-2"]
    assert messages == [f"rate limited by {HOST} (429): streamed body, not retrying"]
    assert time.waits == []


def test_429_holds_back_the_next_request_even_without_a_retry() -> None:
    # Another file's call to the same host must not lengthen cafe24's block.
    time = FakeTime()
    messages: list[str] = []
    handler, seen = scripted(too_many({"Retry-After": "2"}), httpx.Response(200))
    with make_client(handler, time, messages, max_retries=0) as client:
        assert client.get(URL).status_code == 429
        assert time.waits == []
        assert client.get(URL).status_code == 200
        assert client.get("https://other.cafe24api.com/").status_code == 200
    assert len(seen) == 3
    assert time.waits == [pytest.approx(2.0)]
    assert messages == [
        f"rate limited by {HOST} (429): giving up after 0 retries",
        f"rate limited by {HOST} (429): waiting 2 s",
    ]


# -- usage quotas ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("usage_header", "usage", "label"),
    [
        ("X-Cafe24-Call-Usage", "100", "X-Cafe24-Call-Usage 100%"),
        ("X-Cafe24-Time-Usage", "112.5", "X-Cafe24-Time-Usage 112.5%"),
    ],
)
def test_exhausted_quota_delays_the_next_request(usage_header: str, usage: str, label: str) -> None:
    time = FakeTime()
    messages: list[str] = []
    first = httpx.Response(
        200, headers={usage_header: usage, "X-Cafe24-Call-Remain": "3", "X-Cafe24-Time-Remain": "4"}
    )
    handler, seen = scripted(first, httpx.Response(200))
    with make_client(handler, time, messages) as client:
        client.get(URL)
        assert time.waits == []  # the quota delays the next request, not this one
        client.get(URL)
        client.get("https://other.cafe24api.com/api/v2/admin/products")
    assert len(seen) == 3
    assert time.waits == [pytest.approx(4.0)]
    assert messages == [f"quota used up on {HOST} ({label}): waiting 4 s"]


def test_quota_wait_counts_from_the_response() -> None:
    time = FakeTime()
    first = httpx.Response(200, headers={"X-Cafe24-Call-Usage": "100", "X-Cafe24-Call-Remain": "3"})
    handler, _ = scripted(first, httpx.Response(200))
    with make_client(handler, time) as client:
        client.get(URL)
        time.advance(2.0)
        client.get(URL)
    assert time.waits == [pytest.approx(1.0)]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Cafe24-Call-Usage": "99", "X-Cafe24-Call-Remain": "3"},
        {"X-Cafe24-Call-Usage": "100"},
        {"X-Cafe24-Time-Usage": "150", "X-Cafe24-Time-Remain": "0"},
        {"X-Cafe24-Call-Remain": "3"},
    ],
)
def test_quota_headers_that_do_not_block(headers: dict[str, str]) -> None:
    time = FakeTime()
    handler, _ = scripted(httpx.Response(200, headers=headers))
    with make_client(handler, time) as client:
        client.get(URL)
        client.get(URL)
    assert time.waits == []


def test_quota_wait_is_capped() -> None:
    time = FakeTime()
    messages: list[str] = []
    first = httpx.Response(
        200, headers={"X-Cafe24-Time-Usage": "100", "X-Cafe24-Time-Remain": "900"}
    )
    handler, _ = scripted(first, httpx.Response(200))
    with make_client(handler, time, messages, max_wait=30.0) as client:
        client.get(URL)
        client.get(URL)
    assert time.waits == [pytest.approx(30.0)]
    assert messages == [f"quota used up on {HOST} (X-Cafe24-Time-Usage 100%): waiting 30 s"]


def test_quota_block_and_full_bucket_add_up() -> None:
    time = FakeTime()
    first = httpx.Response(
        200,
        headers={
            "X-Api-Call-Limit": "40/40",
            "X-Cafe24-Call-Usage": "100",
            "X-Cafe24-Call-Remain": "0.5",
        },
    )
    handler, _ = scripted(first, limited(1))
    with make_client(handler, time) as client:
        client.get(URL)
        client.get(URL)
    # Blocked 0.5 s, by then 39/40 used: 0.5 s more to reach two free slots.
    assert time.waits == [pytest.approx(1.0)]


# -- threads ---------------------------------------------------------------------------------


@pytest.fixture
def busy_switching() -> Iterator[None]:
    # Switch threads far more often than the default 5 ms, so they really interleave.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def run_threads(work: Callable[[], None], count: int, time: VirtualTime) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def guarded() -> None:
        try:
            start.wait(timeout=30)
            work()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            time.leave()

    threads = [threading.Thread(target=guarded) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []


def test_a_late_answer_does_not_undo_a_fresher_one() -> None:
    # Call A is processed first (38/40) but answered after call B (39/40). Taking A's figure
    # last as the truth would forget B and let the next call through at 39/40.
    time = FakeTime()
    a_arrived = threading.Event()
    release_a = threading.Event()
    answers = {"warm-up": limited(30), "a": limited(38), "b": limited(39), "c": limited(0)}

    def handler(request: httpx.Request) -> httpx.Response:
        call = request.headers["x-call"]
        if call == "a":
            a_arrived.set()
            assert release_a.wait(timeout=30)
        return answers[call]

    with make_client(handler, time) as client:
        client.get(URL, headers={"x-call": "warm-up"})  # the host is paced from here on
        thread = threading.Thread(target=lambda: client.get(URL, headers={"x-call": "a"}))
        thread.start()
        assert a_arrived.wait(timeout=30)
        client.get(URL, headers={"x-call": "b"})
        release_a.set()
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert time.waits == []
        client.get(URL, headers={"x-call": "c"})
    assert time.waits == [pytest.approx(0.5)]


@pytest.mark.usefixtures("busy_switching")
def test_threads_sharing_one_host_never_overflow_the_bucket() -> None:
    time = VirtualTime(threads=8)
    server = LeakyBucketServer(time.clock, capacity=10)
    messages: list[str] = []
    lock = threading.Lock()
    statuses: list[int] = []
    with make_client(server, time, messages) as client:

        def work() -> None:
            for _ in range(15):
                status = client.get(URL).status_code
                with lock:
                    statuses.append(status)

        run_threads(work, 8, time)
    assert statuses == [200] * 120
    assert server.sends == 120  # no 429, so no resend
    assert server.overflows == 0
    # Calls go out only while two slots are free: the server never holds more than 9.
    assert server.max_level <= 9
    assert len(time.waits) == len(messages) > 0
    assert all(m.startswith(f"pacing {HOST}: ") for m in messages)


@pytest.mark.usefixtures("busy_switching")
def test_threads_hitting_429s_resend_exactly_once_per_429() -> None:
    time = VirtualTime(threads=6)
    lock = threading.Lock()
    sends = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal sends
        with lock:
            sends += 1
            number = sends
        if number % 3 == 0:
            return too_many({"X-Cafe24-Call-Remain": "0.5"})
        return httpx.Response(200, content=request.content)

    messages: list[str] = []
    statuses: list[tuple[int, bool]] = []
    with make_client(handler, time, messages, max_retries=10) as client:

        def work() -> None:
            for index in range(10):
                body = f"{threading.get_ident()}-{index}".encode()
                response = client.post(URL, content=body)
                with lock:
                    statuses.append((response.status_code, response.content == body))

        run_threads(work, 6, time)
    assert statuses == [(200, True)] * 60
    retries = [m for m in messages if ", retry " in m]
    assert sends == 60 + len(retries)
    assert len(retries) == sends // 3
    # Every wait is reported once: the retrying thread's and the others held back by the block.
    assert len(time.waits) == len(messages)
    assert all(m.startswith(f"rate limited by {HOST} (429): waiting ") for m in messages)


# -- construction and closing ----------------------------------------------------------------


def test_close_closes_the_inner_transport() -> None:
    class Inner(httpx.BaseTransport):
        closed = False

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200)

        def close(self) -> None:
            self.closed = True

    inner = Inner()
    with httpx.Client(transport=PacingTransport(inner)) as client:
        client.get(URL)
    assert inner.closed


def test_transport_errors_propagate_and_leave_nothing_in_flight() -> None:
    time = FakeTime()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise httpx.ConnectError("refused", request=request)
        return limited(38)

    with make_client(handler, time) as client:
        client.get(URL)
        with pytest.raises(httpx.ConnectError):
            client.get(URL)
        # The failed call may have reached the server (a read timeout does): it stays counted
        # until the server says otherwise, so this call waits for one slot to drain.
        client.get(URL)
        assert time.waits == [pytest.approx(0.5)]
        # The server said 38/40 and nothing is in flight any more: no wait.
        client.get(URL)
    assert time.waits == [pytest.approx(0.5)]


@pytest.mark.parametrize(
    "options",
    [
        {"max_retries": -1},
        {"drain_per_second": 0.0},
        {"min_free_slots": 0},
        {"max_wait": 0.0},
    ],
)
def test_bad_options_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        PacingTransport(httpx.MockTransport(lambda r: httpx.Response(200)), **options)  # type: ignore[arg-type]


def test_each_response_says_how_long_its_request_waited() -> None:
    time = FakeTime()
    handler, _ = scripted(limited(39), too_many({"X-Cafe24-Call-Remain": "2"}), limited(10))
    with make_client(handler, time) as client:
        first = client.get(URL)
        second = client.get(URL)  # paced 0.5 s, then a 429 that asks for 2 s more
    assert first.extensions[WAITED_EXTENSION] == 0.0
    assert second.extensions[WAITED_EXTENSION] == pytest.approx(sum(time.waits))
    assert sum(time.waits) >= 2.5
