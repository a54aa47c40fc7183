"""Runs from the editor: the "Run" and "Dry run" code lens commands.

A run goes through the CLI's runner (:class:`runner.run.RunSession`: the same env files, token
store, ``HTTPRUN_SANDBOX`` setting and masking) on a worker thread, over the text of the buffer
as it is now (saved or not), with what the request depends on, as ``httprun FILE:LINE``. While
it runs the client sees ``$/progress``; the client cancels it with
``window/workDoneProgress/cancel`` or ``$/cancelRequest`` (the requests in flight are aborted,
as by Ctrl-C). When it ends: its failed checks become diagnostics (source "httprun run",
replaced by the file's next run), its results go to ``server.session`` (hovers), and the
request's report document goes to a file under the user cache folder that the client is asked
to show.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from ..data_source import rows_for
from ..datarows import DataRow
from ..errors import HttprunError, InternalError
from ..file_run import FileRun
from ..masking import Masker
from ..nodes import HttpFile
from ..options import RunOptions
from ..results import FileResult, Outcome, RequestResult, RunResult
from ..select import dependencies_of
from ..session import RunSession
from .lenses import DRY_RUN_COMMAND, RUN_COMMAND, block_label, code_lenses, request_block_at
from .outcome import request_document, response_path, run_diagnostics, write_response
from .server import HttprunServer


def register(server: HttprunServer) -> None:
    """The code lenses and the two commands they call (``[uri, line]``)."""
    ls = server

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def lenses(params: types.CodeLensParams) -> list[types.CodeLens]:
        uri = params.text_document.uri
        analysis = ls.analysis(uri)
        codec = ls.workspace.position_codec
        return code_lenses(analysis.http_file, uri, analysis.lines, codec, analysis.graph)

    @server.command(RUN_COMMAND)
    async def run(*arguments: Any) -> dict[str, Any] | None:
        return await run_request(ls, *_uri_and_line(arguments), dry_run=False)

    @server.command(DRY_RUN_COMMAND)
    async def dry_run(*arguments: Any) -> dict[str, Any] | None:
        return await run_request(ls, *_uri_and_line(arguments), dry_run=True)


def _uri_and_line(arguments: tuple[Any, ...]) -> tuple[str, int]:
    if (
        len(arguments) != 2
        or not isinstance(arguments[0], str)
        or not isinstance(arguments[1], int)
        or isinstance(arguments[1], bool)
    ):
        raise JsonRpcInvalidParams("expected the arguments [document URI, request line]")
    return arguments[0], arguments[1]


class EditorRun:
    """One run of one request (and what it depends on) of one buffer; :meth:`execute` runs on
    a worker thread, :meth:`cancel` comes from the server's loop."""

    def __init__(self, options: RunOptions, http_file: HttpFile, index: int) -> None:
        self.options = options
        self.http_file = http_file
        self.selected = dependencies_of(http_file, index) | {index}
        # The run's masker: it learns the run's secrets; progress and notices go through it.
        self.masker = Masker()
        self.cancelled = threading.Event()
        self._lock = threading.Lock()
        self._session: RunSession | None = None

    def cancel(self) -> None:
        self.cancelled.set()
        with self._lock:
            if self._session is not None:
                self._session.interrupt()

    def cancel_with(self, future: Future[Any]) -> None:
        """Cancel the run when ``future`` (a request's, a progress token's) is cancelled."""
        if future.cancelled():
            self.cancel()

    def execute(self, listener: ProgressListener) -> RunResult:
        started = time.time()
        masker = self.masker
        path = self.http_file.path
        try:
            session = RunSession(self.options, listener=listener, masker=masker)
        except HttprunError as error:  # the env files: nothing can run
            return RunResult((FileResult(path, error=error),), started, 0.0, masker)
        with self._lock:
            self._session = session
        if self.cancelled.is_set():
            session.interrupt()
        with session:
            own = self._run(session, listener)
        # The requests of imported files it needed ran first, each file's as a section.
        files = session.finished_files()
        files += [mine for mine in own if not any(mine is done for done in files)]  # refused
        interrupted = session.interrupted.is_set()
        elapsed = time.time() - started
        # An imported file that ran in two sections stays two: each request is found by its
        # file and line, and no report of the whole run is written.
        return RunResult(tuple(files), started, elapsed, masker, interrupted)

    def _run(self, session: RunSession, listener: ProgressListener) -> list[FileResult]:
        """The file's results: one per data row of its ``@data`` (each a fresh run, as on
        the command line), else one."""
        try:
            rows = rows_for(self.http_file, self.options, session.max_include)
        except HttprunError as error:  # the data file: nothing is sent
            return [FileResult(self.http_file.path, error=error)]
        listener.runs(len(rows) if rows is not None else 1)
        found = []
        for row in rows if rows is not None else [None]:
            if session.stopping.is_set():
                break
            found.append(self._run_row(session, row))
        return found

    def _run_row(self, session: RunSession, row: DataRow | None) -> FileResult:
        path, label = self.http_file.path, row.label if row is not None else None
        try:
            file_run = FileRun(session, self.http_file, row=row)
            return session.run_selected(file_run, self.selected)
        except HttprunError as error:  # `httprun check` finds errors: nothing is sent
            return FileResult(path, error=error, row=label)
        except Exception as error:  # a bug: this run's error, the server goes on
            return FileResult(path, error=InternalError(error), row=label)


