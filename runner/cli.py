"""The ``httprun`` command (typer). Options are converted once into a ``RunOptions``.

``httprun FILE...`` runs files without a sub-command: a first word that is not a sub-command
name gets ``run`` put before it. Every failure goes through one funnel (``_fail``) that renders
the error and picks the exit code; Python tracebacks appear only with ``--traceback``.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

from .cli_options import (
    AllowOutsideOpt,
    DataOpt,
    EnvOpt,
    TracebackOpt,
    VarOpt,
    check_data_file,
    check_env_files,
    parse_vars,
)
from .errors import EXIT_INTERRUPTED, HttprunError, InternalError, UsageError, render_error
from .launch import end_of_startup

if TYPE_CHECKING:
    from .options import RunOptions
    from .project import ProjectSettings
    from .reporters.report_document import PreparedReport
    from .results import RunResult
    from .targets import Target

MAX_TIMEOUT = 86_400.0  # a day: longer is surely a typo, and overflows some clocks

app = typer.Typer(
    name="httprun",
    help="Run plain-text .http request files: <<variables>>, JMESPath checks, cafe24 OAuth2.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain click help: one line per option, so the main form fits a first screen; rich's
    # boxed panels wrap every option over three or four lines at 80 columns.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

TargetsArg = Annotated[
    list[str],
    typer.Argument(
        help="Request files, folders of *.http files, or FILE:LINE.",
        metavar="TARGET...",
        show_default=False,
    ),
]


class TargetsCommand(TyperCommand):
    """A command of the form ``httprun [run|check|list] TARGET... [OPTIONS]``; ``run``'s help is
    ``httprun --help`` too."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return ["TARGET...", "[OPTIONS]"]  # typer would write {TARGET...} (its "required")


# "\b" keeps click from re-flowing the lines below into one paragraph.
OTHER_COMMANDS = """\b
Other commands (each has --help; and httprun --version):
  httprun check TARGET...        check files statically; nothing is sent
  httprun list TARGET...         list each request: FILE:LINE, name, URL
  httprun fmt TARGET...          rewrite files in the canonical style
  httprun auth login|refresh|status|logout --env FILE   a real mall's tokens
  httprun import postman|http|curl ...   bring requests from other tools
  httprun sandbox [--port PORT]  serve the bundled cafe24 sandbox
  httprun lsp                    the language server, for editors
"""


def main_help() -> None:
    """``httprun``, ``httprun -h`` and ``httprun --help``: the run command's help, its usage
    line without ``run`` (the main form is ``httprun TARGET...``), the sub-commands at its end."""
    from typer.core import TyperGroup

    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    group.commands["run"].main(["--help"], prog_name="httprun", standalone_mode=False)


def _fail(error: HttprunError) -> NoReturn:
    typer.echo(render_error(error, color=_stderr_colour()), err=True)
    raise typer.Exit(error.exit_code)


def _stderr_colour() -> bool:
    from .reporters.console import wants_colour

    return wants_colour(sys.stderr)


