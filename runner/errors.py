"""The one error tree of httprun and the one renderer for people.

::

    HttprunError            .span (may be None); str() is a one-line summary
    ├── UsageError          a bad command line                              exit 2
    ├── ParseError          the request file does not follow the format     exit 3
    │   └── InvalidFile     several errors of one file: nothing of it is sent
    ├── EnvError            a malformed env file                            exit 3
    ├── SettingsError       a bad [tool.httprun] table in pyproject.toml    exit 3
    ├── ResolveError        a request cannot be built (UndefinedVariable)   exit 3
    ├── AuthError           token endpoint or flow failure, no secrets      exit 4
    ├── TransportError      timeouts, refused connections, TLS              exit 4
    ├── CheckFailed         every failed check, each with its own span      exit 1
    └── InternalError       a bug in httprun, caught where it happened      exit 70

Rendering follows compilers and Hurl: a headline, ``--> file:line:col``, the source line and a
caret under the columns the span covers, then help lines.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from .masking import LiteralMasker, mask_named_values, named_values
from .source import Span, source_line, source_lines

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_INVALID_INPUT = 3
EXIT_INCOMPLETE = 4
EXIT_INTERNAL = 70  # a bug in httprun (BSD's EX_SOFTWARE)
EXIT_INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One message about one place: what a renderer prints as a unit."""

    severity: str  # "error" | "warning"
    message: str
    span: Span | None = None
    label: str = ""  # printed after the carets
    hint: str = ""  # printed as "= help: ..."

    def one_line(self, mask: Callable[[str], str] | None = None) -> str:
        """``file:line:col: severity: message (label)``, masked (by ``mask`` and the values
        the file gives secret-named things)."""
        shown = masking_for(self.span, mask or _identity)
        where = f"{self.span}: " if self.span is not None else ""
        label = f" ({shown(self.label)})" if self.label else ""
        return f"{where}{self.severity}: {shown(self.message)}{label}"


class HttprunError(Exception):
    """Base of every error httprun reports to users. Never holds a secret in clear."""

    exit_code: ClassVar[int] = EXIT_INVALID_INPUT

    def __init__(
        self, message: str, span: Span | None = None, *, label: str = "", hint: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.label = label
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.span}: {self.message}" if self.span is not None else self.message

    def diagnostics(self) -> list[Diagnostic]:
        return [Diagnostic("error", self.message, self.span, self.label, self.hint)]


class UsageError(HttprunError):
    exit_code = EXIT_USAGE


class ParseError(HttprunError):
    exit_code = EXIT_INVALID_INPUT


class EnvError(HttprunError):
    exit_code = EXIT_INVALID_INPUT


class SettingsError(HttprunError):
    """The project settings (``[tool.httprun]`` in pyproject.toml) cannot be used: an invalid
    file, like a malformed env file, not a bad command line."""

    exit_code = EXIT_INVALID_INPUT


class ResolveError(HttprunError):
    exit_code = EXIT_INVALID_INPUT


class UndefinedVariable(ResolveError):
    def __init__(
        self,
        name: str,
        span: Span | None,
        *,
        looked_in: Sequence[str] = (),
        suggestions: Sequence[str] = (),
        expression: str | None = None,
    ) -> None:
        self.name = name
        self.looked_in = tuple(looked_in)
        self.suggestions = tuple(suggestions)
        what = expression if expression is not None else name
        label = f"no variable '{name}'"
        if self.looked_in:
            label += f" (looked in {', '.join(self.looked_in)})"
        if self.suggestions:
            label += "; did you mean " + " or ".join(f"'{s}'" for s in self.suggestions) + "?"
        super().__init__(
            f"undefined variable '{what}'",
            span,
            label=label,
            hint="define it in an env file, with '@name = value', or pass --var NAME=VALUE",
        )


class AuthError(HttprunError):
    exit_code = EXIT_INCOMPLETE


class TransportError(HttprunError):
    exit_code = EXIT_INCOMPLETE


class CheckFailed(HttprunError):
    """All the failed checks of one request; each diagnostic has its own span."""

    exit_code = EXIT_CHECK_FAILED

    def __init__(self, failures: Sequence[Diagnostic]) -> None:
        self.failures = tuple(failures)
        count = len(self.failures)
        super().__init__(f"{count} check{'s' if count != 1 else ''} failed")

    def diagnostics(self) -> list[Diagnostic]:
        return list(self.failures)


class InternalError(HttprunError):
    """An unexpected exception (a bug) met while running one request or file: recorded on it
    like any other error, so the run goes on and every report is written."""

    exit_code = EXIT_INTERNAL

    def __init__(self, cause: BaseException, span: Span | None = None) -> None:
        super().__init__(
            f"internal error: {type(cause).__name__}: {cause}",
            span,
            hint="this is a bug in httprun; run again with --traceback and report it",
        )
        self.cause = cause


class InvalidFile(ParseError):
    """Several errors of one file, none of whose requests is sent: the syntax errors of its
    blocks (the parser goes on at the next ``###``), or the errors ``httprun check`` finds in
    a file that parses. Each diagnostic has its own span."""

    def __init__(self, problems: Sequence[Diagnostic]) -> None:
        self.problems = tuple(problems)
        first, more = self.problems[0], len(self.problems) - 1
        summary = f" (and {more} more error{'s' if more != 1 else ''})" if more else ""
        super().__init__(first.message + summary, first.span, label=first.label, hint=first.hint)

    def diagnostics(self) -> list[Diagnostic]:
        return list(self.problems)


