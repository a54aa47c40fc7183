"""runner.checks: ``??`` checks, ``>>`` captures and the status rule on a response document.

Nodes are built by hand here, as the parser would build them from the lines quoted in comments.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jmespath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.checks import Evaluation, _search, evaluate_block, failures_as_error
from runner.errors import EXIT_CHECK_FAILED, CheckFailed, UndefinedVariable
from runner.nodes import (
    Block,
    Capture,
    Check,
    CheckValue,
    CheckValueKind,
    Interp,
    InterpKind,
    Request,
    Template,
    Text,
)
from runner.source import Span

PATH = "requests/checks.http"
REQUEST_SPAN = Span.point(PATH, 2, 1, 3)

DOCUMENT: dict[str, Any] = {
    "status": 200,
    "reason": "OK",
    "headers": {"content-type": "application/json", "x-api-call-limit": "1/40"},
    "body": {
        "products": [
            {"product_no": 7, "product_name": "Tee", "price": "1100.00", "display": True},
            {"product_no": 8, "product_name": "Cap", "price": "900.00", "display": False},
        ],
        "count": 2,
        "ratio": 1.0,
        "zero": 0,
        "empty_list": [],
        "empty_object": {},
        "empty_string": "",
        "nothing": None,
        "flag": False,
        "meta": {"page": 1},
        "long": "x" * 500,
    },
    "text": "{...}",
    "elapsed_ms": 12.5,
    "url": "http://127.0.0.1/products",
}

_next_line = iter(range(10, 100_000))


def _span(line: int | None = None) -> Span:
    return Span.point(PATH, line if line is not None else next(_next_line), 4, 10)


def check(
    query: str,
    op: str | None = None,
    value: Any = None,
    *,
    negated: bool = False,
    kind: CheckValueKind = CheckValueKind.JSON,
    template: Template | None = None,
    line: int | None = None,
) -> Check:
    span = _span(line)
    check_value = None
    if op is not None and op != "exists":
        check_value = CheckValue(kind, None if template else value, template, span)
    text = " ".join(
        part
        for part in (
            query,
            "not" if negated else "",
            op or "",
            "" if check_value is None else _written(check_value),
        )
        if part
    )
    return Check(query, span, op, negated, check_value, text, span)


def _written(value: CheckValue) -> str:
    if value.kind is CheckValueKind.RAW:
        return f"'{value.json}'"
    if value.kind is CheckValueKind.TEMPLATE and value.template is not None:
        return value.template.source
    return json.dumps(value.json)


def capture(name: str, query: str, *, line: int | None = None) -> Capture:
    span = _span(line)
    return Capture(name, query, span, span)


def block(
    checks: tuple[Check, ...] = (), captures: tuple[Capture, ...] = (), *, request: bool = True
) -> Block:
    request_node = (
        Request("GET", Template((Text("http://127.0.0.1/products"),), REQUEST_SPAN), None, (),
                None, REQUEST_SPAN)
        if request
        else None
    )  # fmt: skip
    return Block("t", (), (), request_node, checks, captures, Span(PATH, 1, 1, 40, 1))


def no_render(template: Template) -> str:
    raise AssertionError("render must not be called for JSON and RAW values")


def evaluate(
    *checks: Check,
    document: dict[str, Any] = DOCUMENT,
    render: Callable[[Template], str] = no_render,
) -> Evaluation:
    return evaluate_block(block(tuple(checks)), document, render)


def single(one: Check, **kwargs: Any) -> tuple[bool, str]:
    """(passed, message) of one check (the status rule is off: DOCUMENT's status is 200)."""
    results = [r for r in evaluate(one, **kwargs).results if r.kind == "check"]
    assert len(results) == 1
    return results[0].passed, results[0].message


# --- truthiness --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "passes"),
    [
        ("body.products", True),
        ("body.count", True),
        ("body.zero", True),  # JMESPath: every number is true, 0 too
        ("body.meta", True),
        ("body.empty_list", False),
        ("body.empty_object", False),
        ("body.empty_string", False),
        ("body.nothing", False),
        ("body.flag", False),
        ("body.missing", False),
        ("length(body.products[?display]) == `1`", True),
        ("body.products[?product_no > `7`]", True),
        ("body.products[?product_no > `8`]", False),
    ],
)
def test_bare_query_passes_when_truthy(query: str, passes: bool) -> None:
    passed, message = single(check(query))
    assert passed is passes
    if not passes:
        assert message.startswith('expected a truthy value (not null, false, "", [] or {}), got ')


