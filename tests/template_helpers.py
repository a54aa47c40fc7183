"""Build syntax-tree nodes for the env/scope/interpolate/resolve tests without the parser.

Templates come from ``runner.template.parse_template`` (the parser's own splitter); blocks,
requests and headers are built directly, so these tests do not need the whole parser.
"""

from __future__ import annotations

from collections.abc import Sequence

from runner.nodes import (
    Block,
    Body,
    BodyInclude,
    BodyPart,
    BodyText,
    Directive,
    Header,
    Request,
    Template,
    Variable,
)
from runner.source import Span, remember_source
from runner.template import parse_template

PATH = "test.http"


def span(line: int = 1, column: int = 1, width: int = 1, path: str = PATH) -> Span:
    return Span.point(path, line, column, width)


def tpl(text: str, *, line: int = 1, column: int = 1, path: str = PATH) -> Template:
    """A one-line template as if it stood at ``line``:``column`` of ``path``."""
    return parse_template(text, Span(path, line, column, line, column + len(text)))


def variable(name: str, value: str, line: int = 1) -> Variable:
    """``@name = value`` on ``line``."""
    prefix = f"@{name} = "
    source = prefix + value
    remember_source_line(line, source)
    return Variable(name, tpl(value, line=line, column=len(prefix) + 1), span(line, 1, len(source)))


def remember_source_line(line: int, text: str, path: str = PATH) -> None:
    """Make ``text`` line ``line`` of ``path`` for the error renderer."""
    remember_source(path, "\n" * (line - 1) + text + "\n")


def header(name: str, value: str, line: int = 2) -> Header:
    return Header(name, tpl(value, line=line, column=len(name) + 3), span(line, 1, len(name)))


def request(
    url: str,
    *,
    method: str = "GET",
    headers: Sequence[tuple[str, str]] = (),
    body: Sequence[BodyPart] | None = None,
    http_version: str | None = None,
) -> Request:
    built_headers = tuple(header(n, v, line=2 + i) for i, (n, v) in enumerate(headers))
    built_body = None
    if body is not None:
        first = 3 + len(headers)
        built_body = Body(tuple(body), Span(PATH, first, 1, first + len(body), 1))
    return Request(
        method,
        tpl(url, line=1, column=len(method) + 2),
        http_version,
        built_headers,
        built_body,
        span(1, 1, len(method) + 1 + len(url)),
    )


def text_part(text: str, line: int = 4) -> BodyText:
    return BodyText(tpl(text, line=line))


def include(path: str, *, interpolate: bool = False, line: int = 4) -> BodyInclude:
    marker = "<@ " if interpolate else "< "
    return BodyInclude(tpl(path, line=line, column=len(marker) + 1), interpolate, span(line))


def directive(key: str, value: str = "", line: int = 1) -> Directive:
    return Directive(key, value, span(line, 3, len(key) + 1))


def block(
    req: Request | None,
    *,
    directives: Sequence[Directive] = (),
    variables: Sequence[Variable] = (),
) -> Block:
    return Block(
        title=None,
        directives=tuple(directives),
        variables=tuple(variables),
        request=req,
        checks=(),
        captures=(),
        span=Span(PATH, 1, 1, 20, 1),
    )
