"""The command line for tests: ``run_cli`` and the ``no_colour`` fixture in-process, and
``StreamLines`` to read a real process's output as it comes.

Import what a test module needs, ``from cli_helpers import no_colour, run_cli``: importing the
autouse ``no_colour`` fixture turns colour off for that module only (tests elsewhere may look
at colour, so it is not in conftest)."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from typing import IO, NamedTuple

import pytest

from runner.launch import main


class CliResult(NamedTuple):
    """What ``httprun ARGS`` did: its exit code and what it wrote (``code, out, err = ...``)."""

    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        """stdout then stderr, for assertions that do not care which stream."""
        return self.out + self.err


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> CliResult:
    """``httprun ARGS`` in-process: it must exit with an integer code."""
    with pytest.raises(SystemExit) as exited:
        main(args)
    code = exited.value.code
    assert isinstance(code, int)
    captured = capsys.readouterr()
    return CliResult(code, captured.out, captured.err)


@pytest.fixture(autouse=True)
def no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    """NO_COLOR=1: output is plain text, so assertions can match it."""
    monkeypatch.setenv("NO_COLOR", "1")


class StreamLines:
    """A subprocess's output stream read line by line on a thread, so a test can wait for a
    line with a deadline instead of blocking on a process that never writes it."""

    def __init__(self, stream: IO[str]) -> None:
        self._lines: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(
            target=lambda: [self._lines.put(line) for line in stream], daemon=True
        )
        self._reader.start()

    def wait_for(self, done: Callable[[list[str]], bool], seconds: float = 30) -> list[str]:
        """The lines read until ``done(lines)`` holds; fails the test after ``seconds``."""
        seen: list[str] = []
        deadline = time.monotonic() + seconds
        while not done(seen):
            assert time.monotonic() < deadline, f"waited {seconds} s; the lines so far: {seen}"
            with contextlib.suppress(queue.Empty):
                seen.append(self._lines.get(timeout=0.1))
        return seen

    def rest(self, seconds: float = 20) -> list[str]:
        """The lines after those waited for, once the stream has ended (the process is gone)."""
        self._reader.join(timeout=seconds)
        rest: list[str] = []
        while not self._lines.empty():
            rest.append(self._lines.get())
        return rest
