"""One table of ``[tool.httprun]`` cases that the command line, the pytest plugin and the
language server must all read alike (tests/test_settings_consumers.py, test_lsp_settings.py).

Each case is a project: a pyproject.toml (or none), two env files (``a.env`` defines ``a``,
``b.env`` defines ``b``) and three request files (each with a request that reads ``a`` and
one that reads ``b``), and what its settings mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REQUEST = "GET http://127.0.0.1:9/<<a>>\n\n###\nGET http://127.0.0.1:9/<<b>>\n"
REQUEST_FILES = ("api/one.http", "api/deep/two.http", "other/three.http")


@dataclass(frozen=True)
class SettingsCase:
    id: str
    pyproject: str | None  # None: the project has no pyproject.toml (an envs/ folder marks it)
    env: tuple[str, ...] = ()  # the env files in force, relative to the project
    timeout: float = 30.0
    max_retries: int = 3
    jobs: int = 1  # the command line only (pytest runs files in parallel with xdist)
    files: tuple[str, ...] | None = None  # what a directory stands for; None: every *.http

    @property
    def defined(self) -> set[str]:
        """The variables the env files in force define (a.env: a, b.env: b)."""
        return {Path(path).stem for path in self.env}


CASES = [
    SettingsCase("no pyproject", None),
    SettingsCase("no table", '[project]\nname = "x"\n'),
    SettingsCase("an empty table", "[tool.httprun]\n"),
    SettingsCase(
        "every key",
        "[tool.httprun]\n"
        'env = ["envs/a.env", "envs/b.env"]\n'
        'timeout = "250ms"\n'
        "jobs = 3\n"
        "max_retries = 0\n"
        'files = ["api/**/*.http"]\n',
        env=("envs/a.env", "envs/b.env"),
        timeout=0.25,
        max_retries=0,
        jobs=3,
        files=("api/one.http", "api/deep/two.http"),
    ),
    SettingsCase(
        "numbers and a name pattern",
        "[tool.httprun]\n"
        'env = ["envs/b.env"]\n'
        "timeout = 2.5\n"
        "max_retries = 7\n"
        'files = ["three.http"]\n',
        env=("envs/b.env",),
        timeout=2.5,
        max_retries=7,
        files=("other/three.http",),
    ),
    SettingsCase(
        "an inline table",
        '[tool]\nhttprun = { env = ["envs/a.env"], jobs = 2 }\n',
        env=("envs/a.env",),
        jobs=2,
    ),
    SettingsCase(
        "dotted keys",
        'tool.httprun.timeout = 12\ntool.httprun.files = ["other/*.http"]\n',
        timeout=12.0,
        files=("other/three.http",),
    ),
]


def write_project(folder: Path, case: SettingsCase) -> Path:
    """The case's project in ``folder`` (which it returns)."""
    (folder / "envs").mkdir(parents=True, exist_ok=True)
    (folder / "envs" / "a.env").write_text("a=from-a\n")
    (folder / "envs" / "b.env").write_text("b=from-b\n")
    for name in REQUEST_FILES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(REQUEST)
    if case.pyproject is not None:
        (folder / "pyproject.toml").write_text(case.pyproject)
    return folder
