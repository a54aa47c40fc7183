"""The command line and the pytest plugin read ``[tool.httprun]`` alike (the language server:
test_lsp_settings.py): one table of cases, tests/settings_cases.py; then what command-line
options change, and how bad settings are reported."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401  (no_colour: autouse fixture)
from settings_cases import CASES, REQUEST_FILES, SettingsCase, write_project
from test_pytest_plugin import INNER_ARGS

import runner.run

pytest_plugins = ["pytester"]


def undefined_names(output: str) -> set[str]:
    return set(re.findall(r"undefined variable '(\w+)'", output))


def spy_on_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[Any], runner.run.RunOptions]]:
    """The targets and options of each run the command line starts (the run still happens)."""
    original = runner.run.run_files
    seen: list[tuple[list[Any], runner.run.RunOptions]] = []

    def spy(targets: Any, options: Any = None, **kwargs: Any) -> Any:
        seen.append((list(targets), options))
        return original(targets, options, **kwargs)

    monkeypatch.setattr(runner.run, "run_files", spy)
    return seen


def expected_files(case: SettingsCase) -> list[Path]:
    return sorted(Path(name) for name in case.files or REQUEST_FILES)


# -- one table, each reader ----------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_command_line_reads_the_settings(
    case: SettingsCase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = write_project(tmp_path, case)
    monkeypatch.chdir(project)
    seen = spy_on_runs(monkeypatch)

    ran = run_cli([".", "--dry-run"], capsys)
    ((targets, options),) = seen
    assert [Path(target.path) for target in targets] == expected_files(case)
    assert [Path(path).resolve() for path in options.env_files] == [
        project.resolve() / path for path in case.env
    ]
    assert (options.timeout, options.max_retries, options.jobs) == (
        case.timeout,
        case.max_retries,
        case.jobs,
    )
    assert undefined_names(ran.output) == {"a", "b"} - case.defined

    as_curl = run_cli([".", "--curl"], capsys)
    assert undefined_names(as_curl.output) == {"a", "b"} - case.defined
    resolved = len(case.defined) * len(expected_files(case))  # the requests that resolve
    assert as_curl.out.count("\ncurl ") == resolved

    checked = run_cli(["check", "."], capsys)
    assert undefined_names(checked.output) == {"a", "b"} - case.defined
    listed = run_cli(["list", "."], capsys)
    listed_files = {Path(line.split(":")[0]) for line in listed.out.splitlines()}
    assert sorted(listed_files) == expected_files(case)


PROBE = """
import json
from pathlib import Path


def test_probe(httprun):
    options = httprun._state.run_options()
    Path("probe.json").write_text(json.dumps({
        "env": [str(Path(path).resolve()) for path in options.env_files],
        "timeout": options.timeout,
        "max_retries": options.max_retries,
    }))