def test_bare_query_failure_shows_the_value_with_its_type() -> None:
    assert single(check("body.empty_list")) == (
        False,
        'expected a truthy value (not null, false, "", [] or {}), got [] (array)',
    )
    assert single(check("body.missing"))[1].endswith("got null")


# --- == and != ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "value", "equal"),
    [
        ("status", 200, True),
        ("status", 200.0, True),  # 1 == 1.0
        ("body.ratio", 1, True),
        ("status", 404, False),
        ("status", "200", False),
        ("body.products[0].price", "1100.00", True),
        ("body.products[0].price", 1100, False),  # "1100.00" != 1100
        ("body.products[0].display", True, True),
        ("body.products[0].display", 1, False),  # true != 1
        ("body.zero", False, False),  # 0 != false
        ("body.nothing", None, True),
        ("body.missing", None, True),
        ("body.nothing", False, False),
        ("body.meta", {"page": 1}, True),
        ("body.meta", {"page": 1.0}, True),
        ("body.meta", {"page": True}, False),
        ("body.meta", {"page": 1, "size": 2}, False),
        ("body.products[*].product_no", [7, 8], True),
        ("body.products[*].product_no", [8, 7], False),
        ("body.products[*].product_no", [7], False),
        ("body.empty_list", [], True),
        ("body.empty_list", {}, False),
    ],
)
def test_equality_is_json_equality(query: str, value: Any, equal: bool) -> None:
    assert single(check(query, "==", value))[0] is equal
    assert single(check(query, "!=", value))[0] is not equal
    assert single(check(query, "==", value, negated=True))[0] is not equal
    assert single(check(query, "!=", value, negated=True))[0] is equal


def test_equality_messages_show_values_with_json_types() -> None:
    assert single(check("status", "==", 200), document={**DOCUMENT, "status": 404})[1] == (
        "expected 200 (number), got 404 (number)"
    )
    assert single(check("body.products[0].price", "==", 1100))[1] == (
        'expected 1100 (number), got "1100.00" (string)'
    )
    assert single(check("body.products[0].price", "!=", "1100.00"))[1] == (
        'expected anything but "1100.00" (string), got "1100.00" (string)'
    )
    assert single(check("status", "==", 200, negated=True))[1] == (
        "expected not 200 (number), got 200 (number)"
    )
    assert single(check("body.meta", "==", None))[1] == ('expected null, got {"page":1} (object)')
    assert single(check("body.flag", "==", True))[1] == (
        "expected true (boolean), got false (boolean)"
    )


def test_long_values_are_cut_in_messages() -> None:
    passed, message = single(check("body.long", "==", "short"))
    assert not passed
    shown = message.split("got ", 1)[1]
    assert shown.endswith("… (string)")
    assert 190 <= len(shown) <= 215


# --- ordering ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "op", "value", "holds"),
    [
        ("status", "<", 300, True),
        ("status", "<", 200, False),
        ("status", "<=", 200, True),
        ("status", "<=", 199.5, False),
        ("status", ">", 199, True),
        ("status", ">", 200, False),
        ("status", ">=", 200.0, True),
        ("status", ">=", 201, False),
        ("length(body.products)", "<=", 5, True),
        ("body.products[0].product_name", "<", "Zebra", True),
        ("body.products[0].product_name", ">", "Zebra", False),
        ("body.products[0].price", ">=", "1100.00", True),
    ],
)
def test_ordering(query: str, op: str, value: Any, holds: bool) -> None:
    assert single(check(query, op, value))[0] is holds
    assert single(check(query, op, value, negated=True))[0] is not holds