class ProgressListener:
    """Hears the run on its worker thread and passes progress and notices (a login URL, a
    rate-limit wait) to the server's loop, masked by the run's masker."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        total: int,
        report: Callable[[str, int], None],
        notice: Callable[[str], None],
        masker: Callable[[str], str],
        path: str = "",
    ) -> None:
        self._loop = loop
        self._total = total  # the requests of the file at ``path`` that the run was asked for
        self._path = path
        self._done = 0
        self._report = report
        self._notice = notice
        self._mask = masker

    def runs(self, count: int) -> None:
        """The file runs ``count`` times (once per data row): as many requests each time."""
        self._total *= count

    def file_started(self, path: str) -> None:
        pass

    def request_finished(self, result: RequestResult) -> None:
        if result.path != self._path:
            self._total += 1  # an imported request it needed: one more to do
        self._done += 1
        percentage = min(100, self._done * 100 // max(self._total, 1))
        self._loop.call_soon_threadsafe(self._report, self._mask(_summary(result)), percentage)

    def file_finished(self, result: FileResult) -> None:
        pass

    def notice(self, message: str) -> None:
        self._loop.call_soon_threadsafe(self._notice, self._mask(message))


def _summary(result: RequestResult) -> str:
    name = result.display_name + (f" [{result.row}]" if result.row else "")
    if result.outcome is Outcome.SKIPPED:
        return f"{name}: skipped" + (f" ({result.skip_reason})" if result.skip_reason else "")
    if result.status is None:
        return f"{name}: {result.outcome.value}"
    return f"{name}: {result.status} in {result.elapsed_ms or 0:.0f} ms, {result.outcome.value}"


async def run_request(
    ls: HttprunServer, uri: str, line: int, *, dry_run: bool
) -> dict[str, Any] | None:
    """Run (or dry-run) the request at ``line`` (1-based) of ``uri``; its outcome as a small
    summary for the client, or None when there is no request there (said to the user)."""
    analysis = ls.analysis(uri)
    index = request_block_at(analysis.http_file, line)
    if index is None:
        ls.show(
            f"no request starts at line {line} now: the file changed since the lens was drawn",
            error=True,
        )
        return None
    try:
        options = _run_options(ls, analysis.path, dry_run=dry_run)
    except HttprunError as error:  # the project settings: nothing can run
        ls.show(error_text(error, ls.masker.mask), error=True)
        return {"outcome": "error", "response": None}
    editor_run = EditorRun(options, analysis.http_file, index)
    title = ("Dry run " if dry_run else "Run ") + block_label(analysis.http_file.blocks[index])
    loop = asyncio.get_running_loop()
    _cancel_with_request(ls, editor_run)
    progress = await _Progress.begin(ls, title, editor_run)
    listener = ProgressListener(
        loop,
        len(editor_run.selected),
        progress.report,
        ls.show,
        editor_run.masker.mask,
        analysis.path,
    )
    try:
        run = await loop.run_in_executor(None, editor_run.execute, listener)
    except BaseException:
        progress.end("stopped")
        raise
    progress.end(_outcome(run))
    return await _show_outcome(ls, uri, run, line, dry_run=dry_run)


def error_text(error: HttprunError, mask: Callable[[str], str]) -> str:
    """The first diagnostic of ``error`` on one line, masked (and how many more there are)."""
    found = error.diagnostics()
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return found[0].one_line(mask) + more


def _run_options(ls: HttprunServer, path: str, *, dry_run: bool) -> RunOptions:
    """As the command line decides them: the client's ``httprun.env`` stands for ``--env``;
    otherwise the document's project settings (``[tool.httprun]``) give the env files, and
    the timeout and retries either way. An unsaved buffer has no project."""
    from ..options import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
    from ..project import ProjectSettings, first_given, settings_for

    saved = os.path.isabs(path)
    settings = settings_for(Path(path)) if saved else ProjectSettings(Path.cwd())
    env_files = ls.env_paths() or [str(env) for env in settings.env_files()]
    return RunOptions(
        env_files=tuple(env_files),
        dry_run=dry_run,
        timeout=first_given(settings.timeout, default=DEFAULT_TIMEOUT),
        max_retries=first_given(settings.max_retries, default=DEFAULT_MAX_RETRIES),
        interactive=False,  # no one can answer a prompt: a missing login is an error
    )


def _cancel_with_request(ls: HttprunServer, editor_run: EditorRun) -> None:
    """``$/cancelRequest`` for this ``workspace/executeCommand`` cancels its run: pygls cancels
    the request's future (it cannot stop a handler that already started), so watch it."""
    msg_id = ls.protocol.msg_id
    # pygls keeps no public handle on a request's future; its own cancel handling uses this.
    request = ls.protocol._request_futures.get(msg_id) if msg_id is not None else None
    if request is not None:
        request.add_done_callback(editor_run.cancel_with)


