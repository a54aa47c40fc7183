"""``httprun import http PATH... [--out DIR] [--force]``: JetBrains, REST Client and httpyac files
written for these tests (tests/data/dialects/), imported with their environments, then run
against the local fixture server, so the converted checks and captures really pass."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from cli_helpers import CliResult, no_colour, run_cli

from runner.importers.dialect_envs import without_comments

__all__ = ["no_colour"]

DATA = Path(__file__).parent / "data" / "dialects"
PRIVATE_TOKEN = "jb-private-token-123"  # tests/data/dialects/jetbrains/http-client.private...


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A copy of the three dialects' projects (the import must not change the originals)."""
    shutil.copytree(DATA, tmp_path / "old")
    return tmp_path / "old"


def import_http(args: list[str], capsys: pytest.CaptureFixture[str]) -> CliResult:
    result = run_cli(["import", "http", *args], capsys)
    assert "Traceback" not in result.output
    return result


def test_each_dialect_imports_and_runs(
    sources: Path, tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "project"
    result = import_http([str(sources), "--out", str(out)], capsys)
    assert result.code == 0, result.output
    expected = {
        "jetbrains/products.http": ("dev", 3),
        "httpyac/items.http": ("dev", 3),
        "restclient/api.http": ("local", 3),
    }
    for name, (env, passed) in expected.items():
        run = run_cli(
            [
                str(out / "requests" / name),
                "--env",
                str(out / "envs" / f"{env}.env"),
                "--var",
                f"host={local_server}",
            ],
            capsys,
        )
        assert run.code == 0, run.output
        assert f"{passed} passed, 0 failed" in run.out


def test_the_report_names_each_item_with_its_line(
    sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = import_http([str(sources), "--out", str(tmp_path / "p")], capsys)
    jetbrains = sources / "jetbrains" / "products.http"
    httpyac = sources / "httpyac" / "items.http"
    for line in [
        f"{jetbrains}:37: a JavaScript response handler, kept as a comment",
        f"{jetbrains}:40: saving the response to a file, kept as a comment",
        f"{jetbrains}:43: a WEBSOCKET request, kept as a comment",
        f"{httpyac}:17: '@ref' kept as a comment",
        f"{httpyac}:28: an httpyac assertion without an httprun form",
        f"{httpyac}:31: an httpyac script block, kept as a comment",
        "user-name: renamed to 'user_name'",
    ]:
        assert line in result.out
    assert result.out.rstrip().endswith("9 requests imported, 8 need attention")


def test_environments_become_env_files_with_secrets_apart(
    sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p"
    result = import_http([str(sources), "--out", str(out)], capsys)
    assert result.code == 0
    dev = (out / "envs" / "dev.env").read_text()
    assert "api_version='2024-06-01'" in dev  # from $shared
    assert "host='http://127.0.0.1:9'" in dev
    assert "retries='3'" in dev  # a number, as its JSON text
    assert PRIVATE_TOKEN not in dev
    local = out / "envs" / "dev.local.env"
    assert f"api_token='{PRIVATE_TOKEN}'" in local.read_text()
    assert stat.S_IMODE(local.stat().st_mode) == 0o600
    assert "*.local.env" in (out / ".gitignore").read_text().splitlines()
    rest_client = (out / "envs" / "local.env").read_text()  # .vscode/settings.json, JSONC
    assert "user_name='ada'" in rest_client and "host='http://127.0.0.1:9'" in rest_client
    for written in out.rglob("*.http"):
        assert PRIVATE_TOKEN not in written.read_text()
    assert PRIVATE_TOKEN not in result.output


def test_a_secret_written_in_a_request_file_becomes_its_variable(
    sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    products = sources / "jetbrains" / "products.http"
    products.write_text(
        products.read_text().replace("{{api_token}}", PRIVATE_TOKEN) + f"\n# {PRIVATE_TOKEN}\n"
    )
    out = tmp_path / "p"
    result = import_http([str(products), "--out", str(out)], capsys)
    assert result.code == 0, result.output
    text = (out / "requests" / "products.http").read_text()
    assert PRIVATE_TOKEN not in text
    assert "X-Token: <<api_token>>" in text
    assert "1 line(s) held a secret's value, now <<name>>" in result.out
    assert PRIVATE_TOKEN not in result.output


def test_literal_secrets_move_to_the_local_env_files(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.http").write_text(
        "@api_key = literal-key-1\n"
        "\n"
        "POST {{host}}/echo?api_key={{api_key}}&client_secret=literal-secret-2\n"
        "Authorization: Bearer literal-bearer-3\n"
        "Content-Type: application/json\n"
        "\n"
        '{"password": "literal-password-4", "name": "visible"}\n'
        "\n"
        "?? body.headers.authorization == 'Bearer literal-bearer-3'\n"
        "?? body.query.client_secret[0] == 'literal-secret-2'\n"
    )
    out = tmp_path / "p"
    result = import_http([str(tmp_path / "a.http"), "--out", str(out)], capsys)
    assert result.code == 0, result.output
    text = (out / "requests" / "a.http").read_text()
    assert "literal-" not in text and "literal-" not in result.output
    assert "Authorization: Bearer <<authorization>>" in text
    assert '{"password": "<<password>>", "name": "visible"}' in text
    local = (out / "envs" / "default.local.env").read_text()
    for value in ["literal-key-1", "literal-secret-2", "literal-bearer-3", "literal-password-4"]:
        assert value in local
    assert "secrets written in the file moved" in result.out
    assert "run with --env envs/default.env" in result.out
    # A raw string does not interpolate: the check's value is text now.
    assert "?? body.headers.authorization == Bearer <<authorization>>" in text
    # The request sends what it sent before, and its checks pass: the env file gives the
    # values back.
    run = run_cli(
        [
            str(out / "requests" / "a.http"),
            "--env",
            str(out / "envs" / "default.env"),
            "--var",
            f"host={local_server}",
        ],
        capsys,
    )
    assert run.code == 0, run.output


def test_names_that_are_identifiers_keep_them_whatever_comes_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "http-client.env.json").write_text('{"dev": {"user-id": "1"}}')
    (tmp_path / "a.http").write_text("@user_id = 2\n\nGET {{host}}/{{user-id}}/{{user_id}}\n")
    result = import_http([str(tmp_path / "a.http"), "--out", str(tmp_path / "p")], capsys)
    assert result.code == 0, result.output
    text = (tmp_path / "p" / "requests" / "a.http").read_text()
    assert text == "@user_id = 2\n\nGET <<host>>/<<user_id_2>>/<<user_id>>\n"
    assert "user_id_2='1'" in (tmp_path / "p" / "envs" / "dev.env").read_text()
    assert "user-id: renamed to 'user_id_2'" in result.out


def test_httpyac_dotenv_files_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "dev.env").write_text("host=http://x\n")
    (tmp_path / ".env").write_text("token=abc\n")
    (tmp_path / "a.http").write_text("GET {{host}}/a\n")
    monkeypatch.chdir(tmp_path)
    result = import_http([".", "--out", "p"], capsys)
    assert result.code == 0, result.output
    assert ".env: a dotenv file (httpyac reads it): httprun reads it as it is, with --env .env" in (
        result.out
    )
    assert "env/dev.env: a dotenv file" in result.out


def test_values_that_are_no_text_or_refer_to_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.http").write_text("GET {{host}}/a\n")
    (tmp_path / "http-client.env.json").write_text(
        '{"dev": {\n  "host": "http://x",\n  "Security": {"Auth": {}},\n  "none": null,\n'
        '  "url": "{{host}}/api",\n  "bad": "{{nowhere}}"\n}}'
    )
    result = import_http([str(tmp_path / "a.http"), "--out", str(tmp_path / "p")], capsys)
    assert result.code == 0
    assert "http-client.env.json:3: dev.Security: an object value, left out" in result.out
    assert "http-client.env.json:4: dev.none: a null value, left out" in result.out
    assert "http-client.env.json:6: dev.bad: {{nowhere}} is not a value" in result.out
    env = (tmp_path / "p" / "envs" / "dev.env").read_text()
    assert "url='http://x/api'" in env  # {{host}} of the same environment


# ---- a whole repository, in place ------------------------------------------------------------


def test_a_whole_repository_is_converted_in_place(
    sources: Path,
    local_server: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (sources / "node_modules").mkdir()
    (sources / "node_modules" / "x.http").write_text("GET {{nope}}\n")
    for skipped in (".git", ".venv", "envs"):
        (sources / skipped).mkdir()
        (sources / skipped / "x.http").write_text("GET {{nope}}\n")
    monkeypatch.chdir(sources)
    result = import_http([".", "--out", "."], capsys)
    assert result.code == 0, result.output
    converted = (sources / "jetbrains" / "products.http").read_text()
    assert "<<host>>" in converted and "{{" not in converted
    assert (sources / "restclient" / "api.http").is_file()  # the .rest file's conversion
    assert (sources / "restclient" / "api.rest").is_file()  # ... beside it
    assert (sources / "node_modules" / "x.http").read_text() == "GET {{nope}}\n"
    for skipped in (".git", ".venv", "envs"):  # envs/: the --out tree's own
        assert (sources / skipped / "x.http").read_text() == "GET {{nope}}\n"
    assert "jetbrains/products.http:37:" in result.out
    # Importing again changes nothing and needs no --force: the files hold their conversion.
    again = import_http([".", "--out", "."], capsys)
    assert again.code == 0, again.output
    assert (sources / "jetbrains" / "products.http").read_text() == converted
    run = run_cli(["jetbrains/", "--env", "envs/dev.env", "--var", f"host={local_server}"], capsys)
    assert run.code == 0 and "3 passed, 0 failed" in run.out, run.output


def test_httprun_files_come_out_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(Path(__file__).parent.parent / "requests", tmp_path / "requests")
    before = {p.name: p.read_text() for p in (tmp_path / "requests").iterdir()}
    monkeypatch.chdir(tmp_path)
    result = import_http(["requests", "--out", "."], capsys)
    assert result.code == 0
    assert result.out.rstrip().endswith("25 requests imported, 0 need attention")
    assert {p.name: p.read_text() for p in (tmp_path / "requests").iterdir()} == before


def test_other_files_are_not_overwritten_without_force(
    sources: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "p"
    (out / "envs").mkdir(parents=True)
    (out / "envs" / "dev.env").write_text("mine=1\n")
    result = import_http([str(sources), "--out", str(out)], capsys)
    assert result.code == 2
    assert "would overwrite" in result.err and "--force" in result.err
    assert not (out / "requests").exists()
    assert (out / "envs" / "dev.env").read_text() == "mine=1\n"
    forced = import_http([str(sources), "--out", str(out), "--force"], capsys)
    assert forced.code == 0
    assert "host=" in (out / "envs" / "dev.env").read_text()


def test_a_file_that_cannot_be_read_is_left_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.http").write_bytes(b"GET http://x/\xff\n")
    (tmp_path / "good.http").write_text("GET {{host}}/a\n")
    result = import_http([str(tmp_path), "--out", str(tmp_path)], capsys)
    assert result.code == 0
    assert "bad.http: not UTF-8; left as it is" in result.out
    assert (tmp_path / "bad.http").read_bytes() == b"GET http://x/\xff\n"
    assert (tmp_path / "good.http").read_text() == "GET <<host>>/a\n"


# ---- bad input -------------------------------------------------------------------------------


def test_bad_json_is_a_positioned_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.http").write_text("GET {{host}}/a\n")
    (tmp_path / "http-client.env.json").write_text('{\n  "dev": {"host": }\n}\n')
    result = import_http([str(tmp_path), "--out", str(tmp_path / "p")], capsys)
    assert result.code == 3
    assert "http-client.env.json:2:" in result.err
    assert "invalid JSON" in result.err
    assert not (tmp_path / "p").exists()


def test_bad_json_in_the_private_file_shows_no_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.http").write_text("GET {{host}}/a\n")
    (tmp_path / "http-client.private.env.json").write_text(
        '{"dev": {"plain": "visible-secret-1", "x": }}'
    )
    result = import_http([str(tmp_path), "--out", str(tmp_path / "p")], capsys)
    assert result.code == 3
    assert "http-client.private.env.json:1:" in result.err
    assert "visible-secret-1" not in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.http"], "no such file or folder"),
        (["empty"], "no .http or .rest files"),
    ],
)
def test_bad_paths_are_usage_errors(
    args: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    result = import_http(args, capsys)
    assert result.code == 2
    assert message in result.err


def test_json_with_comments_keeps_positions() -> None:
    text = '{\n  // a\n  "a": [1, 2,], /* b\n c */ "b": {"x": "//not",},\n}'
    stripped = without_comments(text)
    assert len(stripped) == len(text)
    assert stripped.count("\n") == text.count("\n")
    assert json.loads(stripped) == {"a": [1, 2], "b": {"x": "//not"}}