"""


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_pytest_plugin_reads_the_settings(
    case: SettingsCase, pytester: pytest.Pytester
) -> None:
    project = write_project(pytester.path, case)
    pytester.makepyfile(test_probe=PROBE)
    pytester.runpytest_inprocess(*INNER_ARGS, "test_probe.py").assert_outcomes(passed=1)
    probe = json.loads((project / "probe.json").read_text())
    assert probe == {
        "env": [str(project.resolve() / path) for path in case.env],
        "timeout": case.timeout,
        "max_retries": case.max_retries,
    }

    collected = pytester.runpytest_inprocess(*INNER_ARGS, ".", "--collect-only", "-q")
    files = sorted({Path(line.split("::")[0]) for line in collected.outlines if ".http::" in line})
    # Walking folders, pytest collects .http files only when asked: files = [...] asks.
    assert files == (expected_files(case) if case.files is not None else [])

    ran = pytester.runpytest_inprocess(*INNER_ARGS, "api/one.http")
    assert undefined_names("\n".join(ran.outlines)) == {"a", "b"} - case.defined


# -- what the command line changes ----------------------------------------------------------------


def project_with(tmp_path: Path, table: str, request: str = "") -> Path:
    write_project(tmp_path, SettingsCase("", "[tool.httprun]\n" + table))
    if request:
        (tmp_path / "api" / "one.http").write_text(request)
    return tmp_path


def test_command_line_options_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(
        project_with(
            tmp_path,
            'env = ["envs/a.env"]\ntimeout = 9\njobs = 4\nmax_retries = 5\nfiles = ["x/*"]\n',
        )
    )
    seen = spy_on_runs(monkeypatch)
    args = ["--env", "envs/b.env", "--timeout", "2", "-j", "2", "--max-retries", "1", "--dry-run"]
    ran = run_cli(["api/one.http", *args], capsys)
    ((_, options),) = seen
    assert options.env_files == ("envs/b.env",)  # --env replaces the settings' list
    assert (options.timeout, options.jobs, options.max_retries) == (2.0, 2, 1)
    assert undefined_names(ran.output) == {"a"}
    assert undefined_names(
        run_cli(["check", "api/one.http", "--env", "envs/b.env"], capsys).out
    ) == {"a"}


def test_the_timeout_of_the_settings_bounds_the_requests(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    local_server: str,
) -> None:
    monkeypatch.chdir(
        project_with(tmp_path, 'timeout = "200ms"\n', f"GET {local_server}/slow?ms=600\n")
    )
    slow = run_cli(["api/one.http"], capsys)
    assert slow.code == 4
    assert "timed out" in slow.output
    assert run_cli(["api/one.http", "--timeout", "5"], capsys).code == 0


def test_max_retries_of_the_settings_reach_the_rate_limiter(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    local_server: str,
) -> None:
    request = f"GET {local_server}/status/429\n\n?? status == 429\n"
    monkeypatch.chdir(project_with(tmp_path, "max_retries = 0\n", request))
    assert "giving up after 0 retries" in run_cli(["api/one.http"], capsys).output
    overridden = run_cli(["api/one.http", "--max-retries", "1"], capsys).output
    assert "retry 1 of 1" in overridden
    assert "giving up after 1 retry" in overridden


def test_a_missing_env_file_of_the_settings_matters_only_when_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project_with(tmp_path, 'env = [\n  "envs/a.env",\n  "envs/gone.env",\n]\n'))
    for command in (["api/one.http", "--dry-run"], ["check", "api/one.http"]):
        failed = run_cli(command, capsys)
        assert failed.code == 3
        assert "error: env file 'envs/gone.env' does not exist" in failed.err
        assert "--> pyproject.toml:4:3" in failed.err
        assert "Traceback" not in failed.output
    with_env = ["--env", "envs/a.env", "--env", "envs/b.env"]
    assert run_cli(["check", "api/one.http", *with_env], capsys).code == 0


@pytest.mark.parametrize("command", [["api/one.http"], ["check", "api/one.http"], ["list", "api"]])
def test_bad_settings_stop_every_command_with_their_position(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(project_with(tmp_path, "jobs = 2\ntimeuot = 3\n"))
    failed = run_cli(command, capsys)
    assert failed.code == 3
    assert "error: unknown key 'timeuot' in [tool.httprun]; did you mean 'timeout'?" in failed.err
    assert "--> pyproject.toml:3:1" in failed.err
    assert "3 | timeuot = 3\n  | ^^^^^^^" in failed.err
    assert "= help: the keys are env, timeout, jobs, max_retries, files" in failed.err


def test_a_run_over_two_projects_reads_the_first_ones_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    first = project_with(tmp_path / "first", 'env = ["envs/a.env"]\n')
    second = project_with(tmp_path / "second", 'env = ["envs/b.env"]\n')
    monkeypatch.chdir(tmp_path)
    ran = run_cli(["check", "first/api/one.http", "second/api/one.http"], capsys)
    assert undefined_names(ran.out) == {"b"}  # b.env, of the second project, is not read
    assert ran.err.startswith(
        "warning: [tool.httprun] of second/pyproject.toml is not used: a run reads the "
        "settings of its first target's project (first/pyproject.toml)"
    )
    assert first.is_dir() and second.is_dir()


def test_a_folder_with_no_matching_files_says_which_patterns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project_with(tmp_path, 'files = ["api/*.http"]\n'))
    failed = run_cli(["other"], capsys)
    assert failed.code == 2
    assert (
        "no request files in directory 'other' (looked for files = ['api/*.http'] of "
        "pyproject.toml)" in failed.err
    )
    assert run_cli(["other/three.http", "--dry-run"], capsys).code == 3  # named: always run


# -- what pytest's own options change ------------------------------------------------------------


def test_pytest_options_win_over_the_settings(pytester: pytest.Pytester) -> None:
    project = project_with(
        pytester.path, 'env = ["envs/a.env"]\ntimeout = 9\nfiles = ["api/*.http"]\n'
    )
    pytester.makepyfile(test_probe=PROBE)
    pytester.runpytest_inprocess(
        *INNER_ARGS, "test_probe.py", "--http-env", "envs/b.env", "--http-timeout", "3"
    ).assert_outcomes(passed=1)
    probe = json.loads((project / "probe.json").read_text())
    assert (probe["env"], probe["timeout"]) == ([str(project.resolve() / "envs/b.env")], 3.0)

    pytester.makeini("[pytest]\nhttprun_env = envs/b.env\nhttprun_files = other/*.http\n")
    pytester.runpytest_inprocess(*INNER_ARGS, "test_probe.py").assert_outcomes(passed=1)
    probe = json.loads((project / "probe.json").read_text())
    assert probe["env"] == [str(project.resolve() / "envs/b.env")]
    collected = pytester.runpytest_inprocess(*INNER_ARGS, ".", "--collect-only", "-q")
    assert [line for line in collected.outlines if ".http::" in line] == [
        "other/three.http::line 1",
        "other/three.http::line 4",
    ]


def test_bad_settings_are_a_pytest_usage_error(pytester: pytest.Pytester) -> None:
    project_with(pytester.path, 'env = ["envs/a.env"]\nfiles = "api/*.http"\n')
    result = pytester.runpytest_inprocess(*INNER_ARGS, "api/one.http")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    text = "\n".join(result.errlines)
    assert "error: files must be an array of glob patterns, not a string" in text
    assert "--> pyproject.toml:3:9" in text
    assert "Traceback" not in text
