"""Runs that fit CI and editors: --jobs, report files, the progress bar and --watch."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)

from runner.masking import Masker
from runner.reporters.console import ConsoleReporter
from runner.run import RunOptions, run_files
from runner.watch import take_snapshot, wait_for_change, watched_paths


def make_files(folder: Path, count: int, requests: int) -> list[Path]:
    paths = []
    for number in range(count):
        blocks = [
            f"### file {number} request {index}\nGET <<base>>/echo?file={number}&n={index}\n\n"
            f'?? body.query.n[0] == "{index}"\n'
            for index in range(requests)
        ]
        path = folder / f"f{number:02d}.http"
        path.write_text("\n".join(blocks))
        paths.append(path)
    return paths


def test_parallel_files_keep_each_file_together_and_in_order(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    make_files(tmp_path, 6, 5)
    result = run_cli([str(tmp_path), "-j", "4", "--var", f"base={local_server}"], capsys)
    assert result.code == 0
    lines = [line for line in result.out.splitlines() if line.strip()]
    assert lines[-1] == "30 passed, 0 failed"
    # Each file's header is followed by its own five requests, in file order.
    for number in range(6):
        header = lines.index(str(tmp_path / f"f{number:02d}.http"))
        block = lines[header + 1 : header + 6]
        assert [f"file={number}&n={index}" in line for index, line in enumerate(block)] == [
            True
        ] * 5


def test_parallel_results_come_back_in_target_order(tmp_path: Path, local_server: str) -> None:
    paths = make_files(tmp_path, 5, 2)
    result = run_files(
        [str(p) for p in paths], RunOptions(variables={"base": local_server}, jobs=3)
    )
    assert [f.path for f in result.files] == [str(p) for p in paths]
    assert result.exit_code == 0


def test_fail_fast_in_parallel_stops_scheduling_files(tmp_path: Path, local_server: str) -> None:
    (tmp_path / "a.http").write_text("GET <<base>>/status/500\n")
    make_files(tmp_path, 8, 3)
    result = run_files(
        [str(tmp_path)], RunOptions(variables={"base": local_server}, jobs=2, fail_fast=True)
    )
    assert result.exit_code == 1
    assert len(result.files) < 9


def test_reports_are_written_from_the_command_line(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.http").write_text("### ok\nGET <<base>>/json\n\n###\nGET <<base>>/status/404\n")
    reports = tmp_path / "reports"
    result = run_cli(
        [
            str(tmp_path / "a.http"),
            "--var",
            f"base={local_server}",
            "--junit",
            str(reports / "junit.xml"),
            "--json",
            str(reports / "run.json"),
            "--html",
            str(reports / "run.html"),
        ],
        capsys,
    )
    assert result.code == 1
    junit = (reports / "junit.xml").read_text()
    assert 'tests="2"' in junit and 'failures="1"' in junit
    document = json.loads((reports / "run.json").read_text())
    assert document["schema"] == "httprun-report/2"
    assert (reports / "run.html").read_text().startswith("<!DOCTYPE html>")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_on_a_terminal_and_leaves_the_results(
    tmp_path: Path, local_server: str
) -> None:
    paths = make_files(tmp_path, 1, 3)
    terminal = FakeTerminal()
    masker = Masker()
    reporter = ConsoleReporter(terminal, io.StringIO(), masker, progress_total=3)
    result = run_files(
        [str(paths[0])], RunOptions(variables={"base": local_server}), listener=reporter
    )
    reporter.finish(result)
    text = terminal.getvalue()
    assert "requests" in text  # the bar was drawn
    assert text.count("PASS") == 3
    assert "3 passed, 0 failed" in text


def test_no_progress_bar_outside_a_terminal(tmp_path: Path, local_server: str) -> None:
    paths = make_files(tmp_path, 1, 2)
    plain = io.StringIO()
    reporter = ConsoleReporter(plain, io.StringIO(), Masker(), progress_total=2)
    reporter.finish(
        run_files([str(paths[0])], RunOptions(variables={"base": local_server}), listener=reporter)
    )
    assert "\x1b" not in plain.getvalue()
    assert plain.getvalue().splitlines()[-1] == "2 passed, 0 failed"


def test_watch_sees_a_changed_request_file(tmp_path: Path) -> None:
    request = tmp_path / "a.http"
    request.write_text("GET http://127.0.0.1:9/\n")
    env = tmp_path / "dev.env"
    env.write_text("a=1\n")

    def paths() -> list[Path]:
        return watched_paths([str(tmp_path)], [str(env)])

    assert tmp_path / "dev.local.env" in paths()
    before = take_snapshot(paths())
    stop = threading.Event()
    changed: list[object] = []
    watcher = threading.Thread(
        target=lambda: changed.append(wait_for_change(paths, before, stop, interval=0.01))
    )
    watcher.start()
    # A new mtime for the file: the watcher must notice within the deadline.
    later = time.time() + 5
    os.utime(request, (later, later))
    watcher.join(timeout=10)
    assert not watcher.is_alive()
    assert changed and changed[0] is not None


def test_watch_sees_a_new_local_env_file_and_stops_on_request(tmp_path: Path) -> None:
    env = tmp_path / "dev.env"
    env.write_text("a=1\n")
    (tmp_path / "a.http").write_text("GET http://127.0.0.1:9/\n")

    def paths() -> list[Path]:
        return watched_paths([str(tmp_path / "a.http")], [str(env)])

    before = take_snapshot(paths())
    (tmp_path / "dev.local.env").write_text("secret=1\n")
    assert wait_for_change(paths, before, threading.Event(), interval=0.01) is not None
    stop = threading.Event()
    stop.set()
    assert wait_for_change(paths, take_snapshot(paths()), stop, interval=0.01) is None


def _read_until(process: subprocess.Popen[str], marker: str, seen: list[str]) -> None:
    """Read the process's output lines until ``marker`` appears (a deadline, never a sleep)."""
    assert process.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return
    raise AssertionError(f"{marker!r} not seen in: {''.join(seen)}")


