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
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

# The pipeline's steps, imported once here rather than inside the per-request methods (an
# import statement costs a few microseconds each time it runs). The executor (httpx) stays
# lazy: a dry run and a file that does not parse never load it. The checks are called through
# their module, so that a test can replace checks.evaluate_block (to stand for a bug).
from . import checks
from .directives import RequestSettings, request_settings
from .errors import HttprunError, InternalError, UsageError
from .interpolate import evaluate_template
from .launch import end_of_startup
from .masking import Masker
from .nodes import Block, Directive
from .options import RunOptions  # also imported from here by callers of run_files
from .resolve import resolve_block
from .results import FileResult, Outcome, RequestResult, RunResult
from .shared import SharedImports, replay
from .targets import Target, expand_targets

if TYPE_CHECKING:
    import httpx

    from .checks import Evaluation
    from .connect import Connection
    from .datarows import DataRow
    from .env import Environment
    from .nodes import HttpFile
    from .results import Exchange, ResolvedRequest
    from .scope import Scope
    from .shared import SharedFile


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
    """Two sections of one file's run as one: the requests of both, the first error."""
    return replace(
        second,
        requests=first.requests + second.requests,
        error=first.error or second.error,
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


class FileRun:
    """One file's run: its scope, and the file defaults and variables reached so far.

    Blocks must be run in increasing index order; the variables of every block up to the one
    run are defined on the way, requests not asked for are passed over.
    """

    def __init__(
        self,
        session: RunSession,
        http_file: HttpFile,
        *,
        row: DataRow | None = None,
        shared: SharedFile | None = None,
    ) -> None:
        """Raises :class:`~runner.errors.InvalidFile` when ``httprun check`` finds errors in
        the file or an import of it cannot be followed: a file that cannot run to its end
        sends nothing (a DELETE before a check that does not compile would be sent for
        nothing). ``row`` is the data row it runs for; ``shared``, set when files of the run
        import this one, holds the results of its requests that ran already."""
        from .errors import InvalidFile
        from .project import find_project_root
        from .resolve import ResolveOptions
        from .scope import Scope
        from .static import refuse_invalid

        refuse_invalid(http_file)
        self.graph = session.imports.graph_of(http_file)
        if self.graph.problems:
            raise InvalidFile([d for e in self.graph.problems for d in e.diagnostics()])
        self.session = session
        self.http_file = http_file
        self.row = row
        self.shared = shared
        imports = self.graph.imports.get(self.graph.root_key)
        self.scope: Scope = Scope(
            session.environment,
            session.options.variables,
            session.masker,
            row=row.values if row is not None else {},
            imported=session.imports.names_for(self.graph) if imports else None,
        )
        self.file_path = Path(http_file.path)
        self.resolve_options = ResolveOptions(
            project_root=find_project_root(self.file_path.resolve()),
            allow_outside_files=session.options.allow_outside_files,
            default_timeout=session.options.timeout,
            max_include=session.max_include,
        )
        self._defaults: list[Directive] = []
        self._next_block = 0  # blocks before this one have had their variables defined
        self._response_names: frozenset[str] | None = None  # what the requests name and capture
        # Blocks whose result came from ``shared`` (they ran for a file importing this one):
        # their names are given to the scope, the request is not sent again.
        self.replayed: set[int] = set()

    @property
    def row_label(self) -> str | None:
        return self.row.label if self.row is not None else None

    @property
    def next_block(self) -> int:
        """The first block not reached yet: only blocks from here on can still be run."""
        return self._next_block

    def ensure_imports(self, indices: Collection[int]) -> None:
        """Run the imported requests that the requests ``indices`` read (directly or through
        file variables), unless they ran already in this run."""
        needed = self.imports_needed(indices)
        if needed:
            self.session.imports.ensure(self.graph, needed)

    def imports_needed(self, indices: Collection[int]) -> dict[Path, set[int]]:
        """The imported requests (file key → block indices) that the requests ``indices``
        read, directly or through file variables."""
        if not self.graph.imports.get(self.graph.root_key):
            return {}
        from .imports import needed_blocks
        from .select import file_variables, names_read

        variables = file_variables(self.http_file)
        names: set[str] = set()
        for index in indices:
            names |= names_read(self.http_file.blocks[index], variables, self.file_path)
        return needed_blocks(self.graph, names)

    def ensure_named(self, names: Collection[str]) -> bool:
        """Run the imported requests called ``names`` (``--name`` across imports) that this file
        does not define itself; whether there were any."""
        visible = self.graph.visible()
        needed: dict[Path, set[int]] = {}
        for name in names:
            provider, definition = visible.get(name, (None, None))
            if provider is not None and definition is not None and definition.kind == "request":
                needed.setdefault(provider, set()).add(definition.block)
        if needed:
            self.session.imports.ensure(self.graph, needed)
        return bool(needed)

    def run_block(self, index: int) -> RequestResult:
        """Run the request of block ``index`` (a block with a request), after the imported
        requests it needs."""
        if index < self._next_block:
            raise ValueError(f"block {index} of {self.http_file.path} was already passed")
        self.ensure_imports((index,))
        for position in range(self._next_block, index + 1):
            block = self.http_file.blocks[position]
            for variable in block.variables:
                self.scope.define(variable)
            if block.request is None:
                self._defaults.extend(block.directives)
        self._next_block = index + 1
        block = self.http_file.blocks[index]
        if self.shared is None:
            return self._labelled(self._run(block, tuple(self._defaults)))
        with self.shared.lock:  # a file that imports this one may be running it right now
            earlier = self.shared.results.get(index)
            if earlier is not None:
                self.replayed.add(index)
                replay(self.scope, earlier)
                return earlier
            result = self._labelled(self._run(block, tuple(self._defaults)))
            self.shared.record(index, result)
            return result

    def _labelled(self, result: RequestResult) -> RequestResult:
        return result if self.row is None else replace(result, row=self.row.label)

    def error_result(self, index: int, error: HttprunError) -> RequestResult:
        """The result of block ``index`` when it could not run because of ``error``."""
        block = self.http_file.blocks[index]
        request = block.request
        assert request is not None
        return self._labelled(
            RequestResult(
                self.http_file.path,
                block,
                Outcome.ERROR,
                request.method,
                request.url.source,
                error=error,
            )
        )

    def internal_error(self, index: int, error: Exception) -> RequestResult:
        """The result of block ``index`` when running it raised ``error``, a bug."""
        request = self.http_file.blocks[index].request
        assert request is not None
        return self.error_result(index, InternalError(error, request.span))

    def _run(self, block: Block, defaults: tuple[Directive, ...]) -> RequestResult:
        request_node = block.request
        assert request_node is not None
        path = self.http_file.path
        self.scope.begin_request()
        settings = request_settings(defaults, block)
        if settings.skip is not None:
            return RequestResult(
                path,
                block,
                Outcome.SKIPPED,
                request_node.method,
                request_node.url.source,
                skip_reason=settings.skip,
            )
        try:
            settings.require_valid()
            retry = settings.retry
            auth = None if self.session.options.dry_run else self._authorise(settings)
            request = resolve_block(
                block,
                self.scope,
                file_path=self.file_path,
                defaults=defaults,
                options=self.resolve_options,
                settings=settings,
            )
        except HttprunError as error:
            if self.session.options.dry_run and self._comes_from_a_response(error):
                # Nothing is sent in a dry run, so captures and named responses stay empty:
                # show the request as written instead of failing it, and keep it resolved
                # with what does not come from a response (what --curl prints).
                return RequestResult(
                    path,
                    block,
                    Outcome.SKIPPED,
                    request_node.method,
                    request_node.url.source,
                    request=self._resolved_without_responses(block, defaults, settings),
                    skip_reason=f"dry run: {error.message.removeprefix('undefined variable ')} "
                    "comes from an earlier response",
                )
            return RequestResult(
                path,
                block,
                Outcome.ERROR,
                request_node.method,
                request_node.url.source,
                error=error,
            )
        # Credentials can come back in a response (echo servers, error messages): once learnt,
        # the masker hides them wherever they appear.
        self.session.masker.add_request(request.url, request.headers, request.body)
        if self.session.options.dry_run:
            return RequestResult(
                path,
                block,
                Outcome.SKIPPED,
                request.method,
                request.url,
                request=request,
                skip_reason="dry run",
            )
        attempts = 0
        while True:
            attempts += 1
            try:
                exchange, evaluation = self._send_and_check(block, request, auth)
            except HttprunError as error:
                return RequestResult(
                    path,
                    block,
                    Outcome.ERROR,
                    request.method,
                    request.url,
                    error=error,
                    request=request,
                    attempts=attempts,
                )
            if evaluation.passed or retry is None or attempts > retry.count:
                break
            # @retry is polling the user asked for: wait their interval before asking again
            # (a parallel run's Ctrl-C ends the wait; the result is then not recorded).
            if self.session.interrupted.wait(retry.interval):
                break

        failed = checks.failures_as_error(evaluation)
        return RequestResult(
            path,
            block,
            Outcome.PASSED if failed is None else Outcome.FAILED,
            request.method,
            request.url,
            status=exchange.status,
            elapsed_ms=exchange.elapsed_ms,
            started_at=exchange.started_at,
            checks=evaluation.results,
            captures=dict(evaluation.captures),
            error=failed,
            request=request,
            exchange=exchange,
            attempts=attempts,
        )

    def _send_and_check(
        self, block: Block, request: ResolvedRequest, auth: httpx.Auth | None
    ) -> tuple[Exchange, Evaluation]:
        """Send once and evaluate every check and capture (raises TransportError, AuthError)."""
        from .executor import send_request

        exchange = send_request(self.session.connection.client, request, auth=auth)
        self.session.masker.add_request(request.url, exchange.sent_headers)
        self.session.masker.add_response(exchange.response)
        # The request's own @name and its captures are visible to its later checks too.
        if block.name:
            self.scope.assign(block.name, exchange.response)
        evaluation = checks.evaluate_block(
            block,
            exchange.response,
            lambda template: evaluate_template(template, self.scope),
            on_capture=self.scope.assign,
            masker=self.session.masker,
        )
        return exchange, evaluation

    def _resolved_without_responses(
        self, block: Block, defaults: tuple[Directive, ...], settings: RequestSettings
    ) -> ResolvedRequest | None:
        """The request of ``block`` with the ``<<...>>`` that read an earlier response left as
        written (None when it cannot be resolved even so)."""
        from .placeholders import keep_unresolved

        try:
            request = resolve_block(
                keep_unresolved(block, self.scope, self._names_from_responses()),
                self.scope,
                file_path=self.file_path,
                defaults=defaults,
                options=self.resolve_options,
                settings=settings,
            )
        except HttprunError:
            return None
        self.session.masker.add_request(request.url, request.headers, request.body)
        return request

    def _names_from_responses(self) -> frozenset[str]:
        """What the requests of this file name and capture (worked out once per file: a scan
        per request would be quadratic)."""
        if self._response_names is None:
            imported = (
                name
                for name, (_, definition) in self.graph.visible().items()
                if definition.kind != "variable"
            )
            self._response_names = frozenset(imported).union(
                *(block.provides for block in self.http_file.requests)
            )
        return self._response_names

    def _comes_from_a_response(self, error: HttprunError) -> bool:
        """Whether ``error`` is an undefined name that a request of this file provides."""
        from .errors import UndefinedVariable

        if not isinstance(error, UndefinedVariable):
            return False
        return error.name in self._names_from_responses()

    def _authorise(self, settings: RequestSettings) -> httpx.Auth | None:
        """The bearer for this block's ``@auth`` profile (its own, else the file default).

        Gets a valid token first (stored, refreshed, or logged in), so ``<<auth.*>>`` works in
        the request itself.
        """
        if settings.auth is None or settings.auth_span is None:
            return None
        from .auth.profiles import profile_from_variables

        profile = profile_from_variables(settings.auth, self.scope.get, settings.auth_span)
        connection = self.session.connection
        token = connection.tokens.token_for(profile)
        self.scope.assign("auth", token.as_variables())
        return connection.bearer_for(profile)