@app.command(
    "run",
    cls=TargetsCommand,
    epilog=OTHER_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},  # also when main_help calls it
)
def run_command(
    targets: TargetsArg,
    env: EnvOpt = None,
    var: VarOpt = None,
    data: DataOpt = None,
    name: Annotated[
        list[str] | None,
        typer.Option(
            "--name",
            "-n",
            metavar="NAME",
            help="Run only the request with this @name (repeatable).",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show requests and responses (secrets masked).")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Show only failures and the closing line.")
    ] = False,
    fail_fast: Annotated[
        bool, typer.Option("--fail-fast", "-x", help="Stop at the first failed request.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the resolved requests; send nothing.")
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Seconds a whole exchange may take (default 30).",
            min=0.001,
            max=MAX_TIMEOUT,
            show_default=False,
        ),
    ] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", "-k", help="Do not verify TLS certificates.")
    ] = False,
    allow_outside_files: Annotated[
        bool,
        typer.Option(
            "--allow-outside-files", help="Let '< path' bodies read files outside the project."
        ),
    ] = False,
    max_retries: Annotated[
        int | None,
        typer.Option(
            "--max-retries",
            metavar="N",
            help="Resends after a 429 (default 3).",
            min=0,
            show_default=False,
        ),
    ] = None,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the login URL instead of opening a browser.")
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            help="Files run at once (default 1).",
            min=1,
            show_default=False,
        ),
    ] = None,
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit", metavar="PATH", help="Write a JUnit XML report.", show_default=False
        ),
    ] = None,
    json_report: Annotated[
        Path | None,
        typer.Option(
            "--json", metavar="PATH", help="Write the whole run as JSON.", show_default=False
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", metavar="PATH", help="Write a self-contained HTML report.", show_default=False
        ),
    ] = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Run again whenever a request or env file changes.")
    ] = False,
    curl: Annotated[
        bool,
        typer.Option("--curl", help="Print the requests as curl commands; send nothing."),
    ] = False,
    unmask: Annotated[
        bool, typer.Option("--unmask", help="With --curl: show secrets in the commands.")
    ] = False,
    traceback: TracebackOpt = False,
) -> None:
    """Run request files and check their responses."""
    from .options import DEFAULT_JOBS, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, RunOptions
    from .project import first_given

    if verbose and quiet:
        _fail(UsageError("--verbose and --quiet cannot be used together"))
    _check_curl_options(curl, unmask=unmask, watch=watch, reports=(junit, json_report, html))
    if timeout is not None and math.isnan(timeout):
        _fail(UsageError("--timeout takes a number of seconds, not nan", hint="e.g. --timeout 10"))
    try:
        check_env_files(env)
        check_data_file(data)
        settings = _project_settings(targets)
        options = RunOptions(
            env_files=_env_files(env, settings),
            variables=parse_vars(var),
            names=tuple(name or ()),
            fail_fast=fail_fast,
            dry_run=dry_run or curl,
            timeout=first_given(timeout, settings.timeout, default=DEFAULT_TIMEOUT),
            insecure=insecure,
            allow_outside_files=allow_outside_files,
            max_retries=first_given(max_retries, settings.max_retries, default=DEFAULT_MAX_RETRIES),
            open_browser=not no_browser,
            jobs=first_given(jobs, settings.jobs, default=DEFAULT_JOBS),
            data=data,
        )
        if curl:
            code = _print_curl(targets, options, settings, unmask=unmask)
            raise typer.Exit(code)
        reports = Reports(junit=junit, json=json_report, html=html)
        from .watch import watched_paths  # the request and env files a run reads

        reports.check(watched_paths(targets, options.env_files, settings, data=options.data))
        verbosity = 1 if verbose else -1 if quiet else 0
        if watch:
            _watch(targets, options, settings, reports, verbosity)
        code = _run_once(targets, options, settings, reports, verbosity, show_traceback=traceback)
    except HttprunError as error:
        _fail(error)
    raise typer.Exit(code)


def _check_curl_options(
    curl: bool, *, unmask: bool, watch: bool, reports: tuple[Path | None, ...]
) -> None:
    if unmask and not curl:
        _fail(UsageError("--unmask works with --curl only", hint="add --curl"))
    if curl and (watch or any(path is not None for path in reports)):
        _fail(
            UsageError(
                "--curl prints commands and runs nothing: it takes no --watch, --junit, --json "
                "or --html",
                hint="leave those options out, or --curl",
            )
        )


def _print_curl(
    targets: list[str], options: RunOptions, settings: ProjectSettings, *, unmask: bool
) -> int:
    """``--curl``: each selected request as a curl command on stdout; errors and notes on
    stderr. The exit code is the run's: 0, or that of the requests that could not be built."""
    from .curl_out import UNMASK_WARNING, CurlPrinter
    from .masking import Masker
    from .run import run_files
    from .targets import expand_targets

    expanded = expand_targets(targets, settings)
    if unmask:
        typer.echo(UNMASK_WARNING, err=True)
    masker = Masker()
    printer = CurlPrinter(sys.stdout, sys.stderr, masker, unmask=unmask)
    result = run_files(expanded, options, listener=printer, masker=masker)
    if result.interrupted:
        raise KeyboardInterrupt
    return result.exit_code


def _project_settings(targets: list[str]) -> ProjectSettings:
    """The run's project settings (its first target's ``[tool.httprun]``); the projects of
    other targets whose settings go unread get a warning."""
    from .project import settings_of_run

    settings, warnings = settings_of_run(targets)
    for warning in warnings:
        typer.echo(warning.one_line(), err=True)
    return settings


def _env_files(given: list[str] | None, settings: ProjectSettings) -> tuple[str, ...]:
    """The env files of a run: ``--env`` replaces the project settings' ``env``."""
    if given:
        return tuple(given)
    from .project import shown_relative

    return tuple(shown_relative(path) for path in settings.env_files())


