"""``--var NAME=VALUE`` pins (the command line's and the pytest plugin's ``--http-var``), read
by one rule. Kept apart from :mod:`runner.cli_options` so the plugin does not import typer."""

from __future__ import annotations

from collections.abc import Sequence

from .directives import IDENTIFIER
from .errors import UsageError


def parse_vars(pairs: Sequence[str] | None, option: str = "--var") -> dict[str, str]:
    """``--var NAME=VALUE`` words as a dict (a bad word is a usage error). NAME follows the
    rule of ``@name = value`` variables (FORMAT.md): a name ``<<NAME>>`` can read. ``option``
    names the option in messages (the pytest plugin's is ``--http-var``)."""
    values: dict[str, str] = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(
                f"{option} takes NAME=VALUE, got '{pair}'", hint=f"e.g. {option} mallid=demo"
            )
        name = name.strip()
        if IDENTIFIER.fullmatch(name) is None:
            raise UsageError(
                f"{option} name {_shown(name)} is not a variable name",
                hint="a name is letters, digits and '_', not starting with a digit: "
                f"e.g. {option} mall_id=demo",
            )
        values[name] = value
    return values


def _shown(name: str) -> str:
    # repr() escapes control characters, so the message cannot carry them to the terminal.
    return repr(name if len(name) <= 60 else name[:57] + "...")
