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
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from .errors import HttprunError

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