def test_ordering_failure_messages() -> None:
    assert single(check("status", "<", 200))[1] == (
        "expected a value < 200 (number), got 200 (number)"
    )
    assert single(check("status", "<", 300, negated=True))[1] == (
        "expected a value not < 300 (number), got 200 (number)"
    )


@pytest.mark.parametrize(
    ("query", "value", "types"),
    [
        ("body.products[0].price", 1000, "string and number"),
        ("status", "100", "number and string"),
        ("body.flag", 1, "boolean and number"),
        ("body.nothing", 1, "null and number"),
        ("body.products", 1, "array and number"),
    ],
)
def test_ordering_across_types_fails_even_when_negated(query: str, value: Any, types: str) -> None:
    for negated in (False, True):
        passed, message = single(check(query, ">", value, negated=negated))
        assert not passed
        assert message.startswith(f"{types} do not compare with > (numbers compare with numbers")


# --- contains and in ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "value", "holds"),
    [
        ("body.products[0].product_name", "Te", True),
        ("body.products[0].product_name", "te", False),
        ("body.products[0].product_name", "", True),
        ("body.products[*].product_no", 7, True),
        ("body.products[*].product_no", 7.0, True),
        ("body.products[*].product_no", "7", False),
        ("body.products[*].display", 1, False),  # true is not 1
        ("body.products[*].display", False, True),
        ("body.products[*].product_name", "Tee", True),
        ("body.meta", "page", True),
        ("body.meta", "size", False),
        ("headers", "x-api-call-limit", True),
        ("body.empty_list", None, False),
    ],
)
def test_contains(query: str, value: Any, holds: bool) -> None:
    assert single(check(query, "contains", value))[0] is holds
    assert single(check(query, "contains", value, negated=True))[0] is not holds


@pytest.mark.parametrize(
    ("query", "value", "holds"),
    [
        ("status", [200, 201], True),
        ("status", [200.0], True),
        ("status", [201, 204], False),
        ("body.products[0].product_name", "Tee shirt", True),
        ("body.products[0].product_name", "Cap", False),
        ("body.products[0].product_name", {"Tee": 1}, True),
        ("body.products[0].product_name", {"Cap": 1}, False),
        ("body.products[0].display", [1, 0], False),
    ],
)
def test_in_is_contains_reversed(query: str, value: Any, holds: bool) -> None:
    assert single(check(query, "in", value))[0] is holds
    assert single(check(query, "in", value, negated=True))[0] is not holds


def test_contains_and_in_messages() -> None:
    assert single(check("body.products[0].product_name", "contains", "Cap"))[1] == (
        'expected a value containing "Cap" (string), got "Tee" (string)'
    )
    assert single(check("body.meta", "contains", "page", negated=True))[1] == (
        'expected a value not containing "page" (string), got {"page":1} (object)'
    )
    assert single(check("status", "in", [201, 204]))[1] == (
        "expected a value in [201,204] (array), got 200 (number)"
    )


@pytest.mark.parametrize(
    ("one", "reason"),
    [
        (check("status", "contains", 2), "contains needs a string, an array or an object, not "
                                         "number"),
        (check("body.nothing", "contains", "x"), "not null"),
        (check("body.products[0].product_name", "contains", 1), "a string can only contain a "
                                                                "string, not a number"),
        (check("body.meta", "contains", 1), "an object's keys are strings, not a number"),
        (check("status", "in", 200), "in needs a string, an array or an object after it, not "
                                     "number"),
        (check("status", "in", "200"), "a string can only contain a string, not a number"),
    ],
)  # fmt: skip
def test_contains_and_in_with_unfit_types_fail_even_when_negated(one: Check, reason: str) -> None:
    passed, message = single(one)
    assert not passed and reason in message
    negated = Check(one.query, one.query_span, one.op, True, one.value, one.text, one.span)
    passed, message = single(negated)
    assert not passed and reason in message


# --- matches -----------------------------------------------------------------------------------


def raw(query: str, op: str, pattern: str, *, negated: bool = False) -> Check:
    return check(query, op, pattern, kind=CheckValueKind.RAW, negated=negated)


