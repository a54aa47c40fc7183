"""The console-script entry point, kept free of heavy imports.

``httprun --version`` is answered here before typer, httpx or lark load, so it starts in about
the time Python itself takes. Everything else goes to the typer app in ``cli``.
"""

from __future__ import annotations

import gc
import sys

from . import __version__

SUBCOMMANDS = ("run", "check", "list", "fmt", "auth", "import", "sandbox", "lsp")
EXIT_INTERRUPTED = 130  # as runner.errors says; not imported, so Ctrl-C during start-up is ours
EXIT_INTERNAL = 70  # a bug in httprun (BSD's EX_SOFTWARE); --traceback shows it

# A run pauses Python's cyclic garbage collector while it starts: importing typer, httpx and
# lark and building the run allocate a great many objects that live as long as the process and
# hold no garbage, yet the collector would walk them all again every few thousand allocations
# (about a tenth of a run's start-up). end_of_startup() resumes it with those objects frozen
# (gc.freeze), so the run's own collections skip them too.
_collector_paused = False


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        # Answered before typer, httpx or lark load: `httprun --version` must start fast.
        sys.stdout.write(f"httprun {__version__}\n")
        raise SystemExit(0)
    if args and args[0] not in SUBCOMMANDS and args[0] not in ("-h", "--help"):
        args.insert(0, "run")
    show_traceback = "--traceback" in args
    _write_any_text(sys.stdout, sys.stderr)
    try:
        # Imported inside the try: Ctrl-C while modules load is an interrupt too.
        if args[0:1] == ["run"]:  # the common case builds the run command alone (faster)
            if argv is None:  # the process's own command line: the collector is ours
                _pause_collector()  # (not for the others: the sandbox serves for hours)
            from .cli import run_app

            run_app()(args[1:], prog_name="httprun run", standalone_mode=True)
        else:
            from .cli import app, main_help

            if args in ([], ["-h"], ["--help"]):
                main_help()  # the main form, its options, then the sub-commands
                raise SystemExit(0 if args else 2)  # bare `httprun` is a usage error, as in click
            app(args, prog_name="httprun", standalone_mode=True)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(EXIT_INTERRUPTED) from None
    except SystemExit:
        raise
    except Exception as exc:  # the one funnel for bugs: no traceback unless asked for
        if show_traceback:
            raise
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "  = this is a bug in httprun; run again with --traceback and report it\n"
        )
        raise SystemExit(EXIT_INTERNAL) from None


def _pause_collector() -> None:
    global _collector_paused
    if gc.isenabled():
        gc.disable()
        _collector_paused = True


def end_of_startup() -> None:
    """Resume the collector a run paused at start (see ``_collector_paused``); called when the
    run opens its client and after each run. Does nothing the second time, nor in-process
    (``main(args)``, ``run_files``, the pytest plugin), where nothing paused it."""
    global _collector_paused
    if _collector_paused:
        _collector_paused = False
        gc.freeze()
        gc.enable()


def _write_any_text(*streams: object) -> None:
    """Let the terminal streams write text that UTF-8 cannot encode (a lone surrogate from a
    file name with undecodable bytes) as ``\\udcff`` instead of stopping the run."""
    for stream in streams:
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
