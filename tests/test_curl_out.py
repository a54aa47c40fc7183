"""``httprun TARGET --curl``: the printed command, run by the real curl, sends what httprun
itself sends for the same request; nothing is sent by httprun; secrets are masked unless
``--unmask``; requests that read an earlier response keep its ``<<...>>`` as written."""

from __future__ import annotations

import email.parser
import email.policy
import subprocess
from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli
from curl_binary import require_curl
from hypothesis import given, settings
from hypothesis import strategies as st
from recording_server import Received, capturing_server, recording_server

from runner.curl_out import shell_word

__all__ = ["no_colour"]

SECRET = "s3cr3t-token-value"
IGNORED_HEADERS = {"user-agent", "accept-encoding", "connection", "host", "accept"}

REQUESTS = {
    "get": "GET <<base>>/items?page=2&q=caf%C3%A9\nAccept: application/json\nX-Empty:\n",
    "json": (
        "POST <<base>>/items\nContent-Type: application/json\n\n"
        '{"name": "it\'s <<$uuid>>",\n  "note": "tab\there"}\n'
    ),
    "form": (
        "PUT <<base>>/form\nContent-Type: application/x-www-form-urlencoded\n\na=1&b=<<%word>>\n"
    ),
    "basic": "GET <<base>>/me\nAuthorization: Basic bob:<<password>>\n",
    "file": "PATCH <<base>>/up\nContent-Type: application/octet-stream\n\n< ./blob.bin\n",
    "text file": "POST <<base>>/t\nContent-Type: text/plain\n\n<@ ./note.txt\n",
    "multipart": (
        "POST <<base>>/multi\nContent-Type: multipart/form-data; boundary=XyZ\n\n"
        '--XyZ\nContent-Disposition: form-data; name="title"\n\nline one\nline two\n'
        '--XyZ\nContent-Disposition: form-data; name="pic"; filename="cat.png"\n'
        "Content-Type: image/png\n\n< ./cat.png\n--XyZ--\n"
    ),
    "multipart inline": (
        "POST <<base>>/multi\nContent-Type: multipart/form-data; boundary=XyZ\n\n"
        '--XyZ\nContent-Disposition: form-data; name="j"\nContent-Type: application/json\n\n'
        '{"a": 1}\n--XyZ--\n'
    ),
    "delete": "# @no-redirect\nDELETE <<base>>/items/7\n",
    "brackets": "GET <<base>>/f?ids[]=1&q={a}\n",
    "head": "HEAD <<base>>/h\nX-Token: <<token>>\n",
    "get with body": "GET <<base>>/q\nContent-Type: text/plain\n\nbody of a GET\n",
}


def _project(folder: Path, base: str, request: str) -> Path:
    (folder / "blob.bin").write_bytes(bytes(range(256)) * 3)
    (folder / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary\xff")
    (folder / "note.txt").write_text("hello <<word>>\nbye")
    (folder / "dev.env").write_text(
        f"base={base}\nword=a b&c\npassword=pw-{SECRET}\ntoken={SECRET}\n"
    )
    path = folder / "api.http"
    path.write_text(request)
    return path


def _comparable(request: Received) -> dict[str, object]:
    headers = {n: v for n, v in request.headers if n not in IGNORED_HEADERS}
    body: object = request.body
    if (request.header("content-type") or "").startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {headers.pop('content-type')}\r\n\r\n".encode() + request.body
        )
        body = [
            (dict(part.items()), part.get_payload(decode=True)) for part in message.iter_parts()
        ]
        headers.pop("content-length")  # each client chooses its own boundary
    return {"method": request.method, "target": request.target, "headers": headers, "body": body}


