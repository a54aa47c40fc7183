"""Timing helpers for the benchmark: wall-clock runs, their best and median, and the machine.

Every figure is wall-clock time (``time.perf_counter``) around the whole thing measured: a
command from spawn to exit, or a function call from entry to return.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

COMMAND_TIMEOUT = 300.0  # seconds; a hung command fails the figure instead of the whole run


class MeasureFailed(Exception):
    """A measured run did not do what it should (bad exit code, checks failed): no figure."""


@dataclass
class Timings:
    """The wall-clock seconds of the runs of one measurement."""

    seconds: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def runs(self) -> int:
        return len(self.seconds)


def time_call(action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run_command(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    expect: Callable[[str], str | None] | None = None,
) -> float:
    """Run ``argv`` with stdout and stderr captured (a pipe, as in CI); return its seconds.

    Raises :class:`MeasureFailed` when it exits non-zero or ``expect(stdout)`` returns a
    complaint, so a broken run can never pass for a fast one.
    """
    started = time.perf_counter()
    try:
        done = subprocess.run(
            list(argv),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MeasureFailed(f"{argv[0]} ran over {COMMAND_TIMEOUT:.0f} s") from None
    elapsed = time.perf_counter() - started
    out = done.stdout.decode(errors="replace")
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip() or out.strip()
        raise MeasureFailed(f"{Path(argv[0]).name} exited {done.returncode}: {_gist(err)}")
    complaint = expect(out) if expect is not None else None
    if complaint:
        raise MeasureFailed(complaint)
    return elapsed


def _gist(output: str) -> str:
    """The line of a failed command's output that says most: its first error line, else its last
    (a node stack trace ends in noise, Python's starts with it)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower():
            return line
    return lines[-1] if lines else "no output"


def command_output(argv: Sequence[str], timeout: float = 60.0) -> str | None:
    """The stripped stdout of a short command, or None when it cannot run or fails."""
    try:
        done = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode(errors="replace").strip() if done.returncode == 0 else None


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    usable_cores: int
    system: str
    python: str
    date: str
    load: str  # the load average when the run started: other work on the machine skews figures


def python_env(pycache: Path) -> dict[str, str]:
    """The environment for measured Python commands: bytecode cached, as on a user's machine.

    A machine that sets PYTHONDONTWRITEBYTECODE (this sandbox does) recompiles an editable
    install's modules on every start; users' installs have their bytecode. The cache goes to
    ``pycache`` (PYTHONPYCACHEPREFIX), so the work tree is left untouched; the first, untimed
    run of each command fills it.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def this_machine() -> Machine:
    return Machine(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 1,
        usable_cores=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0,
        system=f"{platform.system()} {platform.release()} {platform.machine()}",
        python=f"{platform.python_implementation()} {platform.python_version()}",
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        load=" ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?",
    )


def _cpu_model() -> str:
    # /proc/cpuinfo names the model on Linux; platform.processor() is often empty there.
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"
