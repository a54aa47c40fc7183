"""What the parts of the Postman import share: names, the report, the secrets, and the values
the import moves out of request files into env files (credentials written as literals)."""

from __future__ import annotations

import re

from ..masking import Masker
from .braces import Dialect, convert_text
from .envfiles import EnvValue
from .names import Renamer
from .report import ImportReport

_BRACES = re.compile(r"\{\{.*?\}\}", re.DOTALL)


def has_literal(text: str) -> bool:
    """Whether ``text`` holds more than ``{{variables}}`` and blanks."""
    return _BRACES.sub("", text).strip() != ""


class Context:
    def __init__(self, rename: Renamer, report: ImportReport, masker: Masker) -> None:
        self.rename = rename
        self.report = report
        self.masker = masker
        # Values every env file gets: credentials found as literals, secret collection variables.
        self.extras: dict[str, EnvValue] = {}
        self._credentials: dict[tuple[str, str], str] = {}

    def template(self, text: str, where: str) -> str:
        """Postman text as an httprun template; what has no equivalent is reported."""
        notes: list[str] = []
        converted = convert_text(text, Dialect.POSTMAN, self.rename, notes)
        for note in notes:
            self.report.attention(where, note)
        return converted

    def credential(self, hint: str, text: str, where: str, *, secret: bool = True) -> str:
        """``text`` as a template that never holds a literal credential: a literal goes to the
        env files as a variable named after ``hint`` (secret ones to NAME.local.env), and the
        template reads it."""
        if not has_literal(text):
            return self.template(text, where)
        known = self._credentials.get((hint, text))
        if known is None:
            count = sum(1 for taken_hint, _ in self._credentials if taken_hint == hint)
            known = self.rename(hint if count == 0 else f"{hint} {count + 1}")
            self._credentials[(hint, text)] = known
            self.extras[known] = EnvValue(known, text, secret=secret)
            if secret:
                self.masker.add(text)
        return f"<<{known}>>"
