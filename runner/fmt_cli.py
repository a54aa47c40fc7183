"""``httprun fmt TARGET... [--check] [--diff]``: request files rewritten in the canonical style.

The conventions of ruff and black: files are rewritten in place (a temporary file beside each,
renamed over it, so a file is never half written), ``--check`` and ``--diff`` change nothing
and exit 1 when a file would change, ``-`` formats standard input to standard output. A file
that does not parse is left as it is, its error shown, and the others are still formatted
(exit 3). The style itself is runner/writer.py's (docs/FORMAT.md, "Canonical style").
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import sys
from dataclasses import dataclass, field
from typing import Annotated

import typer

from .cli_options import TracebackOpt
from .errors import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    HttprunError,
    UsageError,
    exit_code_for,
    masking_for,
    render_error,
)
from .masking import mask_named_values
from .reading import shown_path
from .source import Span

STDIN = "-"
STDIN_NAME = "<stdin>"

FmtTargetsArg = Annotated[
    list[str],
    typer.Argument(
        help="Request files, directories of *.http files, or - for standard input.",
        metavar="TARGET...",
        show_default=False,
    ),
]
CheckOpt = Annotated[
    bool, typer.Option("--check", help="Change nothing; name the files that would change (exit 1).")
]
DiffOpt = Annotated[
    bool, typer.Option("--diff", help="Change nothing; print the changes as a unified diff.")
]


def fmt_command(
    targets: FmtTargetsArg,
    check: CheckOpt = False,
    diff: DiffOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """Rewrite request files in httprun's canonical style (docs/FORMAT.md)."""
    try:
        if STDIN in targets:
            raise typer.Exit(_format_stdin(targets, check=check, diff=diff))
        paths = _expand(targets)
    except HttprunError as error:
        typer.echo(render_error(error, color=_stderr_colour()), err=True)
        raise typer.Exit(error.exit_code) from None
    tally = _Tally(dry=check or diff)
    for path in paths:
        _format_file(path, tally, check=check, diff=diff)
    # With --diff, standard output is the patch alone.
    typer.echo(tally.summary(), err=diff)
    raise typer.Exit(tally.exit_code())


@dataclass
class _Tally:
    """What happened to the files so far, for the summary line and the exit code."""

    dry: bool  # --check or --diff: nothing is written
    changed: int = 0
    unchanged: int = 0
    errors: list[HttprunError] = field(default_factory=list)

    def summary(self) -> str:
        changed = "would be reformatted" if self.dry else "reformatted"
        unchanged = "already formatted" if self.dry else "left unchanged"
        parts = [
            _count(self.changed, changed),
            _count(self.unchanged, unchanged),
            _count(len(self.errors), "not formatted (errors above)"),
        ]
        return ", ".join(part for part in parts if part)

    def exit_code(self) -> int:
        if self.errors:
            return exit_code_for(self.errors)
        return EXIT_CHECK_FAILED if self.dry and self.changed else EXIT_OK


def _count(number: int, what: str) -> str:
    return f"{number} file{'s' if number != 1 else ''} {what}" if number else ""


def _expand(targets: list[str]) -> list[str]:
    """The files to format, each once (a folder stands for its ``*.http`` files)."""
    from .targets import expand_targets

    paths: dict[str, str] = {}
    for target in expand_targets(targets):
        if target.line is not None:
            raise UsageError(
                f"'{shown_path(target.path)}:{target.line}': fmt formats whole files",
                hint="give the file without ':LINE'",
            )
        paths.setdefault(os.path.realpath(target.path), target.path)
    return list(paths.values())


def _format_file(path: str, tally: _Tally, *, check: bool, diff: bool) -> None:
    from .parser import decode_request_bytes, read_request_bytes
    from .writer import format_text

    try:
        data = read_request_bytes(path)
        before = decode_request_bytes(data, path)
        after = format_text(before, path)
        if after.encode("utf-8") == data:
            tally.unchanged += 1
            return
        if diff:
            sys.stdout.write(_unified_diff(before, after, path))
        elif check:
            typer.echo(f"would reformat {shown_path(path)}")
        else:
            _replace_file(path, after)
            typer.echo(f"reformatted {shown_path(path)}")
        tally.changed += 1
    except HttprunError as error:  # shown; the other files are still formatted
        typer.echo(render_error(error, color=_stderr_colour()), err=True)
        tally.errors.append(error)


def _format_stdin(targets: list[str], *, check: bool, diff: bool) -> int:
    """``httprun fmt -``: the formatted text on standard output (unmasked: it is the file)."""
    from .parser import decode_request_bytes
    from .writer import format_text

    if targets != [STDIN]:
        raise UsageError("'-' (standard input) cannot be formatted with other files")
    data = sys.stdin.buffer.read()
    before = decode_request_bytes(data, STDIN_NAME)
    after = format_text(before, STDIN_NAME)
    changed = after.encode("utf-8") != data
    if diff:
        sys.stdout.write(_unified_diff(before, after, STDIN))
    elif check:
        if changed:
            typer.echo(f"would reformat {STDIN}")
    else:
        sys.stdout.write(after)
    return EXIT_CHECK_FAILED if changed and (check or diff) else EXIT_OK


_LINE_WITH_END = re.compile(r"[^\n]*\n|[^\n]+$")


def _unified_diff(before: str, after: str, path: str) -> str:
    """A unified diff, secrets the file gives by name masked as in its error messages (the
    diff is for people; the file itself is written as it is)."""
    mask = masking_for(Span.point(path, 1), mask_named_values)
    lines = difflib.unified_diff(
        _LINE_WITH_END.findall(before),
        _LINE_WITH_END.findall(after),
        fromfile=shown_path(path),
        tofile=shown_path(path),
    )
    out = []
    for line in lines:
        shown = mask(line)
        out.append(shown if shown.endswith("\n") else shown + "\n\\ No newline at end of file\n")
    return "".join(out)


def _replace_file(path: str, text: str) -> None:
    """Write ``text`` over ``path`` atomically, keeping the file's mode. A symbolic link is
    written through to its target."""
    from pathlib import Path

    from .reporters.atomic import write_atomically

    real = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(real.stat().st_mode)
    except OSError as error:
        raise _cannot_write(path, error) from None
    write_atomically(real, text, mode=mode, failure=lambda error: _cannot_write(path, error))


def _cannot_write(path: str, error: OSError) -> UsageError:
    return UsageError(
        f"cannot write '{shown_path(path)}': {error.strerror or error}",
        hint="check that you may write the file and its folder",
    )


def _stderr_colour() -> bool:
    from .reporters.console import wants_colour

    return wants_colour(sys.stderr)
