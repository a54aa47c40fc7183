"""What hears a run as it goes: the console streams from it, the plugin and the server
follow progress through it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .results import FileResult, RequestResult


class RunListener(Protocol):
    """What a reporter hears while a run proceeds (the console streams from it)."""

    def file_started(self, path: str) -> None: ...
    def request_finished(self, result: RequestResult) -> None: ...
    def file_finished(self, result: FileResult) -> None: ...
    def notice(self, message: str) -> None: ...


class SilentListener:
    """Shows nothing of the results; ``notices``, when given, takes the notices (the sandbox
    started, a login URL, a rate-limit wait) that someone should see."""

    def __init__(self, notices: Callable[[str], None] | None = None) -> None:
        self._notices = notices

    def file_started(self, path: str) -> None:
        pass

    def request_finished(self, result: RequestResult) -> None:
        pass

    def file_finished(self, result: FileResult) -> None:
        pass

    def notice(self, message: str) -> None:
        if self._notices is not None:
            self._notices(message)
