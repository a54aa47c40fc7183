"""Options that several commands share (run, check, auth ...), defined once."""

from __future__ import annotations

from typing import Annotated

import typer

from .errors import UsageError
from .pins import parse_vars

__all__ = [
    "AllowOutsideOpt",
    "DataOpt",
    "EnvOpt",
    "TracebackOpt",
    "VarOpt",
    "check_data_file",
    "check_env_files",
    "parse_vars",
]

EnvOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--env",
        "-e",
        metavar="FILE",
        help="A dotenv file (repeatable; later files win).",
        show_default=False,
    ),
]
VarOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--var",
        metavar="NAME=VALUE",
        help="Pin a variable over every other value (repeatable).",
        show_default=False,
    ),
]
DataOpt = Annotated[
    str | None,
    typer.Option(
        "--data",
        metavar="PATH",
        help="Run each file once per row of a CSV/JSON/JSONL file.",
        show_default=False,
    ),
]
_ENV_HINT = "give the path of a dotenv file, e.g. --env envs/dev.env"

AllowOutsideOpt = Annotated[
    bool,
    typer.Option(
        "--allow-outside-files",
        help="Let imports, data files and '< path' bodies be outside the project.",
    ),
]
TracebackOpt = Annotated[
    bool, typer.Option("--traceback", help="Show Python's traceback for internal errors (bugs).")
]


def check_env_files(paths: list[str] | None) -> None:
    """A named env file that does not exist, or is not a regular file (a folder; a FIFO, which
    would block the run), is a mistake on the command line (exit 2)."""
    from .reading import path_kind, shown_path

    for path in paths or []:
        if not path.strip():  # an unset shell variable; Path("") would be the current folder
            raise UsageError(f"empty --env path {path!r}", hint=_ENV_HINT)
        kind = path_kind(path)
        if kind == "missing":
            raise UsageError(
                f"no such env file: '{shown_path(path)}'",
                hint=_ENV_HINT,
            )
        if kind is not None:
            raise UsageError(
                f"--env '{shown_path(path)}' is {kind}, not an env file",
                hint=_ENV_HINT,
            )


_DATA_HINT = "give the path of a CSV, JSON or JSON Lines file, e.g. --data requests/rows.csv"


def check_data_file(path: str | None) -> None:
    """``--data`` that names no regular file is a mistake on the command line (exit 2), found
    before any file is read; what is inside the file is the data reader's to judge (exit 3)."""
    from .reading import path_kind, shown_path

    if path is None:
        return
    if not path.strip():  # an unset shell variable
        raise UsageError(f"empty --data path {path!r}", hint=_DATA_HINT)
    kind = path_kind(path)
    if kind == "missing":
        raise UsageError(f"no such data file: '{shown_path(path)}'", hint=_DATA_HINT)
    if kind is not None:
        raise UsageError(f"--data '{shown_path(path)}' is {kind}, not a data file", hint=_DATA_HINT)
