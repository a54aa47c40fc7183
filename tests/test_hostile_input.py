"""Hostile input files and command lines (issue 7): special files and size caps, CR-only line
endings, empty targets. Nothing here may hang, crash or run more than was asked."""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from hypothesis import given, settings
from hypothesis import strategies as st

from runner import parser
from runner.env import KNOWN_SETTINGS, load_env_files, unknown_settings
from runner.errors import EnvError, ParseError, ResolveError, render_error
from runner.options import RunOptions
from runner.reading import UnreadableFile, max_include_size, read_regular_file
from runner.run import run_files

T = TypeVar("T")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def finishes(action: Callable[[], T], seconds: float = 10.0) -> T:
    """Run ``action`` in a thread and return its result; fail (instead of hanging the suite)
    when it is still running after ``seconds``: what a FIFO did before it was refused."""
    outcome: list[T | BaseException] = []

    def target() -> None:
        try:
            outcome.append(action())
        except BaseException as error:  # handed to the test below
            outcome.append(error)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "blocked: a special file was opened for reading"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def never_sent(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing may be sent: {request.method} {request.url}")


# ---- One reader for every file: regular files only, with a cap --------------------------------


@needs_fifo
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = fifo(tmp_path / "pipe")
    with pytest.raises(UnreadableFile) as caught:
        finishes(lambda: read_regular_file(pipe, limit=100))
    assert caught.value.kind == "a named pipe (FIFO)"
    assert caught.value.reason == "it is a named pipe (FIFO), not a regular file"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_endless_device_is_refused() -> None:
    with pytest.raises(UnreadableFile) as caught:
        finishes(lambda: read_regular_file("/dev/zero", limit=100))
    assert caught.value.kind == "a device"


def test_a_folder_and_a_missing_file_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile) as folder:
        read_regular_file(tmp_path, limit=100)
    assert folder.value.kind == "a folder"
    with pytest.raises(UnreadableFile) as missing:
        read_regular_file(tmp_path / "nope", limit=100)
    assert missing.value.missing


@settings(max_examples=60, deadline=None)
@given(size=st.integers(0, 3000), limit=st.integers(1, 3000))
def test_a_file_is_read_whole_exactly_when_it_fits_the_cap(
    tmp_path_factory: pytest.TempPathFactory, size: int, limit: int
) -> None:
    path = tmp_path_factory.mktemp("cap") / "data.bin"
    data = bytes(i % 251 for i in range(size))
    path.write_bytes(data)
    if size <= limit:
        assert read_regular_file(path, limit=limit) == data
    else:
        with pytest.raises(UnreadableFile) as caught:
            read_regular_file(path, limit=limit)
        assert caught.value.too_large


def test_a_file_larger_than_the_read_chunk_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    data = os.urandom(3 * (1 << 20) + 17)
    path.write_bytes(data)
    assert read_regular_file(path, limit=len(data)) == data


@pytest.mark.parametrize(
    ("written", "size"),
    [("200MB", 200 * 1024**2), ("5 kb", 5 * 1024), ("123", 123), ("1GB", 1024**3), ("7b", 7)],
)
def test_the_include_cap_setting_takes_a_size(written: str, size: int) -> None:
    assert max_include_size({"HTTPRUN_MAX_INCLUDE": written}, environ={}) == size


@pytest.mark.parametrize("written", ["0", "lots", "-5MB", "1.5MB", "10TB"])
def test_a_bad_include_cap_is_an_env_error(written: str) -> None:
    with pytest.raises(EnvError, match=r"HTTPRUN_MAX_INCLUDE=.* is not a size"):
        max_include_size({"HTTPRUN_MAX_INCLUDE": written}, environ={})


def test_the_include_cap_defaults_to_100_mb_and_the_process_environment_wins() -> None:
    assert max_include_size({}, environ={}) == 100 * 1024**2
    both = max_include_size({"HTTPRUN_MAX_INCLUDE": "1MB"}, environ={"HTTPRUN_MAX_INCLUDE": "2MB"})
    assert both == 2 * 1024**2


# ---- Request files and targets -----------------------------------------------------------------


