"""Every command the README shows is run here, as written, against the bundled sandbox.

Commands are taken from the README's code blocks: every line of a block without a language (or
``sh``, ``bash``, ``shell``, ``console``), the ``run:`` and ``script:`` lines of ``yaml`` blocks
and the ``"command"`` values of ``json`` blocks that start with a command (``httprun``,
``make``, ``pytest``, ``pip`` ...). ``COVERED`` says, for each one, how it is run; a command the
README gains without an entry there fails ``test_every_readme_command_is_covered``.

Each command runs through ``bash -c`` in a copy of the project's ``requests/`` and ``envs/``
(without ``*.local.env`` files, which may hold a developer's real secrets), with the current
venv's ``bin`` first on ``PATH`` (no venv is created), a token store of its own, and proxies
that point at a closed local port: a command that tried to reach the internet would fail with
"connection refused" instead of reaching it.

Where a command needs a real mall or a CI secret, ``COVERED`` decides explicitly:

- ``--env envs/dev.env`` (a real mall, no secret in git) is run as written and must fail the way
  a first run without ``envs/dev.local.env`` fails: exit 4, naming the missing client_secret;
- the CI examples (``envs/ci.env``, a refresh token from a CI secret) run against the sandbox by
  the substitutions listed with them: ``envs/ci.env`` → ``envs/sandbox.env`` and the secret → a
  token the sandbox refuses (httprun then logs in on the sandbox's consent page, so the seeded
  store path is exercised too); ``envs/ci.env`` itself is tested below, as written;
- the editor tasks' ``${file}`` and ``${lineNumber}`` become a shipped file and a line in it;
- ``make demo`` is checked by its recipe (``make -n demo``: a runtime-only venv, then the command
  the README says it runs, which is run here) instead of building another venv;
- ``make test`` and ``pip install httprun`` are asserted by reference: the first is what is
  running these tests (its recipe is checked), the second needs the package index, so the test
  checks that the ``httprun`` this checkout installed is the one on ``PATH``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest

import runner

REPO = Path(runner.__file__).resolve().parent.parent
README = REPO / "README.md"
VENV_BIN = Path(sys.executable).parent  # httprun, pytest: this venv's, no new venv
CLOSED_PORT_PROXY = "http://127.0.0.1:9"  # nothing listens on the discard port
COMMAND_TIMEOUT = 60.0

SHELL_LANGUAGES = {"", "sh", "bash", "shell", "console"}
LANGUAGES_WITHOUT_COMMANDS = {"text", "ini", "http", "python", "lua", "toml", "elisp"}
COMMAND_WORDS = {"httprun", "make", "pytest", "pip", "pip3", "python", "python3", "pipx", "uv"}
FENCE = re.compile(r"^\s*```(\S*)\s*$")


# -- the README's commands -----------------------------------------------------------------------


def _code_blocks(text: str) -> Iterator[tuple[str, list[str]]]:
    language: str | None = None
    lines: list[str] = []
    for line in text.splitlines():
        fence = FENCE.match(line)
        if fence is None:
            if language is not None:
                lines.append(line)
        elif language is None:
            language, lines = fence.group(1).lower(), []
        else:
            yield language, lines
            language = None
    assert language is None, "README.md has a code block that is never closed"


def _without_comment(line: str) -> str:
    return re.split(r"\s+#\s", line.strip(), maxsplit=1)[0].strip()


def _starts_with_command(line: str) -> bool:
    return line.split(maxsplit=1)[0] in COMMAND_WORDS if line.strip() else False


def readme_commands(text: str) -> list[str]:
    """The shell commands of the README's code blocks, in order, each once."""
    commands: list[str] = []
    for language, lines in _code_blocks(text):
        if language in SHELL_LANGUAGES:
            found = [_without_comment(line.removeprefix("$ ")) for line in lines]
        elif language == "yaml":
            candidates = [re.sub(r"^\s*(-\s+)?(run:\s+)?", "", line) for line in lines]
            found = [_without_comment(c) for c in candidates if _starts_with_command(c)]
        elif language == "json":
            values = re.findall(r'"command":\s*("(?:[^"\\]|\\.)*")', "\n".join(lines))
            found = [c for c in map(json.loads, values) if _starts_with_command(c)]
        else:
            assert language in LANGUAGES_WITHOUT_COMMANDS, (
                f"README.md has a ```{language} block: teach tests/test_readme.py whether it "
                "holds commands"
            )
            found = []
        commands += [command for command in found if command and command not in commands]
    return commands


