"""The ``httprun`` fixture: run request files from Python tests."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from .items import describe_request
from .options import _PluginState, _state

# Nothing from httprun is imported here at module level: the plugin loads in every pytest run
# of every project that installs httprun, so lark, httpx, jmespath and rich are imported inside
# the hooks that need them (a test pins this).
if TYPE_CHECKING:
    from ..options import RunOptions
    from ..results import FileResult, RequestResult


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
        from ..errors import HttprunError
        from ..results import FileResult
        from ..targets import Target

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
        from ..results import RequestResult

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