@pytest.mark.parametrize(
    ("query", "pattern", "holds"),
    [
        ("body.products[0].price", r"^[0-9]+\.[0-9]{2}$", True),
        ("body.products[0].price", r"^[0-9]+$", False),
        ("body.products[0].product_name", "e", True),  # searched, not anchored
        ("body.products[0].product_name", "^T|F$", True),
        ('headers."x-api-call-limit"', r"^\d+/40$", True),
    ],
)
def test_matches_searches_the_regex(query: str, pattern: str, holds: bool) -> None:
    assert single(raw(query, "matches", pattern))[0] is holds
    assert single(raw(query, "matches", pattern, negated=True))[0] is not holds


def test_matches_messages_and_errors() -> None:
    assert single(raw("body.products[0].product_name", "matches", "^C"))[1] == (
        'expected a string matching "^C" (string), got "Tee" (string)'
    )
    assert single(raw("body.products[0].product_name", "matches", "^T", negated=True))[1] == (
        'expected a string not matching "^T" (string), got "Tee" (string)'
    )
    for negated in (False, True):
        passed, message = single(raw("body.products[0].price", "matches", "^[0-9", negated=negated))
        assert not passed
        assert message.startswith('invalid regular expression "^[0-9": unterminated character set')
        passed, message = single(raw("status", "matches", "^2", negated=negated))
        assert not passed
        assert message.startswith("matches needs a string to search, not a number")
    passed, message = single(check("body.products[0].price", "matches", 1100))
    assert not passed
    assert message.startswith("matches needs a regular expression string, not a number")


# --- exists ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "present"),
    [
        ('headers."x-api-call-limit"', True),
        ('headers."x-missing"', False),
        ("body.zero", True),
        ("body.flag", True),
        ("body.empty_string", True),
        ("body.nothing", False),
        ("body.error", False),
    ],
)
def test_exists_is_not_null(query: str, present: bool) -> None:
    assert single(check(query, "exists"))[0] is present
    assert single(check(query, "exists", negated=True))[0] is not present


def test_exists_messages() -> None:
    assert single(check("body.error", "exists"))[1] == "expected a value (not null), got null"
    assert single(check("body.zero", "exists", negated=True))[1] == (
        "expected no value (null), got 0 (number)"
    )


# --- values with <<...>> -----------------------------------------------------------------------


def template_check(
    query: str, op: str, expr: str, *, as_text: bool = False, **kwargs: Any
) -> Check:
    """A check whose value is ``<<expr>>``; ``as_text`` adds an (empty) text part, which makes
    the value text, as when other text stands beside the expression."""
    span = _span()
    parts: tuple[Interp | Text, ...] = (Interp(expr, InterpKind.EXPR, span),)
    if as_text:
        parts += (Text(""),)
    template = Template(parts, span)
    return check(query, op, kind=CheckValueKind.TEMPLATE, template=template, **kwargs)


def render_from(scope: dict[str, Any]) -> Callable[[Template], Any]:
    """Like the run's renderer: one ``<<expr>>`` keeps its type, anything else is text."""

    def render(template: Template) -> Any:
        only = template.parts[0] if len(template.parts) == 1 else None
        if isinstance(only, Interp) and only.expr in scope:
            return scope[only.expr]
        out = []
        for part in template.parts:
            if isinstance(part, Text):
                out.append(part.text)
            elif part.expr in scope:
                value = scope[part.expr]
                out.append(value if isinstance(value, str) else json.dumps(value))
            else:
                raise UndefinedVariable(part.expr, part.span, looked_in=("the test scope",))
        return "".join(out)

    return render


@pytest.mark.parametrize(
    ("query", "rendered", "passes"),
    [
        ("body.products[0].product_no", 7, True),  # renders "7", read as the number 7
        ("body.products[0].product_no", "7", True),
        ("body.products[0].product_name", "Tee", True),  # not JSON: the string
        ("body.meta", '{"page": 1}', True),
        ("body.products[0].display", "true", True),
        ("body.nothing", "null", True),
        ("body.products[0].product_name", '"Tee"', True),
        # The text 1100.00 is JSON (a number), so it does not equal the string "1100.00".
        ("body.products[0].price", "1100.00", False),
    ],
)
def test_text_values_are_read_as_json_when_they_are_json(
    query: str, rendered: Any, passes: bool
) -> None:
    one = template_check(query, "==", "expected", as_text=True)
    passed, _ = single(one, render=render_from({"expected": rendered}))
    assert passed is passes