@dataclass(frozen=True, slots=True)
class Reports:
    """The report files a run writes (``--junit``, ``--json``, ``--html``)."""

    junit: Path | None = None
    json: Path | None = None
    html: Path | None = None

    def check(self, inputs: list[Path]) -> None:
        """Refuse, before anything is sent, report paths that cannot be written or that would
        overwrite another report, a request file or an env file (a bad command line)."""
        import os

        seen: dict[Path, str] = {}
        for given in inputs:
            with contextlib.suppress(OSError, RuntimeError, ValueError):  # a symlink loop:
                seen[given.resolve()] = "an input file"  # no report can be written there
        for option, path in (("--junit", self.junit), ("--json", self.json), ("--html", self.html)):
            if path is None:
                continue
            target = path.resolve()
            if target in seen:
                raise UsageError(
                    f"{option} {path} would overwrite {seen[target]}",
                    hint="give each report a path of its own",
                )
            seen[target] = f"the {option} report"
            try:
                is_folder = target.is_dir()
                folder = target.parent
                while not folder.exists():
                    folder = folder.parent
            except OSError as error:  # a name too long, a loop of symbolic links
                raise UsageError(
                    f"cannot write {option} {path}: {error.strerror}",
                    hint="choose a shorter path, in a folder you can write to",
                ) from None
            if is_folder:
                raise UsageError(f"{option} {path} is a folder", hint="give a file name")
            if not folder.is_dir() or not os.access(folder, os.W_OK):
                problem = "is not a folder" if not folder.is_dir() else "is not writable"
                raise UsageError(
                    f"cannot write {option} {path}: {folder} {problem}",
                    hint="choose a path in a folder you can write to",
                )

    def write(self, result: RunResult) -> None:
        """Write every report asked for, also for failed and interrupted runs; a report that
        cannot be written does not stop the others (the first such error is raised after).
        A writer's module is imported only when its report is asked for."""
        writers: list[tuple[Callable[[RunResult, Path, PreparedReport], None], Path]] = []
        if self.junit is not None:
            from .reporters.junit import write_junit

            writers.append((write_junit, self.junit))
        if self.json is not None:
            from .reporters.json_report import write_json

            writers.append((write_json, self.json))
        if self.html is not None:
            from .reporters.html import write_html

            writers.append((write_html, self.html))
        if not writers:
            return
        from .reporters.report_document import prepare_report

        prepared = prepare_report(result)  # masked once, whatever the number of reports
        failures: list[HttprunError] = []
        for writer, path in writers:
            try:
                writer(result, path, prepared)
            except HttprunError as error:
                failures.append(error)
            except Exception as error:  # a bug in one writer must not cost the other reports
                failures.append(InternalError(error))
        if failures:
            raise failures[0]


def _run_once(
    targets: list[str],
    options: RunOptions,
    settings: ProjectSettings,
    reports: Reports,
    verbosity: int,
    *,
    show_traceback: bool = False,
) -> int:
    """One run: results streamed to the terminal, reports written, the exit code returned."""
    from .masking import Masker
    from .reporters.console import ConsoleReporter
    from .run import run_files
    from .targets import expand_targets

    expanded = expand_targets(targets, settings)
    masker = Masker()
    show_progress = verbosity <= 0 and sys.stdout.isatty()
    reporter = ConsoleReporter(
        sys.stdout,
        sys.stderr,
        masker,
        verbosity=verbosity,
        progress_total=_requests_sent(expanded, options) if show_progress else None,
    )
    result = run_files(expanded, options, listener=reporter, masker=masker)
    end_of_startup()  # a run that sent nothing (--dry-run, errors) before --watch waits
    try:
        reporter.finish(result)
    finally:
        reports.write(result)  # even when Ctrl-C comes as the closing line is printed
    if show_traceback:  # the bugs the run recorded and went past
        import traceback

        for error in result.errors:
            if isinstance(error, InternalError):
                traceback.print_exception(error.cause, file=sys.stderr)
    if result.interrupted:
        raise KeyboardInterrupt
    return result.exit_code


def _requests_sent(targets: list[Target], options: RunOptions) -> int:
    from .listing import requests_sent
    from .reading import MAX_INCLUDE_DEFAULT

    return requests_sent(targets, options, MAX_INCLUDE_DEFAULT)


def _watch(
    targets: list[str],
    options: RunOptions,
    settings: ProjectSettings,
    reports: Reports,
    verbosity: int,
) -> NoReturn:
    """Run, then run again on every change, until Ctrl-C (which exits cleanly with 0)."""
    import threading

    from .reporters.console import wants_colour
    from .watch import take_snapshot, wait_for_change, watched_paths

    def paths() -> list[Path]:
        return watched_paths(targets, options.env_files, settings, data=options.data)

    stop = threading.Event()
    try:
        while True:
            snapshot = take_snapshot(paths())
            try:
                _run_once(targets, options, settings, reports, verbosity)
            except HttprunError as error:
                typer.echo(render_error(error, color=_stderr_colour()), err=True)
            typer.echo(f"watching {len(snapshot)} files for changes; Ctrl-C stops", err=True)
            if wait_for_change(paths, snapshot, stop) is None:
                break
            if wants_colour(sys.stdout):
                sys.stdout.write("\x1b[2J\x1b[H")  # clear the previous result
    except KeyboardInterrupt:
        pass
    raise typer.Exit(0)


