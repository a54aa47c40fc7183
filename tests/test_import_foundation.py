"""The pieces every importer shares: names, {{...}} conversion, env files, planned files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st

from runner.env import load_env_files
from runner.errors import InternalError, UsageError
from runner.importers.braces import Dialect, convert_braces, convert_text
from runner.importers.envfiles import EnvValue, env_texts, expands
from runner.importers.names import Renamer, as_identifier, is_identifier
from runner.importers.output import PlannedFiles, file_name
from runner.importers.report import ImportReport
from runner.launch import SUBCOMMANDS
from runner.masking import Masker
from runner.parser import parse_text

# ---- names -------------------------------------------------------------------------------------


@given(st.text(max_size=30))
def test_every_name_becomes_an_identifier(name: str) -> None:
    assert is_identifier(as_identifier(name))


@given(st.lists(st.text(max_size=8), max_size=12))
def test_a_renamer_is_consistent_and_never_merges_two_names(names: list[str]) -> None:
    rename = Renamer(names)
    chosen = {name: rename(name) for name in names}
    assert all(rename(name) == chosen[name] for name in names)
    assert len(set(chosen.values())) == len(chosen)
    assert all(is_identifier(value) for value in chosen.values())


def test_identifiers_known_up_front_keep_their_name() -> None:
    rename = Renamer(["a-b", "a_b"])
    assert rename("a-b") == "a_b_2"
    assert rename("a_b") == "a_b"
    assert rename.renamed() == {"a-b": "a_b_2"}


def test_visual_studio_and_postman_names() -> None:
    assert as_identifier("Catalog.API_HostAddress") == "Catalog_API_HostAddress"
    assert as_identifier("base url") == "base_url"
    assert as_identifier("2fa-code") == "_2fa_code"


# ---- {{...}} -----------------------------------------------------------------------------------

HTTP_CASES = {
    "host": "<<host>>",
    " host ": "<<host>>",
    "base-url": "<<base_url>>",
    "$uuid": "<<$uuid>>",
    "$guid": "<<$uuid>>",
    "$random.uuid": "<<$uuid>>",
    "$timestamp": "<<$timestamp>>",
    "$timestamp -1 d": "<<$timestamp -1d>>",
    "$isoTimestamp": "<<$isoTimestamp>>",
    "$randomInt": "<<$randomInt 0 1000>>",
    "$randomInt 5 9": "<<$randomInt 5 9>>",
    "$random.integer(1, 10)": "<<$randomInt 1 10>>",
    "$datetime iso8601": "<<$datetime iso8601>>",
    "$datetime rfc1123 2 h": "<<$datetime rfc1123 +2h>>",
    '$datetime "DD-MM-YYYY HH:mm:ss" 1 d': '<<$datetime "%d-%m-%Y %H:%M:%S" +1d>>',
    "$processEnv HOME": "<<$env HOME>>",
    "$env.HOME": "<<$env HOME>>",
    "login.response.body.$.token": "<<login.body.token>>",
    "login.response.body.*": "<<login.body>>",
    'login.response.body.$["a-b"][0].c': '<<login.body."a-b"[0].c>>',
    "login.response.headers.X-Total": '<<login.headers."x-total">>',
}


@pytest.mark.parametrize(("inner", "expected"), HTTP_CASES.items())
def test_http_dialect_values(inner: str, expected: str) -> None:
    conversion = convert_braces(inner, Dialect.HTTP)
    assert conversion == type(conversion)(expected)
    # What comes out is a valid httprun template.
    parse_text(f"GET http://x/{expected}\n")


@pytest.mark.parametrize(
    ("inner", "text", "note"),
    [
        ("$localDatetime iso8601", "<<$datetime iso8601>>", "UTC"),
        ("$dotenv API_KEY", "<<API_KEY>>", "env file"),
        ("$processEnv %NAME", None, "'%NAME'"),
        ("$datetime iso8601 1 y", None, "years"),
        ('$datetime "x SSS"', None, "Day.js"),
        ("login.response.body.$..id", None, "JMESPath"),
        ("login.request.body.x", None, "request"),
        ("a + b", None, "JavaScript"),
        ("$random.email", None, "no such value"),
        ("$aadToken", None, "no such value"),
    ],
)
def test_values_that_need_a_person(inner: str, text: str | None, note: str) -> None:
    conversion = convert_braces(inner, Dialect.HTTP)
    assert conversion.text == text
    assert note in conversion.note


def test_postman_names_and_values() -> None:
    assert convert_braces("base url", Dialect.POSTMAN).text == "<<base_url>>"
    assert convert_braces("$guid", Dialect.POSTMAN).text == "<<$uuid>>"
    assert convert_braces("$randomUUID", Dialect.POSTMAN).text == "<<$uuid>>"
    assert convert_braces("$randomInt", Dialect.POSTMAN).text == "<<$randomInt 0 1000>>"
    faker = convert_braces("$randomEmail", Dialect.POSTMAN)
    assert faker.text is None and faker.note
    # REST Client's references mean nothing in Postman: a name with dots is a variable.
    assert convert_braces("a.response.body", Dialect.POSTMAN).text == "<<a_response_body>>"


def test_convert_text_escapes_literal_markers_and_keeps_what_it_cannot_convert() -> None:
    notes: list[str] = []
    text = convert_text("a<<b {{x}} {{$random.email}}", Dialect.HTTP, notes=notes)
    assert text == "a\\<<b <<x>> {{$random.email}}"
    assert notes == ["{{$random.email}}: " + convert_braces("$random.email", Dialect.HTTP).note]


def test_convert_text_renames_through_the_given_renamer() -> None:
    rename = Renamer(["a_b"])
    assert convert_text("{{a-b}}/{{a_b}}", Dialect.POSTMAN, rename) == "<<a_b_2>>/<<a_b>>"


@given(st.text(alphabet="ab{}<$ .", max_size=40))
def test_converted_text_is_always_a_valid_template(text: str) -> None:
    converted = convert_text(text, Dialect.HTTP)
    body = parse_text(f"POST http://x\n\n-{converted}\n").blocks[0].request
    assert body is not None


# ---- env files ---------------------------------------------------------------------------------

_VALUES = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00\r"))


@given(st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), _VALUES))
def test_env_files_read_back_as_written(values: dict[str, str]) -> None:
    values = {name: value for name, value in values.items() if not expands(value)}
    plain, local = env_texts([EnvValue(name, value) for name, value in values.items()], "x")
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "dev.env").write_text(plain, encoding="utf-8")
        if local:
            (Path(folder) / "dev.local.env").write_text(local, encoding="utf-8")
        loaded = load_env_files([str(Path(folder) / "dev.env")], environ={})
    assert loaded.values == values


def test_secrets_go_to_the_local_file() -> None:
    plain, local = env_texts(
        [
            EnvValue("mallid", "demo"),
            EnvValue("client_secret", "s3cret"),
            EnvValue("pin", "1234", secret=True),
        ],
        "cafe24.postman_environment.json",
    )
    assert "mallid='demo'" in plain and "s3cret" not in plain and "1234" not in plain
    assert "client_secret='s3cret'" in local and "pin='1234'" in local
    assert plain.startswith("# Imported by httprun from cafe24.postman_environment.json")


def test_no_local_file_without_secrets() -> None:
    assert env_texts([EnvValue("a", "1")], "x")[1] == ""


# ---- planned files -----------------------------------------------------------------------------


def test_file_names_stay_inside_their_folder() -> None:
    assert file_name("../../etc/passwd") == "etc-passwd"
    assert file_name("Products / List") == "Products-List"
    assert file_name("...") == "requests"
    assert len(file_name("x" * 500)) == 80


def test_nothing_is_written_when_one_file_exists(tmp_path: Path) -> None:
    (tmp_path / "requests").mkdir()
    (tmp_path / "requests" / "a.http").write_text("old\n")
    planned = PlannedFiles(tmp_path, Masker())
    planned.add(Path("requests/b.http"), "GET http://x\n")
    planned.add(Path("requests/a.http"), "GET http://y\n")
    with pytest.raises(UsageError, match=r"would overwrite .*a\.http") as refused:
        planned.write(force=False)
    assert "--force" in (refused.value.diagnostics()[0].hint or "")
    assert not (tmp_path / "requests" / "b.http").exists()
    assert planned.write(force=True) == [Path("requests/b.http"), Path("requests/a.http")]
    assert (tmp_path / "requests" / "a.http").read_text() == "GET http://y\n"


def test_local_env_files_are_private_and_ignored_by_git(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules")
    planned = PlannedFiles(tmp_path, Masker())
    planned.add(Path("envs/dev.env"), "a='1'\n")
    planned.add(Path("envs/dev.local.env"), "token='x'\n")
    written = planned.write(force=False)
    assert Path(".gitignore") in written
    assert (tmp_path / ".gitignore").read_text() == "node_modules\n*.local.env\n"
    mode = stat.S_IMODE(os.stat(tmp_path / "envs" / "dev.local.env").st_mode)
    assert mode == 0o600
    # A second import finds the line and leaves .gitignore alone.
    again = PlannedFiles(tmp_path, Masker())
    again.add(Path("envs/dev.local.env"), "token='y'\n")
    assert Path(".gitignore") not in again.write(force=True)


def test_same_path_twice_gets_a_second_name(tmp_path: Path) -> None:
    planned = PlannedFiles(tmp_path, Masker())
    assert planned.add(Path("requests/a.http"), "") == Path("requests/a.http")
    assert planned.add(Path("requests/a.http"), "") == Path("requests/a-2.http")


def test_a_secret_in_a_request_file_is_refused(tmp_path: Path) -> None:
    planned = PlannedFiles(tmp_path, Masker(["s3cret-value"]))
    with pytest.raises(InternalError, match="secret"):
        planned.add(Path("requests/a.http"), "GET http://x?key=s3cret-value\n")
    with pytest.raises(InternalError, match="leaves"):
        planned.add(Path("../a.http"), "")


# ---- the report --------------------------------------------------------------------------------


def test_report_lines_are_masked_and_counted() -> None:
    report = ImportReport(requests=3)
    report.attention("Orders/Create", "the token s3cret-value is pasted: removed")
    report.attention("Orders/Create", "the token s3cret-value is pasted: removed")
    report.attention("Products", "faker value {{$randomEmail}}: set a value")
    lines = report.lines(Masker(["s3cret-value"]).mask)
    assert lines[-1] == "3 requests imported, 2 need attention"
    assert "s3cret-value" not in "\n".join(lines)
    assert len(lines) == 3


def test_every_sub_command_is_known_to_the_launcher() -> None:
    from runner.cli import app

    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    # fmt is registered by its own module; the launcher must not treat it as a file either way.
    assert set(group.commands) <= set(SUBCOMMANDS)


@given(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]*", fullmatch=True))
def test_an_identifier_keeps_its_name(name: str) -> None:
    assert as_identifier(name) == name