@pytest.mark.parametrize(
    ("query", "value", "passes"),
    [
        ("body.products[0].price", "1100.00", True),  # a captured string stays a string
        ("body.products[0].price", 1100, False),
        ("body.products[0].product_no", 7, True),
        ("body.products[0].product_no", "7", False),
        ("body.meta", {"page": 1}, True),
    ],
)
def test_a_single_expression_keeps_its_json_type(query: str, value: Any, passes: bool) -> None:
    one = template_check(query, "==", "expected")
    passed, _ = single(one, render=render_from({"expected": value}))
    assert passed is passes


def test_template_values_that_are_not_strict_json_stay_strings() -> None:
    render = render_from({"expected": "NaN"})
    document = {**DOCUMENT, "body": {"value": "NaN"}}
    assert single(template_check("body.value", "==", "expected"), render=render, document=document)[
        0
    ]


def test_render_errors_fail_only_their_check() -> None:
    render = render_from({"first": 7})
    evaluation = evaluate(
        template_check("body.products[0].product_no", "==", "frist"),
        template_check("body.products[0].product_no", "==", "first"),
        render=render,
    )
    status_rule, broken, fine = evaluation.results
    assert status_rule.kind == "status"
    assert not broken.passed
    assert broken.message.startswith(
        "cannot compute the expected value: undefined variable 'frist'"
    )
    assert "looked in the test scope" in broken.message
    assert fine.passed


# --- queries that do not work -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("body.products[", "invalid query 'body.products[': the expression ends too early"),
        ("$x", "invalid query '$x': Unknown token $ at column 1"),
        ("body.[", "invalid query 'body.[': the expression ends too early"),
        (
            "contains([200,201], status)",
            "invalid query 'contains([200,201], status)': expected ']', found ',' at column 14",
        ),
        ("length(status)", "query 'length(status)' failed: In function length(), invalid type"),
        ("nosuch(status)", "query 'nosuch(status)' failed: Unknown function: nosuch()"),
    ],
)
def test_bad_queries_fail_their_check_with_a_clean_message(query: str, message: str) -> None:
    passed, shown = single(check(query, "==", 1))
    assert not passed
    assert shown.startswith(message)
    assert "\n" not in shown


def test_every_check_is_evaluated_after_failures() -> None:
    evaluation = evaluate(
        check("status", "==", 404, line=20),
        check("body.[", line=21),
        check("body.count", "==", 2, line=22),
        check("body.products[0].price", "matches", "(", kind=CheckValueKind.RAW, line=23),
    )
    assert [r.passed for r in evaluation.results] == [False, False, True, False]
    assert [r.span.line for r in evaluation.results if r.span] == [20, 21, 22, 23]
    assert not evaluation.passed


# --- the last-operator rule: queries with operators inside them --------------------------------


def test_queries_holding_operators_as_the_parser_splits_them() -> None:
    # ?? length(body.products[?product_no > `7`]) > 0
    # ?? body.products[?product_name == 'Tee'] | [0].price == "1100.00"
    # ?? body.products[?contains(product_name, 'a')].product_no contains 8
    # ?? length(body.products[?price > '100']) >= 0
    # ?? body.products[?display == `true`].product_name not contains "Cap"
    evaluation = evaluate(
        check("length(body.products[?product_no > `7`])", ">", 0),
        check("body.products[?product_name == 'Tee'] | [0].price", "==", "1100.00"),
        check("body.products[?contains(product_name, 'a')].product_no", "contains", 8),
        check("length(body.products[?price > '100'])", ">=", 0),
        check("body.products[?display == `true`].product_name", "contains", "Cap", negated=True),
    )
    assert [(r.text, r.passed, r.message) for r in evaluation.results if not r.passed] == []
    # None of these reads `status` at its root, so the status rule comes first (and passes).
    assert [r.kind for r in evaluation.results] == ["status"] + ["check"] * 5


