"""The variables a request sees, with FORMAT.md's precedence.

Lowest first: the env files' values, then the names imported files provide (``@import``, read
through ``imported``: only names this file does not define itself), then file variables
(``@name = value``) and captures / named responses in the order the run reaches them (a later
one replaces an earlier one of the same name), then the fields of the data row the file runs
for (``@data``), and ``--var`` pins over everything. File variables are kept unevaluated and
evaluated at each use, so ``@token = <<login.body.access_token>>`` sees ``login`` once it ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol

from .dynamic import DEFAULT_SOURCES, DynamicSources
from .env import Environment
from .errors import ResolveError
from .interpolate import evaluate_template
from .jmes import reads_whole_root, root_names
from .masking import Masker
from .nodes import Interp, InterpKind, Variable

_NO_PINS: Mapping[str, str] = MappingProxyType({})
_NO_ROW: Mapping[str, Any] = MappingProxyType({})


class ImportedNames(Protocol):
    """The names imported files provide to a file (see :mod:`runner.shared`)."""

    def __contains__(self, name: object) -> bool: ...
    def get(self, name: str) -> Any | None: ...
    def names(self) -> list[str]: ...


class Scope:
    def __init__(
        self,
        env: Environment,
        pins: Mapping[str, str] = _NO_PINS,
        masker: Masker | None = None,
        *,
        dynamic: DynamicSources = DEFAULT_SOURCES,
        row: Mapping[str, Any] = _NO_ROW,
        imported: ImportedNames | None = None,
    ) -> None:
        self._env = env
        self._pins = dict(pins)
        self._row = dict(row)
        self._imported = imported
        self._masker = masker
        self._dynamic = dynamic
        # File variables (unevaluated) and assigned values; setting a name again replaces it.
        self._entries: dict[str, Variable | Any] = {}
        # The file variables being evaluated right now, outermost first (cycle detection).
        self._evaluating: list[Variable] = []
        # File variables already evaluated for the request under way: one value per request,
        # so `@id = <<$uuid>>` is the same id in the URL, the body and the checks.
        # id(variable) → (variable, value). The variable is kept with its value so that its id
        # cannot be reused by another variable while the entry lives (a capture may replace it).
        self._this_request: dict[int, tuple[Variable, Any]] = {}
        # File variables that failed while the one asked for is evaluated (see
        # _evaluate_dependencies_first); emptied when that evaluation ends.
        self._failed: dict[int, ResolveError] = {}
        for source in (env.values, env.settings, self._row, self._pins):
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
        return (
            *self._env.sources,
            *(("imported files",) if self._imported is not None else ()),
            "file variables",
            "captures",
            *(("the data row",) if self._row else ()),
            "--var",
        )

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
        if name in self._row:
            return self._row[name]
        if name not in self._entries:
            if self._imported is not None and name in self._imported:
                return self._imported.get(name)
            return self._env.values.get(name)
        entry = self._entries[name]
        return self._evaluate(entry) if isinstance(entry, Variable) else entry

    def holds_null(self, name: str) -> bool:
        """Whether ``name`` is defined here with the value null (a JSON data row's field, a
        capture or a named response): defined, without a value; unlike a name not defined."""
        if name in self._pins:
            return False
        if name in self._row:
            return self._row[name] is None
        return name in self._entries and self._entries[name] is None

    def names(self) -> list[str]:
        """Every name that has a value here, sorted."""
        imported = self._imported.names() if self._imported is not None else ()
        return sorted({*self._env.values, *imported, *self._entries, *self._row, *self._pins})

    def _evaluate(self, variable: Variable) -> Any:
        if not self._evaluating and id(variable) not in self._this_request:
            try:
                self._evaluate_dependencies_first(variable)
                return self._evaluate_one(variable)
            finally:
                self._failed.clear()
        return self._evaluate_one(variable)

    def _evaluate_dependencies_first(self, variable: Variable) -> None:
        """Evaluate the file variables ``variable`` reads, and theirs, innermost first.

        Each then finds what it reads already evaluated, so a chain as long as
        ``@v2 = <<v1>>`` ... ``@v500 = <<v499>>`` takes one evaluation at a time instead of a
        recursion as deep as the chain. A failure (a cycle too) is kept for this evaluation
        only, and met again only where the value is used.
        """
        order: list[Variable] = []
        on_path = {id(variable)}
        done: set[int] = set()
        stack = [(variable, iter(self._reads(variable)))]
        while stack:
            current, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                stack.pop()
                on_path.discard(id(current))
                done.add(id(current))
                order.append(current)
                continue
            if id(following) in on_path:  # a cycle: whoever reads ``following`` fails
                path = [entry for entry, _ in stack]
                start = next(i for i, entry in enumerate(path) if entry is following)
                self._failed[id(following)] = _cycle_error([*path[start:], following])
                continue
            if id(following) in done or id(following) in self._this_request:
                continue
            on_path.add(id(following))
            stack.append((following, iter(self._reads(following))))
        for dependency in order[:-1]:  # the last one is ``variable`` itself
            try:
                self._evaluate_one(dependency)
            except ResolveError as error:
                self._failed[id(dependency)] = error

    def _reads(self, variable: Variable) -> list[Variable]:
        """The file variables ``variable``'s ``<<...>>`` read (``--var`` pins hide them)."""
        names: set[str] = set()
        for part in variable.value.parts:
            if not isinstance(part, Interp) or part.kind is InterpKind.DYNAMIC:
                continue
            expression = part.expr.strip()
            if expression.startswith("$"):  # <<%$uuid>>
                continue
            names |= set(self._entries) if reads_whole_root(expression) else root_names(expression)
        return [
            entry
            for name in sorted(names)
            if name not in self._pins
            and name not in self._row
            and isinstance(entry := self._entries.get(name), Variable)
        ]

    def _evaluate_one(self, variable: Variable) -> Any:
        if id(variable) in self._this_request:
            return self._this_request[id(variable)][1]
        if id(variable) in self._failed:
            raise self._failed[id(variable)]
        if any(active is variable for active in self._evaluating):
            start = next(i for i, v in enumerate(self._evaluating) if v is variable)
            raise _cycle_error([*self._evaluating[start:], variable])
        self._evaluating.append(variable)
        try:
            value = evaluate_template(variable.value, self)
        finally:
            self._evaluating.pop()
        self._learn(variable.name, value)
        self._this_request[id(variable)] = (variable, value)
        return value

    def _learn(self, name: str, value: Any) -> None:
        """Teach the masker every value held under a secret-looking name, nested ones too
        (a named response's ``body.access_token``)."""
        if self._masker is not None:
            self._masker.add_variable(name, value)


def _cycle_error(chain: list[Variable]) -> ResolveError:
    """``chain`` runs from a variable back to itself: ``a -> b -> a``."""
    first = chain[0]
    return ResolveError(
        f"file variable '{first.name}' depends on itself: "
        + " -> ".join(entry.name for entry in chain),
        first.span,
        label="defined here",
        hint="break the cycle: give one of these variables a value that does not use the others",
    )
