"""Completion: what may be written at the cursor, from the line's text up to it.

The context is read from the text, not the tree: while someone types, the line at the cursor
usually does not parse. The names offered come from the tree of the blocks that parse, from
the files its ``@import`` lines import and from the env files:

- in ``<<``: env variables, the names imports make visible (with their kind and file), file
  variables, captures and request names defined above the cursor, ``auth`` (under an
  ``@auth`` profile); ``$dynamic`` values as snippets; after
  ``name.``: the fields of a response (``status``, ``body``, ``headers``...), of ``auth``, and
  the body fields of the request's last response in this session;
- after ``# @``: the directives, then their values;
- on a header line: header names, then common values;
- after ``??``: the fields of the response and JMESPath's functions, then the operators.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jmespath.functions import Functions
from lsprotocol import types

from ..directives import KNOWN_DIRECTIVES
from ..errors import masking_for
from ..imports import Definition
from ..masking import is_secret_name
from ..nodes import HttpFile, Variable
from ..static import RESPONSE_FIELDS
from .imported import KIND_NAMES, shown_path
from .vocabulary import (
    AUTH_FIELDS,
    DIRECTIVE_HELP,
    DIRECTIVE_VALUES,
    DYNAMIC_SNIPPETS,
    HEADER_NAMES,
    HEADER_VALUES,
    OPERATORS,
)

if TYPE_CHECKING:
    from .server import HttprunServer

_JMESPATH_FUNCTIONS = tuple(sorted(Functions().FUNCTION_TABLE))

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
_MEMBER = re.compile(
    rf"(?<![\w.\]$])({_IDENTIFIER})((?:\.{_IDENTIFIER}|\[[0-9]+\])*)\.({_IDENTIFIER})?$"
)
_STEP = re.compile(rf"\.({_IDENTIFIER})|\[([0-9]+)\]")
_PARTIAL_NAME = re.compile(r"(?<![\w.\]$])[A-Za-z_]?[A-Za-z0-9_]*$")
# What may stand before a name in a JMESPath expression ("" : the start of the <<...>>).
_BEFORE_A_NAME = ("", "(", ",", " ", "\t", "|", "&", "!", "=", "<", ">", "[", "{", ":")
_DIRECTIVE_KEY = re.compile(r"[ \t]*(?:#|//)[ \t]*@([A-Za-z0-9_.-]*)$")
_DIRECTIVE_VALUE = re.compile(r"[ \t]*(?:#|//)[ \t]*@([A-Za-z][A-Za-z0-9_.-]*)[ \t]+(\S*)$")
_HEADER_NAME = re.compile(r"[A-Za-z0-9-]*$")
_HEADER_VALUE = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*(\S*)$")
_CHECK_QUERY = re.compile(r"\?\?[ \t]+(\S*)$")
_CHECK_OPERATOR = re.compile(r"\?\?[ \t]+\S+[ \t]+(\S*)$")


@dataclass(frozen=True, slots=True)
class Completion:
    label: str
    kind: types.CompletionItemKind
    start: int  # 0-based code-point column where the replaced text starts (it ends at the cursor)
    insert: str | None = None  # what is inserted (a snippet when ``snippet``); else the label
    snippet: bool = False
    detail: str = ""
    documentation: str = ""


@dataclass(frozen=True)
class Sources:
    """What completion reads besides the document: the env values (already masked), the
    names its imports make visible (with where each is defined, shown relative to
    ``folder``), and the body of a named request's last response in this session."""

    env: Mapping[str, str]
    last_body: Callable[[str], Any]
    imported: Mapping[str, tuple[Path, Definition]] = field(default_factory=dict)
    folder: str = ""  # the document's folder


def complete(
    lines: Sequence[str], tree: HttpFile, line: int, column: int, sources: Sources
) -> list[Completion]:
    """The completions at 0-based ``line`` and code-point ``column`` of the document's
    ``lines``, with the names that ``tree`` defines."""
    if not 0 <= line < len(lines):
        return []
    prefix = lines[line][:column]
    opened = prefix.rfind("<<")
    if opened >= 0 and prefix.rfind(">>") < opened:
        return _in_interpolation(tree, line, prefix, opened + 2, sources)
    if (match := _CHECK_OPERATOR.match(prefix)) is not None:
        return _words(OPERATORS, types.CompletionItemKind.Operator, match.start(1))
    if (match := _CHECK_QUERY.match(prefix)) is not None:
        return _queries(match.start(1))
    section = _section(lines, line)
    if section == "prelude" and (match := _DIRECTIVE_KEY.match(prefix)) is not None:
        return _directives(match.start(1))
    if section == "prelude" and (match := _DIRECTIVE_VALUE.match(prefix)) is not None:
        return _directive_values(match.group(1), match.start(2))
    if section == "headers":
        if (match := _HEADER_VALUE.match(prefix)) is not None:
            blank = "" if match.start(2) > len(match.group(1)) + 1 else " "  # after "Name:"
            return [
                Completion(value, types.CompletionItemKind.Value, match.start(2), blank + value)
                for value in _header_values(match.group(1))
            ]
        if _HEADER_NAME.fullmatch(prefix):
            return [
                Completion(name, types.CompletionItemKind.Property, 0, insert=f"{name}: ")
                for name in HEADER_NAMES
            ]
    return []