# --- the status rule ---------------------------------------------------------------------------


def test_status_rule_is_added_when_no_check_reads_status() -> None:
    document = {**DOCUMENT, "status": 404, "reason": "Not Found"}
    evaluation = evaluate(check("body.count", "==", 2), document=document)
    rule, user = evaluation.results
    assert rule.kind == "status"
    assert rule.text == "status < 400"
    assert rule.span == REQUEST_SPAN
    assert not rule.passed
    assert rule.message == (
        "expected a status below 400, got 404 Not Found (write '?? status == 404' to expect it)"
    )
    assert rule.actual == 404
    assert user.passed
    assert not evaluation.passed


@pytest.mark.parametrize("status", [200, 201, 302, 399])
def test_status_rule_passes_below_400(status: int) -> None:
    evaluation = evaluate(document={**DOCUMENT, "status": status})
    assert [(r.kind, r.passed) for r in evaluation.results] == [("status", True)]


@pytest.mark.parametrize(
    "query",
    [
        "status",
        "@.status",
        "contains(`[200, 201]`, status)",
        "status || `0`",
        "[status, body.count]",
        "{code: status}",
        "to_string(status)",
        "!status",
        "status == `404`",
    ],
)
def test_a_check_reading_root_status_turns_the_rule_off(query: str) -> None:
    document = {**DOCUMENT, "status": 404}
    evaluation = evaluate(check(query), document=document)
    assert [r.kind for r in evaluation.results] == ["check"]


@pytest.mark.parametrize(
    "query",
    [
        "body.status",
        "body.products[?status == `1`]",
        "body.products[*].status",
        "sort_by(body.products, &status)",
        "body | status",
        "headers.status",
        "statuses",
        "body.[",  # does not compile: reads nothing we can know of
    ],
)
def test_status_elsewhere_does_not_turn_the_rule_off(query: str) -> None:
    document = {**DOCUMENT, "status": 500}
    evaluation = evaluate(check(query), document=document)
    assert evaluation.results[0].kind == "status"
    assert not evaluation.results[0].passed


def test_explicit_status_check_expects_an_error() -> None:
    document = {**DOCUMENT, "status": 404}
    evaluation = evaluate(check("status", "==", 404), document=document)
    assert evaluation.passed
    assert [r.kind for r in evaluation.results] == ["check"]


def test_status_rule_fails_when_the_document_has_no_status() -> None:
    evaluation = evaluate(document={"body": {}})
    assert evaluation.results[0].message == (
        "expected a status below 400, but the response document has no status"
    )
    assert not evaluation.passed


def test_status_rule_of_a_block_without_request_points_at_the_block() -> None:
    evaluation = evaluate_block(block(request=False), {**DOCUMENT, "status": 500}, no_render)
    assert evaluation.results[0].span == Span(PATH, 1, 1, 40, 1)


# --- captures ----------------------------------------------------------------------------------


def test_captures_keep_json_types_and_null_fails() -> None:
    captures = (
        capture("first", "body.products[0].product_no", line=30),
        capture("price", "body.products[0].price", line=31),
        capture("meta", "body.meta", line=32),
        capture("names", "body.products[*].product_name", line=33),
        capture("flag", "body.flag", line=34),
        capture("zero", "body.zero", line=35),
        capture("gone", "body.missing.deeper", line=36),
        capture("broken", "body.[", line=37),
    )
    evaluation = evaluate_block(block((), captures), DOCUMENT, no_render)
    assert evaluation.captures == {
        "first": 7,
        "price": "1100.00",
        "meta": {"page": 1},
        "names": ["Tee", "Cap"],
        "flag": False,
        "zero": 0,
    }
    assert type(evaluation.captures["first"]) is int
    by_name = {r.text.split(" = ")[0]: r for r in evaluation.results if r.kind == "capture"}
    assert by_name["first"].text == "first = body.products[0].product_no"
    assert by_name["first"].passed and by_name["first"].actual == 7
    gone = by_name["gone"]
    assert not gone.passed
    assert gone.message == "body.missing.deeper is null: nothing to capture as 'gone'"
    assert gone.span == captures[6].span
    assert not by_name["broken"].passed
    assert by_name["broken"].message.startswith("invalid query 'body.['")
    assert not evaluation.passed


