"""What every file of one run shares: options, environment, HTTP client, masker, the imported
files' results, and the listener that hears each result."""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .errors import HttprunError, InternalError, UsageError
from .file_run import FileRun
from .launch import end_of_startup
from .listeners import RunListener, SilentListener
from .masking import Masker
from .options import RunOptions
from .results import FileResult, Outcome, RequestResult
from .shared import SharedImports
from .targets import Target

if TYPE_CHECKING:
    import httpx

    from .connect import Connection
    from .datarows import DataRow
    from .env import Environment
    from .nodes import HttpFile


class RunSession:
    """What every file of one run shares: options, environment, HTTP client, masker.

    Usable as a context manager; the pytest plugin drives it request by request through
    :meth:`open_file` and :meth:`FileRun.run_block`.
    """

    def __init__(
        self,
        options: RunOptions,
        *,
        listener: RunListener | None = None,
        transport: httpx.BaseTransport | None = None,
        masker: Masker | None = None,
    ) -> None:
        from .env import load_env_files, unknown_settings
        from .reading import max_include_size

        self.options = options
        self.listener = listener or SilentListener()
        self.masker = masker if masker is not None else Masker()
        self.environment: Environment = load_env_files(list(options.env_files))
        # Learnt now, not when first used: a file refused before any request (an error that
        # `httprun check` finds) may quote a secret of the env files or --var in its messages.
        environment = self.environment
        learnt = {**environment.settings, **environment.values, **options.variables}
        for name, value in learnt.items():  # HTTPRUN_SANDBOX_CLIENT_SECRET is one too
            self.masker.add_variable(name, value)
        for warning in unknown_settings(self.environment):
            self.listener.notice(warning.one_line())
        self.max_include = max_include_size(self.environment.settings)
        self._transport = transport
        self._connection: Connection | None = None
        self._connection_lock = threading.Lock()
        self._finished: list[FileResult] = []
        self._finished_lock = threading.Lock()
        self._reporting = threading.Lock()  # one imported file's section at a time
        self._prepared: dict[str, HttpFile] = {}  # targets parsed by prepare(), by path
        self.imports = SharedImports(self, self._parse_imported)
        # Set on Ctrl-C and --fail-fast: files stop before their next request.
        self.stopping = threading.Event()
        # Set on Ctrl-C in a parallel run: the requests in flight were aborted.
        self.interrupted = threading.Event()

    def __enter__(self) -> RunSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def connection(self) -> Connection:
        # Built on first use: --dry-run and files that fail to parse never start a client or
        # the sandbox.
        with self._connection_lock:  # parallel files may all ask at once
            if self._connection is None:
                from .connect import open_connection

                self._connection = open_connection(
                    self.options,
                    self.environment,
                    self.masker,
                    self.listener.notice,
                    self._transport,
                )
                end_of_startup()  # the last large imports are done: the requests begin
            return self._connection

    def interrupt(self) -> None:
        """Ctrl-C while other threads send: stop every file, abort the requests in flight."""
        self.interrupted.set()
        self.stopping.set()
        with self._connection_lock:
            connection = self._connection
        if connection is not None:
            connection.abort()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def open_file(self, path: str, row: DataRow | None = None) -> FileRun:
        """Parse ``path`` and give it a fresh scope (raises ParseError; InvalidFile when
        ``httprun check`` finds errors in it or in a file it imports)."""
        http_file = self._prepared.get(path) or self._parse(path)
        return FileRun(
            self,
            http_file,
            row=row,
            shared=self.imports.sharing(http_file, row),
        )

    def prepare(self, targets: Sequence[Target]) -> tuple[list[Target], list[FileResult]]:
        """Before anything is sent: each target file once per data row (``--data`` or its
        ``@data``), and the files the targets import marked as shared, so that a target that
        others import runs its requests once. A target whose rows cannot be read is refused
        (its result is in the second list); one that does not parse is left to its run.
        ``--data`` is read once: when it cannot be, nothing runs, and it is one error."""
        from .data_source import given_rows

        try:
            given = given_rows(self.options, self.max_include)
        except HttprunError as error:
            return [], [FileResult(str(self.options.data), error=error)]
        prepared: list[Target] = []
        refused: list[FileResult] = []
        for target in targets:
            try:
                http_file = self._prepared.get(target.path) or self._parse(target.path)
            except HttprunError:
                prepared.append(target)  # its run reports why
                continue
            self._prepared[target.path] = http_file
            try:
                rows = self.prepare_file(http_file, given)
            except HttprunError as error:
                refused.append(FileResult(target.path, error=error))
                continue
            if rows is None:
                prepared.append(target)
            else:
                self._learn_rows(rows)
                prepared.extend(replace(target, row=row) for row in rows)
        return prepared, refused

    def _learn_rows(self, rows: Sequence[DataRow]) -> None:
        """Teach the masker the secret values of every row now, before any row's title is
        shown: a label (a ``name`` column) may equal a secret of another row."""
        for row in rows:
            for name, value in row.values.items():
                self.masker.add_variable(name, value)

    def prepare_file(
        self, http_file: HttpFile, given: list[DataRow] | None = None
    ) -> list[DataRow] | None:
        """Prepare one parsed target before anything is sent: mark the files it imports as
        shared (a target that others import then sends its requests once, whichever asks
        first), and read its data rows: ``given`` (``--data``, read once per run), else its
        own (None: it runs once). Raises the rows' HttprunError."""
        from .data_source import rows_for

        graph = self.imports.graph_of(http_file)
        for imported in graph.imported_files():
            self.imports.shared(imported.key)
        if given is not None:
            return given
        return rows_for(http_file, self.options, self.max_include)

    def run_target(self, target: Target, names: Sequence[str] | None = None) -> FileResult:
        """Run one file, or its ``FILE:LINE`` request or the requests ``names`` (default: the
        options' ``--name``s), with what they depend on: in this file, and in the files it
        imports (those first, each reported as a section of its own file)."""
        from .select import select_blocks

        wanted = self.options.names if names is None else names
        row = target.row.label if target.row is not None else None
        try:
            file_run = self.open_file(target.path, target.row)
            imported = file_run.ensure_named(wanted)
            try:
                selected = select_blocks(file_run.http_file, line=target.line, names=wanted)
            except UsageError:
                if not imported or target.line is not None:
                    raise
                selected = set()  # --name picked imported requests only: they ran above
            file_run.ensure_imports(selected)
        except HttprunError as error:
            self.listener.file_started(target.title)
            return self._finish(FileResult(target.path, error=error, row=row))
        except Exception as error:  # a bug: this file's error; the run and its reports go on
            self.listener.file_started(target.title)
            return self._finish(FileResult(target.path, error=InternalError(error), row=row))
        self.listener.file_started(target.title)
        return self.run_selected(file_run, selected)

    def run_selected(self, file_run: FileRun, selected: Collection[int]) -> FileResult:
        """Run the blocks ``selected`` (indices of requests) of an opened file, in order; the
        language server runs the text of an editor's buffer this way."""
        results: list[RequestResult] = []
        path, row = file_run.http_file.path, file_run.row_label
        try:
            self.run_blocks(file_run, selected, results, report=True)
        except BaseException:
            # Keep what this file did before Ctrl-C (or a bug in a listener): the reports are
            # written from it.
            self._finish(FileResult(path, tuple(results), row=row))
            raise
        earlier = len(file_run.replayed)
        return self._finish(FileResult(path, tuple(results), row=row, ran_earlier=earlier))

    def run_blocks(
        self,
        file_run: FileRun,
        selected: Collection[int],
        results: list[RequestResult] | None = None,
        *,
        report: bool,
    ) -> list[RequestResult]:
        """Run the requests ``selected`` of ``file_run`` in order, appending each new result
        to ``results`` (and telling the listener when ``report``). A request that ran already
        for a file that imports this one is not run, nor reported, again."""
        results = [] if results is None else results
        for index in sorted(selected):
            if self.stopping.is_set():
                break
            try:
                result = file_run.run_block(index)
            except HttprunError as error:  # a file it imports cannot run: this request's error
                result = file_run.error_result(index, error)
            except Exception as error:  # a bug: this request's error; the run goes on
                result = file_run.internal_error(index, error)
            if self.interrupted.is_set():
                break  # aborted by Ctrl-C: not a result, as in a sequential run
            if index in file_run.replayed:
                continue
            results.append(result)
            if report:
                self.listener.request_finished(result)
            if self.options.fail_fast and result.outcome in (Outcome.FAILED, Outcome.ERROR):
                self.stopping.set()
        return results

    def report_section(self, result: FileResult) -> None:
        """Tell the listener about the requests an imported file ran for the files that
        import it: a section of their own file, as a target's."""
        with self._reporting:
            self.listener.file_started(result.title)
            for request in result.requests:
                self.listener.request_finished(request)
            self.listener.file_finished(self._finish(result))

    def _finish(self, result: FileResult) -> FileResult:
        with self._finished_lock:
            self._finished.append(result)
        if self.options.fail_fast and not result.passed:
            self.stopping.set()
        return result

    def _parse(self, path: str) -> HttpFile:
        from .static import parse_for_run

        return parse_for_run(path)

    def _parse_imported(self, path: str) -> HttpFile:
        """An imported file is refused as a target is: its errors refuse the files that
        import it before any of their requests is sent."""
        from .static import refuse_invalid

        http_file = self._parse(path)
        refuse_invalid(http_file)
        return http_file

    def finished_files(self) -> list[FileResult]:
        """The files finished so far, in the order they finished."""
        with self._finished_lock:
            return list(self._finished)