# -- inside <<...>> --


def _in_interpolation(
    tree: HttpFile, line: int, prefix: str, inner: int, sources: Sources
) -> list[Completion]:
    text = prefix[inner:]
    if text.startswith("$") and " " not in text:
        return [
            Completion(name, types.CompletionItemKind.Function, inner, snippet, True, detail=help)
            for name, (snippet, help) in DYNAMIC_SNIPPETS.items()
        ]
    if text.startswith("%"):
        text, inner = text[1:], inner + 1
    # The name (and its fields) typed last: an expression may call functions on it.
    member = _MEMBER.search(text)
    if member is not None:
        start = inner + (member.start(3) if member.group(3) else len(text))
        return _members(tree, member.group(1), member.group(2), start, sources)
    partial = _PARTIAL_NAME.search(text)
    before = text[partial.start() - 1] if partial is not None and partial.start() else ""
    if partial is None or before not in _BEFORE_A_NAME:
        return []
    return _names(tree, line, inner + partial.start(), sources)


def _names(tree: HttpFile, line: int, start: int, sources: Sources) -> list[Completion]:
    found: dict[str, Completion] = {}
    for name, value in sorted(sources.env.items()):
        found[name] = Completion(
            name, types.CompletionItemKind.Variable, start, detail="env", documentation=value
        )
    for name, (_, definition) in sorted(sources.imported.items()):  # above env, below the file
        found[name] = _imported(definition, start, sources.folder)
    for block in tree.blocks:
        if block.span.line - 1 > line:
            break  # defined below the cursor: not readable here
        current = block.span.line - 1 <= line <= block.span.end_line - 1
        for variable in block.variables:
            found[variable.name] = Completion(
                variable.name,
                types.CompletionItemKind.Variable,
                start,
                detail="file variable",
                documentation=f"@{variable.name} = {_shown_value(variable)}",
            )
        if current:
            continue  # a request reads its own block's variables, not its own response
        for capture in block.captures:
            found[capture.name] = Completion(
                capture.name,
                types.CompletionItemKind.Variable,
                start,
                detail="capture",
                documentation=f">> {capture.name} = {capture.query}",
            )
        if block.request is not None and block.name:
            found[block.name] = Completion(
                block.name,
                types.CompletionItemKind.Function,
                start,
                detail="request",
                documentation=f"{block.request.method} {block.request.url.source}",
            )
    if _has_auth(tree):
        found["auth"] = Completion(
            "auth", types.CompletionItemKind.Module, start, detail="the @auth profile's token"
        )
    return list(found.values())


def _imported(definition: Definition, start: int, folder: str) -> Completion:
    """An imported name: its kind and file in ``detail``, what defines it as documentation."""
    name, block = definition.name, definition.file.blocks[definition.block]
    detail = f"{KIND_NAMES[definition.kind]} from {shown_path(definition.file.path, folder)}"
    if definition.kind == "request":
        assert block.request is not None
        documentation = f"{block.request.method} {block.request.url.source}"
        return Completion(
            name, types.CompletionItemKind.Function, start, None, False, detail, documentation
        )
    if definition.kind == "capture":
        query = next(c.query for c in reversed(block.captures) if c.name == name)
        documentation = f">> {name} = {query}"
    else:
        variable = next(v for v in reversed(block.variables) if v.name == name)
        documentation = f"@{name} = {_shown_value(variable)}"
    # Another file's text: masked by what that file gives secret-named things too.
    documentation = masking_for(definition.span, _unchanged)(documentation)
    return Completion(
        name, types.CompletionItemKind.Variable, start, None, False, detail, documentation
    )


def _unchanged(text: str) -> str:
    return text


def _shown_value(variable: Variable) -> str:
    """A file variable's value as documentation: a secret's (by its name) never."""
    return "****" if is_secret_name(variable.name) else variable.value.source


def _members(
    tree: HttpFile, root: str, path: str, start: int, sources: Sources
) -> list[Completion]:
    if root == "auth":
        return [
            Completion(name, types.CompletionItemKind.Field, start, documentation=help)
            for name, help in AUTH_FIELDS.items()
        ]
    requests = {block.name for block in tree.requests if block.name}
    requests |= {name for name, (_, d) in sources.imported.items() if d.kind == "request"}
    if root not in requests:
        return []
    if not path:
        return _words(RESPONSE_FIELDS, types.CompletionItemKind.Field, start)
    steps = list(_STEP.finditer(path))
    if steps[0].group(1) != "body":
        return []
    value = sources.last_body(root)
    for step in steps[1:]:
        value = _step(value, step.group(1), step.group(2))
    if not isinstance(value, dict):
        return []
    return [
        Completion(key, types.CompletionItemKind.Field, start, detail=type(item).__name__)
        for key, item in value.items()
        if isinstance(key, str) and re.fullmatch(_IDENTIFIER, key)
    ]


