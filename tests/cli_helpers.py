"""The command line in-process, for tests: ``run_cli`` and the ``no_colour`` fixture.

Import what a test module needs, ``from cli_helpers import no_colour, run_cli``: importing the
autouse ``no_colour`` fixture turns colour off for that module only (tests elsewhere may look
at colour, so it is not in conftest)."""

from __future__ import annotations

from typing import NamedTuple

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
