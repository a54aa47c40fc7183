"""Evaluate a block's ``??`` checks and ``>>`` captures against a response document.

Semantics are FORMAT.md "Response checks": every check and capture is evaluated and reported,
not only the first that fails; a check that cannot be evaluated (a query that does not compile,
a value whose ``<<...>>`` cannot be rendered, types that do not compare) is a failed check with a
message, never an exception. Comparisons follow JSON, not Python: ``1 == 1.0`` but
``true != 1`` and ``"1100.00" != 1100``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jmespath.exceptions import (
    JMESPathError,
)

from .errors import CheckFailed, Diagnostic, ResolveError
from .jmes import compile_query, explain_error, json_type, json_type_with_article, root_names
from .jsonvalues import decode_json
from .masking import Masker, mask_and_clip
from .nodes import Block, Capture, Check, CheckValue, CheckValueKind, Interp, InterpKind, Template
from .results import CheckResult
from .source import Span

# Values longer than this are cut in messages: a whole response body helps nobody.
_MAX_SHOWN = 200
_STATUS_RULE_TEXT = "status < 400"
_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # a bare JMESPath identifier


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Every check and capture of one response, evaluated; ``captures`` holds the ones that
    succeeded (name → value, JSON types kept)."""

    results: tuple[CheckResult, ...]
    captures: dict[str, Any]

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)


def evaluate_block(
    block: Block,
    document: dict[str, Any],
    render: Callable[[Template], Any],
    on_capture: Callable[[str, Any], None] | None = None,
    *,
    masker: Masker | None = None,
) -> Evaluation:
    """Evaluate ``block``'s checks and captures, and the implicit status rule, on ``document``.

    They run in file order; ``on_capture`` hears each capture as it is taken, so the checks
    after it can use it (FORMAT.md: a capture is a variable "for the rest of the file").
    ``render`` interpolates a check value's ``<<...>>``; a ``ResolveError`` it raises fails that
    check alone. Results come in file order, the status rule (when it applies) first.
    Values shown in messages are cut short after ``masker`` masked them; it learns the
    block's secret-named captures first, so a check above such a capture cannot show part
    of it either.
    """
    lines: list[tuple[tuple[int, int], Check | Capture]] = [
        *((_position(check.span), check) for check in block.checks),
        *((_position(capture.span), capture) for capture in block.captures),
    ]
    lines.sort(key=lambda item: item[0])  # stable: equal positions keep their order
    taken = {id(capture): _evaluate_capture(capture, document) for capture in block.captures}
    mask: Callable[[str], str] = _unmasked
    if masker is not None:
        mask = masker.mask
        for capture in block.captures:
            masker.add_variable(capture.name, taken[id(capture)][1])
    results: list[CheckResult] = []
    captures: dict[str, Any] = {}
    for _, line in lines:
        if isinstance(line, Check):
            results.append(_evaluate_check(line, document, render, mask))
            continue
        result, value = taken[id(line)]
        if result.passed:
            captures[line.name] = value
            if on_capture is not None:
                on_capture(line.name, value)
        results.append(result)
    if not any("status" in root_names(check.query) for check in block.checks):
        span = block.request.span if block.request is not None else block.span
        results.insert(0, _status_rule(document, span))
    return Evaluation(tuple(results), captures)


def failures_as_error(evaluation: Evaluation) -> CheckFailed | None:
    """One diagnostic per failed check or capture, or ``None`` when everything passed."""
    failures = [
        Diagnostic(
            "error",
            f"{'capture' if result.kind == 'capture' else 'check'} failed: {result.text}",
            result.span,
            label=result.message,
        )
        for result in evaluation.results
        if not result.passed
    ]
    return CheckFailed(failures) if failures else None


# --- checks ------------------------------------------------------------------------------------


class _CheckError(Exception):
    """This check cannot be evaluated; the message says why. Never leaves this module."""


# How a failure message states what was expected; ``{e}`` is the expected value shown.
_EXPECTATIONS: dict[str, tuple[str, str]] = {
    "==": ("{e}", "not {e}"),
    "!=": ("anything but {e}", "{e} (not !=)"),
    "<": ("a value < {e}", "a value not < {e}"),
    "<=": ("a value <= {e}", "a value not <= {e}"),
    ">": ("a value > {e}", "a value not > {e}"),
    ">=": ("a value >= {e}", "a value not >= {e}"),
    "contains": ("a value containing {e}", "a value not containing {e}"),
    "in": ("a value in {e}", "a value not in {e}"),
    "matches": ("a string matching {e}", "a string not matching {e}"),
}
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