def _step(value: Any, key: str | None, index: str | None) -> Any:
    """``value.key`` or ``value[index]`` of a response body, None where there is none."""
    if key is not None:
        return value.get(key) if isinstance(value, dict) else None
    assert index is not None
    return value[int(index)] if isinstance(value, list) and int(index) < len(value) else None


def _has_auth(tree: HttpFile) -> bool:
    return any(
        directive.key == "auth" and directive.value.strip().lower() != "none"
        for block in tree.blocks
        for directive in block.directives
    )


# -- directives, headers, checks --


def _directives(start: int) -> list[Completion]:
    return [
        Completion(
            key,
            types.CompletionItemKind.Keyword,
            start,
            detail=usage,
            documentation=DIRECTIVE_HELP.get(key, ""),
        )
        for key, usage in KNOWN_DIRECTIVES.items()
    ]


def _directive_values(key: str, start: int) -> list[Completion]:
    return _words(DIRECTIVE_VALUES.get(key, ()), types.CompletionItemKind.EnumMember, start)


def _header_values(name: str) -> tuple[str, ...]:
    for known, values in HEADER_VALUES.items():
        if known.lower() == name.lower():
            return values
    return ()


def _queries(start: int) -> list[Completion]:
    fields = _words(RESPONSE_FIELDS, types.CompletionItemKind.Field, start)
    functions = [
        Completion(
            name, types.CompletionItemKind.Function, start, f"{name}($1)", True, detail="JMESPath"
        )
        for name in _JMESPATH_FUNCTIONS
    ]
    return fields + functions


def _words(words: tuple[str, ...], kind: types.CompletionItemKind, start: int) -> list[Completion]:
    return [Completion(word, kind, start) for word in words]


def _section(lines: Sequence[str], line: int) -> str:
    """Where ``line`` is in its block: "prelude" (comments, directives, variables, up to the
    request line), "headers", "body" or "checks". The block (from the ``###`` line above, or
    the file start) is read down to it as the grammar reads one."""
    start = line
    while start > 0 and not lines[start - 1].startswith("###"):
        start -= 1
    section = "prelude"
    for text in lines[start:line]:
        stripped = text.strip()
        if text.startswith(("??", ">>")):
            section = "checks"
        elif section == "prelude" and stripped and not stripped.startswith(("#", "//", "@")):
            section = "headers"  # the request line
        elif section == "headers" and not stripped:
            section = "body"  # the blank line that ends the headers
    return section


def register(server: HttprunServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=["<", "$", ".", "@", " ", ":"]),
    )
    def completion(params: types.CompletionParams) -> types.CompletionList:
        analysis = server.analysis(params.text_document.uri)
        codec = server.workspace.position_codec
        at = codec.position_from_client_units(analysis.lines, params.position)
        position = types.Position(at.line, at.character)
        values, _ = server.variables_for(analysis.path)  # loaded before masking with it
        # While someone types, the text often does not parse (a << not closed yet): the
        # names then come from the last version of the document that did.
        parsed = server.last_parsed(params.text_document.uri)
        tree, imported = parsed.http_file, parsed.visible
        sources = Sources(
            env={name: server.masker.mask(value) for name, value in values.items()},
            last_body=lambda name: _last_body(server, analysis.path, name, imported),
            imported=imported,
            folder=os.path.dirname(analysis.path),
        )
        items = complete(analysis.lines, tree, position.line, position.character, sources)
        return types.CompletionList(
            is_incomplete=False,
            items=[_item(item, position, analysis.lines, server) for item in items],
        )


def _last_body(
    server: HttprunServer, path: str, name: str, imported: Mapping[str, tuple[Path, Definition]]
) -> Any:
    """The body of the last response (in this session) of the request ``name``: this
    file's own, else that of the imported file that provides it."""
    if name in imported:  # only the names the file does not define itself
        path = imported[name][1].file.path
    result = server.session.named(path, name)
    if result is None or result.exchange is None:
        return None
    return result.exchange.response.get("body")


def _item(
    item: Completion, cursor: types.Position, lines: list[str], server: HttprunServer
) -> types.CompletionItem:
    codec = server.workspace.position_codec
    replaced = codec.range_to_client_units(
        lines, types.Range(types.Position(cursor.line, item.start), cursor)
    )
    return types.CompletionItem(
        label=item.label,
        kind=item.kind,
        detail=item.detail or None,
        documentation=server.masker.mask(item.documentation) or None,
        insert_text_format=types.InsertTextFormat.Snippet if item.snippet else None,
        text_edit=types.TextEdit(range=replaced, new_text=item.insert or item.label),
    )