@needs_fifo
def test_an_explicit_fifo_target_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipe = fifo(tmp_path / "pipe.http")
    code, _, err = finishes(lambda: run_cli([str(pipe)], capsys))
    assert code == 2
    assert f"'{pipe}' is a named pipe (FIFO), not a request file" in err


@needs_fifo
@pytest.mark.parametrize("command", [[], ["check"], ["list"]])
def test_a_fifo_in_a_directory_target_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    (tmp_path / "a.http").write_text("GET http://127.0.0.1:9/a\n")
    pipe = fifo(tmp_path / "b.http")
    code, out, err = finishes(lambda: run_cli([*command, str(tmp_path)], capsys))
    assert code == 2
    assert f"'{pipe}' in directory '{tmp_path}' is a named pipe (FIFO)" in err
    assert "passed" not in out  # refused before anything ran


def test_a_folder_named_like_a_request_file_is_looked_into(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "odd.http").mkdir()
    (tmp_path / "odd.http" / "inner.http").write_text("GET http://127.0.0.1:9/a\n")
    code, out, _ = run_cli(["list", str(tmp_path)], capsys)
    assert code == 0
    assert out.startswith(f"{tmp_path / 'odd.http' / 'inner.http'}:1\t")


def test_a_request_file_over_the_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parser, "MAX_TEXT_FILE", 1000)
    path = tmp_path / "huge.http"
    path.write_text("GET http://127.0.0.1:9/\n\n" + "x" * 1000)
    with pytest.raises(ParseError) as caught:
        parser.parse_file(path)
    assert caught.value.message == (
        f"cannot read request file '{path}': it is larger than 1,000 bytes"
    )


@pytest.mark.parametrize("target", ["", " ", "\t"])
def test_an_empty_target_is_a_usage_error_and_runs_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    target: str,
) -> None:
    """``httprun "$FILE"`` with FILE unset must not run every file in the folder."""
    (tmp_path / "delete.http").write_text("DELETE http://127.0.0.1:9/everything\n")
    monkeypatch.chdir(tmp_path)
    for command in ([], ["check"], ["list"]):
        code, out, err = run_cli([*command, target], capsys)
        assert code == 2, command
        assert f"error: empty target {target!r}" in err
        assert "write '.'" in err
        assert out == ""


# ---- Env files ---------------------------------------------------------------------------------


@needs_fifo
@pytest.mark.parametrize("command", [[], ["check"]])
def test_an_env_fifo_and_an_env_folder_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    request = tmp_path / "a.http"
    request.write_text("GET http://127.0.0.1:9/a\n")
    pipe = fifo(tmp_path / "dev.env")
    code, _, err = finishes(lambda: run_cli([*command, str(request), "--env", str(pipe)], capsys))
    assert code == 2
    assert f"--env '{pipe}' is a named pipe (FIFO), not an env file" in err
    code, _, err = run_cli([*command, str(request), "--env", str(tmp_path)], capsys)
    assert code == 2
    assert f"--env '{tmp_path}' is a folder, not an env file" in err


@needs_fifo
def test_load_env_files_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    pipe = fifo(tmp_path / "x.env")
    with pytest.raises(EnvError) as caught:
        finishes(lambda: load_env_files([pipe], environ={}))
    assert "it is a named pipe (FIFO), not a regular file" in caught.value.message


# ---- Included bodies ---------------------------------------------------------------------------


def run_one(folder: Path, text: str, env: str = "") -> ResolveError:
    """Run a one-request file in ``folder`` (a project: it has envs/); the error it ends with."""
    (folder / "envs").mkdir(exist_ok=True)
    env_files: tuple[str, ...] = ()
    if env:
        (folder / "envs" / "t.env").write_text(env)
        env_files = (str(folder / "envs" / "t.env"),)
    path = folder / "req.http"
    path.write_text(text)
    options = RunOptions(env_files=env_files, allow_outside_files=True)
    result = finishes(
        lambda: run_files([str(path)], options, transport=httpx.MockTransport(never_sent))
    )
    error = result.files[0].requests[0].error
    assert isinstance(error, ResolveError), error
    return error


