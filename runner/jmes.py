"""JMESPath helpers shared by the pipeline: a compile cache and the names an expression reads.

Checks, captures and ``<<expr>>`` interpolations are JMESPath; the same expression is often
evaluated thousands of times in a run (``@retry``, large files), so it is compiled once.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import jmespath
from jmespath.parser import ParsedResult

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


@lru_cache(maxsize=4096)
def compile_query(expression: str) -> ParsedResult:
    """Compile ``expression`` once; raises ``jmespath.exceptions.ParseError`` when invalid."""
    return jmespath.compile(expression)


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
