"""What the command line (or the pytest plugin, or a Python caller) decides about a run.

Kept apart from :mod:`runner.run` so that the modules that only read options (the connection,
the command line, the plugin) need not import the run's machinery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_TIMEOUT = 30.0  # seconds a whole exchange may take
DEFAULT_MAX_RETRIES = 3  # resends after a 429
DEFAULT_JOBS = 1  # files run at once


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Everything the command line decides about a run, converted once."""

    env_files: tuple[str, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)  # --var pins
    names: tuple[str, ...] = ()  # --name: run these requests (and what they depend on)
    fail_fast: bool = False
    dry_run: bool = False
    timeout: float | None = DEFAULT_TIMEOUT
    insecure: bool = False
    allow_outside_files: bool = False
    max_retries: int = DEFAULT_MAX_RETRIES
    open_browser: bool = True
    interactive: bool | None = None  # None: when stdin is a terminal
    jobs: int = (
        DEFAULT_JOBS  # files run at once (--jobs); requests inside a file always run in order
    )
    data: str | None = None  # --data PATH: run each file once per row (wins over its @data)