@needs_fifo
def test_an_included_fifo_is_a_positioned_error_not_a_hang(tmp_path: Path) -> None:
    fifo(tmp_path / "pipe")
    error = run_one(tmp_path, "POST http://127.0.0.1:9/x\n\n< ./pipe\n")
    assert error.message == "cannot read './pipe': it is a named pipe (FIFO), not a regular file"
    assert error.span is not None and (error.span.line, error.span.column) == (3, 1)
    assert error.exit_code == 3


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
@pytest.mark.parametrize("marker", ["<", "<@"])
def test_an_included_device_is_refused(tmp_path: Path, marker: str) -> None:
    error = run_one(tmp_path, f"POST http://127.0.0.1:9/x\n\n{marker} /dev/zero\n")
    assert error.message == "cannot read '/dev/zero': it is a device, not a regular file"


def test_an_include_over_the_cap_names_the_setting(tmp_path: Path) -> None:
    (tmp_path / "big.json").write_text("x" * 2049)
    error = run_one(
        tmp_path, "POST http://127.0.0.1:9/x\n\n< ./big.json\n", env="HTTPRUN_MAX_INCLUDE=2KB\n"
    )
    assert error.message == "cannot include './big.json': it is larger than 2 KB"
    assert "HTTPRUN_MAX_INCLUDE" in error.hint
    assert error.span is not None and error.span.line == 3


# ---- CR-only line endings (old Mac files) ------------------------------------------------------

