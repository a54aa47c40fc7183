"""What the server knows about one version of one document: its syntax tree (the blocks that
parse), the files it imports, and the diagnostics ``httprun check`` gives it, worked out once."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..check_files import CheckSettings, check_with_summaries
from ..errors import Diagnostic, ParseError
from ..imports import Definition, ImportGraph, import_directives, load_graph
from ..nodes import HttpFile
from ..parser import parse_text_collecting
from ..source import normalize_newlines
from ..static import check_parsed
from .imported import ImportedFiles, ParsedImport
from .semantic_tokens import Token, tokens_of


@dataclass
class Analysis:
    path: str  # the document's file system path (or its URI when it has none)
    text: str
    defined: Collection[str]  # variable names the env files give
    imported: ImportedFiles | None = None  # reads the files it imports (None: it imports none)
    _file: HttpFile | None = field(default=None, init=False)
    _errors: list[ParseError] | None = field(default=None, init=False)  # syntax errors
    _diagnostics: list[Diagnostic] | None = field(default=None, init=False)
    _read: dict[Path, ParsedImport] = field(default_factory=dict, init=False)

    @property
    def http_file(self) -> HttpFile:
        """The blocks that parse (a block with a syntax error is left out)."""
        self._parse()
        assert self._file is not None
        return self._file

    @property
    def syntax_errors(self) -> list[ParseError]:
        """The syntax errors of the blocks that do not parse."""
        self._parse()
        assert self._errors is not None
        return self._errors

    @property
    def parses(self) -> bool:
        """Whether the whole text parses (no syntax error)."""
        return not self.syntax_errors

    @cached_property
    def graph(self) -> ImportGraph | None:
        """The files the document imports, followed (None: it imports none, or it is a
        buffer never saved, which has no folder to find them in)."""
        reader = self.imported
        if reader is None or not os.path.isabs(self.path):
            return None
        if not import_directives(self.http_file):
            return None

        def read(key: Path, shown: str) -> HttpFile:
            self._read[key] = parsed = reader.read(key, shown)
            return parsed.http_file

        return load_graph(self.http_file, read)

    @property
    def visible(self) -> Mapping[str, tuple[Path, Definition]]:
        """The names its imports make visible (not those it defines itself)."""
        return self.graph.visible() if self.graph is not None else {}

    @property
    def imports_anything(self) -> bool:
        """Whether it has ``@import`` lines (followed or not)."""
        return bool(import_directives(self.http_file))

    def imports_current(self) -> bool:
        """Whether the files it imports are still as they were read."""
        reader = self.imported
        if reader is None:
            return True
        return all(reader.stamp(key) == parsed.stamp for key, parsed in self._read.items())

    def reread_imports(self) -> Analysis:
        """A new analysis of the same text (its syntax tree kept), its imports read again."""
        again = Analysis(self.path, self.text, self.defined, self.imported)
        again._file, again._errors = self._file, self._errors
        return again

    def imports_file(self, key: Path) -> bool:
        """Whether it read the file at ``key`` (resolved) through its imports."""
        return key in self._read

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every error and warning ``httprun check`` reports for the text, imports followed."""
        if self._diagnostics is None:
            graph = self.graph
            if graph is None:
                alone = check_parsed(self.http_file, self.syntax_errors, self.defined)
                self._diagnostics = self._unsaved_imports() + alone
            else:
                settings = CheckSettings(defined=self.defined)
                found = check_with_summaries(graph, settings, _WhatWasRead(self, graph))
                self._diagnostics = found[graph.root_key]
        return self._diagnostics

    def _unsaved_imports(self) -> list[Diagnostic]:
        """A buffer never saved has no folder to find its imports in: each says so."""
        if os.path.isabs(self.path):
            return []
        return [
            Diagnostic(
                "warning",
                "this import is followed once the file is saved",
                directive.span,
                hint="imports are relative to the file's folder: save it in the project",
            )
            for directive in import_directives(self.http_file)
        ]

    @cached_property
    def lines(self) -> list[str]:
        """The text's lines as the parser and LSP count them (only \\n, \\r\\n and \\r end
        one), without line endings."""
        return normalize_newlines(self.text).split("\n")

    @cached_property
    def semantic_tokens(self) -> list[Token]:
        requests = [name for name, (_, d) in self.visible.items() if d.kind == "request"]
        return tokens_of(self.http_file, self.lines, requests)

    def _parse(self) -> None:
        if self._file is not None:
            return
        self._file, self._errors = parse_text_collecting(self.text, self.path)


class _WhatWasRead:
    """The files an analysis read through its imports, as ``httprun check``'s reader: the
    check reads no file again (an editor's buffer may differ from the disk)."""

    def __init__(self, analysis: Analysis, graph: ImportGraph) -> None:
        self._analysis = analysis
        self._root = graph.root_key

    def __call__(self, key: Path, shown: str) -> HttpFile:
        return self._analysis._read[key].http_file

    def syntax_errors(self, key: Path) -> Sequence[ParseError]:
        if key == self._root:
            return self._analysis.syntax_errors
        parsed = self._analysis._read.get(key)
        return parsed.errors if parsed is not None else ()
