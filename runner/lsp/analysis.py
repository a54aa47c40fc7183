"""What the server knows about one version of one document: its syntax tree (the blocks that
parse), and the diagnostics ``httprun check`` gives it, worked out once."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property

from ..errors import Diagnostic, ParseError
from ..nodes import HttpFile
from ..parser import parse_text_collecting
from ..source import normalize_newlines
from ..static import check_parsed
from .semantic_tokens import Token, tokens_of


@dataclass
class Analysis:
    path: str  # the document's file system path (or its URI when it has none)
    text: str
    defined: Collection[str]  # variable names the env files give
    _file: HttpFile | None = field(default=None, init=False)
    _errors: list[ParseError] | None = field(default=None, init=False)  # syntax errors
    _diagnostics: list[Diagnostic] | None = field(default=None, init=False)

    @property
    def http_file(self) -> HttpFile:
        """The blocks that parse (a block with a syntax error is left out)."""
        self._parse()
        assert self._file is not None
        return self._file

    @property
    def parses(self) -> bool:
        """Whether the whole text parses (no syntax error)."""
        self._parse()
        return not self._errors

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every error and warning ``httprun check`` reports for the text."""
        if self._diagnostics is None:
            self._parse()
            assert self._errors is not None
            self._diagnostics = check_parsed(self.http_file, self._errors, self.defined)
        return self._diagnostics

    @cached_property
    def lines(self) -> list[str]:
        """The text's lines as the parser and LSP count them (only \\n, \\r\\n and \\r end
        one), without line endings."""
        return normalize_newlines(self.text).split("\n")

    @cached_property
    def semantic_tokens(self) -> list[Token]:
        return tokens_of(self.http_file, self.lines)

    def _parse(self) -> None:
        if self._file is not None:
            return
        self._file, self._errors = parse_text_collecting(self.text, self.path)
