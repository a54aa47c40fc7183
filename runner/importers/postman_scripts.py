"""Postman test scripts as httprun checks and captures, for the shapes of IMPORT.md's table.

A line becomes a ``??`` check or a ``>>`` capture when it is one of the common shapes
(``pm.response.to.have.status(200)``, ``pm.expect(j.a).to.eql(1)``, ``pm.environment.set("t",
j.a.b)`` ...). The ``pm.test(...)`` wrappers around them and ``var j = pm.response.json()`` are
structure, not behaviour. Every other line is kept, verbatim, for a comment and the report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .javascript import jmespath_key, jmespath_steps, js_string

Rename = Callable[[str], str]

_STRING = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_END = r"\s*;?\s*$"
_JSON_VAR = re.compile(
    r"(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*"
    r"(?:pm\.response\.json\(\)|JSON\.parse\(\s*(?:responseBody|pm\.response\.text\(\))\s*\))"
    + _END
)
_TEST_OPEN = re.compile(
    r"pm\.test\(\s*" + _STRING + r"\s*,\s*(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{\s*$"
)
_ONE_LINE_TEST = re.compile(
    r"pm\.test\(\s*" + _STRING + r"\s*,\s*(?:(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{(.*)\}"
    r"|\(\s*\)\s*=>\s*([^{].*?))\s*\)" + _END
)
# The sandbox API before pm.*: tests["name"] = responseCode.code === 200;
_LEGACY_STATUS = re.compile(
    r"tests\[\s*" + _STRING + r"\s*\]\s*=\s*responseCode\.code\s*={2,3}\s*(\d{3})" + _END
)
_LEGACY_HAS = re.compile(
    r"tests\[\s*" + _STRING + r"\s*\]\s*=\s*responseBody\.has\(\s*(" + _STRING + r")\s*\)" + _END
)
_CLOSE = re.compile(r"\}\s*\)" + _END)
_STATUS = re.compile(r"pm\.response\.to\.have\.status\(\s*(\d{3})\s*\)" + _END)
_BE = re.compile(r"pm\.response\.to\.(not\.)?be\.(\w+)" + _END)
_HEADER = re.compile(r"pm\.response\.to\.have\.header\(\s*(" + _STRING + r")\s*\)" + _END)
_SET = re.compile(
    r"pm\.(?:environment|collectionVariables|globals|variables)\.set\(\s*("
    + _STRING
    + r")\s*,\s*(.+?)\s*\)"
    + _END
)
_EXPECT = re.compile(
    r"pm\.expect\((.+?)\)\.to\.(not\.)?(?:be\.|have\.|deep\.|at\.)*"
    r"(eql|equal|eq|include|includes|contain|exist|oneOf|above|below|least|most|lengthOf)"
    r"(?:\((.*)\))?" + _END
)
_VARIABLE_GET = re.compile(
    r"pm\.(?:environment|collectionVariables|globals|variables)\.get\(\s*(" + _STRING + r")\s*\)"
)
_STATUS_WORDS = {
    "ok": "status == 200",
    "accepted": "status == 202",
    "badRequest": "status == 400",
    "unauthorized": "status == 401",
    "unauthorised": "status == 401",
    "forbidden": "status == 403",
    "notFound": "status == 404",
    "rateLimited": "status == 429",
}
_STATUS_RANGES = {
    "info": (100, 200),
    "success": (200, 300),
    "redirection": (300, 400),
    "clientError": (400, 500),
    "serverError": (500, 600),
    "error": (400, 600),
}
_OPERATORS = {
    "eql": "==",
    "equal": "==",
    "eq": "==",
    "include": "contains",
    "includes": "contains",
    "contain": "contains",
    "oneOf": "in",
    "above": ">",
    "below": "<",
    "least": ">=",
    "most": "<=",
    "lengthOf": "==",
}
_NEGATED = {"==": "!=", ">": "<=", "<": ">=", ">=": "<", "<=": ">"}


@dataclass
class Converted:
    lines: list[str] = field(default_factory=list)  # ?? and >> lines
    kept: list[str] = field(default_factory=list)  # script lines without a declarative form


def convert_tests(script: list[str] | tuple[str, ...], rename: Rename) -> Converted:
    """The checks and captures of a test script, and the lines kept as they are."""
    out = Converted()
    json_vars: set[str] = set()
    for raw_line in script:
        line = raw_line.strip()
        if (
            not line
            or line.startswith("//")
            or _TEST_OPEN.fullmatch(line)
            or _CLOSE.fullmatch(line)
        ):
            continue
        declared = _JSON_VAR.fullmatch(line)
        if declared is not None:
            json_vars.add(declared.group(1))
            continue
        converted = _convert_line(line, json_vars, rename)
        if converted is None:
            converted = _one_line_test(line, json_vars, rename)
        if converted is None:
            out.kept.append(raw_line.rstrip())
        else:
            out.lines += converted
    return out


def _one_line_test(line: str, json_vars: set[str], rename: Rename) -> list[str] | None:
    """``pm.test("name", () => STATEMENT);`` or ``pm.test("name", function () { A; B; });``:
    the checks of its statements, when every one of them has a form."""
    match = _ONE_LINE_TEST.fullmatch(line)
    if match is None:
        return None
    body = match.group(1) if match.group(1) is not None else match.group(2)
    out: list[str] = []
    for statement in filter(None, (part.strip() for part in body.split(";"))):
        converted = _convert_line(statement, json_vars, rename)
        if converted is None:
            return None
        out += converted
    return out or None


def _convert_line(line: str, json_vars: set[str], rename: Rename) -> list[str] | None:
    legacy = _LEGACY_STATUS.fullmatch(line)
    if legacy is not None:
        return [f"?? status == {legacy.group(1)}"]
    has = _LEGACY_HAS.fullmatch(line)
    if has is not None:
        return [f"?? text contains {json.dumps(_js_string(has.group(1)), ensure_ascii=False)}"]
    status = _STATUS.fullmatch(line)
    if status is not None:
        return [f"?? status == {status.group(1)}"]
    be = _BE.fullmatch(line)
    if be is not None:
        return _status_word(be.group(2), negated=be.group(1) is not None)
    header = _HEADER.fullmatch(line)
    if header is not None:
        return [f"?? headers.{jmespath_key(_js_string(header.group(1)).lower())} exists"]
    assignment = _SET.fullmatch(line)
    if assignment is not None:
        query = _response_query(assignment.group(2), json_vars)
        if query is None:
            return None
        return [f">> {rename(_js_string(assignment.group(1)))} = {query}"]
    expect = _EXPECT.fullmatch(line)
    if expect is not None:
        return _expectation(expect, json_vars, rename)
    return None


def _status_word(word: str, *, negated: bool) -> list[str] | None:
    if word in _STATUS_WORDS:
        check = _STATUS_WORDS[word]
        return [f"?? {check.replace('==', '!=') if negated else check}"]
    if word in _STATUS_RANGES and not negated:
        low, high = _STATUS_RANGES[word]
        return [f"?? status >= {low}", f"?? status < {high}"]
    return None


def _expectation(expect: re.Match[str], json_vars: set[str], rename: Rename) -> list[str] | None:
    subject, negated, verb, argument = expect.groups()
    query = _response_query(subject.strip(), json_vars)
    if query is None:
        return None
    if verb == "exist":
        if argument not in (None, ""):
            return None
        return [f"?? {query} {'not ' if negated else ''}exists"]
    if argument is None:
        return None
    value = _check_value(argument.strip(), rename)
    if value is None:
        return None
    if verb == "lengthOf":
        query = f"length({query})"
    operator = _OPERATORS[verb]
    if negated:
        operator = _NEGATED.get(operator, f"not {operator}")
    return [f"?? {query} {operator} {value}"]


def _response_query(expression: str, json_vars: set[str]) -> str | None:
    """The JMESPath over the response document of a JavaScript expression that reads the
    response (``pm.response.json().a[0]``, ``j.a`` after ``var j = pm.response.json()``,
    ``pm.response.code``, ``pm.response.headers.get("X")``), or None."""
    if expression == "pm.response.code":
        return "status"
    if expression == "pm.response.text()":
        return "text"
    header = re.fullmatch(r"pm\.response\.headers\.get\(\s*(" + _STRING + r")\s*\)", expression)
    if header is not None:
        return f"headers.{jmespath_key(_js_string(header.group(1)).lower())}"
    root = re.match(
        r"pm\.response\.json\(\)|JSON\.parse\(\s*responseBody\s*\)|([A-Za-z_$][\w$]*)", expression
    )
    if root is None or (root.group(1) is not None and root.group(1) not in json_vars):
        return None
    path = jmespath_steps(expression[root.end() :])
    return None if path is None else "body" + path


def _js_string(literal: str) -> str:
    """The value of a JavaScript string literal (its inner text when it has bad escapes)."""
    value = js_string(literal)
    return value if value is not None else literal[1:-1]


def _check_value(argument: str, rename: Rename) -> str | None:
    """A JavaScript literal as a check VALUE (JSON), a variable read as ``<<name>>``."""
    got = _VARIABLE_GET.fullmatch(argument)
    if got is not None:
        return f"<<{rename(_js_string(got.group(1)))}>>"
    if re.fullmatch(_STRING, argument, re.DOTALL):
        text = _js_string(argument)
        if "<<" not in text:
            return json.dumps(text, ensure_ascii=False)
        # A VALUE with '<<' would be interpolated: a raw '...' string keeps it as written.
        return None if "\\" in text or "'" in text else f"'{text}'"
    try:
        value = json.loads(argument)
    except (json.JSONDecodeError, RecursionError):
        return None
    if isinstance(value, float) and value != value:  # NaN is no JSON
        return None
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
