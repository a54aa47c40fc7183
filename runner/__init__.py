"""httprun: run plain-text ``.http`` request files.

The public API is this module's ``__all__`` (a test pins it). Names resolve lazily so that
``import runner`` (and ``httprun --version``, and the pytest plugin) stay cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "parse_file": "runner.parser",
    "parse_text": "runner.parser",
    "run_files": "runner.run",
    "RunOptions": "runner.options",
    "RunResult": "runner.results",
    "FileResult": "runner.results",
    "RequestResult": "runner.results",
    "CheckResult": "runner.results",
    "Outcome": "runner.results",
    "HttprunError": "runner.errors",
    "ParseError": "runner.errors",
    "EnvError": "runner.errors",
    "ResolveError": "runner.errors",
    "UndefinedVariable": "runner.errors",
    "AuthError": "runner.errors",
    "TransportError": "runner.errors",
    "CheckFailed": "runner.errors",
    "render_error": "runner.errors",
}

__all__ = [
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

if TYPE_CHECKING:
    from .errors import (
        AuthError,
        CheckFailed,
        EnvError,
        HttprunError,
        ParseError,
        ResolveError,
        TransportError,
        UndefinedVariable,
        render_error,
    )
    from .options import RunOptions
    from .parser import parse_file, parse_text
    from .results import CheckResult, FileResult, Outcome, RequestResult, RunResult
    from .run import run_files


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'runner' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