def _unmasked(text: str) -> str:
    return text


def _evaluate_check(
    check: Check,
    document: dict[str, Any],
    render: Callable[[Template], Any],
    mask: Callable[[str], str],
) -> CheckResult:
    def failed(message: str, expected: Any = None, actual: Any = None) -> CheckResult:
        return CheckResult("check", check.text, False, check.span, message, expected, actual)

    try:
        actual = _search(check.query, document)
    except _CheckError as error:
        return failed(str(error))

    op = check.op
    if op is None:
        passed = _is_truthy(actual) != check.negated
        wanted = (
            'a falsy value (null, false, "", [] or {})'
            if check.negated
            else ('a truthy value (not null, false, "", [] or {})')
        )
        message = "" if passed else f"expected {wanted}, got {_show(actual, mask)}"
        return CheckResult("check", check.text, passed, check.span, message, None, actual)

    if op == "exists":
        passed = (actual is not None) != check.negated
        wanted = "no value (null)" if check.negated else "a value (not null)"
        message = "" if passed else f"expected {wanted}, got {_show(actual, mask)}"
        return CheckResult("check", check.text, passed, check.span, message, None, actual)

    if op not in _EXPECTATIONS:
        return failed(f"unknown operator {op!r}", actual=actual)
    if check.value is None:
        return failed(f"operator {op!r} needs a value to compare with", actual=actual)
    try:
        expected = _expected_value(check.value, render)
    except _CheckError as error:
        return failed(str(error), actual=actual)

    def expectation() -> str:  # only failures are described: this is the hot path
        phrase = _EXPECTATIONS[op][1 if check.negated else 0].format(e=_show(expected, mask))
        return f"expected {phrase}, got {_show(actual, mask)}"

    try:
        outcome = _apply(op, actual, expected, mask)
    except _CheckError as error:
        # A type mismatch is a failure whether or not the check is negated.
        return failed(f"{error}: {expectation()}", expected, actual)
    passed = outcome != check.negated
    message = "" if passed else expectation()
    return CheckResult("check", check.text, passed, check.span, message, expected, actual)


def _apply(op: str, actual: Any, expected: Any, mask: Callable[[str], str]) -> bool:
    """Whether ``actual OP expected`` holds; raises :class:`_CheckError` on types that don't
    fit the operator."""
    if op == "==":
        return _json_equal(actual, expected)
    if op == "!=":
        return not _json_equal(actual, expected)
    if op in _ORDERING:
        if (_is_number(actual) and _is_number(expected)) or (
            isinstance(actual, str) and isinstance(expected, str)
        ):
            return _ORDERING[op](actual, expected)
        raise _CheckError(
            f"{json_type(actual)} and {json_type(expected)} do not compare with {op} "
            "(numbers compare with numbers, strings with strings)"
        )
    if op == "contains":
        return _contains(actual, expected, "contains needs a string, an array or an object")
    if op == "in":
        return _contains(expected, actual, "in needs a string, an array or an object after it")
    if op == "matches":
        return _matches(actual, expected, mask)
    raise _CheckError(f"unknown operator {op!r}")


def _contains(container: Any, item: Any, wrong_container: str) -> bool:
    if isinstance(container, str):
        if not isinstance(item, str):
            raise _CheckError(
                f"a string can only contain a string, not {json_type_with_article(item)}"
            )
        return item in container
    if isinstance(container, list):
        return any(_json_equal(element, item) for element in container)
    if isinstance(container, dict):
        if not isinstance(item, str):
            raise _CheckError(f"an object's keys are strings, not {json_type_with_article(item)}")
        return item in container
    raise _CheckError(f"{wrong_container}, not {json_type(container)}")


def _matches(actual: Any, pattern: Any, mask: Callable[[str], str]) -> bool:
    if not isinstance(pattern, str):
        raise _CheckError(
            f"matches needs a regular expression string, not {json_type_with_article(pattern)}"
        )
    try:
        compiled = re.compile(pattern)  # re keeps its own cache of compiled patterns
    except re.error as error:
        raise _CheckError(
            f"invalid regular expression {_show_plain(pattern, mask)}: {error}"
        ) from None
    if not isinstance(actual, str):
        raise _CheckError(f"matches needs a string to search, not {json_type_with_article(actual)}")
    return compiled.search(actual) is not None


