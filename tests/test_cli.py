"""The command line in-process: exit codes, options, output modes and masking."""

from __future__ import annotations

import gc
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from fixture_server import serve

from runner.launch import main

REPO = Path(__file__).resolve().parent.parent


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_version_is_answered_without_loading_the_heavy_modules() -> None:
    code = (
        "import sys; from runner.launch import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('httpx', 'lark', 'jmespath', 'rich', 'typer') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == ["httprun 0.1.0", "[]"]


def test_python_dash_m_runner_works(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "runner", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("httprun ")


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--help"],
        ["run", "-h"],
        ["run"],
        ["run", "--bogus", "x.http"],
        ["x.http", "--timeout", "abc"],
        ["x.http", "--jobs", "0"],
        ["x.http", "-v", "-q"],
    ],
)
def test_the_run_command_built_alone_reads_as_in_the_full_app(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # `httprun [run] FILE` builds only the run command (start-up time): its help, usage
    # lines and errors must be what the full app's `httprun run` prints.
    from runner.cli import app

    alone = run_cli(args, capsys)
    with pytest.raises(SystemExit) as exited:
        app(args if args[0] == "run" else ["run", *args], prog_name="httprun")
    captured = capsys.readouterr()
    assert alone == (exited.value.code, captured.out, captured.err)
    assert alone.output  # help or an error was printed, the same in both


def test_a_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["nowhere.http"], capsys)
    assert code == 2
    assert "no such file or directory: 'nowhere.http'" in err


@pytest.mark.parametrize("command", [[], ["check"], ["list"]])
def test_a_folder_with_a_line_is_a_usage_error_not_every_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """'DIR:4' ran every request of every file in DIR, the line ignored."""
    (tmp_path / "d").mkdir()
    write(tmp_path / "d", "a.http", "GET http://127.0.0.1:9/a\n\n###\nGET http://127.0.0.1:9/b\n")
    code, out, err = run_cli([*command, f"{tmp_path / 'd'}:4"], capsys)
    assert code == 2
    assert "a line number picks a request in a file" in err
    assert out == ""


def test_a_line_with_thousands_of_digits_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.http", "GET http://127.0.0.1:9/\n")
    code, _, err = run_cli([f"{path}:{'9' * 5000}"], capsys)  # int() refused it: exit 70
    assert code == 2
    assert f"line 99999999999999999999… is not in '{path}'" in err


def test_an_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["--no-such-option", "x.http"], capsys)
    assert code == 2
    assert "No such option" in err


def test_a_bad_var_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "a.http", "GET http://127.0.0.1:9/\n")
    code, _, err = run_cli([str(path), "--var", "novalue"], capsys)
    assert code == 2
    assert "--var takes NAME=VALUE, got 'novalue'" in err


def test_a_malformed_env_file_is_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "a.http", "GET http://127.0.0.1:9/\n")
    env = write(tmp_path, "bad.env", "mallid=demo\nthis line is not dotenv\n")
    code, out, _ = run_cli([str(path), "--env", str(env)], capsys)
    assert code == 3
    assert f"{env}:2:1" in out


def test_directories_run_their_http_files_in_order(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "b.http", "GET <<base>>/status/200\n")
    write(tmp_path, "a.http", "GET <<base>>/json\n")
    (tmp_path / "notes.txt").write_text("not a request file")
    code, out, _ = run_cli([str(tmp_path), "--var", f"base={local_server}"], capsys)
    assert code == 0
    assert out.index("a.http") < out.index("b.http")
    assert out.rstrip().endswith("2 passed, 0 failed")


def test_name_runs_one_request_and_its_dependencies(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "chain.http",
        "### one\n# @name listing\nGET <<base>>/json\n\n"
        "### two\nGET <<base>>/status/500\n\n"
        "### three\n# @name echo\nGET <<base>>/echo?n=<<listing.body.count>>\n",
    )
    code, out, _ = run_cli([str(path), "--name", "echo", "--var", f"base={local_server}"], capsys)
    assert code == 0
    assert "/json" in out and "/echo?n=1" in out and "/status/500" not in out


def test_an_unknown_name_lists_the_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.http", "# @name real\nGET http://127.0.0.1:9/\n")
    code, out, _ = run_cli([str(path), "--name", "fake"], capsys)
    assert code == 2
    assert "no request named 'fake'" in out and "names in this file: real" in out


