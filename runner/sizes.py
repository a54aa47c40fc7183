"""Size settings (``HTTPRUN_MAX_BODY``, ``HTTPRUN_MAX_INCLUDE``): one way to write them, one way
to read them, one way to show them. ``K``/``KB``/``KiB`` and their ``M``/``G`` kin are all
1024-based, as memory is counted."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from .errors import EnvError

KB = 1024
MB = 1024 * KB
GB = 1024 * MB

_UNITS = {"": 1, "b": 1, "k": KB, "kb": KB, "kib": KB, "m": MB, "mb": MB, "mib": MB}
_UNITS |= {"g": GB, "gb": GB, "gib": GB}
# ASCII digits only (\d takes any script's), and few enough for int() (4300 at most) and sense.
_SIZE = re.compile(r"\s*([0-9]{1,30})\s*([a-z]*)\s*", re.IGNORECASE)


def parse_size(text: str) -> int | None:
    """``"100MB"``, ``"512k"``, ``"1048576"`` as bytes; None when ``text`` is no size or not
    positive."""
    match = _SIZE.fullmatch(text)
    if match is None or match[2].lower() not in _UNITS:
        return None
    size = int(match[1]) * _UNITS[match[2].lower()]
    return size if size > 0 else None


def format_size(size: int) -> str:
    for unit, factor in (("GB", GB), ("MB", MB), ("KB", KB)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size:,} bytes"


def size_setting(
    name: str, default: int, settings: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> int:
    """The size setting ``name`` from the process environment, else from the env files (as
    ``HTTPRUN_TOKEN_STORE``: python-dotenv never overrides the environment), else ``default``."""
    environ = os.environ if environ is None else environ
    for source in (environ, settings):
        written = source.get(name, "").strip()
        if written:
            size = parse_size(written)
            if size is None:
                raise EnvError(
                    f"{name}={written[:40]!r} is not a size",
                    hint=f"write a number of bytes, or one with KB, MB or GB, e.g. {name}=500MB "
                    f"(the default is {format_size(default)})",
                )
            return size
    return default
