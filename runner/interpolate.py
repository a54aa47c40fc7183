"""``<<...>>`` interpolation: JMESPath over the scope, dynamic values, percent-encoding.

How the scope becomes JMESPath's input: the expression's compiled tree says which top-level
names it reads (``runner.jmes.root_names``), and only those are looked up, into a plain dict.
We chose this over a lazy ``dict`` subclass because jmespath type-checks function arguments by
the exact class name (``length(@)`` would reject a subclass) and ``json.dumps``/``merge()`` read
a dict's storage directly; and because looking up only the names an expression reads means a
broken file variable the expression does not use cannot fail it. The same tree also tells us
which name was undefined, for the error. Expressions that read the scope as a whole (``@``,
``*.x``, ``keys(@)``) get every name.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jmespath import exceptions as jmespath_errors

from .directives import did_you_mean
from .dynamic import evaluate_dynamic
from .errors import ResolveError, UndefinedVariable
from .jmes import (
    compile_query,
    explain_error,
    json_type_with_article,
    reads_whole_root,
    root_names,
)
from .jsonvalues import valid_text
from .nodes import Interp, InterpKind, Template, Text
from .source import Span

if TYPE_CHECKING:
    from .scope import Scope

_DEFAULT_HINT = "give a fallback for a missing value: <<expression || 'default'>>"
_SYNTAX_HINT = (
    "<<...>> holds a JMESPath expression: <<name>>, <<login.body.items[0].id>>; quote names "
    'with other characters: <<"x-api-key">>; write \\<< for a literal <<'
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def to_text(value: Any) -> str:
    """A value as inserted into text: strings as they are, everything else as compact JSON.

    Raises ValueError for a number JSON cannot hold (Infinity, NaN)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def render_template(template: Template, scope: Scope) -> str:
    """``template`` with every ``<<...>>`` replaced by its value as text."""
    return "".join(
        part.text if isinstance(part, Text) else _inserted(part, evaluate(part, scope))
        for part in template.parts
    )


def _inserted(interp: Interp, value: Any) -> str:
    try:
        # A JSON literal (`["\ud800"]`) can hold a lone surrogate, which cannot be sent.
        return valid_text(to_text(value))
    except ValueError:
        raise ResolveError(
            f"'{interp.expr.strip()}' holds a number JSON cannot write (Infinity or NaN)",
            interp.span,
            hint="values are inserted as JSON: use a finite number, or a string",
        ) from None


def evaluate_template(template: Template, scope: Scope) -> Any:
    """The value of a file variable's template: a template that is exactly one ``<<expr>>``
    keeps the value's JSON type (``@user = <<login.body.user>>`` then ``<<user.id>>``);
    anything else is text."""
    if len(template.parts) == 1 and isinstance(template.parts[0], Interp):
        return evaluate(template.parts[0], scope)
    return render_template(template, scope)


def evaluate(interp: Interp, scope: Scope) -> Any:
    """The value of one ``<<...>>``; for ``<<%expr>>``, the percent-encoded text.

    Raises :class:`UndefinedVariable` when a name it reads is not defined, and
    :class:`ResolveError` when it has no value or is not a valid expression.
    """
    expr = interp.expr.strip()
    if interp.kind is InterpKind.DYNAMIC or (
        interp.kind is InterpKind.PERCENT and expr.startswith("$")
    ):
        value = evaluate_dynamic(expr.removeprefix("$"), interp.span, scope.dynamic, scope.masker)
    else:
        value = _query(expr, interp.span, scope)
    if isinstance(value, str):
        value = valid_text(value)  # `"\ud800"`: text is valid Unicode (docs/FORMAT.md)
    if interp.kind is InterpKind.PERCENT:
        return quote(_inserted(interp, value), safe="")
    return value


