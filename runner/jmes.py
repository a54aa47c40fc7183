"""JMESPath helpers shared by the pipeline: a compile cache and the names an expression reads.

Checks, captures and ``<<expr>>`` interpolations are JMESPath; the same expression is often
evaluated thousands of times in a run (``@retry``, large files), so it is compiled once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, cast

import jmespath
from jmespath.parser import ParsedResult

from .jsonvalues import exceeds_depth, may_hold_surrogates, without_surrogates

# Node types whose children after the first are evaluated against the first child's result,
# not against the root: only the first child can name a root variable.
_CHAINED = frozenset(
    {
        "subexpression",
        "index_expression",
        "projection",
        "value_projection",
        "filter_projection",
        "pipe",
    }
)


# jmespath parses and evaluates by recursion, some three frames a level: an expression nested
# deeper (800 parentheses, 800 pipes, a deep `[[...]]` literal) would exhaust Python's stack.
MAX_NESTING = 100


class NestedTooDeeply(jmespath.exceptions.ParseError):
    """The expression nests deeper than :data:`MAX_NESTING` levels."""

    def __init__(self) -> None:
        super().__init__(
            -1, "", "eof", f"expression nested too deeply (more than {MAX_NESTING} levels)"
        )


class StrayReference(jmespath.exceptions.ParseError):
    """An ``&expr`` that is not an argument of a function taking one: it evaluates to
    jmespath's internal expression object, which is no JSON value (no check, capture or
    ``<<...>>`` can use it)."""

    def __init__(self) -> None:
        super().__init__(
            -1,
            "",
            "eof",
            "'&' (an expression reference) may only be an argument of "
            + ", ".join(sorted(_TAKES_REFERENCE)),
        )


# jmespath's built-in functions whose signature takes an expression reference.
_TAKES_REFERENCE = frozenset({"sort_by", "max_by", "min_by", "map"})


@lru_cache(maxsize=4096)
def compile_query(expression: str) -> ParsedResult:
    """Compile ``expression`` once; raises ``jmespath.exceptions.ParseError`` when invalid,
    :class:`NestedTooDeeply` (one) when it nests too deeply to parse or evaluate."""
    try:
        compiled = jmespath.compile(expression)
    except RecursionError:
        raise NestedTooDeeply() from None
    if _nests_deeper(compiled.parsed, MAX_NESTING):
        raise NestedTooDeeply()
    if _has_stray_reference(compiled.parsed):
        raise StrayReference()
    if may_hold_surrogates(expression):
        _replace_lone_surrogates(cast(dict[str, Any], compiled.parsed))
    return compiled


def _replace_lone_surrogates(tree: dict[str, Any]) -> None:
    """Names and literals as the response document has them: a lone surrogate escape
    (``"\\ud800"``, `` `"\\udfff"` ``) reads as U+FFFD, as it does in bodies (jsonvalues)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.get("type") in ("field", "literal"):
            node["value"] = without_surrogates(node.get("value"))
        stack.extend(child for child in node.get("children", []) if isinstance(child, dict))


def _has_stray_reference(tree: Mapping[str, Any]) -> bool:
    """Whether an ``expref`` node has any parent but a function of :data:`_TAKES_REFERENCE`."""
    stack: list[tuple[Mapping[str, Any], bool]] = [(tree, False)]
    while stack:
        node, allowed = stack.pop()
        if node.get("type") == "expref" and not allowed:
            return True
        takes = node.get("type") == "function_expression" and node.get("value") in _TAKES_REFERENCE
        stack.extend(
            (child, takes) for child in node.get("children", []) if isinstance(child, dict)
        )
    return False


