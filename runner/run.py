"""Drive the pipeline over files: parse → static check → resolve → send → check, collecting a
RunResult. A file the static check refuses sends nothing (:func:`runner.static.refuse_invalid`).

One ``httpx.Client`` per run (connection reuse), one ``Masker`` per run, one scope per file:
each file starts from the environment alone (FORMAT.md "Scope").
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .errors import HttprunError, InternalError
from .file_run import FileRun
from .listeners import RunListener, SilentListener
from .masking import Masker
from .options import RunOptions  # also imported from here by callers of run_files
from .results import FileResult, RequestResult, RunResult
from .session import RunSession
from .targets import Target, expand_targets

if TYPE_CHECKING:
    import httpx

__all__ = [
    "FileRun",
    "GroupedListener",
    "RunListener",
    "RunOptions",
    "RunSession",
    "SilentListener",
    "run_files",
]


def run_files(
    targets: Sequence[str | Target],
    options: RunOptions | None = None,
    *,
    listener: RunListener | None = None,
    transport: httpx.BaseTransport | None = None,
    masker: Masker | None = None,
) -> RunResult:
    """Run ``targets`` (paths, directories, ``FILE:LINE`` or :class:`Target`) and return the result.

    ``transport`` replaces the network (tests pass an ``httpx.MockTransport``); ``masker`` is
    shared with a reporter that shows results while the run goes on. Errors in a file are
    recorded in its ``FileResult``; the run goes on with the next file.
    """
    options = options or RunOptions()
    listener = listener or SilentListener()
    started = time.time()
    masker = masker if masker is not None else Masker()
    expanded = [t for spec in targets for t in _as_targets(spec)]
    try:
        session = RunSession(options, listener=listener, transport=transport, masker=masker)
    except HttprunError as error:  # the env files: nothing can run
        broken = FileResult(error.span.path if error.span else "<env>", error=error)
        listener.file_finished(broken)
        return RunResult((broken,), started, time.time() - started, masker)
    # Data rows and imports are read before anything is sent: a bad row is found first.
    expanded, refused = session.prepare(expanded)
    for broken in refused:
        listener.file_started(broken.title)
        listener.file_finished(broken)
    parallel = options.jobs > 1 and len(expanded) > 1
    grouped = GroupedListener(listener, [t.title for t in expanded]) if parallel else None
    if grouped is not None:
        session.listener = grouped
    interrupted = False
    with session:
        try:
            if grouped is not None:
                files = _run_in_parallel(session, expanded, grouped)
            else:
                files = _run_in_order(session, expanded, listener)
        except KeyboardInterrupt:
            interrupted = True
            session.stopping.set()
            files = session.finished_files()
        except Exception as error:  # a bug outside any one request (in a listener): stop,
            session.stopping.set()  # keep what ran, so the reports are still written
            broken = FileResult("<run>", error=InternalError(error))
            with contextlib.suppress(Exception):  # the listener may be what is broken
                listener.file_finished(broken)
            files = [*session.finished_files(), broken]
        finally:
            if grouped is not None:
                grouped.flush()
    files = _merged([*refused, *files])
    return RunResult(tuple(files), started, time.time() - started, masker, interrupted)


def _merged(files: Sequence[FileResult]) -> list[FileResult]:
    """One result per file (and row): a file that other files import and that is a target too
    may have run in two sections, its imported requests first; reports show them as one."""
    merged: list[FileResult] = []
    where: dict[str, int] = {}
    for result in files:
        at = where.get(result.title)
        if at is not None and merged[at].error is None and result.error is None:
            merged[at] = _joined(merged[at], result)
        else:
            where.setdefault(result.title, len(merged))
            merged.append(result)
    return merged


def _joined(first: FileResult, second: FileResult) -> FileResult:
    """Two sections of one file's run (neither with an error) as one: the requests of both."""
    return replace(
        second,
        requests=first.requests + second.requests,
        ran_earlier=0 if first.requests else second.ran_earlier,
    )


def _run_in_order(
    session: RunSession, targets: Sequence[Target], listener: RunListener
) -> list[FileResult]:
    for target in targets:
        if session.stopping.is_set():
            break
        listener.file_finished(session.run_target(target))
    return session.finished_files()


