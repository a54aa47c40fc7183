"""How cafe24 writes times, and the sandbox's injectable clock.

Two formats (docs/CAFE24.md):

- token JSON: Korean time (UTC+9) with milliseconds and **no offset**, ``2021-03-01T14:00:00.000``;
- Admin API resources: seconds with the offset, ``2018-01-18T11:19:27+09:00``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

Clock = Callable[[], float]
"""Seconds since the epoch, like :func:`time.time`; tests pass their own to move time."""

KST = timezone(timedelta(hours=9), "KST")


def token_time(epoch: float) -> str:
    """``epoch`` as a token-JSON time: Korean wall-clock time, milliseconds, no offset."""
    moment = datetime.fromtimestamp(epoch, KST)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def api_time(epoch: float) -> str:
    """``epoch`` as an Admin API time: Korean time to the second with ``+09:00``."""
    return datetime.fromtimestamp(int(epoch), KST).isoformat()
