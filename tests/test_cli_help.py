"""``httprun --help``: the main form and its options on the first screen, then the sub-commands."""

from __future__ import annotations

import re

import pytest
import typer
from typer.core import TyperGroup

from runner.cli import app
from runner.launch import main

SCREEN_LINES = 40  # a first screen: the main form must fit in it
SCREEN_COLUMNS = 80


def help_text(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        main(args)
    code = exited.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().out


def commands() -> dict[str, typer.core.TyperCommand]:
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    return dict(group.commands)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", str(SCREEN_COLUMNS))


@pytest.mark.parametrize(("args", "expected_code"), [(["--help"], 0), (["-h"], 0), ([], 2)])
def test_the_main_help_shows_the_main_form_first(
    args: list[str], expected_code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = help_text(args, capsys)
    assert code == expected_code
    lines = out.splitlines()
    assert lines[0] == "Usage: httprun TARGET... [OPTIONS]"
    assert len(lines) <= SCREEN_LINES, out
    assert max(len(line) for line in lines) <= SCREEN_COLUMNS, out


def test_the_main_help_lists_every_run_option_and_every_sub_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = help_text(["--help"], capsys)
    for param in commands()["run"].params:
        for flag in param.opts if param.param_type_name == "option" else ():
            assert re.search(rf"(^|[ ,]){re.escape(flag)}\b", out, re.M), flag
    for name in commands():
        if name != "run":
            assert f"httprun {name}" in out
    assert "httprun --version" in out


def test_the_main_help_uses_readable_metavariables(capsys: pytest.CaptureFixture[str]) -> None:
    _, out = help_text(["--help"], capsys)
    for shown in ("--env FILE", "--var NAME=VALUE", "--name NAME", "--timeout SECONDS"):
        assert shown in out
    for shown in ("--jobs N", "--max-retries N", "--junit PATH", "--json PATH", "--html PATH"):
        assert shown in out
    assert not re.search(r"<(str|int|float|path)|\{", out)  # typer's <str>, <path>, {TARGET}


@pytest.mark.parametrize("name", ["run", "check", "list", "sandbox"])
def test_every_option_that_takes_a_value_names_it_in_capitals(name: str) -> None:
    for param in commands()[name].params:
        if param.param_type_name == "option" and not getattr(param, "is_flag", False):
            assert param.metavar is not None and param.metavar == param.metavar.upper(), param.opts


@pytest.mark.parametrize("name", ["run", "check", "list"])
def test_target_commands_show_targets_without_braces(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out = help_text([name, "--help"], capsys)
    assert out.splitlines()[0] == f"Usage: httprun {name} TARGET... [OPTIONS]"


def test_run_help_is_the_main_help(capsys: pytest.CaptureFixture[str]) -> None:
    _, main_help = help_text(["--help"], capsys)
    _, run_help = help_text(["run", "--help"], capsys)
    assert run_help.replace("httprun run ", "httprun ", 1) == main_help
