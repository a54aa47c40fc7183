"""Other ``.http`` dialects' response handlers and assertions, as httprun ``??`` and ``>>`` lines.

Only the shapes with a declarative form are translated (IMPORT.md's table):

- JetBrains ``client.global.set("t", response.body.token)`` -> ``>> t = body.token``;
- JetBrains ``client.assert(response.status === 200, "...")`` (inside ``client.test``) ->
  ``?? status == 200``, also ``!==``, ``<``..., ``.includes(x)``, ``.length`` and a bare path;
- httpyac ``?? status == 200``, ``?? body id == 1``, ``?? header content-type includes json``,
  ``?? duration < 500`` -> ``?? status == 200``, ``?? body.id == 1``,
  ``?? headers."content-type" contains 'json'``, ``?? elapsed_ms < 500``.

Anything else returns None (or, for a script, ``complete=False``): the caller keeps the original
in a comment and reports it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .braces import Dialect, Rename, convert_text, jmespath_of_jsonpath
from .javascript import STRING as _STRING
from .javascript import jmespath_key as _key
from .javascript import jmespath_steps
from .javascript import js_string as _js_string
from .names import is_identifier

# ---- JavaScript: the few expressions that name a part of the response ------------------------

_HEADER_VALUE = re.compile(rf"response\.headers\.valueOf\(\s*({_STRING})\s*\)")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def response_query(expression: str) -> str | None:
    """The JMESPath query of a JavaScript path into the response: ``response.body.a[0]`` ->
    ``body.a[0]``, ``response.status`` -> ``status``, ``response.headers.valueOf("X")`` ->
    ``headers."x"`` (httpyac's ``response.parsedBody`` is the body too); None otherwise."""
    expression = expression.strip()
    header = _HEADER_VALUE.fullmatch(expression)
    if header is not None:
        name = _js_string(header.group(1))
        return None if name is None else f"headers.{json.dumps(name.lower())}"
    if expression in ("response.status", "response.statusCode"):
        return "status"
    for prefix in ("response.body", "response.parsedBody"):
        if expression.startswith(prefix):
            return _body_path(expression[len(prefix) :])
    return None


def _body_path(steps: str) -> str | None:
    path = jmespath_steps(steps)
    return None if path is None else f"body{path}"


def _js_literal(text: str) -> str | None:
    """A JavaScript literal as a check value (JSON), or None."""
    text = text.strip()
    if text == "undefined":
        return "null"
    if text in ("true", "false", "null") or _NUMBER.fullmatch(text):
        return text
    value = _js_string(text)
    return None if value is None else json.dumps(value)


# ---- JavaScript: calls and their arguments ---------------------------------------------------


def _string_end(text: str, start: int) -> int | None:
    """The index of the quote that closes the string opened at ``start``."""
    quote = text[start]
    end = text.find(quote, start + 1)
    while end > 0 and text[end - 1] == "\\":
        end = text.find(quote, end + 1)
    return end if end > 0 else None


def _closing(text: str, start: int) -> int | None:
    """The index just after the bracket that closes the one at ``start``, skipping strings."""
    depth = 0
    position = start
    while position < len(text):
        char = text[position]
        if char in "'\"`":
            end = _string_end(text, position)
            if end is None:
                return None
            position = end
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    return None


def _arguments(inside: str) -> list[str]:
    """The top-level comma-separated arguments of a call (without its parentheses)."""
    out: list[str] = []
    depth, start, position = 0, 0, 0
    while position < len(inside):
        char = inside[position]
        if char in "'\"`":
            position = _string_end(inside, position) or len(inside)
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            out.append(inside[start:position])
            start = position + 1
        position += 1
    out.append(inside[start:])
    return [argument.strip() for argument in out]


_CALL = re.compile(r"client\.(?:global\.set|assert)\s*\(")
_COMPARISON = re.compile(r"(.+?)\s*(===|!==|==|!=|<=|>=|<|>)\s*(.+)", re.DOTALL)
_INCLUDES = re.compile(r"(.+)\.includes\(\s*(.+?)\s*\)", re.DOTALL)
_HAS_PROPERTY = re.compile(rf"(response\.body[\w.$\[\]'\"]*)\.hasOwnProperty\(\s*({_STRING})\s*\)")
_LENGTH = re.compile(r"(.+)\.length")
_OPERATORS = {"===": "==", "==": "==", "!==": "!=", "!=": "!=", "<": "<", "<=": "<="}
_OPERATORS |= {">": ">", ">=": ">="}
_SWAPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


@dataclass(frozen=True, slots=True)
class Translation:
    """The ``??``/``>>`` lines a script became, and whether they say all the script did."""

    lines: tuple[str, ...]
    complete: bool


def translate_handler(script: str) -> Translation:
    """A JetBrains response handler (the text between ``{%`` and ``%}``)."""
    lines: list[str] = []
    complete = True
    leftover: list[str] = []
    position = 0
    for call in _CALL.finditer(script):
        if call.start() < position:
            continue  # inside a call already read
        end = _closing(script, call.end() - 1)
        if end is None:
            return Translation(tuple(lines), False)
        leftover.append(script[position : call.start()])
        arguments = _arguments(script[call.end() : end - 1])
        line = (
            _capture(arguments)
            if call.group(0).startswith("client.global")
            else _assertion(arguments)
        )
        if line is None:
            complete = False
        else:
            lines.append(line)
        position = end
    leftover.append(script[position:])
    if _has_other_code("".join(leftover)):
        complete = False
    return Translation(tuple(lines), complete)


_EXPORT = re.compile(r"(?:exports|\$global)\.([A-Za-z_]\w*)\s*=\s*(.+?)\s*;?\s*")


def translate_exports(lines: list[str]) -> Translation:
    """An httpyac script block after a request: ``exports.t = response.parsedBody.token;``
    -> ``>> t = body.token`` (also ``$global.t``); complete when every line is one."""
    captures: list[str] = []
    complete = True
    for line in lines:
        if not line.strip() or line.strip().startswith("//"):
            continue
        export = _EXPORT.fullmatch(line.strip())
        query = response_query(export.group(2)) if export is not None else None
        if export is None or query is None:
            complete = False
        else:
            captures.append(f">> {export.group(1)} = {query}")
    return Translation(tuple(captures), complete)


_TEST_OPENING = re.compile(
    rf"client\.test\(\s*(?:{_STRING})\s*,\s*(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{{"
)
_LINE_COMMENT = re.compile(r"//[^\n]*")


def _has_other_code(leftover: str) -> bool:
    """Whether anything but ``client.test(..., () => {`` shells, ``});`` and comments is left."""
    rest = _TEST_OPENING.sub("", _LINE_COMMENT.sub("", leftover))
    return re.sub(r"[\s;})]+", "", rest) != ""


def _capture(arguments: list[str]) -> str | None:
    if len(arguments) != 2:
        return None
    name = _js_string(arguments[0])
    query = response_query(arguments[1])
    if name is None or query is None or not is_identifier(name):
        return None
    return f">> {name} = {query}"


def _assertion(arguments: list[str]) -> str | None:
    if not 1 <= len(arguments) <= 2:
        return None
    condition = arguments[0]
    has_property = _HAS_PROPERTY.fullmatch(condition)
    if has_property is not None:
        base, key = response_query(has_property.group(1)), _js_string(has_property.group(2))
        return None if base is None or key is None else f"?? {base}.{_key(key)} exists"
    includes = _INCLUDES.fullmatch(condition)
    if includes is not None:
        query, value = _operand(includes.group(1)), _js_literal(includes.group(2))
        return None if query is None or value is None else f"?? {query} contains {value}"
    comparison = _COMPARISON.fullmatch(condition)
    if comparison is None:
        query = _operand(condition)
        return None if query is None else f"?? {query}"
    left, operator, right = comparison.groups()
    op = _OPERATORS[operator]
    if left.strip() == "response.contentType.mimeType" and op in ("==", "!="):
        return _mime_type(right, negated=op == "!=")
    query, value = _operand(left), _js_literal(right)
    if query is None:  # 200 === response.status
        query, value, op = _operand(right), _js_literal(left), _SWAPPED[op]
    if query is None or value is None:
        return None
    if value in ("null", "undefined") and op in ("==", "!="):
        return f"?? {query} {'not exists' if op == '==' else 'exists'}"
    return f"?? {query} {op} {value}"


def _mime_type(literal: str, *, negated: bool) -> str | None:
    """``response.contentType.mimeType === "application/json"``: the Content-Type header
    without its parameters."""
    mime_type = _js_string(literal.strip())
    if mime_type is None:
        return None
    pattern = f"^{re.escape(mime_type)}(;|$)"
    quoted = f"'{pattern}'" if "'" not in pattern else json.dumps(pattern)
    return f'?? headers."content-type" {"not matches" if negated else "matches"} {quoted}'


def _operand(expression: str) -> str | None:
    """A response path, or the ``length()`` of one."""
    expression = expression.strip()
    length = _LENGTH.fullmatch(expression)
    if length is not None:
        inner = response_query(length.group(1))
        return None if inner is None else f"length({inner})"
    return response_query(expression)


# ---- httpyac assertions: ?? TYPE [PATH] OPERATOR [VALUE] --------------------------------------

_YAC_ASSERT = re.compile(r"\?\?[ \t]*(header|body|duration|js|xpath|status)(?:[ \t]+(.*))?$")
_YAC_OPERATORS = {
    "==": "==",
    "!=": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "includes": "contains",
    "contains": "contains",
    "matches": "matches",
    "exists": "exists",
    "startsWith": "startsWith",
    "endsWith": "endsWith",
    "isTrue": "isTrue",
    "isFalse": "isFalse",
    "isString": "string",
    "isNumber": "number",
    "isBoolean": "boolean",
    "isArray": "array",
}
_NOT_FOLLOWED_BY_VALUE = frozenset(
    {"exists", "isTrue", "isFalse", "isString", "isNumber", "isBoolean", "isArray"}
)


def is_httpyac_assertion(line: str) -> bool:
    """Whether ``??`` line is httpyac's ``?? TYPE ...`` shape rather than an httprun check
    (``?? status == 200`` is both, and means the same)."""
    match = _YAC_ASSERT.match(line.rstrip())
    return match is not None and match.group(1) != "status"


def translate_assertion(line: str, rename: Rename, escape: bool = True) -> str | None:
    """An httpyac ``??`` line as an httprun check, or None when it has none (``js``,
    ``xpath``, hash operators)."""
    match = _YAC_ASSERT.match(line.rstrip())
    if match is None:
        return None
    kind, rest = match.group(1), (match.group(2) or "").strip()
    path = ""
    first, _, after = rest.partition(" ")
    if kind in ("header", "body") and first and first not in _YAC_OPERATORS:
        path, rest = first, after.strip()
    word, _, value = rest.partition(" ")
    value = value.strip()
    if word not in _YAC_OPERATORS:
        return None
    operator = _YAC_OPERATORS[word]
    query = _yac_query(kind, path)
    if query is None:
        return None
    if word in _NOT_FOLLOWED_BY_VALUE:
        if value:
            return None
        if operator == "exists":
            return f"?? {query} exists"
        if operator in ("isTrue", "isFalse"):
            return f"?? {query} == {'true' if operator == 'isTrue' else 'false'}"
        return f"?? type({query}) == '{operator}'"
    if not value:
        return None
    if operator in ("startsWith", "endsWith"):
        pattern = re.escape(value)
        pattern = f"^{pattern}" if operator == "startsWith" else f"{pattern}$"
        return f"?? {query} matches {_quoted(pattern)}"
    if operator == "matches":
        return f"?? {query} matches {_quoted(value)}"
    return f"?? {query} {operator} {_check_value(value, rename, escape)}"


def _yac_query(kind: str, path: str) -> str | None:
    if kind == "status" and not path:
        return "status"
    if kind == "duration" and not path:
        return "elapsed_ms"
    if kind == "header" and path:
        return f"headers.{json.dumps(path.lower())}"
    if kind == "body":
        if not path:
            return "body"
        if path.startswith("$"):
            steps = jmespath_of_jsonpath(path)
            return None if steps is None else f"body{steps}"
        if re.fullmatch(r"[\w$.\[\]\"-]+", path) is None:
            return None
        steps = jmespath_of_jsonpath(f"$.{path}" if not path.startswith("[") else f"${path}")
        return None if steps is None else f"body{steps}"
    return None


def _check_value(value: str, rename: Rename, escape: bool) -> str:
    """httpyac's unquoted value as an httprun check value: JSON as it is, ``{{x}}`` as
    ``<<x>>``, any other text as a string."""
    if "{{" in value:
        return convert_text(value, Dialect.HTTP, rename, escape=escape)
    try:
        json.loads(value)
    except ValueError:
        return _quoted(value)
    return value


def _quoted(text: str) -> str:
    """A raw string ``'...'`` when it can hold ``text`` as written, else a JSON string."""
    if "'" in text or text.endswith("\\") or "\n" in text:
        return json.dumps(text)
    return f"'{text}'"