def test_checks_and_captures_are_reported_in_file_order() -> None:
    one = evaluate_block(
        block(
            (check("body.count", "==", 2, line=41), check("status", "==", 200, line=43)),
            (capture("a", "body.count", line=42), capture("b", "body.meta", line=44)),
        ),
        DOCUMENT,
        no_render,
    )
    assert [(r.kind, r.span.line if r.span else 0) for r in one.results] == [
        ("check", 41),
        ("capture", 42),
        ("check", 43),
        ("capture", 44),
    ]


# --- failures_as_error -------------------------------------------------------------------------


def test_failures_as_error_is_none_when_everything_passed() -> None:
    assert failures_as_error(evaluate(check("status", "==", 200))) is None


def test_failures_as_error_has_one_diagnostic_per_failure() -> None:
    document = {**DOCUMENT, "status": 503, "reason": "Service Unavailable"}
    failing_check = check("body.count", "==", 3)
    failing_capture = capture("id", "body.product.product_no")
    evaluation = evaluate_block(
        block((failing_check, check("body.count", "==", 2)), (failing_capture,)),
        document,
        no_render,
    )
    error = failures_as_error(evaluation)
    assert isinstance(error, CheckFailed)
    assert error.exit_code == EXIT_CHECK_FAILED
    assert str(error) == "3 checks failed"
    status, wrong, missing = error.diagnostics()
    assert status.message == "check failed: status < 400"
    assert status.span == REQUEST_SPAN
    assert status.label.startswith("expected a status below 400, got 503 Service Unavailable")
    assert wrong.message == "check failed: body.count == 3"
    assert wrong.span == failing_check.span
    assert wrong.label == "expected 3 (number), got 2 (number)"
    assert missing.message == "capture failed: id = body.product.product_no"
    assert missing.span == failing_capture.span
    assert missing.label == "body.product.product_no is null: nothing to capture as 'id'"
    assert all(d.severity == "error" for d in error.diagnostics())


def test_check_results_carry_expected_and_actual() -> None:
    result = next(r for r in evaluate(check("body.count", "<", 1)).results if r.kind == "check")
    assert (result.expected, result.actual) == (1, 2)
    assert result.text == "body.count < 1"


def test_captures_are_heard_in_file_order_before_the_checks_after_them() -> None:
    heard: list[tuple[str, Any]] = []
    seen_when_rendering: list[list[str]] = []

    def render(template: Template) -> Any:
        seen_when_rendering.append([name for name, _ in heard])
        return 7

    before = template_check("body.products[0].product_no", "==", "first", line=5)
    after = template_check("body.products[0].product_no", "==", "first", line=7)
    taken = capture("first", "body.products[0].product_no", line=6)
    evaluation = evaluate_block(
        block((before, after), (taken,)),
        DOCUMENT,
        render,
        on_capture=lambda name, value: heard.append((name, value)),
    )
    assert heard == [("first", 7)]
    # The check on line 5 ran before the capture on line 6; the one on line 7 after it.
    assert seen_when_rendering == [[], ["first"]]
    assert evaluation.passed


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
)
_FIELDS = st.sampled_from(["status", "body", "true", "null", "_"]) | st.from_regex(
    r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True
)


@settings(max_examples=300, deadline=None)
@given(_FIELDS, st.dictionaries(_FIELDS, _JSON, max_size=4))
def test_a_bare_field_query_reads_what_jmespath_reads(name: str, document: dict[str, Any]) -> None:
    # `?? status == 200` skips JMESPath's interpreter for a bare name (the hot path): the
    # value must be the one JMESPath gives, a missing field included.
    assert _search(name, document) is jmespath.search(name, document)
