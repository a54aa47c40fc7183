"""Project settings: ``[tool.httprun]`` in pyproject.toml, read, checked and positioned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.errors import SettingsError, render_error
from runner.project import (
    KEYS,
    ProjectSettings,
    load_project_settings,
    read_project_settings,
    settings_for,
    settings_of_run,
)

ROOT = Path("/project")
SHOWN = "pyproject.toml"


def read(text: str) -> ProjectSettings:
    return read_project_settings(ROOT, SHOWN, text)


def error_of(text: str) -> SettingsError:
    with pytest.raises(SettingsError) as raised:
        read(text)
    return raised.value


def where(error: SettingsError) -> tuple[int, int, int]:
    """Line, first column and width of the error's span."""
    assert error.span is not None and error.span.path == SHOWN
    return error.span.line, error.span.column, error.span.end_column - error.span.column


# -- reading -------------------------------------------------------------------------------------


def test_no_pyproject_and_no_table_mean_no_settings(tmp_path: Path) -> None:
    assert load_project_settings(tmp_path) == ProjectSettings(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.ruff]\nx = 1\n')
    assert load_project_settings(tmp_path) == ProjectSettings(tmp_path)


def test_every_key_is_read() -> None:
    found = read(
        "[project]\n"
        'name = "x"\n\n'
        "[tool.httprun]\n"
        'env = ["envs/dev.env", "envs/extra.env"]  # a comment\n'
        'timeout = "1.5m"\n'
        "jobs = 4\n"
        "max_retries = 0\n"
        "files = ['requests/**/*.http']\n"
    )
    assert found == ProjectSettings(
        ROOT,
        SHOWN,
        env=("envs/dev.env", "envs/extra.env"),
        env_spans=found.env_spans,
        timeout=90.0,
        jobs=4,
        max_retries=0,
        files=("requests/**/*.http",),
    )
    assert [(s.line, s.column, s.end_column) for s in found.env_spans] == [(5, 8, 22), (5, 24, 40)]


@pytest.mark.parametrize(
    ("value", "seconds"), [("30", 30.0), ("2.5", 2.5), ('"500ms"', 0.5), ('"2h"', 7200.0)]
)
def test_timeout_takes_seconds_or_a_duration(value: str, seconds: float) -> None:
    assert read(f"[tool.httprun]\ntimeout = {value}\n").timeout == seconds


@pytest.mark.parametrize(
    "text",
    [
        '[tool]\nhttprun = { jobs = 2, env = ["a.env"] }\n',
        'tool.httprun.jobs = 2\ntool.httprun.env = ["a.env"]\n',
        '[tool]\nhttprun.jobs = 2\nhttprun.env = ["a.env"]\n',
        '[tool."httprun"]\n"jobs" = 2\nenv = ["a.env"]\n',
    ],
)
def test_every_toml_spelling_of_the_table(text: str) -> None:
    found = read(text)
    assert (found.jobs, found.env) == (2, ("a.env",))


# -- errors --------------------------------------------------------------------------------------


def test_an_unknown_key_is_positioned_with_the_valid_keys() -> None:
    error = error_of("[tool.httprun]\nenv = []\n  jbos = 2\n")
    assert where(error) == (3, 3, 4)
    assert error.message == "unknown key 'jbos' in [tool.httprun]; did you mean 'jobs'?"
    assert error.hint == "the keys are env, timeout, jobs, max_retries, files"
    assert error.exit_code == 3
    shown = render_error(error)
    assert "--> pyproject.toml:3:3" in shown
    assert "3 |   jbos = 2\n  |   ^^^^" in shown


