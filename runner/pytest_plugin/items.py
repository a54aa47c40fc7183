"""One test item per request, how it runs in its file's scope, and how a failure reads."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard

import pytest

from .options import _state

# Nothing from httprun is imported here at module level: the plugin loads in every pytest run
# of every project that installs httprun, so lark, httpx, jmespath and rich are imported inside
# the hooks that need them (a test pins this).
if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

    from ..file_run import FileRun
    from ..masking import Masker
    from ..nodes import Block, HttpFile
    from ..results import RequestResult
    from .collection import FileRunSlot


_BODY_SHOWN = 2000  # characters of a failed response's body attached to the report


class HttpRequestFailed(Exception):
    """Raised by an item whose request FAILED or ERRORed; carries the result to render."""

    def __init__(self, result: RequestResult) -> None:
        super().__init__(f"{result.method} {result.url}: {result.error}")
        self.result = result


class HttpRequestItem(pytest.Item):
    """One request block of a ``.http`` file (for one data row of it, when it has rows)."""

    def __init__(self, *, index: int, block: Block, slot: FileRunSlot, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.block = block
        self.slot = slot  # the run of the file (or of its data row) this request is part of
        self.result: RequestResult | None = None
        # Function items have their fixture values here, and other plugins' hooks read it
        # (pytest-lsp's runtest wrapper fails on an item without it): a request has none.
        self.funcargs: dict[str, Any] = {}

    @property
    def line(self) -> int:
        request = self.block.request
        assert request is not None
        return request.span.line

    def setup(self) -> None:
        from ..errors import HttprunError

        try:
            self.slot.progress()
        except HttprunError as error:
            problem = _state(self.config).render(error)
        else:
            return
        # A broken env file, or errors `httprun check` finds in the file (none of its requests
        # is sent): the rendered error alone, no traceback of the plugin (raised out here so
        # that pytest does not show the HttprunError as its cause).
        pytest.fail(problem, pytrace=False)

    def runtest(self) -> None:
        from ..results import Outcome

        outcome = self.slot.progress().run(self.index)
        if isinstance(outcome, str):
            pytest.skip(outcome)
        self.result = outcome
        if outcome.outcome is Outcome.SKIPPED:
            pytest.skip(outcome.skip_reason or "skipped")
        if outcome.outcome in (Outcome.FAILED, Outcome.ERROR):
            if outcome.exchange is not None:
                self.add_report_section("call", "http response", self._response_text(outcome))
            raise HttpRequestFailed(outcome)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, HttpRequestFailed):
            return describe_request(excinfo.value.result, _state(self.config).masker)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        return self.path, self.line - 1, self.name

    def _response_text(self, result: RequestResult) -> str:
        from ..reporters.exchange_text import response_lines

        assert result.exchange is not None
        masker = _state(self.config).masker
        return "\n".join(response_lines(result.exchange.response, masker, limit=_BODY_SHOWN))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # A skip decided while running (a failed dependency) points at the request in the .http
    # file, as a @skip marker does, not at the plugin line that raised it.
    if isinstance(item, HttpRequestItem) and report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2]
        report.longrepr = (str(item.path), item.line, reason)
    return report


def describe_request(result: RequestResult, masker: Masker | None = None) -> str:
    """The request line with its status, then httprun's rendering of the result's error."""
    from ..errors import render_error

    mask = masker.mask if masker is not None else _identity
    if result.status is not None:
        reason = result.exchange.response.get("reason", "") if result.exchange else ""
        took = f" ({result.elapsed_ms:.0f} ms)" if result.elapsed_ms is not None else ""
        outcome = f"-> {result.status} {reason}".rstrip() + took
    elif result.request is not None:
        outcome = "-> no response"
    else:
        outcome = "(not sent)"
    lines = [mask(f"{result.method} {result.url} {outcome}")]
    if result.attempts > 1:
        lines[0] += f" after {result.attempts} attempts"
    if result.error is not None:
        lines += ["", render_error(result.error, mask=mask)]
    return "\n".join(lines)


def _identity(text: str) -> str:
    return text


# -- running the requests of one file ----------------------------------------------------------


class _FileProgress:
    """The run of one file's items: one FileRun (scope), in increasing block order.

    Before a request runs, the earlier requests that any selected request of the file depends
    on and that have not run yet are run first (``-k`` or a node id may have left them out),
    so their captures are defined; the imported requests it needs run first too, once per
    session (``session.imports``). A request whose dependencies failed, in its file or
    imported, is not sent.
    """

    def __init__(
        self,
        http_file: HttpFile,
        open_run: Callable[[], FileRun],
        selected: Sequence[int],
        mask: Callable[[str], str],
    ) -> None:
        self.http_file = http_file
        self._open_run = open_run
        self._selected = frozenset(selected)
        self._mask = mask
        self.file_run = open_run()
        self.results: dict[int, RequestResult] = {}
        self.blocked: dict[int, str] = {}  # not sent: a dependency failed (the reason)
        self._dependencies: dict[int, frozenset[int]] = {}
        self.needed: set[int] = set()
        for index in selected:
            self.needed |= self.dependencies(index)

    def dependencies(self, index: int) -> frozenset[int]:
        found = self._dependencies.get(index)
        if found is None:
            from ..select import dependencies_of

            found = frozenset(dependencies_of(self.http_file, index))
            self._dependencies[index] = found
        return found

    def run(self, index: int) -> RequestResult | str:
        """Run block ``index``; a ``str`` is the reason it was skipped instead."""
        dependencies = self.dependencies(index)
        if self._out_of_reach(index, dependencies):
            # Only when items run out of file order or a file is split across xdist workers:
            # start the file's scope afresh and run what this request needs again.
            self.file_run = self._open_run()
            self.results.clear()
            self.blocked.clear()
            earlier = set(dependencies)
        else:
            earlier = {j for j in self.needed | dependencies if j < index}
        for position in sorted(earlier):
            if position >= self.file_run.next_block and position not in self.blocked:
                self._attempt(position)
        return self._attempt(index)

    def _out_of_reach(self, index: int, dependencies: frozenset[int]) -> bool:
        next_block = self.file_run.next_block
        if index < next_block:
            return True
        return any(
            j < next_block and j not in self.results and j not in self.blocked for j in dependencies
        )

    def _attempt(self, index: int) -> RequestResult | str:
        from ..errors import HttprunError

        outcome: RequestResult | str
        try:
            reason = self._blocked_by(index)
            outcome = reason if reason is not None else self.file_run.run_block(index)
        except HttprunError as error:  # an imported file cannot run: this request's error
            outcome = self.file_run.error_result(index, error)
        if isinstance(outcome, str):
            self.blocked[index] = outcome
        else:
            self.results[index] = outcome
        return outcome

    def _blocked_by(self, index: int) -> str | None:
        """Why request ``index`` is not sent: a request of this file that it depends on
        failed, or an imported request it needs did (run first here, when it has not run)."""
        failed = [j for j in sorted(self.dependencies(index)) if _failed(self.results.get(j))]
        if failed:
            return self._skip_reason(failed)
        return self._failed_imports(index)

    def _skip_reason(self, failed: Sequence[int]) -> str:
        described = " and ".join(_describe_block(self.http_file.blocks[j]) for j in failed)
        reason = self._mask(f"depends on {described}, which failed")
        # A request that was run only because this one needs it has no report of its own:
        # say why it failed here.
        unreported = [self.results[j].error for j in failed if j not in self._selected]
        causes = [self._mask(str(error)) for error in unreported if error is not None]
        return f"{reason}: {'; '.join(causes)}" if causes else reason

    def _failed_imports(self, index: int) -> str | None:
        """Run the imported requests that request ``index`` needs (it, or the requests of its
        file it depends on), unless they ran; the skip reason when one of them failed."""
        from ..select import with_dependencies

        file_run = self.file_run
        needed = file_run.imports_needed({index, *self.dependencies(index)})
        if not needed:
            return None
        file_run.session.imports.ensure(needed)
        failed: list[tuple[HttpFile, Block, RequestResult]] = []
        for key in sorted(needed):
            shared = file_run.session.imports.shared(key)
            for j in sorted(with_dependencies(shared.http_file, needed[key])):
                result = shared.results.get(j)
                if _failed(result):
                    failed.append((shared.http_file, shared.http_file.blocks[j], result))
        if not failed:
            return None
        described = " and ".join(_describe_imported(file, block) for file, block, _ in failed)
        # The imported request has no item of its own here: say why it failed.
        causes = [str(result.error) for _, _, result in failed if result.error is not None]
        reason = f"needs {described}, which failed"
        return self._mask(f"{reason}: {'; '.join(causes)}" if causes else reason)


def _failed(result: RequestResult | None) -> TypeGuard[RequestResult]:
    """Whether ``result`` (None: not run) FAILED or ERRORed: what blocks its dependents."""
    from ..results import Outcome

    return result is not None and result.outcome in (Outcome.FAILED, Outcome.ERROR)


def _describe_imported(http_file: HttpFile, block: Block) -> str:
    """``'login' from requests/login.http:5``: an imported request, where it is."""
    request = block.request
    line = request.span.line if request is not None else block.span.line
    label = f"'{block.label}'" if block.label else "the request"
    return f"{label} from {http_file.path}:{line}"


def _describe_block(block: Block) -> str:
    request = block.request
    line = request.span.line if request is not None else block.span.line
    label = block.label
    return f"'{label}' (line {line})" if label else f"the request at line {line}"