@app.command("check", cls=TargetsCommand)
def check_command(
    targets: TargetsArg,
    env: EnvOpt = None,
    var: VarOpt = None,
    allow_outside_files: AllowOutsideOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """Parse and statically check files (nothing is sent): `file:line:col: severity: message`.
    The files they import, their includes and data files are checked too."""
    from .check_files import CheckRun, CheckSettings
    from .env import load_env_files, unknown_settings
    from .masking import Masker
    from .reading import max_include_size
    from .targets import expand_targets

    try:
        check_env_files(env)
        settings = _project_settings(targets)
        environment = load_env_files(_env_files(env, settings))
        variables = {**environment.values, **parse_vars(var)}
        expanded = expand_targets(targets, settings)
        max_include = max_include_size(environment.settings)
    except HttprunError as error:
        _fail(error)
    # A message may quote a request file's literal, and that literal be an env file's secret.
    masker = Masker()
    for name, value in {**environment.settings, **variables}.items():
        masker.add_variable(name, value)
    for warning in unknown_settings(environment):
        typer.echo(warning.one_line(masker.mask))
    checking = CheckRun(CheckSettings(set(variables), allow_outside_files, max_include))
    worst = 0
    for target in expanded:
        try:
            diagnostics = checking.target(target.path)
        except HttprunError as error:
            diagnostics = error.diagnostics()
        for diagnostic in diagnostics:
            typer.echo(diagnostic.one_line(masker.mask))
            if diagnostic.severity == "error":
                worst = 3
    raise typer.Exit(worst)


@app.command("list", cls=TargetsCommand)
def list_command(
    targets: TargetsArg,
    allow_outside_files: AllowOutsideOpt = False,
    traceback: TracebackOpt = False,
) -> None:
    """List each request: FILE:LINE, name or title, method and URL as written; then the
    imported requests a run of the file sends too, marked (imported by FILE)."""
    from .listing import ListRun
    from .targets import expand_targets

    try:
        expanded = expand_targets(targets, _project_settings(targets))
    except HttprunError as error:
        _fail(error)
    listing = ListRun(allow_outside_files=allow_outside_files)
    code = 0
    for target in expanded:
        lines, problems = listing.target(target.path)
        for problem in problems:  # shown, and the other files are still listed
            typer.echo(render_error(problem, color=_stderr_colour()), err=True)
            code = max(code, problem.exit_code)
        for line in lines:
            typer.echo(line)
    raise typer.Exit(code)


@app.command("sandbox")
def sandbox_command(
    host: Annotated[
        str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", help="Port to listen on.", min=0, max=65535)
    ] = 8024,
    env: EnvOpt = None,
    traceback: TracebackOpt = False,
) -> None:
    """Serve the bundled cafe24 sandbox until Ctrl-C (HTTPRUN_SANDBOX_* settings from --env)."""
    from .env import load_env_files
    from .sandbox import SandboxSettings, banner_lines, serve

    try:
        check_env_files(env)
        settings = SandboxSettings.from_mapping(load_env_files(env or []).settings)

        def ready(bound_host: str, bound_port: int) -> None:
            typer.echo("\n".join(banner_lines(bound_host, bound_port, settings)))

        serve(host, port, settings, on_ready=ready)
    except HttprunError as error:
        _fail(error)
    except KeyboardInterrupt:
        typer.echo("sandbox stopped", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


@app.command("lsp")
def lsp_command(
    stdio: Annotated[
        bool, typer.Option("--stdio", help="Talk LSP over stdin/stdout (the only transport).")
    ] = True,
) -> None:
    """Serve the language server protocol on stdin/stdout, for editors (see README "Editors")."""
    from .lsp.server import serve_stdio

    serve_stdio()


def run_app() -> typer.Typer:
    """An app holding the ``run`` command alone, for ``httprun [run] FILE...``.

    typer reads the signature and type hints of every command of an app each time the app is
    called: building only ``run`` spares a run the other seven. It is the very command
    registered on ``app``, so called with ``prog_name="httprun run"`` its help, usage lines and
    errors read as the full app's ``httprun run`` (a test compares them).
    """
    single = typer.Typer(
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=app.rich_markup_mode,
    )
    single.registered_commands = [info for info in app.registered_commands if info.name == "run"]
    return single


def _mount_sub_apps() -> None:
    from .auth_cli import auth_app
    from .import_cli import import_app

    app.add_typer(auth_app, name="auth")
    app.add_typer(import_app, name="import")


def _mount_fmt() -> None:
    from .fmt_cli import fmt_command

    app.command("fmt", cls=TargetsCommand)(fmt_command)


_mount_sub_apps()
_mount_fmt()
