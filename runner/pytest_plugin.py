"""Run ``.http`` request files as pytest tests, and call them from Python tests.

httprun registers this plugin with pytest (entry point ``httprun``); it does nothing until you
point pytest at request files. Turn it off with ``-p no:httprun``.

Running request files
---------------------

A ``.http`` file named on the command line is always collected::

    pytest requests/products.http --http-env envs/sandbox.env

Files found while pytest walks directories are collected only when you opt in, so the plugin
never picks up unrelated files by surprise: list glob patterns in the ``httprun_files`` ini
option (relative to the ini file; a pattern without ``/`` matches file names in any folder;
``**`` spans folders), or pass ``--http-collect`` to collect every ``*.http`` under the paths
pytest walks::

    # pyproject.toml
    [tool.pytest.ini_options]
    httprun_files = ["requests/*.http"]
    httprun_env = ["envs/sandbox.env"]

Each request of a file is one test, named by its ``# @name``, else by its ``###`` title, else
``line N``: ``pytest "requests/products.http::products"`` runs one request, and ``-k`` works
as usual. The requests of a file run in file order and share the file's scope (captures and
named responses), exactly as ``httprun FILE`` runs them; every file starts from the
environment alone. Selecting a request that reads another's capture or ``@name`` runs that one
first, unreported (when that one fails, the skip reason says why). When a request fails, the
later requests of its file that depend on it (through captures or ``@name``, transitively) are
skipped with the reason ("depends on 'products' (line 7), which failed"); the others still
run. ``# @skip`` requests are reported as skipped. A failure shows the request line, the
status and httprun's own error report with ``file:line:col``, never a Python traceback; the
response is attached as a report section. A file that does not parse is a collection error,
shown the same way.

Options (command line, then ini equivalent):

``--http-env FILE`` / ``httprun_env``
    A dotenv file; repeatable, later files win. Given on the command line, the files replace
    those of the ini option.
``--http-var NAME=VALUE``
    Pin a variable over every other value; repeatable.
``--http-timeout SECONDS`` / ``httprun_timeout``
    Seconds to wait for each response (default 30).
``--http-insecure`` / ``httprun_insecure``
    Do not verify TLS certificates.
``--http-collect``
    Collect every ``*.http`` file under the paths pytest walks.

Parallel runs with pytest-xdist: use ``--dist loadfile`` so each file stays on one worker and
its requests share one scope, in order::

    pytest -n 4 --dist loadfile --http-collect requests/ --http-env envs/sandbox.env

With another ``--dist`` mode the requests of a file may land on different workers; a request
then runs what it depends on again on its own worker, so requests with side effects (a POST
that creates something) may be sent more than once.

Calling request files from Python tests
---------------------------------------

The ``httprun`` fixture runs files with the session's options (``--http-env``, ``--http-var``,
timeouts) and returns httprun's result objects::

    def test_catalogue(httprun):
        result = httprun.run("requests/products.http")  # a FileResult
        assert result.passed, httprun.describe(result)

        products = httprun.request("requests/products.http", "products")  # a RequestResult
        assert products.status == 200
        assert products.exchange.response["body"]["count"] >= 1
        assert all(check.passed for check in products.checks)

``run(path, *, env=None, name=None, line=None, vars=None)`` runs the whole file, or only the
request named ``name`` (or containing ``line``) and what it depends on; ``env`` (a file or a
list of files) replaces the session's env files and ``vars`` adds pins, for that call only.
Problems in the file (parse errors, an unknown name) are in ``FileResult.error``.
``request(path, name, *, env=None, vars=None)`` returns the named request's result and fails
the test with httprun's error report when the file cannot be run. ``describe(result)`` renders
a result's errors for an assertion message. Relative paths are taken from the current
directory.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# Nothing from httprun is imported here: this module loads in every pytest run of every project
# that installs httprun, so lark, httpx, jmespath and rich are imported inside the hooks that
# need them (a test pins this).
if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

    from .errors import HttprunError
    from .masking import Masker
    from .nodes import Block, HttpFile
    from .results import FileResult, RequestResult
    from .run import FileRun, RunOptions, RunSession

_STATE_KEY = pytest.StashKey["_PluginState"]()
_SUFFIX = ".http"
_BODY_SHOWN = 2000  # characters of a failed response's body attached to the report


# -- options -----------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("httprun", "httprun: run .http request files")
    group.addoption(
        "--http-env",
        action="append",
        default=[],
        metavar="FILE",
        dest="httprun_env",
        help="httprun: a dotenv file for .http requests (repeatable; later files win; "
        "replaces the httprun_env ini option).",
    )
    group.addoption(
        "--http-var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        dest="httprun_vars",
        help="httprun: pin a variable over every other value (repeatable).",
    )
    group.addoption(
        "--http-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        dest="httprun_timeout",
        help="httprun: seconds to wait for each response (default 30).",
    )
    group.addoption(
        "--http-insecure",
        action="store_true",
        default=False,
        dest="httprun_insecure",
        help="httprun: do not verify TLS certificates.",
    )
    group.addoption(
        "--http-collect",
        action="store_true",
        default=False,
        dest="httprun_collect",
        help="httprun: collect every *.http file under the given paths.",
    )
    parser.addini(
        "httprun_files",
        "httprun: glob patterns of .http files to collect, relative to the ini file.",
        type="args",
        default=[],
    )
    parser.addini(
        "httprun_env",
        "httprun: dotenv files for .http requests, relative to the ini file.",
        type="paths",
        default=[],
    )
    parser.addini(
        "httprun_timeout", "httprun: seconds to wait for each response.", type="string", default=""
    )
    parser.addini(
        "httprun_insecure", "httprun: do not verify TLS certificates.", type="bool", default=False
    )


def pytest_configure(config: pytest.Config) -> None:
    state = _PluginState(config)
    config.stash[_STATE_KEY] = state
    config.add_cleanup(state.close)


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(_STATE_KEY, None)
    if state is None or not (state.env_files or state.patterns or state.collect_all):
        return None
    parts = []
    if state.env_files:
        parts.append("env " + ", ".join(state.display_path(path) for path in state.env_files))
    if state.collect_all:
        parts.append("collecting every *.http")
    elif state.patterns:
        parts.append("collecting " + " ".join(state.patterns))
    return "httprun: " + "; ".join(parts)


class _PluginState:
    """What the plugin keeps for one pytest session: options, the masker, the RunSession."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.invocation_dir = config.invocation_params.dir
        self.variables = _parse_pins(config.getoption("httprun_vars") or [])
        self.env_files = self._env_files(config)
        self.timeout = _timeout(config)
        self.insecure = bool(
            config.getoption("httprun_insecure") or config.getini("httprun_insecure")
        )
        self.collect_all = bool(config.getoption("httprun_collect"))
        self.patterns: list[str] = list(config.getini("httprun_files"))
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        self._matchers = [_compile_glob(pattern, base) for pattern in self.patterns]
        self.collected = 0  # .http files collected, and seen but not collected
        self.passed_over: set[Path] = set()
        self._masker: Masker | None = None
        self._session: RunSession | None = None
        self._session_error: HttprunError | None = None

    def _env_files(self, config: pytest.Config) -> tuple[str, ...]:
        given: list[str] = config.getoption("httprun_env") or []
        if given:
            return tuple(str(self.invocation_dir / path) for path in given)
        return tuple(str(path) for path in config.getini("httprun_env"))

    # -- collection ------------------------------------------------------------------------------
    def wants(self, file_path: Path, session: pytest.Session) -> bool:
        if file_path.suffix == _SUFFIX and (self.collect_all or session.isinitpath(file_path)):
            return True
        return any(matches(file_path) for matches in self._matchers)

    def display_path(self, path: Path | str) -> str:
        """``path`` as reports show it: relative to where pytest was started when it is inside
        and the current directory is still that one (a relative path must keep pointing at the
        same file), else absolute."""
        path = Path(path)
        if Path.cwd() != self.invocation_dir:
            return str(path)
        try:
            return path.relative_to(self.invocation_dir).as_posix()
        except ValueError:
            return str(path)

    # -- running ---------------------------------------------------------------------------------
    @property
    def masker(self) -> Masker:
        if self._masker is None:
            from .masking import Masker

            self._masker = Masker()
        return self._masker

    def run_options(self, **changes: Any) -> RunOptions:
        from .run import RunOptions

        capture = self.config.getoption("capture", "fd")
        values: dict[str, Any] = {
            "env_files": tuple(self.display_path(path) for path in self.env_files),
            "variables": dict(self.variables),
            "insecure": self.insecure,
            # Under output capture nobody can answer a login prompt: fail with the message
            # that says how to log in instead. With -s, behave like the command line.
            "interactive": None if capture == "no" else False,
        }
        if self.timeout is not None:
            values["timeout"] = self.timeout
        values.update(changes)
        return RunOptions(**values)

    def session(self) -> RunSession:
        """The RunSession every request item shares (raises the env file's HttprunError)."""
        from .errors import HttprunError

        if self._session is None:
            if self._session_error is not None:
                raise self._session_error
            try:
                self._session = self.new_session(self.run_options())
            except HttprunError as error:
                self._session_error = error  # every item reports it; read the files once
                raise
        return self._session

    def new_session(self, options: RunOptions) -> RunSession:
        from .run import RunSession, SilentListener

        listener = SilentListener(notices=self._notice)
        return RunSession(options, listener=listener, masker=self.masker)

    def _notice(self, message: str) -> None:
        # A run's notices (sandbox started, login steps) go to stderr, masked: pytest captures
        # them with the test that caused them, and shows them live with ``-s``.
        sys.stderr.write(f"httprun: {self.masker.mask(message)}\n")
        sys.stderr.flush()

    def render(self, error: HttprunError) -> str:
        from .errors import render_error

        return render_error(error, mask=self.masker.mask)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def _state(config: pytest.Config) -> _PluginState:
    return config.stash[_STATE_KEY]