def exit_code_for(errors: Sequence[HttprunError]) -> int:
    """The process exit code for a run that met ``errors`` (the most severe wins; a bug
    first, since nothing else about the run can be trusted then)."""
    if not errors:
        return EXIT_OK
    order = [EXIT_INTERNAL, EXIT_USAGE, EXIT_INVALID_INPUT, EXIT_INCOMPLETE, EXIT_CHECK_FAILED]
    codes = {error.exit_code for error in errors}
    for code in order:
        if code in codes:
            return code
    return max(codes)


def _identity(text: str) -> str:
    return text


# The secrets each file's lines give by name, learnt once per text of the file (the list of its
# lines): thousands of diagnostics of one file must not read it again each.
_FILE_MASKERS: dict[str, tuple[list[str], LiteralMasker]] = {}
_FILE_MASKERS_LOCK = threading.Lock()


def _file_masker(path: str) -> LiteralMasker | None:
    """A masker of the values ``path`` gives secret-named things (4 characters or more; a
    shorter one is masked on its own line only, by mask_named_values). A file with an error may
    never have been run (a request file that does not parse, a malformed env file), so the
    run's Masker has not learnt them; its lines and messages are shown all the same."""
    lines = source_lines(path)
    if lines is None:
        return None
    with _FILE_MASKERS_LOCK:
        cached = _FILE_MASKERS.get(path)
        if cached is not None and cached[0] is lines:
            return cached[1]
    masker = LiteralMasker(named_values(lines))
    with _FILE_MASKERS_LOCK:
        _FILE_MASKERS[path] = (lines, masker)
    return masker


def masking_for(span: Span | None, mask: Callable[[str], str]) -> Callable[[str], str]:
    """``mask``, after the values the file of ``span`` gives secret-named things."""
    file_masker = _file_masker(span.path) if span is not None else None
    if file_masker is None:
        return mask

    def both(text: str) -> str:
        return mask(file_masker.mask(text))

    return both


def render_diagnostic(
    diagnostic: Diagnostic,
    *,
    mask: Callable[[str], str] = _identity,
    color: bool = False,
) -> str:
    """Render one diagnostic for people, masked, optionally with ANSI colours."""

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    mask = masking_for(diagnostic.span, mask)

    severity_colour = "1;31" if diagnostic.severity == "error" else "1;33"
    lines = [
        paint(diagnostic.severity, severity_colour) + paint(f": {mask(diagnostic.message)}", "1")
    ]
    span = diagnostic.span
    text = source_line(span.path, span.line) if span is not None else None
    if span is not None:
        gutter = " " * len(str(span.line))
        lines.append(f"{gutter}{paint('-->', '34')} {span}")
        if text is not None:
            # Masked first (a secret may hold a tab), by name too: the line may come from a
            # file that failed to parse, whose secrets no masker has learnt.
            shown = _printable(mask(mask_named_values(text)))
            # Spans count code points; the terminal counts cells, and a CJK character or an
            # emoji takes two of them, a combining mark none: pad and underline by cells.
            start = span.column - 1
            width = span.end_column - span.column if span.end_line == span.line else 0
            width = max(1, min(width, len(shown) - start))
            padding = display_width(shown[:start]) + max(0, start - len(shown))
            underline = max(1, display_width(shown[start : start + width]))
            carets = " " * padding + paint("^" * underline, severity_colour)
            label = f" {mask(diagnostic.label)}" if diagnostic.label else ""
            lines.append(f"{gutter} {paint('|', '34')}")
            lines.append(f"{paint(str(span.line), '34')} {paint('|', '34')} {shown}")
            lines.append(f"{gutter} {paint('|', '34')} {carets}{paint(label, severity_colour)}")
        elif diagnostic.label:
            lines.append(f"{gutter} = {mask(diagnostic.label)}")
    elif diagnostic.label:
        lines.append(f"  = {mask(diagnostic.label)}")
    if diagnostic.hint:
        indent = " " * len(str(span.line)) if span is not None else " "
        lines.append(f"{indent} = {paint('help', '1')}: {mask(diagnostic.hint)}")
    return "\n".join(lines)


def display_width(text: str) -> int:
    """How many terminal cells ``text`` takes: 2 for East Asian wide and full-width
    characters (CJK, most emoji), 0 for combining marks, 1 for the rest."""
    if text.isascii():  # one cell per character; most lines, and cheap for long ones
        return len(text)
    return sum(_char_width(ch) for ch in text)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
        return 0  # accents and variation selectors sit on the character before them
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _printable(line: str) -> str:
    """The line with tabs and control characters as spaces, so carets stay under their column
    and nothing is sent to the terminal as a control sequence."""
    if line.isascii():  # the common case, in C: a long line costs no Python loop per character
        return line.translate(_ASCII_CONTROLS)
    return "".join(" " if unicodedata.category(c)[0] == "C" else c for c in line)


# ASCII's control characters (category C): 0-31 and DEL.
_ASCII_CONTROLS = {code: " " for code in (*range(32), 127)}


def render_error(
    error: HttprunError, *, mask: Callable[[str], str] = _identity, color: bool = False
) -> str:
    """Render every diagnostic of ``error``, separated by blank lines."""
    return "\n\n".join(render_diagnostic(d, mask=mask, color=color) for d in error.diagnostics())
