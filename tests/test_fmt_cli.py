"""``httprun fmt TARGET... [--check] [--diff]`` and ``httprun fmt -`` (runner/fmt_cli.py)."""

from __future__ import annotations

import io
import os
import stat
import sys
import tempfile
from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli

__all__ = ["no_colour"]

MESSY = "###  one\nGET https://x.test/a\n?? status==200\n"
NEAT = "### one\nGET https://x.test/a\n\n?? status == 200\n"
BROKEN = "### bad\nGET https://x.test/a\nnot a header\n"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder, the current directory, with a messy, a neat and (nested) a messy file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "messy.http").write_text(MESSY)
    (tmp_path / "neat.http").write_text(NEAT)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.http").write_text(MESSY)
    return tmp_path


def stdin_holding(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_fmt_rewrites_changed_files_in_place_and_says_so(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    neat_before = (folder / "neat.http").stat().st_mtime_ns
    code, out, err = run_cli(["fmt", "."], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "reformatted messy.http",
        "reformatted sub/deep.http",
        "2 files reformatted, 1 file left unchanged",
    ]
    assert (folder / "messy.http").read_text() == NEAT
    assert (folder / "sub" / "deep.http").read_text() == NEAT
    assert (folder / "neat.http").stat().st_mtime_ns == neat_before  # not even rewritten
    # Run again: nothing left to do.
    assert run_cli(["fmt", "."], capsys).out == "3 files left unchanged\n"


def test_fmt_keeps_the_file_mode_and_leaves_no_temporary_file(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "messy.http").chmod(0o640)
    assert run_cli(["fmt", "messy.http"], capsys).code == 0
    assert stat.S_IMODE((folder / "messy.http").stat().st_mode) == 0o640
    assert sorted(p.name for p in folder.iterdir()) == ["messy.http", "neat.http", "sub"]


def test_fmt_writes_through_a_symbolic_link(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "link.http").symlink_to(folder / "messy.http")
    assert run_cli(["fmt", "link.http"], capsys).out.startswith("reformatted link.http\n")
    assert (folder / "link.http").is_symlink()
    assert (folder / "messy.http").read_text() == NEAT


def test_a_file_given_twice_is_formatted_once(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(["fmt", "messy.http", "./messy.http"], capsys)
    assert result.out == "reformatted messy.http\n1 file reformatted\n"


def test_check_names_the_files_that_would_change_and_changes_nothing(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["fmt", "--check", "."], capsys)
    assert code == 1
    assert out.splitlines() == [
        "would reformat messy.http",
        "would reformat sub/deep.http",
        "2 files would be reformatted, 1 file already formatted",
    ]
    assert (folder / "messy.http").read_text() == MESSY
    assert run_cli(["fmt", "--check", "neat.http"], capsys) == (0, "1 file already formatted\n", "")


def test_diff_prints_a_unified_diff_and_changes_nothing(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["fmt", "--diff", "messy.http", "neat.http"], capsys)
    assert code == 1
    assert out == (
        "--- messy.http\n+++ messy.http\n@@ -1,3 +1,4 @@\n"
        "-###  one\n+### one\n GET https://x.test/a\n-?? status==200\n+\n+?? status == 200\n"
    )
    assert err == "1 file would be reformatted, 1 file already formatted\n"  # stdout: the patch
    assert (folder / "messy.http").read_text() == MESSY
    assert run_cli(["fmt", "--diff", "neat.http"], capsys).code == 0


def test_diff_shows_a_missing_final_newline(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "open.http").write_text("GET https://x.test/a")
    out = run_cli(["fmt", "--diff", "open.http"], capsys).out
    assert out.endswith(
        "-GET https://x.test/a\n\\ No newline at end of file\n+GET https://x.test/a\n"
    )


def test_line_endings_become_lf(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "crlf.http").write_bytes(NEAT.replace("\n", "\r\n").encode())
    assert run_cli(["fmt", "crlf.http"], capsys).code == 0
    assert (folder / "crlf.http").read_bytes() == NEAT.encode()


def test_a_file_that_does_not_parse_is_left_alone_and_the_others_formatted(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "broken.http").write_text(BROKEN)
    code, out, err = run_cli(["fmt", "."], capsys)
    assert code == 3
    assert "broken.http:3:1" in err
    assert "expected a header 'Name: value' or a blank line" in err
    assert "Traceback" not in err
    assert (folder / "broken.http").read_text() == BROKEN
    assert (folder / "messy.http").read_text() == NEAT
    assert out.splitlines()[-1] == (
        "2 files reformatted, 1 file left unchanged, 1 file not formatted (errors above)"
    )


def test_a_file_that_is_not_utf8_is_an_error_of_that_file(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "latin.http").write_bytes(b"GET https://x.test/caf\xe9\n")
    code, _, err = run_cli(["fmt", "latin.http", "messy.http"], capsys)
    assert code == 3
    assert "latin.http:1:23" in err and "not valid UTF-8" in err
    assert (folder / "messy.http").read_text() == NEAT


def test_secrets_are_masked_in_the_diff_and_in_errors_but_written_as_they_are(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "s3cr3t-value-9"
    text = f"@client_secret={secret}\nGET https://x.test\nAuthorization:Bearer {secret}\n"
    (folder / "secret.http").write_text(text)
    code, out, _ = run_cli(["fmt", "--diff", "secret.http"], capsys)
    assert code == 1
    assert "+@client_secret = ****" in out
    assert secret not in out
    assert run_cli(["fmt", "secret.http"], capsys).code == 0
    assert secret in (folder / "secret.http").read_text()  # the file is the user's own
    (folder / "secret.http").write_text(text + "not a header\n")
    code, _, err = run_cli(["fmt", "secret.http"], capsys)
    assert code == 3
    assert secret not in err


def test_stdin_is_formatted_to_stdout(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin_holding(monkeypatch, MESSY.encode())
    assert run_cli(["fmt", "-"], capsys) == (0, NEAT, "")
    stdin_holding(monkeypatch, MESSY.encode())
    assert run_cli(["fmt", "--check", "-"], capsys) == (1, "would reformat -\n", "")
    stdin_holding(monkeypatch, NEAT.encode())
    assert run_cli(["fmt", "--check", "-"], capsys) == (0, "", "")
    stdin_holding(monkeypatch, MESSY.encode())
    code, out, _ = run_cli(["fmt", "--diff", "-"], capsys)
    assert code == 1 and out.startswith("--- -\n+++ -\n")


def test_stdin_that_does_not_parse_is_a_positioned_error(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin_holding(monkeypatch, BROKEN.encode())
    code, out, err = run_cli(["fmt", "-"], capsys)
    assert (code, out) == (3, "")
    assert "<stdin>:3:1" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["fmt", "-", "messy.http"], "'-' (standard input) cannot be formatted with other files"),
        (["fmt", "messy.http:2"], "fmt formats whole files"),
        (["fmt", "missing.http"], "no such file or directory: 'missing.http'"),
        (["fmt"], "Missing argument"),
    ],
)
def test_usage_errors(
    folder: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (2, "")
    assert message in err
    assert (folder / "messy.http").read_text() == MESSY


def test_a_file_that_cannot_be_written_is_an_error_and_the_others_are_formatted(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_mkstemp = tempfile.mkstemp

    def refuse_in_sub(**kwargs: str) -> tuple[int, str]:
        if str(kwargs["dir"]).endswith("sub"):
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(**kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", refuse_in_sub)
    code, _, err = run_cli(["fmt", "."], capsys)
    assert code == 2
    assert "cannot write 'sub/deep.http': Permission denied" in err
    assert (folder / "messy.http").read_text() == NEAT
    assert (folder / "sub" / "deep.http").read_text() == MESSY


def test_an_interrupted_write_leaves_the_file_and_no_temporary_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(source: str, target: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    assert run_cli(["fmt", "messy.http"], capsys).code == 130
    assert (folder / "messy.http").read_text() == MESSY
    assert sorted(os.listdir(folder)) == ["messy.http", "neat.http", "sub"]
