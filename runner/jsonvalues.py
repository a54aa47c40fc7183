"""JSON values httprun can hold safely: valid Unicode, bounded nesting (docs/FORMAT.md,
"Odd input").

Two rules keep every later step (checks, captures, sending, masking, the terminal, the
reports) free of special cases:

- **Text is valid Unicode.** A JSON escape of half a surrogate pair (``"\\ud800"``) decodes in
  Python to a lone surrogate, which no UTF-8 writer can encode. Where httprun decodes JSON it
  replaces each lone surrogate by U+FFFD, as it already does for undecodable bytes.
- **Nesting is bounded.** JSON nested deeper than :data:`MAX_DEPTH` levels is not read as
  JSON: everything that walks a value (json, jmespath, masking) recurses, and such a document
  would exhaust Python's stack in whichever of them comes first.

Walks here use an explicit stack, never recursion, so they work on any input.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Deeper than any real API's JSON, shallow enough that every recursive walker (json, jmespath,
# the maskers, about three frames a level at most) stays far from Python's 1,000 frames.
MAX_DEPTH = 200

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# In JSON text a surrogate can only come from an escape: \uD800 to \uDFFF.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class TooDeep(ValueError):
    """The JSON text nests deeper than :data:`MAX_DEPTH`."""


def valid_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (unchanged when it has none)."""
    if text.isascii():  # the usual case, and far faster to tell than a search
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # only a surrogate fails to encode
        return _LONE_SURROGATE.sub("\ufffd", text)
    return text


def decode_json(text: str, decoder: json.JSONDecoder | None = None) -> Any:
    """``json.loads(text)`` under the two rules above.

    Raises ``ValueError`` when ``text`` is not JSON, :class:`TooDeep` (a ``ValueError``) when
    it nests deeper than :data:`MAX_DEPTH`.
    """
    try:
        value = (decoder or _DECODER).decode(text)
    except RecursionError:
        raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    # Nesting needs as many opening brackets as levels: most bodies are ruled out by counting.
    deep_enough = text.count("[") + text.count("{") > MAX_DEPTH
    if deep_enough and exceeds_depth(value, MAX_DEPTH):
        raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
    if may_hold_surrogates(text):
        value = without_surrogates(value)
    return value


def may_hold_surrogates(json_text: str) -> bool:
    """Whether decoding ``json_text`` (JSON, or JMESPath with its JSON escapes) can give a lone
    surrogate: only an escape in \\uD800 to \\uDFFF can."""
    return _SURROGATE_ESCAPE.search(json_text) is not None


_DECODER = json.JSONDecoder()


def exceeds_depth(value: Any, limit: int) -> bool:
    """Whether arrays and objects in ``value`` nest more than ``limit`` levels deep
    (``[]`` is one level, ``[[]]`` two)."""
    if not isinstance(value, dict | list | tuple):
        return False
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > limit:
            return True
        children = current.values() if isinstance(current, dict) else current
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def without_surrogates(value: Any) -> Any:
    """``value`` with :func:`valid_text` applied to every string, keys included."""
    if isinstance(value, str):
        return valid_text(value)
    if not isinstance(value, dict | list):
        return value
    root: list[Any] = [value]
    # Containers are rebuilt in place; (container, key) pairs wait on the stack.
    stack: list[tuple[dict[str, Any] | list[Any], Any]] = [(root, 0)]
    while stack:
        parent, key = stack.pop()
        item = parent[key]
        if isinstance(item, str):
            parent[key] = valid_text(item)
        elif isinstance(item, list):
            stack.extend((item, index) for index in range(len(item)))
        elif isinstance(item, dict):
            cleaned = {valid_text(name): child for name, child in item.items()}
            parent[key] = cleaned
            stack.extend((cleaned, name) for name in cleaned)
    return root[0]