def _query(expression: str, span: Span, scope: Scope) -> Any:
    if not expression:
        raise ResolveError("empty <<>>", span, hint=_SYNTAX_HINT)
    if _IDENTIFIER.match(expression):
        # <<name>>, the commonest form: JMESPath would give the value itself, so skip it. A
        # missing or unusable name takes the long way, which says why.
        with contextlib.suppress(UndefinedVariable):
            value = scope.get(expression)
            if value is not None:
                return value
    try:
        compiled = compile_query(expression)
    except jmespath_errors.JMESPathError as error:
        raise ResolveError(
            f"invalid expression '{expression}': {explain_error(error)}",
            span,
            hint=_SYNTAX_HINT,
        ) from None
    names = sorted(root_names(expression), key=lambda name: (expression.find(name), name))
    root, unusable = _lookup(scope.names() if reads_whole_root(expression) else names, scope)
    try:
        value = compiled.search(root)
    except jmespath_errors.JMESPathError as error:
        raise ResolveError(
            f"cannot evaluate '{expression}': {explain_error(error)}", span
        ) from None
    if value is not None:
        return value
    # A name whose value is null (a JSON data row's field) is defined: it has no value.
    missing = [n for n in names if n not in root and not scope.holds_null(n)]
    if missing and missing[0] in unusable:
        raise unusable[missing[0]]
    if missing:
        raise UndefinedVariable(
            missing[0],
            span,
            looked_in=scope.looked_in(),
            suggestions=_suggest(missing[0], scope.names()),
            expression=expression if expression != missing[0] else None,
        )
    steps = _path_steps(compiled.parsed)
    label = _why_null(steps, root) if steps else "the expression gives null"
    raise ResolveError(f"'{expression}' has no value", span, label=label, hint=_DEFAULT_HINT)


def _lookup(names: list[str], scope: Scope) -> tuple[dict[str, Any], dict[str, UndefinedVariable]]:
    """The values of ``names`` that have one, and the errors of file variables that use
    something undefined.

    Such a variable counts as having no value, so that ``<<token || 'none'>>`` works before
    ``login`` ran; its own error is the one to show when nothing else gives a value.
    """
    root: dict[str, Any] = {}
    unusable: dict[str, UndefinedVariable] = {}
    for name in names:
        try:
            value = scope.get(name)
        except UndefinedVariable as error:
            unusable[name] = error
            continue
        if value is not None:
            root[name] = value
    return root, unusable


def _suggest(name: str, candidates: list[str]) -> tuple[str, ...]:
    """Close names: same letters in another case first, then difflib's nearest."""
    same_letters = [c for c in candidates if c.lower() == name.lower() and c != name]
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    return tuple(dict.fromkeys([*same_letters, *close]))[:3]


def _path_steps(node: Mapping[str, Any]) -> list[str | int] | None:
    """``a.b[0].c`` as ``["a", "b", 0, "c"]``; None for anything but a plain path."""
    kind = node.get("type")
    if kind == "field":
        return [str(node["value"])]
    if kind not in ("subexpression", "index_expression"):
        return None
    steps: list[str | int] = []
    for child in node["children"]:
        if child.get("type") == "index":
            steps.append(int(child["value"]))
            continue
        inner = _path_steps(child)
        if inner is None:
            return None
        steps.extend(inner)
    return steps


def _why_null(steps: list[str | int], root: dict[str, Any]) -> str:
    """Where along a path the value runs out; names keys and types, never values."""
    first = steps[0]
    value = root.get(str(first))
    shown = _show_name(str(first))
    for step in steps[1:]:
        if isinstance(step, int):
            if not isinstance(value, list):
                return f"{shown} is {json_type_with_article(value)}, not an array"
            if not -len(value) <= step < len(value):
                return f"{shown} has {len(value)} item(s), so no [{step}]"
            value = value[step]
            shown = f"{shown}[{step}]"
        else:
            if not isinstance(value, dict):
                return f"{shown} is {json_type_with_article(value)}, not an object"
            if step not in value:
                return f"{shown} has no '{step}'{did_you_mean(step, [str(k) for k in value])}"
            value = value[step]
            shown = f"{shown}.{_show_name(step)}"
        if value is None:
            return f"{shown} is null"
    return f"{shown} is null"


def _show_name(name: str) -> str:
    return name if _IDENTIFIER.match(name) else json.dumps(name)
