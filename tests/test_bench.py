"""Smoke test of the benchmark harness: ``bench/run.py --quick`` runs and prints every figure.

No timing is asserted (the machine decides those); the test checks that each measurement ran,
passed its own correctness checks, and printed a number, and that a missing httpyac is reported
instead of stopping the run.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURE = r"\| (\d+\.\d{3}) s \| (\d+\.\d{3}) s \| (\d+) \|"


def _run_quick(*extra: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"bench exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _figure(out: str, label: str) -> tuple[float, float, int]:
    rows = [line for line in out.splitlines() if line.startswith("|") and label in line]
    assert rows, f"no row for {label!r} in:\n{out}"
    found = re.search(FIGURE, rows[0])
    assert found is not None, f"row for {label!r} has no figure: {rows[0]}"
    best, median, runs = float(found[1]), float(found[2]), int(found[3])
    assert 0 < best <= median
    assert runs >= 1
    return best, median, runs


def test_quick_run_prints_every_figure_and_the_machine() -> None:
    out = _run_quick("--httpyac", str(ROOT / "no-such-dir" / "httpyac"))

    for fact in ("- date: ", "- machine: ", " cores", "- python: CPython 3.", "- server: "):
        assert fact in out
    assert "# httprun benchmark (quick)" in out

    assert _figure(out, "start-up: `python -c pass`")[2] == 3
    assert _figure(out, "start-up: `httprun --version`")[2] == 3
    for label in (
        "20 GETs: plain `httpx.Client` loop",
        "20 GETs: httpx loop as a script",
        "20 GETs: httprun `run_files()`",
        "20 GETs: `httprun FILE` (CLI)",
        "parse_text: 200 requests",
    ):
        _figure(out, label)
    assert "target ≤ 1.3×: n/a with --quick" in out
    # The target ratio is the CLI's against the httpx script, the in-process one beside it.
    assert re.search(r"\*\*×[\d.]+ the httpx script\*\* .*×[\d.]+ the in-process httpx loop", out)

    # --jobs is measured when this httprun has it, and said to be missing when not.
    if "no --jobs option yet" not in out:
        _figure(out, "2 files × 10 GETs, server waits 5 ms: `httprun -j 1`")
        _figure(out, "2 files × 10 GETs, server waits 5 ms: `httprun -j 8`")

    assert "httpyac: not installed (npm install -g httpyac to compare)" in out
    assert "FAILED" not in out
    assert "Headline:" in out
    assert re.search(r"Harness time: \d+ s\.", out)
