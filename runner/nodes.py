"""The syntax tree of a request file: frozen dataclasses, every node with a :class:`Span`.

``parser`` builds these from text (see ``grammar.lark``); nothing here knows about the network,
the scope or the environment. A :class:`Template` is text with ``<<...>>`` interpolations already
split out, so later steps never scan for ``<<`` again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .source import Span


class InterpKind(enum.Enum):
    EXPR = "expr"  # <<expr>>: JMESPath over the scope
    DYNAMIC = "dynamic"  # <<$name args>>: $uuid, $timestamp, ...
    PERCENT = "percent"  # <<%expr>>: JMESPath, value percent-encoded


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text of a template (``\\<<`` already turned into ``<<``)."""

    text: str


@dataclass(frozen=True, slots=True)
class Interp:
    """One ``<<...>>``. ``expr`` is the text between the markers without the ``$``/``%`` sigil
    (for DYNAMIC: ``"uuid"``, ``"randomInt 1 10"``); ``span`` covers ``<<`` to ``>>``."""

    expr: str
    kind: InterpKind
    span: Span


TemplatePart = Text | Interp


@dataclass(frozen=True, slots=True)
class Template:
    """Text with ``<<...>>`` interpolations, as written in the file."""

    parts: tuple[TemplatePart, ...]
    span: Span
    _reads: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def is_literal(self) -> bool:
        return all(isinstance(part, Text) for part in self.parts)

    @property
    def source(self) -> str:
        """The template written back as in the file (for listings and --dry-run)."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, Text):
                out.append(part.text.replace("<<", "\\<<"))
            else:
                sigil = {InterpKind.EXPR: "", InterpKind.DYNAMIC: "$", InterpKind.PERCENT: "%"}
                # An expression ending in ">" would end at its own ">>": keep a blank before it.
                end = " >>" if part.expr.endswith(">") else ">>"
                out.append(f"<<{sigil[part.kind]}{part.expr}{end}")
        return "".join(out)

    def interpolations(self) -> tuple[Interp, ...]:
        return tuple(part for part in self.parts if isinstance(part, Interp))

    @property
    def reads(self) -> frozenset[str]:
        """The variable names its ``<<expr>>`` and ``<<%expr>>`` read (the first name of each
        path), worked out once."""
        if self._reads is None:
            from .jmes import root_names  # jmespath is not needed to build a tree

            names = frozenset(
                name
                for interp in self.interpolations()
                if interp.kind is not InterpKind.DYNAMIC
                for name in root_names(interp.expr)
            )
            object.__setattr__(self, "_reads", names)
            return names
        return self._reads


class TriviaKind(enum.Enum):
    COMMENT = "comment"  # a "#" or "//" line that is no directive
    BLANK = "blank"  # a run of blank lines between two other lines of a block
    RESPONSE_LINK = "response link"  # JetBrains' "<> ./2024-01-01T120000.200.json"


@dataclass(frozen=True, slots=True)
class Trivia:
    """A line that means nothing to a run, kept so that the writer (``httprun fmt``) can write
    it back. ``text`` is the line without surrounding white space (``""`` for BLANK); ``span``
    is its line (the first line of a BLANK run)."""

    kind: TriviaKind
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Directive:
    """``# @key value``. ``key`` without the ``@``; ``value`` stripped ("" when absent)."""

    key: str
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Variable:
    """``@name = value``: a file variable, evaluated lazily when a request uses it."""

    name: str
    value: Template
    span: Span


@dataclass(frozen=True, slots=True)
class Header:
    """A header line of a request: its name and its value's template."""

    name: str
    value: Template
    span: Span


@dataclass(frozen=True, slots=True)
class BodyText:
    """Inline body text, lines joined with ``\\n`` (the file's line endings normalised)."""

    template: Template


@dataclass(frozen=True, slots=True)
class BodyInclude:
    """``< ./path`` (bytes as they are) or ``<@ ./path`` (text, interpolated), alone on a line."""

    path: Template
    interpolate: bool
    span: Span


BodyPart = BodyText | BodyInclude


