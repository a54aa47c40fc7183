"""Document links: ``< ./file`` and ``<@ ./file`` body includes open the file they include, and
the paths of ``# @import`` and ``# @data`` the file they name, resolved as the runner resolves
them (relative to the request file). A path with ``<<...>>`` in it is only known when the
request runs: no link."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from ..imports import FILE_ONLY_DIRECTIVES, written_path
from ..nodes import BodyInclude, HttpFile, Text
from ..source import Span

if TYPE_CHECKING:
    from .server import HttprunServer


def include_targets(http_file: HttpFile, document_path: str) -> list[tuple[Span, Path]]:
    """Each literal include path's span, and the file it names (symbolic links resolved)."""
    if not Path(document_path).is_absolute():
        return []  # an unsaved buffer: nothing to be relative to
    folder = Path(document_path).parent
    found = []
    for block in http_file.requests:
        assert block.request is not None
        body = block.request.body
        for part in body.parts if body is not None else ():
            if not isinstance(part, BodyInclude) or not part.path.is_literal:
                continue
            written = "".join(p.text for p in part.path.parts if isinstance(p, Text)).strip()
            if not written or "\x00" in written:
                continue
            try:
                found.append((part.path.span, (folder / written).resolve()))
            except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop
                continue
    return found


def directive_targets(
    http_file: HttpFile, document_path: str, lines: Sequence[str]
) -> list[tuple[Span, Path]]:
    """The span of the path each ``@import`` and ``@data`` of the first block names (as
    written on its line), and the file it names."""
    if not Path(document_path).is_absolute() or not http_file.blocks:
        return []
    folder = Path(document_path).parent
    found = []
    for directive in http_file.blocks[0].directives:
        if directive.key not in FILE_ONLY_DIRECTIVES or not directive.value:
            continue
        line = directive.span.line
        text = lines[line - 1] if line <= len(lines) else ""
        written = written_path(directive) if directive.key == "import" else directive.value
        start = text.find(written, text.find("@" + directive.key) + 1)
        if start < 0 or not written or "\x00" in written:
            continue
        try:
            target = (folder / written).resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop
            continue
        span = Span(directive.span.path, line, start + 1, line, start + len(written) + 1)
        found.append((span, target))
    return found


def register(server: HttprunServer) -> None:
    from .positions import span_range

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)
    def document_links(params: types.DocumentLinkParams) -> list[types.DocumentLink]:
        analysis = server.analysis(params.text_document.uri)
        codec = server.workspace.position_codec
        return [
            types.DocumentLink(
                range=span_range(span, analysis.lines, codec),
                target=target.as_uri(),
                tooltip=str(target),
            )
            for span, target in [
                *directive_targets(analysis.http_file, analysis.path, analysis.lines),
                *include_targets(analysis.http_file, analysis.path),
            ]
        ]