@pytest.mark.parametrize(
    ("line", "message", "position"),
    [
        (
            'env = "envs/dev.env"',
            "env must be an array of env file paths, not a string",
            (2, 7, 14),
        ),
        ("env = [1]", "env must be an array of env file paths", (2, 8, 1)),
        ('env = ["  "]', "env must be an array of env file paths", (2, 8, 4)),
        ("timeout = true", "timeout must be seconds or a duration, not a boolean", (2, 11, 4)),
        ("timeout = [30]", "timeout must be seconds or a duration, not an array", (2, 11, 4)),
        ('timeout = "soon"', "timeout: invalid duration 'soon'", (2, 11, 6)),
        ("timeout = 0", "timeout must be longer than 0", (2, 11, 1)),
        ('timeout = "0ms"', "timeout must be longer than 0", (2, 11, 5)),
        ("timeout = -1", "timeout must be longer than 0", (2, 11, 2)),
        ("timeout = nan", "timeout nan is out of range", (2, 11, 3)),
        ("timeout = 86401", "timeout 86401 is out of range", (2, 11, 5)),
        ('timeout = "25h"', "timeout: duration '25h' is too long", (2, 11, 5)),
        ("jobs = 0", "jobs must be at least 1, not 0", (2, 8, 1)),
        ("jobs = 1.5", "jobs must be a whole number, at least 1, not a float", (2, 8, 3)),
        ("jobs = true", "jobs must be a whole number, at least 1, not a boolean", (2, 8, 4)),
        ("max_retries = -1", "max_retries must be at least 0, not -1", (2, 15, 2)),
        ('max_retries = "3"', "max_retries must be a whole number, at least 0", (2, 15, 3)),
        ("files = []", "files needs at least one pattern", (2, 9, 2)),
        (
            'files = ["a/*.http", "/abs/*.http"]',
            "files pattern '/abs/*.http' is absolute",
            (2, 22, 13),
        ),
        ("files = { a = 1 }", "files must be an array of glob patterns, not a table", (2, 9, 9)),
    ],
)
def test_a_wrong_value_is_positioned_at_the_value(
    line: str, message: str, position: tuple[int, int, int]
) -> None:
    error = error_of(f"[tool.httprun]\n{line}  # why\n")
    assert error.message.startswith(message)
    assert where(error) == position
    assert error.hint


def test_a_wrong_item_over_several_lines_is_positioned_at_the_item() -> None:
    error = error_of('[tool.httprun]\nenv = [\n  "a.env",\n  2,\n]\n')
    assert error.label == "item 2 is an integer"
    assert where(error)[0] == 4


def test_a_table_under_the_table_is_an_unknown_key() -> None:
    error = error_of("[tool.httprun]\njobs = 2\n\n[tool.httprun.extra]\nx = 1\n")
    assert error.message.startswith("unknown key 'extra'")
    assert where(error) == (4, 2, 18)


def test_the_table_must_be_a_table() -> None:
    error = error_of("[tool]\nhttprun = 3\n")
    assert error.message == "tool.httprun must be a table"
    assert where(error)[0] == 2


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("[tool.httprun]\njobs = 2 x\n", (2, 10), "expected newline"),
        ('[tool.httprun]\nenv = ["a.env"\n', (3, 1), "unclosed array"),
        ("[tool.httprun]\njobs = 1\njobs = 2\n", (3, 9), "cannot overwrite a value"),
    ],
)
def test_bad_toml_is_positioned_as_tomllib_says(
    text: str, position: tuple[int, int], reason: str
) -> None:
    error = error_of(text)
    assert error.message.startswith("invalid TOML in pyproject.toml: ")
    assert reason in error.message.lower()
    assert where(error)[:2] == position
    assert "(at " not in error.message


def test_bad_toml_is_an_error_even_without_the_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x\n')
    with pytest.raises(SettingsError, match="invalid TOML"):
        load_project_settings(tmp_path)


def test_toml_nested_past_pythons_recursion_is_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="nest too deeply"):
        read("a = " + "[" * 100_000 + "]" * 100_000 + "\n")


def test_an_unreadable_pyproject_is_a_settings_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.httprun]\nenv = ['\xff']\n")
    with pytest.raises(SettingsError, match="is not UTF-8 text"):
        load_project_settings(tmp_path)
    (tmp_path / "pyproject.toml").unlink()
    (tmp_path / "pyproject.toml").mkdir()
    with pytest.raises(SettingsError, match=r"cannot read .*pyproject.toml"):
        load_project_settings(tmp_path)


