"""Go to definition, find references and rename for the names ``<<...>>`` reads: file
variables (``@name = value``), captures (``>> name = query``), request names (``# @name``)
and env file variables (their ``NAME=`` line), in the document or in a file it imports
(``# @import``: the definition there; the references of a name include its uses in the open
documents that import it; an imported name is not renamed from an importer).

A name's definitions and uses are found in the syntax tree (templates keep their ``<<...>>``
spans); the name under the cursor is read from the line's text, so it is found on a line that
does not parse too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from ..directives import IDENTIFIER
from ..imports import Definition as ImportedDefinition
from ..nodes import Block, Template
from ..source import Span, source_line, source_lines
from .analysis import Analysis
from .imported import KIND_NAMES
from .positions import span_range

if TYPE_CHECKING:
    from .server import HttprunServer

# A name read by an expression, with the fields after it: not after '.', '$' or a quote, not a
# function call (``length(x)``).
_ROOT_CHAIN = re.compile(
    r"(?<![\w.$'\"`\]])([A-Za-z_][A-Za-z0-9_]*)(?![\w(])((?:\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\])*)"
)
_INTERPOLATION = re.compile(r"<<%?(?!\$)(.*?)>>")
_VARIABLE_NAME = re.compile(r"[ \t]*@([A-Za-z_][A-Za-z0-9_]*)[ \t]*=")
_REQUEST_NAME = re.compile(r"[ \t]*(?:#|//)[ \t]*@name[ \t]+(?:=[ \t]*)?([A-Za-z_][A-Za-z0-9_]*)")
_CAPTURE_NAME = re.compile(r">>[ \t]*([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True, slots=True)
class Symbol:
    """A name under the cursor, and the span of that name."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Definition:
    what: str  # "file variable", "capture", "request" or "env file"
    span: Span  # the name where it is defined (an env file's or imported file's is there)
    request_line: int | None = None  # the request line whose response defines it
    value: str | None = None  # a file variable's value as written
    imported: bool = False  # defined in a file the document imports


def symbol_at(analysis: Analysis, line: int, column: int) -> Symbol | None:
    """The name at 0-based ``line`` and code-point ``column``: read in a ``<<...>>`` or
    defined there by an ``@name =``, a ``# @name`` or a ``>> name =``."""
    if not 0 <= line < len(analysis.lines):
        return None
    text = analysis.lines[line]
    for interp in _INTERPOLATION.finditer(text):
        if interp.start() <= column <= interp.end():
            return _name_in(analysis.path, line, text, interp.start(1), interp.end(1), column)
    for pattern in (_VARIABLE_NAME, _REQUEST_NAME, _CAPTURE_NAME):
        match = pattern.match(text)
        if match is not None and match.start(1) <= column <= match.end(1):
            return Symbol(match.group(1), _span(analysis.path, line, match.start(1), match.end(1)))
    return None


def _name_in(path: str, line: int, text: str, start: int, end: int, column: int) -> Symbol | None:
    """The name whose chain (``name.body.x``) holds ``column`` in the expression text
    ``text[start:end]``, else the expression's first name."""
    found = None
    for match in _ROOT_CHAIN.finditer(text, start, end):
        symbol = Symbol(match.group(1), _span(path, line, match.start(1), match.end(1)))
        if match.start() <= column <= match.end():
            return symbol
        found = found or symbol
    return found


def definitions(analysis: Analysis, name: str, env_spans: Mapping[str, Span]) -> list[Definition]:
    """Where ``name`` is defined: in the document, else in the file an import of it gets the
    name from; then in the env files."""
    found: list[Definition] = []
    for block in analysis.http_file.blocks:
        found.extend(_defined_in(analysis.path, analysis.lines, block, name))
    visible = analysis.visible.get(name)
    if visible is not None:
        found.extend(_imported_definition(visible[1]))
    if name in env_spans:
        found.append(Definition("env file", _env_key_span(env_spans[name], name)))
    return found


