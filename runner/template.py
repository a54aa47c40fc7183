"""Split text into literal parts and ``<<...>>`` interpolations (FORMAT.md, "Variables and
interpolation").

The parser calls :func:`parse_template` for every piece of a request file that may hold
variables: URLs, header values, file variable values, body text, include paths and check values.
Later steps only walk :class:`~runner.nodes.Template` parts and never scan for ``<<`` again.

Rules:

- ``<<expr>>`` is an interpolation of kind EXPR; ``<<$name args>>`` DYNAMIC; ``<<%expr>>``
  PERCENT. White space just inside the markers is ignored (``<< mallid >>``).
- An interpolation ends at the first ``>>`` on the same line; it cannot span lines.
- ``\\<<`` is a literal ``<<``. A backslash anywhere else is an ordinary character, so regular
  expressions and Windows paths keep theirs.
- An unterminated ``<<`` and an empty ``<< >>`` are errors that point at the ``<<``.
"""

from __future__ import annotations

from .errors import ParseError
from .nodes import Interp, InterpKind, Template, TemplatePart, Text
from .source import Span

_SIGILS = {"$": InterpKind.DYNAMIC, "%": InterpKind.PERCENT}
_ESCAPE_HINT = "write '\\<<' for a literal '<<'"


def parse_template(text: str, span: Span) -> Template:
    """Split ``text``, whose first character sits at ``span``'s line and column, into parts.

    ``text`` may hold several lines (a body); positions after a ``"\\n"`` continue at column 1
    of the next line. The returned template's span is ``span``.
    """
    start = text.find("<<")
    if start < 0:
        return Template((Text(text),) if text else (), span)

    parts: list[TemplatePart] = []
    literal = ""  # literal text not yet added to ``parts``
    pos = 0
    # Line bookkeeping for text of several lines: ``line`` is the line of ``text[counted]``, and
    # that line starts at ``line_start`` (the first line at column ``span.column``).
    multiline = "\n" in text
    line, line_start, counted = span.line, -span.column + 1, 0
    while start >= 0:
        if start and text[start - 1] == "\\":
            literal += text[pos : start - 1] + "<<"
            pos = start + 2
            start = text.find("<<", pos)
            continue
        literal += text[pos:start]
        if multiline:
            newlines = text.count("\n", counted, start)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", counted, start) + 1
            counted = start
        column = start - line_start + 1
        end = text.find(">>", start + 2)
        if end < 0 or (multiline and "\n" in text[start + 2 : end]):
            raise ParseError(
                "unterminated '<<'",
                Span(span.path, line, column, line, column + 2),
                label="no '>>' after this on the same line",
                hint=f"close it with '>>', or {_ESCAPE_HINT}; an interpolation cannot span lines",
            )
        if literal:
            parts.append(Text(literal))
            literal = ""
        interp_span = Span(span.path, line, column, line, column + end + 2 - start)
        parts.append(_interpolation(text[start + 2 : end], interp_span))
        pos = end + 2
        start = text.find("<<", pos)
    literal += text[pos:]
    if literal:
        parts.append(Text(literal))
    return Template(tuple(parts), span)


def _interpolation(inner: str, span: Span) -> Interp:
    expr = inner.strip()
    if not expr:
        raise ParseError(
            "empty interpolation '<< >>'",
            span,
            label="nothing between '<<' and '>>'",
            hint=f"put a variable or expression inside, like <<mallid>>, or {_ESCAPE_HINT}",
        )
    kind = _SIGILS.get(expr[0], InterpKind.EXPR)
    if kind is not InterpKind.EXPR:
        sigil, expr = expr[0], expr[1:].strip()
        if not expr:
            example = "<<$uuid>>" if sigil == "$" else "<<%refresh_token>>"
            what = "dynamic value" if sigil == "$" else "variable"
            raise ParseError(
                f"'<<{sigil}>>' names nothing",
                span,
                label=f"expected a {what} after '{sigil}'",
                hint=f"write it like {example}",
            )
    return Interp(expr, kind, span)
