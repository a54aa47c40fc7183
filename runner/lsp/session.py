"""What the requests run from the editor in this session left behind: the last result of
each request, for hovers on request lines, completion of ``name.body`` fields and the
diagnostics of failed checks. Filled by the runs (code lenses); read by the other features."""

from __future__ import annotations

import threading

from ..results import RequestResult


class SessionResults:
    """The last :class:`RequestResult` per request, keyed by file path and request line.
    Runs finish on worker threads while features read on the server's loop: one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[tuple[str, int], RequestResult] = {}

    def record(self, result: RequestResult) -> None:
        request = result.block.request
        if request is None:
            return
        with self._lock:
            self._results[(result.path, request.span.line)] = result

    def at_line(self, path: str, line: int) -> RequestResult | None:
        """The last result of the request whose request line is ``line`` (1-based)."""
        with self._lock:
            return self._results.get((path, line))

    def named(self, path: str, name: str) -> RequestResult | None:
        """The last result of the request called ``name`` (its ``@name``) in ``path``."""
        with self._lock:
            for (result_path, _), result in self._results.items():
                if result_path == path and result.block.name == name:
                    return result
        return None
