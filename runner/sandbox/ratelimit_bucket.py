"""cafe24's leaky bucket: each call pours one drop in, the bucket drains at a fixed rate, and a
call that would overflow it is refused with 429 (docs/CAFE24.md, "Rate limits").

The bucket keeps a fractional level and the time it was last drained, so draining needs no
timer: the level is brought up to date whenever someone looks at it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BucketState:
    allowed: bool
    used: int  # drops in the bucket after this call, rounded up: X-Api-Call-Limit's numerator
    capacity: int
    wait_seconds: int  # 0 when allowed; else whole seconds until one drop fits

    @property
    def usage_percent(self) -> int:
        return min(100, round(self.used * 100 / self.capacity))


class LeakyBucket:
    """One bucket. Not thread-safe by itself: the sandbox calls it under its state lock."""

    def __init__(self, capacity: int, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self._level = 0.0
        self._updated = now

    def _drain(self, now: float) -> None:
        # A clock that goes backwards (a test rewinding it) must not refill the bucket.
        elapsed = max(0.0, now - self._updated)
        self._level = max(0.0, self._level - elapsed * self.rate)
        self._updated = max(self._updated, now)

    def _state(self, allowed: bool, wait: int) -> BucketState:
        # Rounding up keeps "used" honest: half a drop left still occupies a slot.
        used = min(self.capacity, math.ceil(self._level - 1e-9))
        return BucketState(allowed, used, self.capacity, wait)

    def take(self, now: float) -> BucketState:
        """Pour one call in when it fits; else refuse it and say how long to wait."""
        self._drain(now)
        if self._level + 1 <= self.capacity + 1e-9:
            self._level += 1
            return self._state(True, 0)
        overflow = self._level + 1 - self.capacity
        return self._state(False, max(1, math.ceil(overflow / self.rate - 1e-9)))

    def peek(self, now: float) -> BucketState:
        """The level without pouring: for calls that are refused before they count."""
        self._drain(now)
        return self._state(True, 0)
