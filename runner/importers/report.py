"""What an import could not do by itself: one line per item that needs a person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Attention:
    """``where``: the collection path or ``file:line``; ``what``: what could not be mapped and
    what to do instead."""

    where: str
    what: str


@dataclass
class ImportReport:
    requests: int = 0  # requests written
    items: list[Attention] = field(default_factory=list)

    def attention(self, where: str, what: str) -> None:
        item = Attention(where, what)
        if item not in self.items:  # the same note for the same place once
            self.items.append(item)

    def lines(self, mask: Callable[[str], str]) -> list[str]:
        """The report as printed: each item, then the summary line; every line masked."""
        out = [mask(f"{item.where}: {item.what}") for item in self.items]
        noun = "request" if self.requests == 1 else "requests"
        out.append(f"{self.requests} {noun} imported, {len(self.items)} need attention")
        return out