def imported_from(analysis: Analysis, name: str) -> str | None:
    """The path of the file that an import of the document gets ``name`` from, if it does."""
    visible = analysis.visible.get(name)
    return visible[1].file.path if visible is not None else None


def _imported_definition(definition: ImportedDefinition) -> list[Definition]:
    """The definition that the importing file sees (the last in its file), in that file."""
    http_file = definition.file
    lines = source_lines(http_file.path) or []  # the text read (buffer or disk), remembered
    block = http_file.blocks[definition.block]
    found = [
        replace(found, imported=True)
        for found in _defined_in(http_file.path, lines, block, definition.name)
        if found.what == KIND_NAMES[definition.kind]
    ]
    return found[-1:]


def _defined_in(path: str, lines: Sequence[str], block: Block, name: str) -> Iterator[Definition]:
    """The definitions of ``name`` in ``block`` of the file at ``path`` whose ``lines`` the
    names' columns are found in."""
    request_line = block.request.span.line if block.request is not None else None
    for variable in block.variables:
        if variable.name == name:
            start = variable.span.column  # just after the '@'
            yield Definition(
                "file variable",
                _span(path, variable.span.line - 1, start, start + len(name)),
                value=variable.value.source,
            )
    for capture in block.captures:
        if capture.name == name:
            match = _CAPTURE_NAME.match(_line(lines, capture.span.line))
            if match is not None:
                span = _span(path, capture.span.line - 1, match.start(1), match.end(1))
                yield Definition("capture", span, request_line)
    if block.request is not None and block.name == name:
        directive = block.directive("name")
        assert directive is not None
        match = _REQUEST_NAME.match(_line(lines, directive.span.line))
        if match is not None:
            span = _span(path, directive.span.line - 1, match.start(1), match.end(1))
            yield Definition("request", span, request_line)


def _line(lines: Sequence[str], number: int) -> str:
    return lines[number - 1] if 0 < number <= len(lines) else ""


def references(analysis: Analysis, name: str) -> list[Span]:
    """Every ``<<...>>`` use of ``name`` (the span of the name itself), in file order."""
    found: list[Span] = []
    for template in _templates(analysis):
        if name not in template.reads:
            continue
        for interp in template.interpolations():
            span = interp.span
            if span.line != span.end_line:
                continue
            text = analysis.lines[span.line - 1]
            for match in _ROOT_CHAIN.finditer(text, span.column + 1, span.end_column - 3):
                if match.group(1) == name:
                    found.append(_span(analysis.path, span.line - 1, match.start(1), match.end(1)))
    return found


def _templates(analysis: Analysis) -> Iterator[Template]:
    for block in analysis.http_file.blocks:
        for variable in block.variables:
            yield variable.value
        yield from block.templates()


def _env_key_span(span: Span, name: str) -> Span:
    """The key's span on its env file line (after an ``export``, if any)."""
    text = source_line(span.path, span.line) or ""
    start = max(text.find(name), 0)
    return Span(span.path, span.line, start + 1, span.line, start + len(name) + 1)


def _span(path: str, line: int, start: int, end: int) -> Span:
    """A span from 0-based ``line`` and code-point columns ``start:end``."""
    return Span(path, line + 1, start + 1, line + 1, end + 1)


def rename_edits(
    analysis: Analysis, name: str, new_name: str, env_spans: Mapping[str, Span]
) -> dict[str, list[Span]]:
    """The spans to replace with ``new_name``, by file path: its definitions and uses.
    Refuses (an LSP error) a new name that ``<<...>>`` could not read."""
    refuse_imported(analysis, name)
    if IDENTIFIER.fullmatch(new_name) is None:
        raise JsonRpcInvalidParams(
            f"'{new_name}' is not a name httprun can read: use letters, digits and '_', "
            "not starting with a digit"
        )
    edits: dict[str, list[Span]] = {}
    spans = [d.span for d in definitions(analysis, name, env_spans)]
    for span in [*spans, *references(analysis, name)]:
        edits.setdefault(span.path, []).append(span)
    return edits


