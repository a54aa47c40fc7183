"""The console: one line per request as it finishes, failures beneath it, a closing count.

Colours only on a terminal (and never with NO_COLOR). Every text that came from a request, a
response or an error passes through the run's :class:`Masker` before it is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from ..errors import HttprunError, render_error
from ..masking import Masker
from ..reading import shown_path
from ..results import FileResult, Outcome, RequestResult, RunResult
from .exchange_text import printable, request_lines, response_lines

if TYPE_CHECKING:
    from .progress import ProgressBar

_MARKS = {
    Outcome.PASSED: ("PASS ", "32"),
    Outcome.FAILED: ("FAIL ", "31"),
    Outcome.ERROR: ("ERROR", "31"),
    Outcome.SKIPPED: ("SKIP ", "33"),
}
_INDENT = "        "
_MAX_BODY_CHARS = 20_000


@dataclass(slots=True)
class _SharedError:
    """An error that requests keep running into: shown whole once, then counted."""

    first_line: str  # the rendered (masked) "error: message" line
    where: str  # the first request's file and line, which the repeats point to
    count: int = 1


def _error_key(error: HttprunError) -> tuple[str, ...]:
    """What makes two requests' errors "the same": kind and text, wherever they happened."""
    return (
        type(error).__name__,
        *(part for d in error.diagnostics() for part in (d.message, d.label, d.hint)),
    )


def wants_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _is_terminal(stream)


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class ConsoleReporter:
    """Streams a run to ``out`` (results) and ``err`` (notices such as sandbox and auth lines)."""

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        masker: Masker,
        *,
        verbosity: int = 0,  # -1 quiet, 0 normal, 1 verbose
        colour: bool | None = None,
        progress_total: int | None = None,  # show a progress bar (on a terminal only)
    ) -> None:
        self.out = out
        self.err = err
        self.masker = masker
        self.verbosity = verbosity
        self.colour = wants_colour(out) if colour is None else colour
        self._progress: ProgressBar | None = None
        # Errors of requests that could not be completed (no token, connection refused ...),
        # by _error_key: a run of 12 requests against a server that is down shows it once.
        self._shared_errors: dict[tuple[str, ...], _SharedError] = {}
        self._file: str | None = None  # the title of the file under way
        self._file_shown = False  # whether it was written (--quiet: before a first failure)
        if progress_total and _is_terminal(out):
            from .progress import ProgressBar

            self._progress = ProgressBar(out, progress_total)

    # -- RunListener -------------------------------------------------------------------------
    def file_started(self, path: str) -> None:
        """``path`` is the run's title: the file, and its data row (``p.http [row 3]``), whose
        label is a value of the row and so may be a value the run knows to be secret. With
        ``--quiet`` it is shown before the file's first failure only."""
        self._file, self._file_shown = path, False
        if self.verbosity >= 0:
            self._show_title()

    def request_finished(self, result: RequestResult) -> None:
        if self._progress is not None:
            self._progress.advance(result.outcome in (Outcome.FAILED, Outcome.ERROR))
        quiet_ok = self.verbosity < 0 and result.outcome in (Outcome.PASSED, Outcome.SKIPPED)
        if quiet_ok:
            return
        self._show_title()
        repeated = self._repeated_error(result)
        line = self._summary_line(result)
        if repeated is not None:
            line += " " + self._paint(f"(same error as {repeated.where})", "2")
        self._write("  " + line)
        verbose = self.verbosity > 0 or result.skip_reason == "dry run"
        if verbose:
            self._write_exchange(result)
        if result.error is not None and repeated is None:
            self._write_error(result.error)
        if verbose:
            self._write("")  # one request's exchange apart from the next one's

    def file_finished(self, result: FileResult) -> None:
        if result.error is None and not result.requests and self.verbosity >= 0:
            self._write(self._paint(_nothing_run(result), "2"))
        if result.error is not None:
            if self._file is None and self.verbosity < 0:  # refused before it began (env files)
                self._file, self._file_shown = result.title, False
            self._show_title()
            self._write_error(result.error)
        self._file = None

    def notice(self, message: str) -> None:
        line = f"{self._paint('note', '1;36')}: {printable(self.masker.mask(message))}"
        if self._progress is not None:
            self._progress.print(line)  # above the bar, which stays at the bottom
            return
        _emit(self.err, line + "\n")

    # -- the end -----------------------------------------------------------------------------
    def finish(self, run: RunResult) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        for shared in self._shared_errors.values():
            if shared.count > 1:
                self._write(f"{shared.first_line} (same for {shared.count} requests)")
        self._write(self._paint(closing_line(run), "1"))

    # -- pieces ------------------------------------------------------------------------------
    def _repeated_error(self, result: RequestResult) -> _SharedError | None:
        """The earlier request's error when ``result`` could not be completed the same way;
        None (and remembered) for an error seen first. Failed checks are never grouped."""
        if result.outcome is not Outcome.ERROR or result.error is None:
            return None
        key = _error_key(result.error)
        shared = self._shared_errors.get(key)
        if shared is not None:
            shared.count += 1
            return shared
        rendered = render_error(result.error, mask=self.masker.mask, color=self.colour)
        span = result.error.span or result.block.span  # where the error points, else the block
        self._shared_errors[key] = _SharedError(
            rendered.splitlines()[0], f"{span.path}:{span.line}"
        )
        return None

    def _summary_line(self, result: RequestResult) -> str:
        mark, colour = _MARKS[result.outcome]
        parts = [self._paint(mark, colour), result.method, printable(self.masker.mask(result.url))]
        if result.status is not None:
            parts.append(str(result.status))
        if result.elapsed_ms is not None:
            parts.append(f"{result.elapsed_ms:.0f} ms")
        label = result.block.label
        if label:  # a title is text like any other: it may hold a secret the run has learnt
            parts.append(self._paint(printable(self.masker.mask(label)), "2"))
        if result.outcome is Outcome.SKIPPED and result.skip_reason:
            parts.append(f"({printable(self.masker.mask(result.skip_reason))})")
        if result.attempts > 1:
            parts.append(f"after {result.attempts} attempts")
        return "  ".join(parts[:1]) + " " + " ".join(parts[1:])

    def _write_error(self, error: HttprunError) -> None:
        text = render_error(error, mask=self.masker.mask, color=self.colour)
        for line in text.splitlines():
            self._write(_INDENT + line if line else "")

    def _write_exchange(self, result: RequestResult) -> None:
        exchange = result.exchange
        lines: list[str] = []
        request = exchange.request if exchange is not None else result.request
        if request is not None:
            sent = exchange.sent_headers if exchange is not None else None
            lines += request_lines(request, self.masker, sent_headers=sent, limit=_MAX_BODY_CHARS)
        if exchange is not None:
            lines += response_lines(exchange.response, self.masker, limit=_MAX_BODY_CHARS)
        for line in lines:
            self._write(_INDENT + line)

    def _show_title(self) -> None:
        """The title of the file under way, unless it was shown already: masked, and with
        control characters escaped as messages name files."""
        if self._file is not None and not self._file_shown:
            self._write(self._paint(shown_path(self.masker.mask(self._file)), "1"))
            self._file_shown = True

    def _paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text

    def _write(self, line: str) -> None:
        if self._progress is not None:
            self._progress.print(line)
            return
        _emit(self.out, line + "\n")


