"""``httprun import postman|http|curl``: the typer sub-app (``app.add_typer(import_app)``).

Each command reads what the user brings, builds the files and the report with its importer
(``runner/importers/``), and hands both to :func:`finish_import`: the files are written (none
when one exists, unless ``--force``), then the report is printed, masked, one line per item that
needs a person and a summary line. Errors go through the same rendering as every command.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

from .errors import HttprunError, UsageError

if TYPE_CHECKING:
    from .importers.output import PlannedFiles
    from .importers.report import ImportReport
    from .masking import Masker

import_app = typer.Typer(
    name="import",
    help="Bring Postman collections, other .http dialects and curl commands into httprun.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

OutOpt = Annotated[
    Path,
    typer.Option(
        "--out",
        "-o",
        metavar="DIR",
        help="The project folder to write requests/ and envs/ into.",
        file_okay=False,
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")]


def fail(error: HttprunError, mask: Callable[[str], str] | None = None) -> NoReturn:
    """Print ``error`` (masked with ``mask`` too) the way every command does, and exit."""
    from .errors import render_error
    from .reporters.console import wants_colour

    shown = mask if mask is not None else str
    rendered = render_error(error, mask=shown, color=wants_colour(sys.stderr))
    typer.echo(rendered, err=True)
    raise typer.Exit(error.exit_code)


def finish_import(planned: PlannedFiles, report: ImportReport, *, force: bool) -> None:
    """Write the planned files, list them, then print the report; masked throughout."""
    masker: Masker = planned.masker
    try:
        written = planned.write(force=force)
    except HttprunError as error:
        fail(error, masker.mask)
    for path in written:
        typer.echo(masker.mask(f"wrote {planned.root / path}"))
    for line in report.lines(masker.mask):
        typer.echo(line)


@import_app.command("postman", no_args_is_help=True)
def postman_command(
    collection: Annotated[
        Path, typer.Argument(metavar="COLLECTION.json", help="A Postman collection export.")
    ],
    env: Annotated[
        list[Path] | None,
        typer.Option(
            "--env",
            "-e",
            metavar="ENVIRONMENT.json",
            help="A Postman environment export (repeatable): envs/NAME.env and NAME.local.env.",
        ),
    ] = None,
    out: OutOpt = Path("."),
    force: ForceOpt = False,
) -> None:
    """Import a Postman collection (v2.0/v2.1) and its environments into requests/ and envs/."""
    from .importers.postman import import_postman

    try:
        planned, report = import_postman(collection, list(env or []), out)
    except HttprunError as error:
        fail(error)
    finish_import(planned, report, force=force)


@import_app.command("curl")
def import_curl_command(
    command: Annotated[
        str,
        typer.Argument(
            metavar="COMMAND",
            help="The curl command line in quotes ('curl https://...'), - to read it from "
            "standard input, or @FILE to read it from a file.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Append the request to this request file (created when missing) instead of "
            "printing it.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Turn a curl command (as browsers' "Copy as cURL" write it) into a request block."""
    from .importers.curl import import_curl
    from .masking import Masker

    try:
        imported = import_curl(_command_text(command))
    except HttprunError as error:
        fail(error)
    masker = Masker(imported.secrets)
    if out is None:
        typer.echo(imported.text, nl=False)
    else:
        try:
            append_block(out, imported.text)
        except HttprunError as error:
            fail(error, masker.mask)
        typer.echo(masker.mask(f"appended the request to {out}"), err=True)
    for line in imported.report.lines(masker.mask):
        typer.echo(line, err=True)


_MAX_COMMAND = 64 * 1024 * 1024  # a command line with a body: as large as a request file


def _command_text(command: str) -> str:
    """The command itself, from standard input (``-``) or a file (``@FILE``)."""
    if command == "-":
        return sys.stdin.read()
    if not command.startswith("@"):
        return command
    from .reading import UnreadableFile, read_regular_file, shown_path

    path = command[1:]
    try:
        return read_regular_file(Path(path), limit=_MAX_COMMAND).decode("utf-8-sig")
    except UnreadableFile as error:
        raise UsageError(
            f"cannot read the curl command from '{shown_path(path)}': {error.reason}",
            hint="give the path of a file that holds the command",
        ) from None
    except UnicodeDecodeError:
        raise UsageError(
            f"'{shown_path(path)}' is not UTF-8 text", hint="save the command as UTF-8"
        ) from None


def append_block(path: Path, block: str) -> None:
    """Append a request block to the request file ``path`` (created when missing), after a
    blank line and ``###`` when the file has content."""
    from .reading import path_kind, shown_path

    shown = shown_path(path)
    kind = path_kind(path)
    if kind not in (None, "missing"):
        raise UsageError(f"--out '{shown}' is {kind}", hint="give the path of a request file")
    try:
        current = path.read_text(encoding="utf-8") if kind is None else ""
        if current.strip():
            separator = "" if current.endswith("\n") else "\n"
            block = f"{separator}\n###\n{block}"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(block)
    except UnicodeDecodeError:
        raise UsageError(f"'{shown}' is not UTF-8 text", hint="append to a request file") from None
    except OSError as error:
        raise UsageError(
            f"cannot write '{shown}': {error.strerror or error}",
            hint="choose a request file in a folder you can write to",
        ) from None


class _PathsCommand(TyperCommand):
    """``httprun import http PATH... [OPTIONS]`` (typer would write ``{PATH...}``)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return ["PATH...", "[OPTIONS]"]


@import_app.command("http", cls=_PathsCommand)
def import_http(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            show_default=False,
            help="JetBrains, REST Client or httpyac .http/.rest files, or folders holding them.",
        ),
    ],
    out: OutOpt = Path("."),
    force: ForceOpt = False,
) -> None:
    """Convert .http files of JetBrains, VS Code REST Client and httpyac, with their
    environments (http-client.env.json, .vscode/settings.json), into httprun files.

    A file inside DIR is converted in place ('httprun import http . --out .' converts a whole
    repository; no --force needed for that); any other goes to DIR/requests/, keeping its path
    below PATH. Environments become DIR/envs/NAME.env, secrets DIR/envs/NAME.local.env. Other
    existing files are only overwritten with --force. Ends with a report of what needs a person.
    """
    from .importers.http_project import import_http_files

    try:
        planned, report = import_http_files(paths, out)
    except HttprunError as error:
        fail(error)
    finish_import(planned, report, force=force)