class _Progress:
    """The run's work done progress, when the client takes server-initiated progress."""

    def __init__(self, ls: HttprunServer, token: str | None) -> None:
        self._ls = ls
        self._token = token

    @classmethod
    async def begin(cls, ls: HttprunServer, title: str, editor_run: EditorRun) -> _Progress:
        window = ls.client_capabilities.window
        if window is None or not window.work_done_progress:
            return cls(ls, None)
        token = f"httprun-run-{uuid.uuid4()}"
        try:
            await ls.work_done_progress.create_async(token)
        except Exception as error:  # the client refused: the run goes on without progress
            ls.log(f"no progress for this run: {error}", types.MessageType.Warning)
            return cls(ls, None)
        # Cancelled by pygls when the client sends window/workDoneProgress/cancel.
        cancel: Future[Any] = ls.work_done_progress.tokens[token]
        cancel.add_done_callback(editor_run.cancel_with)
        ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=ls.masker.mask(f"httprun: {title}"), cancellable=True
            ),
        )
        return cls(ls, token)

    def report(self, message: str, percentage: int) -> None:
        if self._token is not None:
            self._ls.work_done_progress.report(
                self._token, types.WorkDoneProgressReport(message=message, percentage=percentage)
            )

    def end(self, message: str) -> None:
        if self._token is not None:
            self._ls.work_done_progress.end(self._token, types.WorkDoneProgressEnd(message=message))
            self._ls.work_done_progress.tokens.pop(self._token, None)


async def _show_outcome(
    ls: HttprunServer, uri: str, run: RunResult, line: int, *, dry_run: bool
) -> dict[str, Any]:
    for result in run.requests:
        ls.session.record(result)
    show_run_diagnostics(ls, uri, run)
    summary: dict[str, Any] = {"outcome": _outcome(run), "response": None}
    for file_result in run.files:
        if file_result.error is not None:
            ls.show(error_text(file_result.error, run.masker.mask), error=True)
    document_path = ls.analysis(uri).path
    shown = request_document(run, line, document_path)
    if shown is None:
        return summary
    path = response_path(ls.cache_folder, document_path, line, dry_run=dry_run)
    try:
        write_response(path, shown)
    except HttprunError as error:
        ls.show(error_text(error, run.masker.mask), error=True)
        return summary
    summary["response"] = str(path)
    await _show_document(ls, path)
    return summary


def show_run_diagnostics(ls: HttprunServer, uri: str, run: RunResult) -> None:
    """The run's diagnostics, each file's on its document: the one run, and the files it
    imports that are open (their requests ran for it)."""
    codec = ls.workspace.position_codec
    analysis = ls.analysis(uri)
    ls.set_run_diagnostics(uri, run_diagnostics(run, analysis.lines, codec, analysis.path))
    for path in {file_result.path for file_result in run.files} - {analysis.path}:
        other = ls.open_uri(Path(path).resolve())
        if other is not None:
            lines = ls.analysis(other).lines
            ls.set_run_diagnostics(other, run_diagnostics(run, lines, codec, path))


def _outcome(run: RunResult) -> str:
    if run.interrupted:
        return "cancelled"
    if any(f.error is not None for f in run.files):
        return "error"
    outcomes = {result.outcome for result in run.requests}
    for outcome in (Outcome.ERROR, Outcome.FAILED, Outcome.PASSED):
        if outcome in outcomes:
            return str(outcome.value)
    return str(Outcome.SKIPPED.value)


async def _show_document(ls: HttprunServer, path: Path) -> None:
    window = ls.client_capabilities.window
    if window is None or window.show_document is None or not window.show_document.support:
        ls.show(f"the response is in {path}")
        return
    await ls.window_show_document_async(
        types.ShowDocumentParams(uri=path.as_uri(), take_focus=False)
    )