def test_a_missing_env_file_is_an_error_at_its_item_when_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "dev.env").write_text("a=1\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.httprun]\nenv = [\n    "envs/dev.env",\n    "envs/gone.env",\n]\n'
    )
    found = load_project_settings(tmp_path)  # reading is fine: --env may replace them
    with pytest.raises(SettingsError) as raised:
        found.env_files()
    error = raised.value
    assert error.message == "env file 'envs/gone.env' does not exist"
    assert str(error.span) == "pyproject.toml:4:5"
    assert error.label == "looked for envs/gone.env"
    assert "--env" in error.hint
    (tmp_path / "envs" / "gone.env").mkdir()
    with pytest.raises(SettingsError, match="is a folder, not an env file"):
        found.env_files()


def test_env_files_are_relative_to_the_project(tmp_path: Path) -> None:
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "dev.env").write_text("a=1\n")
    (tmp_path / "pyproject.toml").write_text('[tool.httprun]\nenv = ["envs/dev.env"]\n')
    (tmp_path / "deep" / "er").mkdir(parents=True)
    found = settings_for(tmp_path / "deep" / "er" / "a.http")
    assert found.root == tmp_path.resolve()
    assert found.env_files() == (tmp_path.resolve() / "envs" / "dev.env",)


def test_the_project_is_the_one_includes_use(tmp_path: Path) -> None:
    """A folder with envs/ or .git below the pyproject.toml is a project of its own."""
    (tmp_path / "pyproject.toml").write_text("[tool.httprun]\njobs = 3\n")
    (tmp_path / "api" / "envs").mkdir(parents=True)
    assert settings_for(tmp_path / "a.http").jobs == 3
    assert settings_for(tmp_path / "api" / "a.http") == ProjectSettings(tmp_path / "api")
    assert settings_for(tmp_path / "api").root == tmp_path / "api"  # a folder: its own


def test_a_run_reads_its_first_targets_project_and_names_the_others(tmp_path: Path) -> None:
    first, second, plain = tmp_path / "first", tmp_path / "second", tmp_path / "plain"
    for folder in (first, second, plain):
        folder.mkdir()
    (first / "pyproject.toml").write_text("[tool.httprun]\njobs = 2\n")
    (second / "pyproject.toml").write_text("[tool.httprun]\njobs = 5\n")
    (plain / ".git").mkdir()
    found, warnings = settings_of_run(
        [str(first / "a.http:3"), str(second / "b.http"), str(plain / "c.http"), str(first)]
    )
    assert found.jobs == 2
    (warning,) = warnings
    assert warning.severity == "warning"
    assert f"{second / 'pyproject.toml'} is not used" in warning.message


# -- properties ----------------------------------------------------------------------------------

_bare_keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,15}", fullmatch=True).filter(
    lambda key: key not in KEYS
)
_indents = st.sampled_from(["", " ", "    ", "\t"])
_spaces = st.sampled_from(["", " ", "  "])
_paths = st.from_regex(r"[A-Za-z0-9_.][A-Za-z0-9_./ -]{0,20}", fullmatch=True).filter(
    lambda path: path.strip() != "" and not path.startswith("/")
)
_good_values = st.fixed_dictionaries(
    {},
    optional={
        "env": st.lists(_paths, max_size=4),
        "timeout": st.one_of(
            st.integers(1, 86_400),
            st.floats(0.001, 86_400, allow_nan=False),
            st.sampled_from(["30s", "500ms", "2m", "1h", "0.5s"]),
        ),
        "jobs": st.integers(1, 10_000),
        "max_retries": st.integers(0, 10_000),
        "files": st.lists(_paths, min_size=1, max_size=4),
    },
)