TWO_REQUESTS = (
    "@base = http://127.0.0.1:9\n"
    "### first\n# @name first\nGET <<base>>/a\nAccept: text/plain\n\n?? status == 200\n"
    "### second\nPOST <<base>>/b\n\nline one\nline two\n"
)


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_a_file_with_other_line_endings_parses_like_lf(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "other.http"
    path.write_bytes(TWO_REQUESTS.replace("\n", ending).encode())
    parsed = parser.parse_file(path)
    assert len(parsed.requests) == 2
    assert parsed == parser.parse_text(TWO_REQUESTS, str(path))


def test_a_cr_only_file_is_listed_and_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It used to be one line: "no requests to run", exit 0."""
    path = tmp_path / "mac.http"
    path.write_bytes(TWO_REQUESTS.replace("\n", "\r").encode())
    code, out, _ = run_cli(["list", str(path)], capsys)
    assert code == 0
    assert out.splitlines() == [
        f"{path}:4\tfirst\tGET <<base>>/a",
        f"{path}:9\tsecond\tPOST <<base>>/b",
    ]
    code, out, _ = run_cli(["check", str(path)], capsys)
    assert (code, out) == (0, "")


def test_errors_in_a_cr_only_file_point_at_the_right_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "mac.http"
    path.write_bytes(b"### a\rGET http://127.0.0.1:9/\r\r?? status = 200\r")
    with pytest.raises(ParseError) as caught:
        parser.parse_file(path)
    assert caught.value.span is not None
    assert (caught.value.span.line, caught.value.span.column) == (4, 11)


def test_invalid_utf8_in_a_cr_only_file_is_placed_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "mac.http"
    path.write_bytes(b"### a\rGET http://127.0.0.1:9/\r\rab\xffc\r")
    with pytest.raises(ParseError) as caught:
        parser.parse_file(path)
    assert caught.value.span is not None
    assert (caught.value.span.line, caught.value.span.column) == (4, 3)
    assert "4 | ab\ufffdc" in render_error(caught.value)  # the line shown is that line


def test_a_cr_only_env_file_is_read_line_by_line(tmp_path: Path) -> None:
    env = tmp_path / "mac.env"
    env.write_bytes(b"A=1\rB='two words'\r# comment\rC=${A}3\r")
    assert load_env_files([env], environ={}).values == {"A": "1", "B": "two words", "C": "13"}
    env.write_bytes(b"A=1\r\rB\rC=3\r")
    with pytest.raises(EnvError) as caught:
        load_env_files([env], environ={})
    assert caught.value.span is not None and caught.value.span.line == 3


# ---- Linear time on big files: each file's text is split into lines once -----------------------


def count_line_splits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import runner.source

    calls: list[str] = []
    real = runner.source.split_lines

    def counting(text: str) -> list[str]:
        calls.append(text[:20])
        return real(text)

    monkeypatch.setattr(runner.source, "split_lines", counting)
    return calls


def test_check_splits_a_big_file_once_whatever_its_diagnostics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every request warns twice ({{...}} and an unknown field): 4,000 lookups, one split (it
    used to be one split per lookup: 8,000 requests took 31 s)."""
    path = tmp_path / "big.http"
    path.write_text(
        "".join(
            f"### r{i}\nGET http://127.0.0.1:9/\nX-Id: {{{{id}}}}\n\n?? nope == 1\n"
            for i in range(2000)
        )
    )
    calls = count_line_splits(monkeypatch)
    code, out, _ = run_cli(["check", str(path)], capsys)
    assert code == 0
    assert out.count("warning:") == 4000
    assert len(calls) <= 1


def test_rendering_many_errors_of_one_file_splits_it_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from runner.errors import Diagnostic, render_diagnostic
    from runner.source import Span, remember_source

    remember_source("many.http", "".join(f"GET http://x/{i}\n" for i in range(3000)))
    calls = count_line_splits(monkeypatch)
    for line in range(1, 3001):
        rendered = render_diagnostic(Diagnostic("error", "bad", Span.point("many.http", line, 5)))
        assert f"GET http://x/{line - 1}" in rendered
    assert len(calls) == 1


def test_a_dry_run_looks_up_what_the_requests_provide_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dry run shows a request that reads a capture as written; finding out that a capture
    provides the name scanned every request for every request (quadratic)."""
    from runner.nodes import Block

    path = tmp_path / "chain.http"
    path.write_text(
        "".join(
            f"### r{i}\nGET http://127.0.0.1:9/<<id{i}>>\n\n>> id{i + 1} = body.id\n"
            for i in range(1, 301)
        )
    )
    looked_up = []
    real_name = Block.name

    def counting_name(block: Block) -> str | None:
        looked_up.append(1)
        return real_name.fget(block)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(Block, "name", property(counting_name))
    result = run_files(
        [str(path)], RunOptions(dry_run=True), transport=httpx.MockTransport(never_sent)
    )
    assert len(result.requests) == 300
    assert len(looked_up) < 10 * 300


# ---- Unknown HTTPRUN_* settings and bad --var names --------------------------------------------


def test_an_unknown_setting_in_an_env_file_is_warned_about_where_it_is(tmp_path: Path) -> None:
    env = tmp_path / "dev.env"
    env.write_text("mallid=demo\nHTTPRUN_SANDBX=cafe24\nHTTPRUN_SANDBOX_USR=me\n")
    warnings = unknown_settings(load_env_files([env], environ={}), environ={})
    assert [w.one_line() for w in warnings] == [
        f"{env}:2:1: warning: unknown setting 'HTTPRUN_SANDBX' in this env file;"
        " did you mean 'HTTPRUN_SANDBOX'?",
        f"{env}:3:1: warning: unknown setting 'HTTPRUN_SANDBOX_USR' in this env file;"
        " did you mean 'HTTPRUN_SANDBOX_USER'?",
    ]
    assert "HTTPRUN_MAX_INCLUDE" in warnings[0].hint


def test_every_setting_httprun_reads_is_known(tmp_path: Path) -> None:
    from dataclasses import fields

    from runner.sandbox.settings import SandboxSettings, key_for

    keys = [*KNOWN_SETTINGS, *(key_for(f.name) for f in fields(SandboxSettings))]
    env = tmp_path / "all.env"
    env.write_text("".join(f"{key}=\n" for key in keys))
    assert (
        unknown_settings(load_env_files([env], environ={}), environ=dict.fromkeys(keys, "")) == []
    )


def test_every_setting_key_the_code_names_is_known() -> None:
    """A module that reads a new HTTPRUN_ setting must add it to env.KNOWN_SETTINGS, or every
    run that sets it would warn that it is unknown."""
    package = Path(__file__).resolve().parent.parent / "runner"
    named = {
        match.group(1)
        for source in package.rglob("*.py")
        for match in re.finditer(r"[\"'](HTTPRUN_[A-Z0-9_]*[A-Z0-9])[\"']", source.read_text())
    }
    assert "HTTPRUN_TOKEN_STORE" in named  # the scan finds what it is meant to find
    assert named - set(KNOWN_SETTINGS) == set()


def test_an_unknown_setting_in_the_process_environment_is_warned_about() -> None:
    empty = load_env_files([], environ={})
    environ = {"HTTPRUN_TOKEN_STOR": "/tmp/x", "HOME": "/root", "HTTPRUN_TOKEN_STORE": "/tmp/y"}
    [warning] = unknown_settings(empty, environ=environ)
    assert warning.one_line() == (
        "warning: unknown setting 'HTTPRUN_TOKEN_STOR' in the process environment;"
        " did you mean 'HTTPRUN_TOKEN_STORE'?"
    )


def test_check_and_run_show_the_unknown_setting_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in [k for k in os.environ if k.startswith("HTTPRUN_")]:
        monkeypatch.delenv(key)
    env = tmp_path / "dev.env"
    env.write_text("HTTPRUN_SANBOX=cafe24\n")
    request = tmp_path / "a.http"
    request.write_text("GET http://127.0.0.1:9/a\n")
    expected = f"{env}:1:1: warning: unknown setting 'HTTPRUN_SANBOX' in this env file;"
    code, out, _ = run_cli(["check", str(request), "--env", str(env)], capsys)
    assert code == 0
    assert out.startswith(expected)
    code, _, err = run_cli([str(request), "--env", str(env), "--dry-run"], capsys)
    assert code == 0
    assert expected in err


@pytest.mark.parametrize("name", ["a b", "1x", "a.b", "mall-id", "x\x1b[2J"])
def test_a_var_name_that_is_not_a_variable_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    request = tmp_path / "a.http"
    request.write_text("GET http://127.0.0.1:9/a\n")
    for command in ([], ["check"]):
        code, out, err = run_cli([*command, str(request), "--var", f"{name}=1"], capsys)
        assert code == 2
        assert f"error: --var name {name!r} is not a variable name" in err
        assert "letters, digits and '_'" in err
        assert "\x1b[2J" not in err and out == ""


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=12))
def test_var_names_are_exactly_the_identifiers(name: str) -> None:
    from runner.cli_options import parse_vars
    from runner.errors import UsageError

    word = f"{name}=value"
    stripped = name.strip()
    if "=" in name:
        return  # the name ends at the first '='
    if stripped and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", stripped):
        assert parse_vars([word]) == {stripped: "value"}
    else:
        with pytest.raises(UsageError):
            parse_vars([word])


@pytest.mark.parametrize("command", [[], ["check"]])
def test_an_empty_env_path_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    request = tmp_path / "a.http"
    request.write_text("GET http://127.0.0.1:9/a\n")
    code, _, err = run_cli([*command, str(request), "--env", ""], capsys)
    assert code == 2
    assert "error: empty --env path ''" in err


def test_check_splits_a_big_body_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The {{...}} scan of a body looked up each of its lines; each lookup split the whole file
    (a 1 MB body took 14 s)."""
    path = tmp_path / "body.http"
    lines = "".join(f'{{"k": "{i}"}},\n' for i in range(20000))
    path.write_text(
        f"POST http://127.0.0.1:9/\nContent-Type: application/json\n\n[{lines}{{{{x}}}}]\n"
    )
    calls = count_line_splits(monkeypatch)
    code, out, _ = run_cli(["check", str(path)], capsys)
    assert (code, out.count("warning:")) == (0, 1)
    assert f"{path}:20004:1: warning: '{{{{x}}}}' is plain text" in out
    assert len(calls) <= 1


env_line = st.one_of(
    st.sampled_from(["", "# note", "A=1", "B='two words'", 'C="x y"', "D=${A}-2", "export E=5"]),
    st.builds(
        "{}={}".format,
        st.sampled_from(["k", "K_2", "_x"]),
        st.text(alphabet="ab #'\"=", max_size=6),
    ),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(env_line, max_size=12), st.sampled_from(["\r\n", "\r"]))
def test_env_files_read_the_same_whatever_the_line_endings(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str], ending: str
) -> None:
    folder = tmp_path_factory.getbasetemp()
    lf, other = folder / "lf.env", folder / "other.env"
    lf.write_bytes("\n".join(lines).encode())
    other.write_bytes(ending.join(lines).encode())
    assert env_outcome(other) == env_outcome(lf)


