"""Ctrl-C during a parallel run (``-j N``) stops the requests in flight at once, writes the
reports and exits 130, as a sequential run does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_server import never_answer, serve_raw


def _run_until_ctrl_c(files: list[Path], junit: Path, ready: Callable[[], None]) -> str:
    """Run ``files`` with -j 2, press Ctrl-C once ``ready`` returns; the run's stdout, after
    asserting that it exited 130 within 2 s and wrote its JUnit report."""
    process = subprocess.Popen(
        [sys.executable, "-m", "runner", "-j", "2", "--timeout", "60", "--junit", str(junit)]
        + [str(path) for path in files],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        ready()
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
    assert junit.is_file()
    assert "<testsuite" in junit.read_text()
    return out


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
def test_ctrl_c_stops_a_parallel_run_at_once_and_writes_the_reports(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    with serve_raw(never_answer) as server:
        for name in ("a", "b", "c"):
            (tmp_path / f"{name}.http").write_text(f"GET {server.url}/{name}\n")
        files = [tmp_path / f"{name}.http" for name in ("a", "b", "c")]
        out = _run_until_ctrl_c(files, junit, lambda: server.wait_for_requests(2))
    assert "(interrupted)" in out
    assert server.accepted == 2  # the third file was never started


def _unavailable(connection: socket.socket) -> None:
    connection.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
def test_ctrl_c_ends_a_retry_wait_in_a_parallel_run(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    with serve_raw(never_answer) as hanging_server, serve_raw(_unavailable) as polled_server:
        hanging = tmp_path / "hanging.http"
        hanging.write_text(f"GET {hanging_server.url}/never\n")
        polling = tmp_path / "polling.http"
        polling.write_text(f"# @retry 50 5s\nGET {polled_server.url}/\n\n?? status == 200\n")

        def both_sent() -> None:
            hanging_server.wait_for_requests(1)
            polled_server.wait_for_requests(1)  # then it waits 5 s before asking again

        _run_until_ctrl_c([hanging, polling], junit, both_sent)
    # The polling file stopped waiting and was recorded, not left behind.
    assert "polling.http" in junit.read_text()


def _rate_limited(connection: socket.socket) -> None:
    connection.sendall(
        b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nContent-Length: 0\r\n\r\n"
    )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is a POSIX signal")
def test_ctrl_c_ends_a_rate_limit_wait_in_a_parallel_run(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    with serve_raw(never_answer) as hanging_server, serve_raw(_rate_limited) as limited_server:
        hanging = tmp_path / "hanging.http"
        hanging.write_text(f"GET {hanging_server.url}/never\n")
        limited = tmp_path / "limited.http"
        limited.write_text(f"GET {limited_server.url}/\n")

        def both_sent() -> None:
            hanging_server.wait_for_requests(1)
            limited_server.wait_for_requests(1)  # then the pacer waits 30 s to resend

        _run_until_ctrl_c([hanging, limited], junit, both_sent)
    assert "limited.http" in junit.read_text()
    assert limited_server.accepted == 1  # not resent after Ctrl-C
