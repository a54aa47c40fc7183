"""The wheel carries the grammar, and the public API is what __all__ says."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import runner

REPO = Path(__file__).resolve().parent.parent


def test_public_api_is_pinned() -> None:
    assert runner.__all__ == [
        "AuthError",
        "CheckFailed",
        "CheckResult",
        "EnvError",
        "FileResult",
        "HttprunError",
        "Outcome",
        "ParseError",
        "RequestResult",
        "ResolveError",
        "RunOptions",
        "RunResult",
        "TransportError",
        "UndefinedVariable",
        "__version__",
        "parse_file",
        "parse_text",
        "render_error",
        "run_files",
    ]
    for name in runner.__all__:
        assert getattr(runner, name) is not None


def test_the_wheel_ships_the_grammar_and_parses_with_it(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("httprun-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "runner/grammar.lark" in names
        assert archive.read("runner/grammar.lark") == (REPO / "grammar.lark").read_bytes()
        assert "runner/py.typed" in names
        assert not any(name.startswith(("requests/", "tests/")) for name in names)
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        text = archive.read(entry_points).decode()
        assert "httprun = runner.launch:main" in text
        assert "httprun = runner.pytest_plugin" in text
        installed = tmp_path / "site"
        archive.extractall(installed)
    # The unpacked wheel (not the repository) must find its grammar through package resources.
    probe = (
        "import runner, runner.parser as p; "
        "print(runner.__file__); "
        "print(len(p.parse_text('GET http://x/\\n').requests))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    location, count = done.stdout.split()
    assert location.startswith(str(installed))
    assert count == "1"
