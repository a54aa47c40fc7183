"""JMESPath helpers shared by the pipeline: a compile cache and the names an expression reads.

Checks, captures and ``<<expr>>`` interpolations are JMESPath; the same expression is often
evaluated thousands of times in a run (``@retry``, large files), so it is compiled once.
"""

from __future__ import annotations

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


def _collect_roots(node: dict[str, Any], names: set[str]) -> None:
    kind = node.get("type")
    children: list[dict[str, Any]] = node.get("children", [])
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
