"""A request's title (its label) is shown masked like every other text: in the result line of
the terminal, in skip reasons, and as the pytest item's name and node id, which pytest prints
before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)

pytest_plugins = ["pytester"]

KEY = "DryKey12345"
FILE = f"""\
### first api_key={KEY}
GET http://127.0.0.1:9/x?api_key={KEY}

### uses {KEY}
GET http://127.0.0.1:9/y
"""


def test_a_title_holding_a_learnt_secret_is_masked_on_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "d.http"
    path.write_text(FILE)
    result = run_cli([str(path), "--dry-run"], capsys)
    assert result.code == 0, result.output
    assert KEY not in result.output
    assert "uses ****" in result.output


def test_pytest_item_names_hide_the_secrets_a_file_holds(pytester: pytest.Pytester) -> None:
    pytester.makefile(".http", d=FILE)
    result = pytester.runpytest("d.http", "--collect-only", "-q")
    shown = result.stdout.str() + result.stderr.str()
    assert KEY not in shown
    assert "d.http::first api_key=****" in shown
    assert "d.http::uses ****" in shown