def _expected_value(value: CheckValue, render: Callable[[Template], Any]) -> Any:
    if value.kind is not CheckValueKind.TEMPLATE:
        return value.json
    if value.template is None:
        raise _CheckError("the check's value is missing")
    try:
        rendered = render(value.template)
    except ResolveError as error:
        detail = f"{error.message} ({error.label})" if error.label else error.message
        raise _CheckError(f"cannot compute the expected value: {detail}") from None
    # A value that is exactly one <<expr>> keeps its JSON type (a captured "1100.00" stays a
    # string); text around it makes it text, read as JSON when it is valid JSON.
    if not isinstance(rendered, str) or _is_single_expression(value.template):
        return rendered
    try:
        return decode_json(rendered, _JSON)
    except ValueError:  # not JSON, or nested too deeply to compare: the text
        return rendered


def _is_single_expression(template: Template) -> bool:
    parts = template.parts
    return len(parts) == 1 and isinstance(parts[0], Interp) and parts[0].kind is InterpKind.EXPR


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are Python's extension, not JSON: such text stays a string.
    raise ValueError(name)


_JSON = json.JSONDecoder(parse_constant=_reject_constant)


# --- captures and the status rule --------------------------------------------------------------


def _evaluate_capture(capture: Capture, document: dict[str, Any]) -> tuple[CheckResult, Any]:
    text = f"{capture.name} = {capture.query}"
    try:
        value = _search(capture.query, document)
    except _CheckError as error:
        return CheckResult("capture", text, False, capture.span, str(error)), None
    if value is None:
        message = f"{capture.query} is null: nothing to capture as '{capture.name}'"
        return CheckResult("capture", text, False, capture.span, message), None
    return CheckResult("capture", text, True, capture.span, actual=value), value


def _status_rule(document: dict[str, Any], span: Span) -> CheckResult:
    status = document.get("status")
    passed = isinstance(status, int) and status < 400
    message = ""
    if not isinstance(status, int):
        message = "expected a status below 400, but the response document has no status"
    elif not passed:
        reason = document.get("reason") or ""
        shown = f"{status} {reason}".strip()
        message = (
            f"expected a status below 400, got {shown} (write '?? status == {status}' to expect it)"
        )
    return CheckResult("status", _STATUS_RULE_TEXT, passed, span, message, "< 400", status)


# Node types that evaluate their children after the first against the first one's result:
# only the first child reads the document's root (unless it is ``@``, the root itself).
# --- JMESPath and JSON helpers -----------------------------------------------------------------


def _search(query: str, document: dict[str, Any]) -> Any:
    if _FIELD.fullmatch(query):  # `status`, `body`: JMESPath gives the field; skip its visitor
        return document.get(query)
    try:
        compiled = compile_query(query)
    except JMESPathError as error:
        raise _CheckError(f"invalid query {query!r}: {explain_error(error)}") from None
    try:
        return compiled.search(document)
    except JMESPathError as error:
        raise _CheckError(f"query {query!r} failed: {error}") from None


_GENERIC_PARSE_MESSAGE = "Invalid jmespath expression"  # says nothing the column doesn't


def _is_truthy(value: Any) -> bool:
    """JMESPath truthiness: false, null, "", [] and {} are false; every number is true."""
    if value is None or value is False:
        return False
    if isinstance(value, str | list | dict):
        return len(value) > 0
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_equal(left: Any, right: Any) -> bool:
    """Equality of JSON values: numbers by value (``1 == 1.0``), never across types."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(
            _json_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    return False


def _show_plain(value: Any, mask: Callable[[str], str]) -> str:
    """``value`` as compact JSON, masked, then cut to a readable length."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(value)
    return mask_and_clip(text, mask, _MAX_SHOWN)


def _show(value: Any, mask: Callable[[str], str]) -> str:
    """``value`` with its JSON type: ``404 (number)``, ``"x" (string)``, ``null``."""
    if value is None:
        return "null"
    return f"{_show_plain(value, mask)} ({json_type(value)})"


def _position(span: Span) -> tuple[int, int]:
    return (span.line, span.column)
