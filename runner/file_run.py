"""One file's run: its scope, the imported requests it needs, and each request resolved, sent
and checked in order (FORMAT.md "Scope": each file starts from the environment alone).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

# The pipeline's steps, imported once here rather than inside the per-request methods (an
# import statement costs a few microseconds each time it runs). The executor (httpx) stays
# lazy: a dry run and a file that does not parse never load it. The checks are called through
# their module, so that a test can replace checks.evaluate_block (to stand for a bug).
from . import checks
from .directives import RequestSettings, request_settings
from .errors import HttprunError, InternalError
from .interpolate import evaluate_template
from .nodes import Block, Directive, Template
from .resolve import resolve_block
from .results import Outcome, RequestResult
from .shared import replay

if TYPE_CHECKING:
    import httpx

    from .checks import Evaluation
    from .datarows import DataRow
    from .nodes import HttpFile
    from .results import Exchange, ResolvedRequest
    from .scope import Scope
    from .session import RunSession
    from .shared import SharedFile


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
        self._imports_ensured: set[int] = set()  # requests whose imported needs ran
        self._variables: dict[str, Template] | None = None  # the file variables, for imports

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
        pending = [index for index in indices if index not in self._imports_ensured]
        needed = self.imports_needed(pending)
        if needed:
            self.session.imports.ensure(needed)
        self._imports_ensured.update(pending)  # run_block asks again: once is enough

    def imports_needed(self, indices: Collection[int]) -> dict[Path, set[int]]:
        """The imported requests (file key → block indices) that the requests ``indices``
        read, directly or through file variables."""
        if not self.graph.imports.get(self.graph.root_key):
            return {}
        from .imports import needed_by_requests
        from .select import file_variables

        if self._variables is None:
            self._variables = file_variables(self.http_file)
        return needed_by_requests(self.graph, indices, variables=self._variables)

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
            self.session.imports.ensure(needed)
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
