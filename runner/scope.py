"""The variables a request sees, with FORMAT.md's precedence.

Lowest first: the env files' values, then file variables (``@name = value``) and captures /
named responses in the order the run reaches them (a later one replaces an earlier one of the
same name), and ``--var`` pins over everything. File variables are kept unevaluated and
evaluated at each use, so ``@token = <<login.body.access_token>>`` sees ``login`` once it ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .dynamic import DEFAULT_SOURCES, DynamicSources
from .env import Environment
from .errors import ResolveError
from .interpolate import evaluate_template
from .masking import Masker
from .nodes import Variable

_NO_PINS: Mapping[str, str] = MappingProxyType({})


class Scope:
    def __init__(
        self,
        env: Environment,
        pins: Mapping[str, str] = _NO_PINS,
        masker: Masker | None = None,
        *,
        dynamic: DynamicSources = DEFAULT_SOURCES,
    ) -> None:
        self._env = env
        self._pins = dict(pins)
        self._masker = masker
        self._dynamic = dynamic
        # File variables (unevaluated) and assigned values; setting a name again replaces it.
        self._entries: dict[str, Variable | Any] = {}
        # The file variables being evaluated right now, outermost first (cycle detection).
        self._evaluating: list[Variable] = []
        # File variables already evaluated for the request under way: one value per request,
        # so `@id = <<$uuid>>` is the same id in the URL, the body and the checks.
        self._this_request: dict[int, Any] = {}
        for source in (env.values, env.settings, self._pins):
            for name, value in source.items():
                self._learn(name, value)

    @property
    def env(self) -> Environment:
        return self._env

    @property
    def masker(self) -> Masker | None:
        return self._masker

    @property
    def dynamic(self) -> DynamicSources:
        return self._dynamic

    def looked_in(self) -> tuple[str, ...]:
        """Where a name is looked up, for "undefined variable" messages."""
        return (*self._env.sources, "file variables", "captures", "--var")

    def begin_request(self) -> None:
        """A new request: file variables are evaluated afresh, once, when it first uses them
        (values captured since then are seen by the next request)."""
        self._this_request.clear()

    def define(self, variable: Variable) -> None:
        """A file variable: kept as written, evaluated when a request uses it."""
        self._entries[variable.name] = variable

    def assign(self, name: str, value: Any) -> None:
        """A capture or a named response document."""
        self._entries[name] = value
        self._learn(name, value)

    def get(self, name: str) -> Any | None:
        """The value of ``name``, or None when nothing defines it.

        Raises :class:`ResolveError` when ``name`` is a file variable that cannot be evaluated
        (it uses an undefined name, or refers back to itself).
        """
        if name in self._pins:
            return self._pins[name]
        if name not in self._entries:
            return self._env.values.get(name)
        entry = self._entries[name]
        return self._evaluate(entry) if isinstance(entry, Variable) else entry

    def names(self) -> list[str]:
        """Every name that has a value here, sorted."""
        return sorted({*self._env.values, *self._entries, *self._pins})

    def _evaluate(self, variable: Variable) -> Any:
        if id(variable) in self._this_request:
            return self._this_request[id(variable)]
        if any(active is variable for active in self._evaluating):
            start = next(i for i, v in enumerate(self._evaluating) if v is variable)
            chain = [v.name for v in self._evaluating[start:]] + [variable.name]
            raise ResolveError(
                f"file variable '{variable.name}' depends on itself: {' -> '.join(chain)}",
                variable.span,
                label="defined here",
                hint="break the cycle: give one of these variables a value that does not "
                "use the others",
            )
        self._evaluating.append(variable)
        try:
            value = evaluate_template(variable.value, self)
        finally:
            self._evaluating.pop()
        self._learn(variable.name, value)
        self._this_request[id(variable)] = value
        return value

    def _learn(self, name: str, value: Any) -> None:
        """Teach the masker every value held under a secret-looking name, nested ones too
        (a named response's ``body.access_token``)."""
        if self._masker is None:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                self._learn(str(key), item)
        elif isinstance(value, list):
            for item in value:
                self._learn(name, item)
        else:
            self._masker.add_variable(name, value)
