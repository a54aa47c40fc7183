"""Ctrl-C during a parallel run (``-j N``) stops the requests in flight at once, writes the
reports and exits 130, as a sequential run does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_server import never_answer, serve_raw


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
def test_ctrl_c_stops_a_parallel_run_at_once_and_writes_the_reports(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    with serve_raw(never_answer) as server:
        for name in ("a", "b", "c"):
            (tmp_path / f"{name}.http").write_text(f"GET {server.url}/{name}\n")
        process = subprocess.Popen(
            [sys.executable, "-m", "runner", "-j", "2", "--timeout", "60", "--junit", str(junit)]
            + [str(tmp_path / f"{name}.http") for name in ("a", "b", "c")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        try:
            server.wait_for_requests(2)  # both workers are waiting for an answer
            interrupted_at = time.monotonic()
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=10)
            took = time.monotonic() - interrupted_at
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 130, err
    assert took < 2.0
    assert "Traceback" not in err
    assert "(interrupted)" in out
    assert junit.is_file()
    assert "<testsuite" in junit.read_text()
    assert server.accepted == 2  # the third file was never started