def _nothing_run(result: FileResult) -> str:
    """Why a file that ran shows no request: those asked for had run already, for files
    that import it (and were shown under it then), or there were none."""
    if result.ran_earlier:
        many = result.ran_earlier != 1
        return (
            f"  {result.ran_earlier} request{'s' if many else ''} ran earlier in this run, "
            "for the files that import it (shown above)"
        )
    return "  no requests to run"


def _emit(stream: TextIO, text: str) -> None:
    """Write and flush ``text``; when the reader has gone (``httprun ... | head``) the run goes
    on, its results, reports and exit code unchanged, and nothing more is written there."""
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        _discard_rest(stream)


def _discard_rest(stream: TextIO) -> None:
    """Point ``stream``'s file descriptor at the null device, so later writes (and Python's
    flush at exit of what the failed write left buffered) succeed instead of raising again."""
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError):  # not backed by a file descriptor: nothing to redirect
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, descriptor)
    finally:
        os.close(null)


def closing_line(run: RunResult) -> str:
    """``N passed, N failed`` (``, N skipped`` when any); errors and broken files are failed."""
    passed = run.count(Outcome.PASSED)
    failed = run.count(Outcome.FAILED) + run.count(Outcome.ERROR)
    failed += sum(1 for f in run.files if f.error is not None)
    line = f"{passed} passed, {failed} failed"
    skipped = run.count(Outcome.SKIPPED)
    if skipped:
        line += f", {skipped} skipped"
    if run.interrupted:
        line += " (interrupted)"
    return line
