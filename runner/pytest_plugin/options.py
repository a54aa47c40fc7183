"""The plugin's options (command line and ini) and the state it keeps for one pytest session."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from ..globs import compile_glob

# Nothing from httprun is imported here at module level: the plugin loads in every pytest run
# of every project that installs httprun, so lark, httpx, jmespath and rich are imported inside
# the hooks that need them (a test pins this).
if TYPE_CHECKING:
    from ..errors import HttprunError
    from ..masking import Masker
    from ..options import RunOptions
    from ..project import ProjectSettings
    from ..session import RunSession


_STATE_KEY = pytest.StashKey["_PluginState"]()
_SUFFIX = ".http"


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
        "--http-data",
        default=None,
        metavar="PATH",
        dest="httprun_data",
        help="httprun: run each collected .http file once per row of this CSV, JSON or "
        "JSON Lines file (wins over the files' # @data).",
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
    if state is None or not (state.env_files or state.patterns or state.collect_all or state.data):
        return None
    parts = []
    if state.env_files:
        parts.append("env " + ", ".join(state.display_path(path) for path in state.env_files))
    if state.data is not None:
        parts.append(f"data rows from {state.display_path(state.data)}")
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
        self.project = _project_settings(config)
        self.env_files = self._env_files(config)
        self.timeout = _timeout(config)
        if self.timeout is None:
            self.timeout = self.project.timeout
        self.insecure = bool(
            config.getoption("httprun_insecure") or config.getini("httprun_insecure")
        )
        self.data = _data_file(config, self.invocation_dir)
        self.collect_all = bool(config.getoption("httprun_collect"))
        self.patterns: list[str] = list(config.getini("httprun_files"))
        base = config.inipath.parent if config.inipath is not None else config.rootpath
        if not self.patterns and self.project.files is not None:
            # The ini option wins; else the project's own [tool.httprun] files, relative to it.
            self.patterns, base = list(self.project.files), self.project.root
        self._matchers = [compile_glob(pattern, base) for pattern in self.patterns]
        self.collected = 0  # .http files collected, and seen but not collected
        self.passed_over: set[Path] = set()
        self._masker: Masker | None = None
        self._session: RunSession | None = None
        self._session_error: HttprunError | None = None

    def _env_files(self, config: pytest.Config) -> tuple[str, ...]:
        """--http-env, else the httprun_env ini option, else the project's [tool.httprun]."""
        given: list[str] = config.getoption("httprun_env") or []
        if given:
            return tuple(str(self.invocation_dir / path) for path in given)
        if config.getini("httprun_env"):
            return tuple(str(path) for path in config.getini("httprun_env"))
        return tuple(str(path) for path in _settings_checked(self.project.env_files))

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
            from ..masking import Masker

            self._masker = Masker()
        return self._masker

    def run_options(self, **changes: Any) -> RunOptions:
        from ..options import RunOptions

        capture = self.config.getoption("capture", "fd")
        values: dict[str, Any] = {
            "env_files": tuple(self.display_path(path) for path in self.env_files),
            "variables": dict(self.variables),
            "insecure": self.insecure,
            "data": self.display_path(self.data) if self.data is not None else None,
            # Under output capture nobody can answer a login prompt: fail with the message
            # that says how to log in instead. With -s, behave like the command line.
            "interactive": None if capture == "no" else False,
        }
        if self.timeout is not None:
            values["timeout"] = self.timeout
        if self.project.max_retries is not None:
            values["max_retries"] = self.project.max_retries
        values.update(changes)
        return RunOptions(**values)

    def session(self) -> RunSession:
        """The RunSession every request item shares (raises the env file's HttprunError)."""
        from ..errors import HttprunError

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
        from ..listeners import SilentListener
        from ..session import RunSession

        listener = SilentListener(notices=self._notice)
        return RunSession(options, listener=listener, masker=self.masker)

    def _notice(self, message: str) -> None:
        # A run's notices (sandbox started, login steps) go to stderr, masked: pytest captures
        # them with the test that caused them, and shows them live with ``-s``.
        sys.stderr.write(f"httprun: {self.masker.mask(message)}\n")
        sys.stderr.flush()

    def render(self, error: HttprunError) -> str:
        from ..errors import render_error

        return render_error(error, mask=self.masker.mask)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


def _state(config: pytest.Config) -> _PluginState:
    return config.stash[_STATE_KEY]


def _parse_pins(pairs: Sequence[str]) -> dict[str, str]:
    from ..errors import UsageError
    from ..pins import parse_vars  # the command line's rule for names, in one place

    try:
        return parse_vars(pairs, option="--http-var")
    except UsageError as error:
        raise pytest.UsageError(f"{error.message} ({error.hint})") from None


def _project_settings(config: pytest.Config) -> ProjectSettings:
    """The ``[tool.httprun]`` settings of the project pytest runs in (its rootdir's)."""
    from ..project import settings_for

    return _settings_checked(lambda: settings_for(config.rootpath))


T = TypeVar("T")


def _settings_checked(read: Callable[[], T]) -> T:
    """``read()``; bad project settings stop the session as a bad ini option would, shown as
    httprun shows them (``pyproject.toml:LINE:COL``, the line, a caret)."""
    from ..errors import SettingsError, render_error

    try:
        return read()
    except SettingsError as error:
        raise pytest.UsageError(render_error(error)) from None


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


def _data_file(config: pytest.Config, invocation_dir: Path) -> Path | None:
    """--http-data, from where pytest was started; a file that is not there stops the session
    as a bad option value does (its rows are read, and their errors shown, per .http file)."""
    given: str | None = config.getoption("httprun_data")
    if given is None:
        return None
    path = invocation_dir / given
    if not path.is_file():
        raise pytest.UsageError(
            f"--http-data takes a CSV, JSON or JSON Lines file: no file '{given}'"
        )
    return path