def _parse_pins(pairs: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise pytest.UsageError(f"--http-var takes NAME=VALUE, got '{pair}' (e.g. mallid=demo)")
        values[name.strip()] = value
    return values


def _timeout(config: pytest.Config) -> float | None:
    given: float | None = config.getoption("httprun_timeout")
    text = str(config.getini("httprun_timeout")).strip()
    if given is None and text:
        try:
            given = float(text)
        except ValueError:
            raise pytest.UsageError(
                f"httprun_timeout takes seconds (e.g. 30 or 2.5), got '{text}'"
            ) from None
    if given is not None and given <= 0:
        raise pytest.UsageError(f"--http-timeout takes a positive number of seconds, got {given}")
    return given


def _compile_glob(pattern: str, base: Path) -> Callable[[Path], bool]:
    """A matcher for one ``httprun_files`` pattern.

    A pattern without ``/`` matches a file name in any folder (like ``python_files``); one with
    ``/`` matches the path relative to ``base`` (the ini file's folder). ``*`` and ``?`` stay
    inside one folder, ``**`` spans any number of them.
    """
    pattern = pattern.strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    anchored = "/" in pattern
    regex = re.compile(_glob_to_regex(pattern))

    def matches(path: Path) -> bool:
        if not anchored:
            return regex.fullmatch(path.name) is not None
        if Path(pattern).is_absolute():
            return regex.fullmatch(path.as_posix()) is not None
        try:
            relative = path.relative_to(base).as_posix()
        except ValueError:
            return False
        return regex.fullmatch(relative) is not None

    return matches


def _glob_to_regex(pattern: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:[^/]*/)*")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            body = pattern[index + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append("[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]")
            index = end + 1
            continue
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


# -- collection --------------------------------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    state = parent.config.stash.get(_STATE_KEY, None)
    if state is None:
        return None
    if not state.wants(file_path, parent.session):
        if file_path.suffix == _SUFFIX:
            state.passed_over.add(file_path)
        return None
    state.collected += 1
    collector: HttpFileCollector = HttpFileCollector.from_parent(parent, path=file_path)
    return collector


def pytest_terminal_summary(
    terminalreporter: Any, exitstatus: int | pytest.ExitCode, config: pytest.Config
) -> None:
    state = config.stash.get(_STATE_KEY, None)
    # Only when the run found nothing at all to run: in other runs the .http files left out
    # are test data or not asked for, and a note each time would be noise.
    if exitstatus != pytest.ExitCode.NO_TESTS_COLLECTED or state is None:
        return
    if state.collected or state.patterns or not state.passed_over:
        return
    # pytest also offers the files beside the folders on the way to the paths it was given.
    given = [config.invocation_params.dir / arg.split("::")[0] for arg in config.args]
    count = sum(1 for path in state.passed_over if any(path.is_relative_to(g) for g in given))
    if not count:
        return
    terminalreporter.write_line(
        f"httprun: {count} .http file{'s were' if count != 1 else ' was'} not collected; "
        "name them on the command line, pass --http-collect, or list them in the "
        "httprun_files ini option"
    )


class HttpFileCollector(pytest.File):
    """One ``.http`` file: parses it and yields one item per request block.

    Holds the file's run (one scope for all its items), created when its first item runs.
    """

    http_file: HttpFile | None = None
    _progress: _FileProgress | None = None

    def collect(self) -> Iterator[HttpRequestItem]:
        from .errors import HttprunError
        from .parser import parse_file

        state = _state(self.config)
        try:
            http_file = parse_file(state.display_path(self.path))
        except HttprunError as error:
            # Rendered like every other httprun error: the file, line, column and a caret.
            raise self.CollectError(state.render(error)) from None
        self.http_file = http_file
        used: set[str] = set()
        for index, block in enumerate(http_file.blocks):
            request = block.request
            if request is None:
                continue
            name = _item_name(block)
            if name in used:
                name = f"{name} (line {request.span.line})"
            used.add(name)
            item: HttpRequestItem = HttpRequestItem.from_parent(
                self, name=name, index=index, block=block
            )
            # ``# @skip`` is left to the run (a SKIPPED result), so that the skip is reported
            # with the request's line like every other skip of this plugin.
            yield item

    def progress(self) -> _FileProgress:
        """The file's run, created on first use: one RunSession scope shared by its items."""
        if self._progress is None:
            from .run import FileRun

            session = _state(self.config).session()
            http_file = self.http_file
            assert http_file is not None  # set by collect(), which ran before any item
            selected = [
                item.index
                for item in self.session.items
                if isinstance(item, HttpRequestItem) and item.parent is self
            ]
            self._progress = _FileProgress(
                http_file, lambda: FileRun(session, http_file), selected, session.masker.mask
            )
        return self._progress


def _item_name(block: Block) -> str:
    request = block.request
    assert request is not None
    name = block.label or f"line {request.span.line}"
    # "::" separates the parts of a pytest node id; keep it out of the name.
    return name.replace("::", ": :")


class HttpRequestFailed(Exception):
    """Raised by an item whose request FAILED or ERRORed; carries the result to render."""

    def __init__(self, result: RequestResult) -> None:
        super().__init__(f"{result.method} {result.url}: {result.error}")
        self.result = result


class HttpRequestItem(pytest.Item):
    """One request block of a ``.http`` file."""

    def __init__(self, *, index: int, block: Block, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.block = block
        self.result: RequestResult | None = None

    @property
    def line(self) -> int:
        request = self.block.request
        assert request is not None
        return request.span.line

    def setup(self) -> None:
        from .errors import HttprunError

        parent = self.parent
        assert isinstance(parent, HttpFileCollector)
        try:
            parent.progress()
        except HttprunError as error:
            problem = _state(self.config).render(error)
        else:
            return
        # A broken env file: the rendered error alone, no traceback of the plugin (raised out
        # here so that pytest does not show the HttprunError as its cause).
        pytest.fail(problem, pytrace=False)

    def runtest(self) -> None:
        from .results import Outcome

        parent = self.parent
        assert isinstance(parent, HttpFileCollector)
        outcome = parent.progress().run(self.index)
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
        from .reporters.exchange_text import response_lines

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
    from .errors import render_error

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
    so their captures are defined. A request whose dependencies failed is not sent.
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
            from .select import dependencies_of

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
        from .results import Outcome

        failed = [
            j
            for j in sorted(self.dependencies(index))
            if j in self.results and self.results[j].outcome in (Outcome.FAILED, Outcome.ERROR)
        ]
        if failed:
            reason = self._skip_reason(failed)
            self.blocked[index] = reason
            return reason
        result = self.file_run.run_block(index)
        self.results[index] = result
        return result

    def _skip_reason(self, failed: Sequence[int]) -> str:
        described = " and ".join(_describe_block(self.http_file.blocks[j]) for j in failed)
        reason = f"depends on {described}, which failed"
        # A request that was run only because this one needs it has no report of its own:
        # say why it failed here.
        unreported = [self.results[j].error for j in failed if j not in self._selected]
        causes = [self._mask(str(error)) for error in unreported if error is not None]
        return f"{reason}: {'; '.join(causes)}" if causes else reason


def _describe_block(block: Block) -> str:
    request = block.request
    line = request.span.line if request is not None else block.span.line
    label = block.label
    return f"'{label}' (line {line})" if label else f"the request at line {line}"


# -- the fixture for Python tests --------------------------------------------------------------


class HttprunFixture:
    """Runs request files from a Python test with the pytest session's httprun options."""

    def __init__(self, state: _PluginState) -> None:
        self._state = state

    def run(
        self,
        path: str | os.PathLike[str],
        *,
        env: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        name: str | None = None,
        line: int | None = None,
        vars: Mapping[str, str] | None = None,
    ) -> FileResult:
        """Run the file at ``path`` (or its request ``name`` / at ``line``, with what that
        depends on). ``env`` replaces the session's env files, ``vars`` adds pins, for this
        call only. Errors in the file are in ``FileResult.error``; nothing is raised."""
        from .errors import HttprunError
        from .results import FileResult
        from .targets import Target

        display = os.fspath(path)
        own_session = env is not None or vars is not None
        try:
            if own_session:
                session = self._state.new_session(self._options(env, vars))
            else:
                session = self._state.session()
        except HttprunError as error:
            return FileResult(display, error=error)
        try:
            result = session.run_target(Target(display, line), (name,) if name else ())
        finally:
            if own_session:
                session.close()
        # Test code prints what it asserts on: hand it masked copies, never a secret.
        masker = session.masker
        return replace(result, requests=tuple(r.masked(masker) for r in result.requests))

    def request(
        self,
        path: str | os.PathLike[str],
        name: str,
        *,
        env: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        vars: Mapping[str, str] | None = None,
    ) -> RequestResult:
        """Run the request named ``name`` (and what it depends on) and return its result.

        Fails the test, with httprun's error report, when the file cannot be run."""
        result = self.run(path, env=env, name=name, vars=vars)
        if result.error is not None:
            pytest.fail(self._state.render(result.error), pytrace=False)
        for request in result.requests:
            if request.block.name == name:
                return request
        raise AssertionError(f"httprun ran no request named {name!r} in {os.fspath(path)}")

    def describe(self, result: FileResult | RequestResult) -> str:
        """Every error of ``result`` rendered by httprun (secrets masked), for assert messages."""
        from .results import RequestResult

        masker = self._state.masker
        if isinstance(result, RequestResult):
            return describe_request(result, masker)
        parts = [f"{result.path}: {len(result.requests)} requests run"]
        if result.error is not None:
            parts.append(self._state.render(result.error))
        parts += [describe_request(r, masker) for r in result.requests if r.error is not None]
        return "\n\n".join(parts)

    def _options(
        self,
        env: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None,
        vars: Mapping[str, str] | None,
    ) -> RunOptions:
        changes: dict[str, Any] = {}
        if env is not None:
            files = [env] if isinstance(env, str | os.PathLike) else list(env)
            changes["env_files"] = tuple(os.fspath(file) for file in files)
        if vars is not None:
            changes["variables"] = {**self._state.variables, **vars}
        return self._state.run_options(**changes)


@pytest.fixture
def httprun(request: pytest.FixtureRequest) -> HttprunFixture:
    """Run ``.http`` files from a Python test: ``httprun.run(path)``, ``httprun.request(path,
    name)``; see :class:`HttprunFixture`."""
    return HttprunFixture(_state(request.config))