def test_quiet_shows_failures_and_the_closing_line(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.http", "GET <<base>>/json\n\n###\nGET <<base>>/status/404\n")
    code, out, _ = run_cli([str(path), "-q", "--var", f"base={local_server}"], capsys)
    assert code == 1
    assert "/json" not in out
    assert "FAIL  GET" in out and "/status/404" in out
    assert out.rstrip().endswith("1 passed, 1 failed")


def test_fail_fast_stops_at_the_first_failure(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.http", "GET <<base>>/status/500\n\n###\nGET <<base>>/json\n")
    code, out, _ = run_cli([str(path), "-x", "--var", f"base={local_server}"], capsys)
    assert code == 1
    assert "/json" not in out


def test_verbose_masks_secrets_everywhere(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env = write(tmp_path, "a.env", "api_key=k3y-abcdef-123456\nuser_password=hunter2-long\n")
    path = write(
        tmp_path,
        "a.http",
        "POST <<base>>/echo?key=<<api_key>>\n"
        "Authorization: Basic me:<<user_password>>\n"
        "Cookie: session=abcdefgh12345678\n"
        "X-Trace: <<api_key>>\n"
        "\n"
        '{"password": "<<user_password>>"}\n',
    )
    code, out, err = run_cli(
        [str(path), "-v", "--env", str(env), "--var", f"base={local_server}"], capsys
    )
    assert code == 0
    everything = out + err
    for secret in ("k3y-abcdef-123456", "hunter2-long", "abcdefgh12345678"):
        assert secret not in everything
    assert "> Authorization: Basic ****" in out
    assert "> X-Trace: ****" in out
    assert "key=****" in out


def test_timeout_option_reports_the_request_line(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.http", "\nGET <<base>>/slow?ms=2000\n")
    code, out, _ = run_cli([str(path), "--timeout", "0.2", "--var", f"base={local_server}"], capsys)
    assert code == 4
    assert "timed out after 0.2 s" in out
    assert f"{path}:2:1" in out


def test_no_redirect_directive(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "a.http",
        "# @no-redirect\nGET <<base>>/redirect?to=/json\n\n?? status == 302\n\n"
        "###\nGET <<base>>/redirect?to=/json\n\n?? status == 200\n?? body.count == 1\n",
    )
    code, out, _ = run_cli([str(path), "--var", f"base={local_server}"], capsys)
    assert code == 0, out


def test_retry_polls_until_the_checks_pass(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # /status/503 never turns 200: the request is sent 1 + 2 times and then fails.
    path = write(
        tmp_path, "a.http", "# @retry 2 10ms\nGET <<base>>/status/503\n\n?? status == 200\n"
    )
    code, out, _ = run_cli([str(path), "--var", f"base={local_server}"], capsys)
    assert code == 1
    assert "after 3 attempts" in out


def test_internal_errors_never_show_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, "a.http", "GET http://127.0.0.1:9/\n")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("runner.run.run_files", broken)
    code, _, err = run_cli([str(path)], capsys)
    assert code == 70
    assert "internal error: RuntimeError: boom" in err
    assert "Traceback" not in err
    with pytest.raises(RuntimeError):
        main([str(path), "--traceback"])


def test_directives_in_a_block_without_a_request_are_file_defaults(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "a.http",
        "# @retry 1 10ms\n@x = 1\n\n###\nGET <<base>>/status/503\n\n?? status == 200\n\n"
        "###\n# @skip not today\nGET <<base>>/json\n",
    )
    code, out, _ = run_cli([str(path), "--var", f"base={local_server}"], capsys)
    assert code == 1
    assert "after 2 attempts" in out  # the default @retry 1 applied
    assert "(not today)" in out


def test_tls_is_verified_unless_insecure(
    tmp_path: Path, tls_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.http", "GET <<base>>/json\n\n?? body.count == 1\n")
    code, out, _ = run_cli([str(path), "--var", f"base={tls_server}"], capsys)
    assert code == 4
    assert "TLS certificate verify failed" in out and "--insecure" in out
    code, out, _ = run_cli([str(path), "--insecure", "--var", f"base={tls_server}"], capsys)
    assert code == 0, out


def test_the_example_request_files_check_clean(capsys: pytest.CaptureFixture[str]) -> None:
    repo = Path(__file__).resolve().parent.parent
    code, out, _ = run_cli(
        [
            "check",
            str(repo / "requests"),
            "--env",
            str(repo / "envs" / "sandbox.env"),
            "--var",
            "refresh_token=given-by-the-user",  # auth.http says to pass it
        ],
        capsys,
    )
    assert (code, out) == (0, "")


def test_a_file_without_requests_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "vars.http", "@x = 1\n# only variables here\n")
    code, out, _ = run_cli([str(path)], capsys)
    assert code == 0
    assert out.splitlines() == [str(path), "  no requests to run", "0 passed, 0 failed"]


class _RecordingProxy(BaseHTTPRequestHandler):
    """A forward proxy that answers every request itself and remembers what it was asked."""

    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        body = b'{"via": "proxy"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_proxies_from_the_environment_are_used_unless_no_proxy(
    tmp_path: Path,
    local_server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with serve(handler=_RecordingProxy) as proxy_url:
        for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
            monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        path = write(
            tmp_path,
            "a.http",
            'GET http://api.example.test/items\n\n?? body.via == "proxy"\n\n'
            "###\nGET <<base>>/json\n\n?? body.count == 1\n",
        )
        code, out, _ = run_cli([str(path), "--var", f"base={local_server}"], capsys)
    assert code == 0, out
    assert _RecordingProxy.seen == ["http://api.example.test/items"]


def test_the_launcher_exit_codes_agree_with_the_error_module() -> None:
    import runner.errors
    import runner.launch

    assert runner.launch.EXIT_INTERRUPTED == runner.errors.EXIT_INTERRUPTED


# Each collection records whether start-up's objects were frozen when it ran: without the
# pause, importing typer, httpx and lark sets off dozens of collections before that.
_COLLECTOR_AFTER_RUN = (
    "import gc, sys\n"
    "from runner.launch import main\n"
    "sys.argv = ['httprun', *sys.argv[1:]]\n"
    "frozen_when_run = []\n"
    "def seen(phase, info):\n"
    "    if phase == 'start':\n"
    "        frozen_when_run.append(gc.get_freeze_count() > 0)\n"
    "gc.callbacks.append(seen)\n"
    "try:\n    main()\nexcept SystemExit as done:\n    code = done.code\n"
    "print(code, all(frozen_when_run), gc.isenabled(), gc.get_freeze_count() > 0)\n"
)


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_run_pauses_the_collector_while_it_starts_and_resumes_it(
    tmp_path: Path, local_server: str, dry_run: bool
) -> None:
    # Start-up's objects are frozen once the client opens (or the run ends without one).
    path = write(tmp_path, "a.http", "GET <<base>>/json\n\n?? status == 200\n")
    args = [str(path), "--var", f"base={local_server}", *(["--dry-run"] if dry_run else [])]
    done = subprocess.run(
        [sys.executable, "-c", _COLLECTOR_AFTER_RUN, *args], capture_output=True, text=True
    )
    assert done.stdout.splitlines()[-1].split() == ["0", "True", "True", "True"], done.stderr


def test_main_called_in_process_leaves_the_collector_alone(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.http", "GET <<base>>/json\n\n?? status == 200\n")
    frozen = gc.get_freeze_count()
    code, _, _ = run_cli([str(path), "--var", f"base={local_server}"], capsys)
    assert code == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_ctrl_c_while_modules_load_exits_130_without_a_traceback() -> None:
    # The interrupt arrives while `runner.cli` is being imported (typer, httpx ...).
    code = (
        "import builtins, sys\n"
        "real_import = builtins.__import__\n"
        "def interrupting(name, *args, **kwargs):\n"
        "    if name == 'typer':\n"
        "        raise KeyboardInterrupt\n"
        "    return real_import(name, *args, **kwargs)\n"
        "builtins.__import__ = interrupting\n"
        "from runner.launch import main\n"
        "main(['x.http'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 130
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == "interrupted"


def test_a_password_in_the_url_is_masked(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = local_server.replace("http://", "http://admin:hunter2pass@")
    path = write(tmp_path, "a.http", "GET <<base>>/echo\n")
    report = tmp_path / "r.json"
    code, out, err = run_cli(
        [str(path), "-v", "--var", f"base={base}", "--json", str(report)], capsys
    )
    assert code == 0
    assert "hunter2pass" not in out + err + report.read_text()
    assert "admin:****@" in out


def test_dry_run_shows_requests_that_need_earlier_responses_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "a.http",
        "# @name listing\nGET http://127.0.0.1:9/items\n\n>> first = body.items[0]\n\n"
        "###\nGET http://127.0.0.1:9/items/<<first>>\n\n"
        "###\nGET http://127.0.0.1:9/<<typo>>\n",
    )
    code, out, _ = run_cli([str(path), "--dry-run"], capsys)
    assert code == 3  # the typo is still an error: nothing in the file defines it
    assert "SKIP  GET http://127.0.0.1:9/items/<<first>>" in out
    assert "(dry run: 'first' comes from an earlier response)" in out
    assert "undefined variable 'typo'" in out


def test_escape_sequences_from_a_response_never_reach_the_terminal(
    tmp_path: Path,
    local_server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # /echo sends the request body back inside its JSON; -v prints the response.
    path = write(
        tmp_path,
        "a.http",
        "POST <<base>>/echo\nContent-Type: text/plain\n\n<<$env EVIL>>\n",
    )
    monkeypatch.setenv("EVIL", "\x1b]0;pwned\x07\x1b[31mred\u2028next")
    code, out, _ = run_cli([str(path), "-v", "--var", f"base={local_server}"], capsys)
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\u2028" not in out
    assert "red" in out


def test_a_missing_env_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.http", "GET http://127.0.0.1:9/\n")
    for args in ([str(path)], ["check", str(path)]):
        code, out, err = run_cli([*args, "--env", str(tmp_path / "nope.env")], capsys)
        assert code == 2
        assert "no such env file" in err and "passed" not in out


@pytest.mark.parametrize("value", ["nan", "inf", "1e400", "0"])
def test_an_impossible_timeout_is_a_usage_error(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.http", "GET http://127.0.0.1:9/\n")
    code, _, err = run_cli([str(path), f"--timeout={value}"], capsys)
    assert code == 2
    assert "--timeout" in err


def test_bad_directives_stop_the_file_as_check_reports_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "a.http",
        "# @auth bogus\n@x = 1\n\n###\n# @name\nGET http://127.0.0.1:9/\n\n"
        "###\n# @timeout 99999999999s\nGET http://127.0.0.1:9/\n",
    )
    code, out, _ = run_cli([str(path)], capsys)
    assert code == 3
    # Each bad directive once, at its line; no request of the file is sent.
    assert out.count("error: ") == 3
    assert "unknown auth profile 'bogus'" in out
    assert "'@name' needs a name" in out
    assert "duration '99999999999s' is too long" in out
    assert "connection refused" not in out


def test_list_goes_on_past_a_file_that_does_not_parse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "a.http", "GET http://a/1\n")
    write(tmp_path, "b.http", "GET http://a/2\nbad header\n")
    write(tmp_path, "c.http", "GET http://a/3\n")
    code, out, err = run_cli(["list", str(tmp_path)], capsys)
    assert code == 3
    assert [line.split("\t")[2] for line in out.splitlines()] == [
        "GET http://a/1",
        "GET http://a/3",
    ]
    assert "b.http:2:" in err


def test_a_file_variable_keeps_its_value_through_one_request(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "a.http",
        "@id = <<$uuid>>\n\n### create\nPOST <<base>>/echo?id=<<id>>\n\n<<id>>\n\n"
        '?? body.body == <<id>>\n?? body.query.id[0] == "<<id>>"\n',
    )
    code, out, _ = run_cli([str(path), "--var", f"base={local_server}"], capsys)
    assert code == 0, out


def test_basic_credentials_whose_password_has_spaces(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64

    expected = base64.b64encode(b"alice:pa ss word").decode()
    path = write(
        tmp_path,
        "a.http",
        "GET <<base>>/echo\nAuthorization: Basic alice:pa ss word\n\n"
        f'?? body.headers.authorization == "Basic {expected}"\n',
    )
    code, out, _ = run_cli([str(path), "--var", f"base={local_server}"], capsys)
    assert code == 0, out


def test_a_capture_and_the_own_name_are_seen_by_the_checks_after_them(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "a.http",
        "# @name me\nPOST <<base>>/echo\n\nbody b\n\n"
        "?? body.body == <<me.body.body>>\n>> cap = body.body\n?? body.body == <<cap>>\n",
    )
    code, out, _ = run_cli([str(path), "--var", f"base={local_server}"], capsys)
    assert code == 0, out