# -- how each one is covered ---------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Run the README's line through bash, after ``substitutions`` (listed, in order)."""

    exit_code: int
    shows: tuple[str, ...]  # text the output (stdout and stderr) must contain
    substitutions: tuple[tuple[str, str], ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    writes: tuple[str, ...] = ()  # files the command must create


@dataclass(frozen=True)
class Recipe:
    """A ``make`` target, checked by its recipe (``make -n``) instead of being run again."""

    target: str
    lines: tuple[str, ...]  # recipe lines that must be there
    last_line: str | None = None
    then_run: tuple[str, Run] | None = None  # the command the recipe runs, run from this venv


@dataclass(frozen=True)
class Installed:
    """``pip install httprun``: the index is not reachable from tests; this checkout's install
    must be the ``httprun`` on PATH."""


def _line_of(path: str, text: str) -> str:
    lines = (REPO / path).read_text().splitlines()
    return str(next(n for n, line in enumerate(lines, 1) if text in line) + 1)


GITHUB_SECRET = "${{ secrets.CAFE24_REFRESH_TOKEN }}"
CI_ENV_TO_SANDBOX = ("envs/ci.env", "envs/sandbox.env")
DEV_ENV_WITHOUT_SECRET = Run(
    exit_code=4, shows=("the cafe24 auth profile needs the variable client_secret",)
)
DEMO = "httprun requests/products.http --env envs/sandbox.env"
DEMO_RUN = Run(exit_code=0, shows=("8 passed, 0 failed", "bundled cafe24 sandbox"))
CI_FILES = "requests/products.http requests/orders.http"
POSTMAN = REPO / "tests" / "data" / "postman"  # cafe24's guide set-up, as the import test uses it

COVERED: dict[str, Run | Recipe | Installed] = {
    "httprun requests/products.http --env envs/dev.env": DEV_ENV_WITHOUT_SECRET,
    "make demo": Recipe(
        "demo",
        lines=(),
        last_line=f".venv-demo/bin/{DEMO}",
        then_run=(DEMO, DEMO_RUN),
    ),
    "make test": Recipe(
        "test",
        lines=(
            ".venv/bin/ruff format --check runner tests bench",
            ".venv/bin/ruff check runner tests bench",
            ".venv/bin/mypy --strict runner",
        ),
        last_line=".venv/bin/pytest -q -n 2",
    ),
    "httprun auth login --env envs/dev.env": DEV_ENV_WITHOUT_SECRET,
    # The checkout's pyproject.toml names envs/sandbox.env ([tool.httprun]); --env replaces it.
    "httprun requests/": Run(exit_code=0, shows=("31 passed, 0 failed",)),
    # catalogue.http's product: created once, shown once under its own file, for both files.
    "httprun requests/price-change.http requests/product-search.http": Run(
        exit_code=0,
        shows=(
            "requests/catalogue.http\n  PASS  POST https://demo.cafe24api.com/api/v2/admin/products",
            "6 passed, 0 failed",
        ),
    ),
    "httprun requests/new-products.http": Run(
        exit_code=0, shows=("requests/new-products.http [row 3]\n", "9 passed, 0 failed")
    ),
    "pytest requests/products.http": Run(exit_code=0, shows=("8 passed",)),
    "httprun ${file}:${lineNumber} --env envs/dev.env": Run(
        exit_code=0,
        shows=("2 passed, 0 failed",),  # the request under the cursor and the one it reads
        substitutions=(
            ("${file}", "requests/products.http"),
            ("${lineNumber}", _line_of("requests/products.http", "### Read one product")),
            ("envs/dev.env", "envs/sandbox.env"),
        ),
    ),
    "httprun check ${file} --env envs/dev.env": Run(
        exit_code=0, shows=(), substitutions=(("${file}", "requests/products.http"),)
    ),
    "pip install httprun": Installed(),
    "httprun import curl \"curl https://api.example.com/v1/notes -H 'Authorization: Bearer "
    "abc123def' -d title=tea\"": Run(
        exit_code=0,
        shows=(
            "POST https://api.example.com/v1/notes\nAuthorization: Bearer <<token>>\n",
            "1 request imported, 1 need attention",
        ),
    ),
    "httprun requests/products.http --name products --env envs/sandbox.env --curl": Run(
        exit_code=0,
        shows=(
            "curl -L 'https://demo.cafe24api.com/api/v2/admin/products?limit=5",
            "-H 'Authorization: Bearer <<auth.access_token>>'",
        ),
    ),
    "httprun fmt --check requests/": Run(exit_code=0, shows=("files already formatted",)),
    f"httprun {CI_FILES} --env envs/ci.env --var refresh_token={GITHUB_SECRET}"
    " --junit reports/httprun.xml -j 4": Run(
        exit_code=0,
        shows=("13 passed, 0 failed",),
        substitutions=((GITHUB_SECRET, "not-a-live-refresh-token"), CI_ENV_TO_SANDBOX),
        writes=("reports/httprun.xml",),
    ),
    f"httprun {CI_FILES} --env envs/ci.env --var refresh_token=$CAFE24_REFRESH_TOKEN"
    " --junit reports/httprun.xml --html reports/httprun.html": Run(
        exit_code=0,
        shows=("13 passed, 0 failed",),
        substitutions=(CI_ENV_TO_SANDBOX,),
        environment={"CAFE24_REFRESH_TOKEN": "not-a-live-refresh-token"},
        writes=("reports/httprun.xml", "reports/httprun.html"),
    ),
    "httprun import postman cafe24.postman_collection.json --env cafe24.postman_environment.json"
    " --out imported": Run(
        exit_code=0,
        shows=("4 requests imported, 8 need attention", "access_token left out"),
        substitutions=(
            (
                "cafe24.postman_collection.json",
                str(POSTMAN / "cafe24-guide.postman_collection.json"),
            ),
            (
                "cafe24.postman_environment.json",
                str(POSTMAN / "cafe24-guide.postman_environment.json"),
            ),
        ),
        writes=("imported/requests/Products.http", "imported/envs/cafe24-sandbox.local.env"),
    ),
    # In the README's copy of requests/: httprun files come out unchanged, in place.
    "httprun import http . --out .": Run(
        exit_code=0, shows=("25 requests imported, 0 need attention",)
    ),
    "pytest requests/products.http --http-env envs/sandbox.env": Run(
        exit_code=0, shows=("8 passed",)
    ),
    "pytest -n 2 --dist loadfile requests/products.http requests/orders.http"
    " --http-env envs/sandbox.env": Run(exit_code=0, shows=("13 passed",)),
}


# -- running them --------------------------------------------------------------------------------


def project_copy(folder: Path) -> Path:
    """The README's working directory: requests/, envs/ (no *.local.env secrets) and
    pyproject.toml (its [tool.httprun] settings)."""
    shutil.copy(REPO / "pyproject.toml", folder / "pyproject.toml")
    shutil.copytree(REPO / "requests", folder / "requests")
    shutil.copytree(REPO / "envs", folder / "envs", ignore=shutil.ignore_patterns("*.local.env"))
    return folder


def command_environment(folder: Path, extra: dict[str, str]) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        # the outer pytest's settings (xdist worker, addopts) must not reach an inner pytest
        if not name.startswith(("PYTEST_", "HTTPRUN_", "CAFE24_"))
    }
    guard = {name: CLOSED_PORT_PROXY for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")}
    guard |= {name.lower(): value for name, value in guard.items()}
    environment |= guard | {
        "PATH": f"{VENV_BIN}{os.pathsep}{environment.get('PATH', '')}",
        "NO_PROXY": "127.0.0.1,localhost",  # the sandbox, which listens on a loopback port
        "no_proxy": "127.0.0.1,localhost",
        "NO_COLOR": "1",
        "HTTPRUN_TOKEN_STORE": str(folder / "token-store" / "tokens.json"),
        # A README reader installs httprun without the test extras: no hypothesis plugin,
        # whose import alone takes seconds of every inner pytest's start.
        "PYTEST_ADDOPTS": "-p no:hypothesispytest -p no:cacheprovider",
        **extra,
    }
    return environment


def run_as_written(command: str, plan: Run, folder: Path) -> None:
    for written, used in plan.substitutions:
        assert written in command, f"the substitution {written!r} no longer applies"
        command = command.replace(written, used)
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=project_copy(folder),
        env=command_environment(folder, plan.environment),
        stdin=subprocess.DEVNULL,  # no terminal: nobody can log in by hand
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    output = done.stdout + done.stderr
    assert done.returncode == plan.exit_code, f"$ {command}\n{output}"
    for text in plan.shows:
        assert text in output, f"$ {command}\n{output}"
    for path in plan.writes:
        assert (folder / path).is_file(), f"$ {command} did not write {path}"
    assert "Traceback" not in output


def check_recipe(recipe: Recipe, folder: Path) -> None:
    # Under `make test`, the outer make's settings would make this one print "Entering directory".
    outer_make = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    environment = {k: v for k, v in os.environ.items() if k not in outer_make}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", recipe.target],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    for line in recipe.lines:
        assert line in lines, done.stdout
    if recipe.last_line is not None:
        assert lines[-1] == recipe.last_line, done.stdout
    if recipe.then_run is not None:
        command, plan = recipe.then_run
        run_as_written(command, plan, folder)


def check_installed() -> None:
    installed = shutil.which("httprun", path=str(VENV_BIN))
    assert installed is not None
    assert metadata.version("httprun") == runner.__version__
    entry = next(e for e in metadata.entry_points(group="console_scripts") if e.name == "httprun")
    assert entry.value == "runner.launch:main"


# -- the tests -----------------------------------------------------------------------------------


def test_every_readme_command_is_covered() -> None:
    commands = readme_commands(README.read_text("utf-8"))
    uncovered = [command for command in commands if command not in COVERED]
    assert uncovered == [], "add these README commands to COVERED in tests/test_readme.py"
    stale = [command for command in COVERED if command not in commands]
    assert stale == [], "these COVERED commands are no longer in README.md"


@pytest.mark.parametrize("command", list(COVERED), ids=lambda command: command[:60])
def test_readme_command(command: str, tmp_path: Path) -> None:
    plan = COVERED[command]
    if isinstance(plan, Run):
        run_as_written(command, plan, tmp_path)
    elif isinstance(plan, Recipe):
        check_recipe(plan, tmp_path)
    else:
        check_installed()


def test_make_demo_installs_the_runtime_only() -> None:
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile[makefile.index("$(DEMO_STAMP): pyproject.toml") :].split("\n\n")[0]
    assert "pip install -qq -e ." in recipe and "[test]" not in recipe


def test_ci_env_as_written_needs_only_the_ci_secrets(tmp_path: Path) -> None:
    """envs/ci.env with the CI's two secrets is a complete profile: the run gets as far as the
    network (here a closed proxy port), not to a missing variable; it holds no secret itself."""
    settings = [
        line for line in (REPO / "envs" / "ci.env").read_text().splitlines() if line[:1] not in "#"
    ]
    assert "client_secret=${CAFE24_CLIENT_SECRET}" in settings
    assert not [line for line in settings if line.startswith(("refresh_token", "access_token"))]
    plan = Run(
        exit_code=4,
        shows=("could not reach cafe24 (yourmall)'s endpoint", "(same for 8 requests)"),
        environment={"CAFE24_CLIENT_SECRET": "from-the-ci-job"},
    )
    run_as_written(
        "httprun requests/products.http --env envs/ci.env --var refresh_token=from-a-ci-secret",
        plan,
        tmp_path,
    )


def test_the_extraction_reads_every_kind_of_block() -> None:
    text = (
        "```\nmake demo    # a comment\n$ httprun a.http\n```\n"
        "```yaml\n- run: httprun b.http --env x.env\nscript:\n  - pip install httprun\n```\n"
        '```json\n{"command": "httprun ${file}", "label": "x"}\n```\n'
        "```text\nhttprun TARGET... [--env FILE]\n```\n"
    )
    assert readme_commands(text) == [
        "make demo",
        "httprun a.http",
        "httprun b.http --env x.env",
        "pip install httprun",
        "httprun ${file}",
    ]