def _run_in_parallel(
    session: RunSession, targets: Sequence[Target], listener: GroupedListener
) -> list[FileResult]:
    """Files on ``--jobs`` threads, requests inside a file in order; the listener shows each
    file whole, in target order.

    The threads share the session's client (one pool and one rate limiter per host, since
    cafe24's bucket is per mall) and its token manager (whose lock keeps refreshes single).
    They are daemon threads, and Ctrl-C (which only the main thread receives) aborts the
    requests in flight: the run ends at once, as a sequential one does, instead of waiting for
    every request in flight to time out.
    """
    pending: queue.SimpleQueue[Target] = queue.SimpleQueue()
    for target in targets:
        pending.put(target)
    bugs: list[BaseException] = []

    def work() -> None:
        while not session.stopping.is_set():
            try:
                target = pending.get_nowait()
            except queue.Empty:
                return
            try:
                listener.file_finished(session.run_target(target))
            except BaseException as error:  # a bug: the main thread raises it
                bugs.append(error)
                session.stopping.set()
                return

    workers = [
        threading.Thread(target=work, name=f"httprun-{number}", daemon=True)
        for number in range(min(session.options.jobs, len(targets)))
    ]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            worker.join()
    except KeyboardInterrupt:
        session.interrupt()
        _wait_for_aborted(workers)
        raise
    if bugs:
        raise bugs[0]
    # Imported files' sections (not targets) come first: they ran before the files needing them.
    order = {target.title: index for index, target in enumerate(targets)}
    return sorted(session.finished_files(), key=lambda f: order.get(f.title, -1))


# After Ctrl-C, how long the workers get to record what their files did before the report is
# written. Aborted requests end in milliseconds; a worker pausing (rate limit, @retry) is left.
_ABORT_GRACE_SECONDS = 1.0


def _wait_for_aborted(workers: Sequence[threading.Thread]) -> None:
    deadline = time.monotonic() + _ABORT_GRACE_SECONDS
    try:
        for worker in workers:
            worker.join(max(deadline - time.monotonic(), 0.0))
    except KeyboardInterrupt:  # a second Ctrl-C: stop waiting, the reports are still written
        pass


class GroupedListener:
    """Holds back what parallel files report and passes it on one file at a time, in the
    order the files were given, so the output reads as a sequential run's would; notices
    (rate limits, logins) pass straight through."""

    def __init__(self, inner: RunListener, order: Sequence[str]) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._order = list(order)  # the paths not yet shown, in target order
        self._requests: dict[str, list[RequestResult]] = {}
        self._done: dict[str, FileResult] = {}

    def file_started(self, path: str) -> None:
        with self._lock:
            self._requests.setdefault(path, [])

    def request_finished(self, result: RequestResult) -> None:
        with self._lock:
            self._requests.setdefault(result.title, []).append(result)

    def file_finished(self, result: FileResult) -> None:
        with self._lock:
            if result.title not in self._order:  # an imported file's section: shown at once,
                self._show(result)  # before the files that waited for it
                return
            earlier = self._done.get(result.title)
            # A target that other files import: its section for them (run first) and its own
            # run are one file in the output, as in the RunResult.
            self._done[result.title] = result if earlier is None else _joined(earlier, result)
            while self._order and self._order[0] in self._done:
                self._show(self._done.pop(self._order.pop(0)))

    def flush(self) -> None:
        """Show what finished, in order, when the run ends early (Ctrl-C, --fail-fast)."""
        with self._lock:
            for path in self._order:
                if path in self._done:
                    self._show(self._done.pop(path))
            self._order.clear()

    def _show(self, result: FileResult) -> None:
        self._inner.file_started(result.title)
        for request in self._requests.pop(result.title, []):
            self._inner.request_finished(request)
        self._inner.file_finished(result)

    def notice(self, message: str) -> None:
        self._inner.notice(message)


def _as_targets(spec: str | Target) -> list[Target]:
    return [spec] if isinstance(spec, Target) else expand_targets([spec])