def _toml(value: object) -> str:
    """A TOML literal for the values these tests write (JSON's syntax is TOML's for them)."""
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(value) if not isinstance(value, float) else repr(value)


@settings(max_examples=100, deadline=None)
@given(values=_good_values, indent=_indents, gap=_spaces, one_line_arrays=st.booleans())
def test_what_is_written_is_what_is_read(
    values: dict[str, object], indent: str, gap: str, one_line_arrays: bool
) -> None:
    lines = ["[tool.httprun]"]
    for key, value in values.items():
        if isinstance(value, list) and not one_line_arrays:
            items = [f"{indent}  {_toml(item)},  # item" for item in value]
            lines += [f"{indent}{key}{gap}={gap}[", *items, f"{indent}]"]
        else:
            lines.append(f"{indent}{key}{gap}={gap}{_toml(value)}")
    found = read("\n".join(lines) + "\n")
    expected_timeout = values.get("timeout")
    if isinstance(expected_timeout, str):
        expected_timeout = {"30s": 30, "500ms": 0.5, "2m": 120, "1h": 3600, "0.5s": 0.5}[
            expected_timeout
        ]
    env = values.get("env")
    assert found.env == (tuple(p.strip() for p in env) if isinstance(env, list) else None)
    assert found.timeout == (float(expected_timeout) if expected_timeout is not None else None)
    assert found.jobs == values.get("jobs")
    assert found.max_retries == values.get("max_retries")
    files = values.get("files")
    assert found.files == (tuple(p.strip() for p in files) if isinstance(files, list) else None)
    # Each env file's span covers its literal exactly, wherever the array's lines put it.
    text_lines = "\n".join(lines).split("\n")
    for written, span in zip(env or [], found.env_spans, strict=True):
        line = text_lines[span.line - 1]
        assert line[span.column - 1 : span.end_column - 1] == _toml(written)


@settings(max_examples=100, deadline=None)
@given(
    key=_bare_keys,
    before=st.lists(
        st.sampled_from(["jobs = 2", "env = []", "# a comment", ""]), max_size=3, unique=True
    ),
    after=st.lists(
        st.sampled_from(["max_retries = 1", "files = ['x']", ""]), max_size=3, unique=True
    ),
    indent=_indents,
    gap=_spaces,
)
def test_an_unknown_key_is_pointed_at_wherever_it_is(
    key: str, before: list[str], after: list[str], indent: str, gap: str
) -> None:
    lines = ["[project]", 'name = "x"', "[tool.httprun]", *before, f"{indent}{key}{gap}={gap}1"]
    error = error_of("\n".join([*lines, *after]) + "\n")
    assert where(error) == (len(lines), len(indent) + 1, len(key))
    assert error.hint == "the keys are " + ", ".join(KEYS)


_wrong_values = {
    "env": st.one_of(st.integers(), st.booleans(), st.just('"envs/dev.env"'), st.just("{}")),
    "timeout": st.one_of(st.booleans(), st.just("[1]"), st.just("{}"), st.just('"fast"')),
    "jobs": st.one_of(st.integers(max_value=0), st.booleans(), st.just("1.5"), st.just('"2"')),
    "max_retries": st.one_of(st.integers(max_value=-1), st.booleans(), st.just("[]")),
    "files": st.one_of(st.integers(), st.just("[]"), st.just("[1]"), st.just('""')),
}


@settings(max_examples=100, deadline=None)
@given(data=st.data(), key=st.sampled_from(sorted(_wrong_values)), gap=_spaces)
def test_a_wrong_value_of_any_key_is_pointed_at(data: st.DataObject, key: str, gap: str) -> None:
    value = data.draw(_wrong_values[key])
    literal = value if isinstance(value, str) else json.dumps(value)
    error = error_of(f"[tool.httprun]\n# the settings\n{key}{gap}={gap}{literal}\n")
    line, column, _ = where(error)
    assert line == 3
    assert column >= len(key) + 2 * len(gap) + 2  # on the value, not on the key
    assert key in error.message
    assert error.hint