@dataclass(frozen=True, slots=True)
class Body:
    """The parts in file order. Consecutive parts are joined with ``\\n``."""

    parts: tuple[BodyPart, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Request:
    """The request of a block: its line, headers and body, as written."""

    method: str  # upper case; "GET" when the line has none
    url: Template  # continuation lines (``?``/``&``) already joined, white space removed
    http_version: str | None  # "HTTP/1.1", "HTTP/2" or None
    headers: tuple[Header, ...]
    body: Body | None
    span: Span  # the request line
    # Layout for the writer, left out of ``==`` (two files that send the same are equal):
    # where continuation lines started, as offsets into ``url.source``, and the comment lines
    # between the headers.
    url_breaks: tuple[int, ...] = field(default=(), compare=False)
    comments: tuple[Trivia, ...] = field(default=(), compare=False)


class CheckValueKind(enum.Enum):
    JSON = "json"  # a JSON literal: 200, "x", true, null, [1,2]
    RAW = "raw"  # a single-quoted raw string: '^T|F$'
    TEMPLATE = "template"  # text with <<...>>, interpolated then read as JSON, else a string


@dataclass(frozen=True, slots=True)
class CheckValue:
    """The value on the right of a check's operator."""

    kind: CheckValueKind
    json: Any  # the value for JSON and RAW (a str for RAW); None for TEMPLATE
    template: Template | None  # for TEMPLATE only
    span: Span


@dataclass(frozen=True, slots=True)
class Check:
    """``?? QUERY [not] [OP [VALUE]]``. ``op`` None means "QUERY is truthy"."""

    query: str
    query_span: Span
    op: str | None  # ==, !=, <, <=, >, >=, contains, in, matches, exists
    negated: bool
    value: CheckValue | None
    text: str  # the whole line after ``??``, stripped, for reports
    span: Span


@dataclass(frozen=True, slots=True)
class Capture:
    """``>> NAME = QUERY``."""

    name: str
    query: str
    query_span: Span
    span: Span


@dataclass(frozen=True, slots=True)
class Block:
    """What one ``###`` block holds: directives, variables, the request, checks, captures."""

    title: str | None  # the text after ``###``, stripped; None for the text before the first
    directives: tuple[Directive, ...]
    variables: tuple[Variable, ...]
    request: Request | None
    checks: tuple[Check, ...]
    captures: tuple[Capture, ...]
    span: Span  # from the ``###`` line (or the file start) to the block's last line
    # Comments, blank-line runs and response links before the request line and among the
    # checks, in file order; for the writer, left out of ``==`` as ``Request.comments`` is.
    trivia: tuple[Trivia, ...] = field(default=(), compare=False)
    _reads: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)

    def directive(self, key: str) -> Directive | None:
        """The last directive named ``key``, if any."""
        found = None
        for directive in self.directives:
            if directive.key == key:
                found = directive
        return found

    @property
    def name(self) -> str | None:
        directive = self.directive("name")
        return directive.value if directive is not None else None

    @property
    def label(self) -> str | None:
        """What people call the request: its ``@name``, else its title (None if neither)."""
        return self.name or self.title or None

    @property
    def provides(self) -> frozenset[str]:
        """The names its response defines for later requests: its ``@name`` and captures."""
        names = {capture.name for capture in self.captures}
        if self.request is not None and self.name:
            names.add(self.name)
        return frozenset(names)

    @property
    def reads(self) -> frozenset[str]:
        """The names its request reads directly: in the URL, headers, body, ``<@`` include
        paths and check values (not through file variables or included files, which need
        the rest of the file and the disk), worked out once."""
        if self._reads is None:
            names = frozenset().union(*(template.reads for template in self.templates()))
            object.__setattr__(self, "_reads", names)
            return names
        return self._reads

    def templates(self) -> Iterator[Template]:
        """The templates its request renders, in file order: URL, headers, body parts (an
        include's path), then check values."""
        request = self.request
        if request is None:
            return
        yield request.url
        for header in request.headers:
            yield header.value
        if request.body is not None:
            for part in request.body.parts:
                yield part.template if isinstance(part, BodyText) else part.path
        for check in self.checks:
            if check.value is not None and check.value.template is not None:
                yield check.value.template


@dataclass(frozen=True, slots=True)
class HttpFile:
    """A parsed request file: its blocks in order."""

    path: str  # as given by the user (display path)
    blocks: tuple[Block, ...]
    requests: tuple[Block, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "requests", tuple(b for b in self.blocks if b.request is not None))