def env_outcome(path: Path) -> object:
    """The values an env file defines, or its error's message and position."""
    try:
        return load_env_files([path], environ={}).values
    except EnvError as error:
        span = error.span
        return error.message, (span.line, span.column) if span is not None else None


# ---- Rendering long lines: no Python loop per character for ASCII ------------------------------


def general_printable(line: str) -> str:
    return "".join(" " if unicodedata.category(c)[0] == "C" else c for c in line)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40) | st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_the_fast_paths_for_ascii_agree_with_the_general_rule(text: str) -> None:
    from runner.errors import _char_width, _printable, display_width

    assert _printable(text) == general_printable(text)
    assert display_width(text) == sum(_char_width(ch) for ch in text)


def test_rendering_an_error_on_a_long_ascii_line_walks_no_character_in_python(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """4,000 errors on 2,000-character lines took 9 s: two Python calls per character each."""
    import runner.errors
    from runner.errors import Diagnostic, render_diagnostic
    from runner.source import Span, remember_source

    line = "GET http://x/" + "a" * 2000 + "\t<<nope>>"
    remember_source("long.http", line + "\n")
    walked: list[str] = []

    def counting_width(ch: str) -> int:
        walked.append(ch)
        return 1

    monkeypatch.setattr(runner.errors, "_char_width", counting_width)
    rendered = render_diagnostic(
        Diagnostic("error", "undefined", Span("long.http", 1, 2015, 1, 2023), "no variable")
    )
    assert walked == []
    source, carets = rendered.splitlines()[3:5]
    assert source.endswith("a <<nope>>")  # the tab shown as a space
    assert carets.index("^") == source.index("<<nope>>") and carets.count("^") == 8


@needs_fifo
def test_file_names_in_target_errors_cannot_send_escape_sequences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hostile checkout can hold any file name; the messages escape control characters."""
    fifo(tmp_path / "\x1b[2Jevil.http")
    code, _, err = run_cli([str(tmp_path)], capsys)
    assert code == 2
    assert "\\x1b[2Jevil.http' in directory" in err and "\x1b" not in err
    code, _, err = run_cli([str(tmp_path / "no\x1b]0;title\x07.http")], capsys)
    assert code == 2
    assert "no\\x1b]0;title\\x07.http" in err and "\x1b" not in err and "\x07" not in err


def test_the_pytest_plugin_reads_http_var_by_the_same_rule() -> None:
    from runner.pytest_plugin.options import _parse_pins

    assert _parse_pins(["mall_id=demo", " x = y"]) == {"mall_id": "demo", "x": " y"}
    with pytest.raises(pytest.UsageError, match="--http-var name 'a b' is not a variable name"):
        _parse_pins(["a b=1"])
    with pytest.raises(pytest.UsageError, match="--http-var takes NAME=VALUE"):
        _parse_pins(["no-equals-sign"])


def test_check_compares_only_a_bounded_number_of_undefined_names_with_every_defined_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each "did you mean" compares a name with every name the file defines: for 2,000
    undefined names among 2,000 captures, check took 15 s (quadratic)."""
    import runner.static
    from runner.static import check_file

    text = "".join(
        f"### r{i}\nGET http://x/<<missing{i % 300}>>/<<gto{i}>>\n\n>> got{i + 1} = body.id\n"
        for i in range(600)
    )
    compared: list[str] = []
    real = runner.static.did_you_mean

    def counting(word: str, candidates: Collection[str]) -> str:
        compared.append(word)
        return real(word, candidates)

    monkeypatch.setattr(runner.static, "did_you_mean", counting)
    found = check_file(parser.parse_text(text, "many.http"), set())
    undefined = [d for d in found if d.message.startswith("undefined variable")]
    assert len(undefined) == 1200  # every use is still reported
    assert len(compared) <= runner.static._SUGGESTED
    assert "; did you mean 'got" in undefined[1].label  # the first names still get one
