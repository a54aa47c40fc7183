"""Golden CLI cases: a request file, the exact output and the exit code.

Each folder under ``tests/golden`` holds ``args`` (the command line after ``httprun``, one
line), its ``.http``/``.env`` files, ``expected.out``, ``expected.err`` and ``expected.code``.
The fixture server's URL is passed as ``--var base=...`` and written back as ``BASE``; response
times become ``N ms``. ``UPDATE_GOLDEN=1 pytest tests/test_golden.py`` rewrites the expectations
(review the diff before committing).
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest

from runner.launch import main

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "args").exists())


def _normalise(text: str, base: str) -> str:
    text = text.replace(base, "BASE")
    text = re.sub(r"\b\d+ ms\b", "N ms", text)
    return text


@pytest.mark.parametrize("case", CASES)
def test_golden(
    case: str,
    local_server: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = GOLDEN / case
    monkeypatch.chdir(folder)
    monkeypatch.setenv("NO_COLOR", "1")
    args = shlex.split((folder / "args").read_text())
    if args[0] != "list":  # the one command without --var
        args += ["--var", f"base={local_server}"]
    with pytest.raises(SystemExit) as exited:
        main(args)
    captured = capsys.readouterr()
    out = _normalise(captured.out, local_server)
    err = _normalise(captured.err, local_server)
    code = exited.value.code
    if os.environ.get("UPDATE_GOLDEN"):
        (folder / "expected.out").write_text(out)
        (folder / "expected.err").write_text(err)
        (folder / "expected.code").write_text(f"{code}\n")
    assert out == (folder / "expected.out").read_text()
    assert err == (folder / "expected.err").read_text()
    assert code == int((folder / "expected.code").read_text())