def _nests_deeper(tree: Mapping[str, Any], limit: int) -> bool:
    """Whether the syntax tree, literal values included, is more than ``limit`` levels deep;
    walked with a stack, since the tree itself may be too deep to recurse into."""
    stack: list[tuple[Mapping[str, Any], int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if node.get("type") == "literal" and exceeds_depth(node.get("value"), limit - depth):
            return True
        stack.extend(
            (child, depth + 1) for child in node.get("children", []) if isinstance(child, dict)
        )
    return False


@lru_cache(maxsize=4096)
def reads_whole_root(expression: str) -> bool:
    """True when ``@`` (or an implicit current node, as in ``*.x``) stands for the root.

    Then every name may be read (``keys(@)``); an invalid expression reads nothing.
    """
    try:
        parsed = compile_query(expression).parsed
    except jmespath.exceptions.JMESPathError:
        return False
    return _whole_root_node(parsed)


def _whole_root_node(node: Mapping[str, Any]) -> bool:
    kind = node.get("type")
    if kind in ("current", "identity"):
        return True
    if kind == "expref":
        return False  # evaluated against array elements, not the root
    children = [child for child in node.get("children", []) if isinstance(child, dict)]
    if kind in _CHAINED:
        children = children[:1]
    return any(_whole_root_node(child) for child in children)


@lru_cache(maxsize=4096)  # asked for every check of every response: walk each tree once
def root_names(expression: str) -> frozenset[str]:
    """The top-level names ``expression`` reads (``products`` in ``length(products.body)``).

    An expression that does not compile reads nothing we can know of.
    """
    try:
        parsed = compile_query(expression).parsed
    except jmespath.exceptions.JMESPathError:
        return frozenset()
    names: set[str] = set()
    _collect_roots(parsed, names)
    return frozenset(names)


def _collect_roots(node: Mapping[str, Any], names: set[str]) -> None:
    kind = node.get("type")
    children: list[Mapping[str, Any]] = node.get("children", [])
    if kind == "field":
        names.add(str(node["value"]))
    elif kind == "expref":
        return  # evaluated later against array elements (sort_by(@, &price))
    elif kind in _CHAINED:
        if children:
            _collect_roots(children[0], names)
            # ``@.x`` / ``@ | x``: with the root on the left, the right side reads it too.
            left_is_root = children[0].get("type") in ("current", "identity")
            if left_is_root and kind in ("subexpression", "index_expression", "pipe"):
                for child in children[1:]:
                    _collect_roots(child, names)
    else:
        for child in children:
            _collect_roots(child, names)


def json_type(value: Any) -> str:
    """The JSON type of a value as JMESPath sees it: null, boolean, number, string, array,
    object (for messages that show expected and actual values)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def json_type_with_article(value: Any) -> str:
    """``a string``, ``an array``, ``null``: the JSON type in a sentence."""
    kind = json_type(value)
    return kind if kind == "null" else ("an " if kind[0] in "aeiou" else "a ") + kind


# How jmespath's token kinds read in a message.
_TOKEN_NAMES = {
    "quoted_identifier": "a name",
    "unquoted_identifier": "a name",
    "lbracket": "'['",
    "rbracket": "']'",
    "lbrace": "'{'",
    "rbrace": "'}'",
    "lparen": "'('",
    "rparen": "')'",
    "colon": "':'",
    "comma": "','",
    "dot": "'.'",
    "star": "'*'",
    "number": "a number",
    "eof": "the end of the expression",
}


def error_position(error: jmespath.exceptions.JMESPathError) -> int | None:
    """Where in the expression (0-based) a syntax error is, when jmespath says."""
    position: object = (
        error.lexer_position
        if isinstance(error, jmespath.exceptions.LexerError)
        else getattr(error, "lex_position", None)  # ParseError's; ArityError has none
    )
    return position if isinstance(position, int) and position >= 0 else None


def explain_error(error: jmespath.exceptions.JMESPathError, *, with_column: bool = True) -> str:
    """jmespath's message in one line, without the expression echoed or values shown (a
    value may be a secret); ``at column N`` unless ``with_column`` is false."""
    position = error_position(error)
    column = f" at column {position + 1}" if with_column and position is not None else ""
    if isinstance(error, NestedTooDeeply | StrayReference):
        return str(error.msg)
    if isinstance(error, jmespath.exceptions.EmptyExpressionError):
        return "the expression is empty"
    if isinstance(error, jmespath.exceptions.LexerError):
        return f"{error.message}{column}"
    if isinstance(error, jmespath.exceptions.IncompleteExpressionError):
        return "the expression ends too early"
    if isinstance(error, jmespath.exceptions.ArityError):
        return str(error)
    if isinstance(error, jmespath.exceptions.ParseError):
        msg = str(error.msg)
        token = str(error.token_type).lower()
        found = _TOKEN_NAMES["eof"] if token == "eof" else f"'{error.token_value}'"
        # "Expecting: ['a', 'b'], got: c" or "Expecting: a, got: c"
        expecting = re.match(r"Expecting: \[?(.*?)\]?, got: ", msg)
        if expecting is not None:
            kinds = re.findall(r"\w+", expecting.group(1))
            wanted = list(dict.fromkeys(_TOKEN_NAMES.get(k, k) for k in kinds))
            return f"expected {' or '.join(wanted)}, found {found}{column}"
        if msg == "invalid token":
            return f"unexpected {found}{column}"
        return f"{msg}{column}"
    if isinstance(error, jmespath.exceptions.JMESPathTypeError):
        # Its own message shows the offending value, which may be a secret.
        expected = " or ".join(str(t) for t in error.expected_types)
        return f"{error.function_name}() takes {expected}, not {error.actual_type}"
    if isinstance(error, jmespath.exceptions.UnknownFunctionError):
        return str(error).replace("Unknown function: ", "unknown function ")
    return str(error)
