"""Hover: on ``<<expr>>`` its value now and where it is defined; on a directive what it does;
on a request line its last result in this session. Every text goes through the server's
masker, as all output does."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types

from ..directives import KNOWN_DIRECTIVES
from ..errors import masking_for
from ..masking import is_secret_name
from ..results import RequestResult
from ..source import Span
from .analysis import Analysis
from .imported import shown_path
from .navigation import Definition, Symbol, definitions, symbol_at
from .vocabulary import AUTH_FIELDS, DIRECTIVE_HELP, DYNAMIC_SNIPPETS

if TYPE_CHECKING:
    from .server import HttprunServer

_DIRECTIVE = re.compile(r"[ \t]*(?:#|//)[ \t]*@([A-Za-z][A-Za-z0-9_.-]*)")
_DYNAMIC_NAME = re.compile(r"<<\$([A-Za-z]*)")


@dataclass(frozen=True)
class Context:
    """What hover reads besides the document: the env files' values and where they are set,
    the session's last results, and the masker every text goes through."""

    env: Mapping[str, str]
    env_spans: Mapping[str, Span]
    last_result: Callable[[str, int], RequestResult | None]  # by file and 1-based request line
    mask: Callable[[str], str]


def hover_text(analysis: Analysis, line: int, column: int, context: Context) -> str | None:
    """The hover's Markdown at 0-based ``line`` and code-point ``column`` (masked), if any."""
    if not 0 <= line < len(analysis.lines):
        return None
    text = analysis.lines[line]
    dynamic = _dynamic_at(text, column)
    if dynamic is not None:
        return dynamic
    symbol = symbol_at(analysis, line, column)
    if symbol is not None:
        return context.mask(_symbol_text(analysis, symbol, context))
    directive = _DIRECTIVE.match(text)
    if directive is not None and column <= directive.end():
        key = directive.group(1)
        if key in KNOWN_DIRECTIVES:
            help = DIRECTIVE_HELP.get(key)  # a directive added later shows its usage alone
            return f"`{KNOWN_DIRECTIVES[key]}`" + (f": {help}" if help else "")
        return None
    for block in analysis.http_file.requests:
        assert block.request is not None
        if block.request.span.line == line + 1:
            result = context.last_result(analysis.path, line + 1)
            return context.mask(_result_text(result)) if result is not None else None
    return None


def _dynamic_at(text: str, column: int) -> str | None:
    for match in _DYNAMIC_NAME.finditer(text):
        end = text.find(">>", match.end())
        if match.start() <= column <= (end + 2 if end >= 0 else len(text)):
            entry = DYNAMIC_SNIPPETS.get("$" + match.group(1))
            return f"`${match.group(1)}`: {entry[1]}" if entry is not None else None
    return None


def _symbol_text(analysis: Analysis, symbol: Symbol, context: Context) -> str:
    name = symbol.name
    if name == "auth":
        fields = ", ".join(f"`auth.{field}`" for field in AUTH_FIELDS)
        return f"`auth`: the token of the request's `@auth` profile ({fields})"
    lines = [f"`{name}`"]
    if name in context.env:
        value = "****" if is_secret_name(name) else context.mask(context.env[name])
        lines.append(f"= `{value}` (env)")
    for definition in definitions(analysis, name, context.env_spans):
        imported = " (imported)" if definition.imported else ""
        lines.append(f"- {definition.what} at {_where(definition, analysis.path)}{imported}")
        if definition.value is not None:
            # Another file's value: masked by what that file gives secret-named things too.
            value = masking_for(definition.span, context.mask)(definition.value)
            lines.append(f"  `@{name} = {'****' if is_secret_name(name) else value}`")
        line = definition.request_line
        result = context.last_result(definition.span.path, line) if line else None
        if result is not None and definition.what == "capture" and name in result.captures:
            captured = result.captures[name]
            value = "****" if is_secret_name(name) else context.mask(str(captured))
            lines.append(f"  last captured: `{value}`")
        elif result is not None and definition.what == "request":
            lines.append(f"  last run: {_result_line(result)}")
    if len(lines) == 1 and not analysis.parses:
        lines.append("where it is defined is known once the file's syntax error is fixed")
    elif len(lines) == 1:
        lines.append("not defined above (see the diagnostics)")
    return "\n".join(lines)


def _where(definition: Definition, path: str) -> str:
    """``line 5`` in the document; ``login.http:5`` in a file it imports (relative to its
    folder, as the ``@import`` is written); else the other file's path and line."""
    span = definition.span
    if span.path == path:
        return f"line {span.line}"
    shown = shown_path(span.path, os.path.dirname(path)) if definition.imported else span.path
    return f"{shown}:{span.line}"


def _result_line(result: RequestResult) -> str:
    status = f"{result.status}" if result.status is not None else "no response"
    elapsed = f" in {result.elapsed_ms:.0f} ms" if result.elapsed_ms is not None else ""
    return f"{result.outcome.value}, {status}{elapsed}"


def _result_text(result: RequestResult) -> str:
    lines = [f"**Last run**: {_result_line(result)}"]
    for check in result.checks:
        mark = "✓" if check.passed else "✗"
        message = f": {check.message}" if check.message and not check.passed else ""
        lines.append(f"- {mark} `{check.text}`{message}")
    if result.error is not None and not result.checks:
        lines.append(f"- {result.error}")
    return "\n".join(lines)


def register(server: HttprunServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(params: types.HoverParams) -> types.Hover | None:
        analysis = server.analysis(params.text_document.uri)
        codec = server.workspace.position_codec
        position = codec.position_from_client_units(analysis.lines, params.position)
        values, spans = server.variables_for(analysis.path)
        context = Context(
            env=values,
            env_spans=spans,
            last_result=server.session.at_line,
            mask=server.masker.mask,
        )
        text = hover_text(analysis, position.line, position.character, context)
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))