@pytest.mark.parametrize("name", list(REQUESTS))
def test_curl_sends_what_httprun_sends(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    require_curl()
    monkeypatch.chdir(tmp_path)
    with capturing_server() as (base, received):
        path = _project(tmp_path, base, REQUESTS[name].replace("<<$uuid>>", "fixed"))
        sent = run_cli([str(path.name), "--env", "dev.env"], capsys)
        assert sent.code == 0, sent.output
        printed = run_cli([path.name, "--env", "dev.env", "--curl", "--unmask"], capsys)
        assert printed.code == 0, printed.output
        assert len(received) == 1  # --curl itself sent nothing
        done = subprocess.run(
            ["bash", "-c", printed.out.rstrip("\n") + " -s -o /dev/null"],
            cwd=tmp_path,
            capture_output=True,
            timeout=20,
            check=False,
        )
        assert done.returncode == 0, (printed.out, done.stderr)
    by_httprun, by_curl = received
    assert _comparable(by_curl) == _comparable(by_httprun), printed.out


def test_inline_bytes_are_exact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every byte but NUL survives $'...' quoting: the body curl sends is the one resolved."""
    require_curl()
    monkeypatch.chdir(tmp_path)
    with capturing_server() as (base, received):
        text = "".join(chr(code) for code in range(1, 0x250) if chr(code) not in "\r\n")
        path = _project(tmp_path, base, f"POST <<base>>/b\nContent-Type: text/plain\n\nA{text}Z\n")
        printed = run_cli([path.name, "--env", "dev.env", "--curl"], capsys)
        subprocess.run(["bash", "-c", printed.out], cwd=tmp_path, capture_output=True, check=True)
    assert received[0].body == f"A{text}Z".encode()


def test_nothing_is_sent_and_secrets_are_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with recording_server() as (base, seen):
        path = _project(tmp_path, base, REQUESTS["basic"] + "\n###\n" + REQUESTS["head"])
        code, out, err = run_cli([str(path), "--env", str(tmp_path / "dev.env"), "--curl"], capsys)
    assert code == 0
    assert seen == []
    assert SECRET not in out + err
    assert "-H 'Authorization: Basic ****'" in out
    assert "-H 'X-Token: ****'" in out
    assert "warning" not in err


def test_unmask_shows_secrets_and_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _project(tmp_path, "http://127.0.0.1:9", REQUESTS["head"])
    code, out, err = run_cli(
        [str(path), "--env", str(tmp_path / "dev.env"), "--curl", "--unmask"], capsys
    )
    assert code == 0
    assert f"-H 'X-Token: {SECRET}'" in out
    assert err.startswith("warning: --unmask: the commands below hold secrets")


def test_selection_is_the_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "### a\nGET http://h/a\n\n### b\n# @name bee\nGET http://h/b\n\n### c\nGET http://h/c\n"
    path = tmp_path / "three.http"
    path.write_text(text)
    by_line = run_cli([f"{path}:9", "--curl"], capsys).out
    assert "http://h/c" in by_line
    assert "http://h/a" not in by_line
    by_name = run_cli([str(path), "--name", "bee", "--curl"], capsys).out
    assert by_name == f"# {path}:6 bee\ncurl -L http://h/b\n"


def test_a_value_from_an_earlier_response_stays_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "flow.http"
    path.write_text(
        "### login\n# @name login\nPOST http://h/login\n\n>> id = body.id\n\n"
        "### use\nGET http://h/items/<<id>>?q=<<%login.body.q>>&t=<<$timestamp>>\n"
    )
    code, out, err = run_cli([str(path), "--curl"], capsys)
    assert code == 0
    command = out.split("# ")[-1]
    assert "curl -L 'http://h/items/<<id>>?q=<<%login.body.q>>&t=" in command
    assert "<<$timestamp>>" not in command  # resolved: it needs no response
    assert f"{path}:8: dry run: 'id' comes from an earlier response" in err


def test_auth_requests_get_a_token_placeholder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "auth.http"
    path.write_text("# @auth oauth2\n\n###\nGET http://h/me\n")
    code, out, err = run_cli([str(path), "--curl"], capsys)
    assert code == 0
    assert "-H 'Authorization: Bearer <<auth.access_token>>'" in out
    assert "@auth: --curl does not log in" in err


def test_a_body_with_a_nul_byte_is_not_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.bin").write_bytes(b"a\0b")
    path = tmp_path / "nul.http"
    path.write_text("POST http://h/x\n\nbefore\n< ./a.bin\n")
    code, out, err = run_cli([str(path), "--curl"], capsys)
    assert (code, out) == (0, "")
    assert "not printed: the body holds NUL bytes" in err


def test_a_skipped_request_is_not_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "skip.http"
    path.write_text("# @skip not ready\nGET http://h/x\n")
    code, out, err = run_cli([str(path), "--curl"], capsys)
    assert (code, out) == (0, "")
    assert f"{path}:2: not printed: not ready" in err


def test_errors_of_the_file_are_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.http"
    path.write_text("GET http://h/<<missing>>\n")
    code, out, err = run_cli([str(path), "--curl"], capsys)
    assert code == 3
    assert out == ""
    assert "undefined variable 'missing'" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--unmask"], "--unmask works with --curl only"),
        (["--curl", "--junit", "r.xml"], "--curl prints commands and runs nothing"),
        (["--curl", "--watch"], "--curl prints commands and runs nothing"),
    ],
)
def test_option_mistakes_are_usage_errors(
    extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.http"
    path.write_text("GET http://h/a\n")
    code, _, err = run_cli([str(path), *extra], capsys)
    assert code == 2
    assert message in err


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=40).filter(lambda data: b"\0" not in data))
def test_a_shell_word_is_the_value_bash_reads(value: bytes) -> None:
    words = subprocess.run(
        ["bash", "-c", f"printf '%s' {shell_word(value)}"], capture_output=True, check=True
    )
    assert words.stdout == value