def test_watch_reruns_on_change_and_ctrl_c_exits_cleanly(tmp_path: Path, local_server: str) -> None:
    request = tmp_path / "a.http"
    request.write_text("### first version\nGET <<base>>/json\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "runner", str(request), "--watch", "--var", f"base={local_server}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    seen: list[str] = []
    try:
        _read_until(process, "watching", seen)
        request.write_text("### second version\nGET <<base>>/status/200\n")
        later = time.time() + 5  # a clearly newer mtime, whatever the file system's resolution
        os.utime(request, (later, later))
        _read_until(process, "second version", seen)
        _read_until(process, "watching", seen)
        process.send_signal(signal.SIGINT)
        remaining, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "Traceback" not in "".join(seen) + remaining


def test_an_interrupted_run_exits_130_and_still_writes_its_reports(
    tmp_path: Path,
    local_server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "a.http").write_text("GET <<base>>/json\n\n###\nGET <<base>>/status/200\n")
    import runner.executor

    real_send = runner.executor.send_request
    calls: list[str] = []

    def send_then_interrupt(*args: object, **kwargs: object) -> object:
        calls.append("sent")
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C while the second request is under way
        return real_send(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner.executor, "send_request", send_then_interrupt)
    report = tmp_path / "run.json"
    args = [str(tmp_path / "a.http"), "--var", f"base={local_server}", "--json", str(report)]
    result = run_cli(args, capsys)
    assert result.code == 130
    document = json.loads(report.read_text())
    assert document["interrupted"] is True
    assert len(document["files"][0]["requests"]) == 1
    assert "(interrupted)" in result.out


def test_a_report_that_cannot_be_written_does_not_stop_the_others(
    tmp_path: Path,
    local_server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import runner.reporters.junit
    from runner.errors import UsageError

    def disk_full(run: object, path: Path, prepared: object) -> None:
        raise UsageError(f"cannot write the JUnit report to '{path}': No space left on device")

    monkeypatch.setattr(runner.reporters.junit, "write_junit", disk_full)
    (tmp_path / "a.http").write_text("GET <<base>>/json\n")
    result = run_cli(
        [
            str(tmp_path / "a.http"),
            "--var",
            f"base={local_server}",
            "--junit",
            str(tmp_path / "junit.xml"),
            "--json",
            str(tmp_path / "ok" / "run.json"),
        ],
        capsys,
    )
    assert result.code == 2
    assert "cannot write the JUnit report" in result.err
    assert json.loads((tmp_path / "ok" / "run.json").read_text())["schema"] == "httprun-report/2"


@pytest.mark.parametrize(
    ("report_args", "message"),
    [
        (["--json", "same.out", "--junit", "same.out"], "would overwrite the --junit report"),
        (["--junit", "a.http"], "would overwrite an input file"),
        (["--json", "dev.env"], "would overwrite an input file"),
        (["--json", "dev.env/x.json"], "is not a folder"),
        (["--html", "."], "is a folder"),
        # A name longer than the file system takes: OSError from the check, exit 70.
        (["--json", "a" * 300 + ".json"], "File name too long"),
        (["--junit", "a" * 300 + "/r.xml"], "File name too long"),
    ],
)
def test_report_paths_are_checked_before_anything_is_sent(
    report_args: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.http").write_text("GET http://127.0.0.1:9/never\n")
    (tmp_path / "dev.env").write_text("x=1\n")
    result = run_cli(["a.http", "--env", "dev.env", *report_args], capsys)
    assert result.code == 2
    assert message in result.err
    assert "never" not in result.out  # nothing was sent
    assert (tmp_path / "a.http").read_text() == "GET http://127.0.0.1:9/never\n"


def test_parallel_output_follows_the_order_of_the_files_not_their_speed(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a_slow.http").write_text("GET <<base>>/slow?ms=300\n")
    for name in ("b.http", "c.http", "d.http"):
        (tmp_path / name).write_text("GET <<base>>/json\n")
    result = run_cli([str(tmp_path), "-j", "4", "--var", f"base={local_server}"], capsys)
    assert result.code == 0
    headers = [line for line in result.out.splitlines() if line.endswith(".http")]
    assert headers == [str(tmp_path / n) for n in ("a_slow.http", "b.http", "c.http", "d.http")]


def test_notes_go_above_the_progress_bar(tmp_path: Path) -> None:
    terminal = FakeTerminal()
    errors = io.StringIO()
    reporter = ConsoleReporter(terminal, errors, Masker(), progress_total=2)
    reporter.notice("pacing demo.cafe24api.com: 39/40 calls used, waiting 0.5 s")
    reporter.finish(run_files([], RunOptions()))
    assert errors.getvalue() == ""
    assert "note: pacing demo.cafe24api.com" in terminal.getvalue()


def test_a_reader_that_goes_away_does_not_stop_the_run(
    tmp_path: Path, local_server: str, closed_port_url: str
) -> None:
    """`httprun ... | head`: stdout's reader has closed the pipe. Every request still runs, the
    reports are written and the exit code is the run's (4 here), not an internal error."""
    request = tmp_path / "a.http"
    request.write_text(
        "GET <<base>>/json\n\n###\nGET <<base>>/status/200\n\n###\nGET <<closed>>/\n"
    )
    report = tmp_path / "run.json"
    variables = ["--var", f"base={local_server}", "--var", f"closed={closed_port_url}"]
    reader, writer = os.pipe()
    os.close(reader)  # the first write meets a closed pipe
    try:
        process = subprocess.run(
            [sys.executable, "-m", "runner", str(request), *variables, "--json", str(report), "-v"],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=20,
        )
    finally:
        os.close(writer)
    assert process.returncode == 4, process.stderr
    assert process.stderr == ""
    document = json.loads(report.read_text())
    assert document["exit_code"] == 4
    assert document["counts"]["passed"] == 2
    assert document["counts"]["error"] == 1


def test_watch_follows_imports_and_data_files(tmp_path: Path) -> None:
    (tmp_path / "a.http").write_text("# @import ./shared/login.http\n# @data rows.csv\nGET h/\n")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "login.http").write_text("# @import ../base.http\nPOST h/login\n")
    (tmp_path / "base.http").write_text("@x = 1\n# @import ./shared/login.http\n")  # a cycle

    found = watched_paths([str(tmp_path / "a.http")], [])

    assert found == [
        tmp_path / "a.http",
        tmp_path / "shared" / "login.http",
        tmp_path / "rows.csv",  # missing now: its appearance is a change
        tmp_path / "base.http",
    ]
