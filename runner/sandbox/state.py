"""Everything one sandbox remembers, behind one lock.

Requests are tiny, so one lock around each is simpler than finer locks and still serves the
threaded server well.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .mall import Malls
from .settings import SandboxSettings
from .timefmt import Clock
from .tokens import TokenStore


@dataclass(slots=True)
class SandboxState:
    settings: SandboxSettings
    clock: Clock
    malls: Malls
    tokens: TokenStore
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: SandboxSettings, clock: Clock) -> SandboxState:
        return cls(settings, clock, Malls(settings), TokenStore(settings))
