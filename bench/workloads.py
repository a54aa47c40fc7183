"""The request files the benchmark generates, in httprun's and in httpyac's syntax.

The two syntaxes differ only in how a variable is written: ``<<base>>`` for httprun,
``{{base}}`` for httpyac (both take ``--var base=URL``). ``?? status == 200`` means the same in
both, so both tools run the same requests with the same check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Syntax = Literal["httprun", "httpyac"]

_BASE = {"httprun": "<<base>>", "httpyac": "{{base}}"}


def sequential_gets(count: int, syntax: Syntax, *, delay_ms: int = 0) -> str:
    """``count`` GET requests to ``/ok`` (after ``delay_ms`` on the server), each checked."""
    target = f"{_BASE[syntax]}/ok" + (f"?delay_ms={delay_ms}" if delay_ms else "")
    return "".join(f"### get {n}\nGET {target}\n\n?? status == 200\n\n" for n in range(count))


def write_gets(path: Path, count: int, syntax: Syntax, *, delay_ms: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(sequential_gets(count, syntax, delay_ms=delay_ms), encoding="utf-8")
    return path


def write_split(
    directory: Path, files: int, per_file: int, syntax: Syntax, *, delay_ms: int = 0
) -> list[Path]:
    """``files`` files of ``per_file`` GETs each in ``directory``, named so they sort in order."""
    return [
        write_gets(directory / f"part{n:02d}.http", per_file, syntax, delay_ms=delay_ms)
        for n in range(files)
    ]


def parse_workload(count: int) -> str:
    """A large file for the parser: ``count`` requests with a header, a JSON body, two checks
    and a capture each (six lines of content, nine with the separator and blank lines)."""
    return "".join(
        f"### create item {n}\n"
        f"POST <<base>>/items?n={n}\n"
        "Content-Type: application/json\n"
        "\n"
        f'{{"name": "item {n}", "n": {n}, "tags": ["bench", "parse"]}}\n'
        "\n"
        "?? status == 200\n"
        f"?? body.n == {n}\n"
        ">> last = body.n\n"
        "\n"
        for n in range(count)
    )