def refuse_imported(analysis: Analysis, name: str) -> None:
    """A name the document reads from an import is renamed where it is defined (an LSP error
    otherwise): a rename here would leave the other files that import it behind."""
    where = imported_from(analysis, name)
    if where is not None:
        raise JsonRpcInvalidParams(
            f"'{name}' is defined in {where}, which this file imports: rename it there"
        )


def register(server: HttprunServer) -> None:
    def located(
        params: types.DefinitionParams
        | types.ReferenceParams
        | types.RenameParams
        | types.PrepareRenameParams,
    ) -> tuple[Analysis, Symbol | None]:
        analysis = server.analysis(params.text_document.uri)
        codec = server.workspace.position_codec
        position = codec.position_from_client_units(analysis.lines, params.position)
        return analysis, symbol_at(analysis, position.line, position.character)

    def env_spans(analysis: Analysis) -> dict[str, Span]:
        return server.variables_for(analysis.path)[1]

    def location(analysis: Analysis, uri: str, span: Span) -> types.Location:
        if span.path == analysis.path:
            codec = server.workspace.position_codec
            return types.Location(uri, span_range(span, analysis.lines, codec))
        # An env file or an imported request file: a name and what stands before it on its
        # line ("@", "# @name ", ">> ", an env key) are plain ASCII, so columns are the same
        # in every unit.
        start = types.Position(span.line - 1, span.column - 1)
        end = types.Position(span.end_line - 1, span.end_column - 1)
        return types.Location(Path(span.path).resolve().as_uri(), types.Range(start, end))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(params: types.DefinitionParams) -> list[types.Location]:
        analysis, symbol = located(params)
        if symbol is None:
            return []
        found = definitions(analysis, symbol.name, env_spans(analysis))
        return [location(analysis, params.text_document.uri, d.span) for d in found]

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def find_references(params: types.ReferenceParams) -> list[types.Location]:
        analysis, symbol = located(params)
        if symbol is None:
            return []
        spans = references(analysis, symbol.name)
        if params.context.include_declaration:
            spans = [
                d.span for d in definitions(analysis, symbol.name, env_spans(analysis))
            ] + spans
        uri = params.text_document.uri
        found = [location(analysis, uri, span) for span in spans]
        return found + importers_references(uri, symbol.name)

    def importers_references(uri: str, name: str) -> list[types.Location]:
        """The uses of ``name`` in the open documents that read it from ``uri``'s file
        through their imports (a file on disk that imports it is not searched)."""
        key = server.key_of(uri)
        codec = server.workspace.position_codec
        found: list[types.Location] = []
        for other_uri in server.importers_of(uri):
            other = server.analysis(other_uri)
            provider = other.visible.get(name)
            if provider is None or provider[0] != key:
                continue  # it defines the name itself, or reads it from another import
            for span in references(other, name):
                found.append(types.Location(other_uri, span_range(span, other.lines, codec)))
        return found

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(params: types.PrepareRenameParams) -> types.Range | None:
        """The name the cursor is on (what a rename would change), or None: not renameable."""
        analysis, symbol = located(params)
        if symbol is None:
            return None
        refuse_imported(analysis, symbol.name)
        return span_range(symbol.span, analysis.lines, server.workspace.position_codec)

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    def rename(params: types.RenameParams) -> types.WorkspaceEdit | None:
        analysis, symbol = located(params)
        if symbol is None:
            return None
        edits = rename_edits(analysis, symbol.name, params.new_name, env_spans(analysis))
        changes: dict[str, list[types.TextEdit]] = {}
        for spans in edits.values():
            for span in spans:
                where = location(analysis, params.text_document.uri, span)
                changes.setdefault(where.uri, []).append(
                    types.TextEdit(where.range, params.new_name)
                )
        return types.WorkspaceEdit(changes=changes)
