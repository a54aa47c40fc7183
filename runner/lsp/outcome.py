"""What a run from the editor leaves behind: diagnostics on its failed ``??`` lines (and on the
requests that could not complete), and its response written to a file the editor can open.

Both go through the report's masking (:mod:`runner.reporters.redact`, built from the run's
masker), so the editor shows exactly what a report file would.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.workspace import PositionCodec

from ..errors import HttprunError, masking_for
from ..reporters.atomic import write_atomically
from ..reporters.redact import ReportMasker
from ..reporters.report_document import RequestDoc, build_report
from ..results import Outcome, RequestResult, RunResult
from ..source import Span
from .positions import span_range

RUN_SOURCE = "httprun run"  # apart from the static diagnostics' "httprun": cleared per run


def run_diagnostics(
    run: RunResult, lines: Sequence[str], codec: PositionCodec, path: str
) -> list[types.Diagnostic]:
    """A diagnostic per failed check and per request that ended in an error, in the file
    at ``path`` (whose ``lines`` they are positioned on)."""
    masker = ReportMasker(run)
    found: list[types.Diagnostic] = []
    for result in (result for result in run.requests if result.path == path):
        for check in result.checks:
            if not check.passed:
                message = f"{check.text}: {check.message}" if check.message else check.text
                message += f" [{result.row}]" if result.row else ""  # each row's on its line
                span = check.span or _request_span(result)
                found.append(_diagnostic(masker.text(message), span, lines, codec))
        if result.outcome is Outcome.ERROR and result.error is not None:
            found.append(_error_diagnostic(result, result.error, masker, lines, codec))
    return found


def _error_diagnostic(
    result: RequestResult,
    error: HttprunError,
    masker: ReportMasker,
    lines: Sequence[str],
    codec: PositionCodec,
) -> types.Diagnostic:
    message = error.message + (f"\nhelp: {error.hint}" if error.hint else "")
    span = error.span if error.span is not None and error.span.path == result.path else None
    shown = masking_for(error.span, masker.text)  # also the values of secret-named things
    return _diagnostic(shown(message), span or _request_span(result), lines, codec)


def _request_span(result: RequestResult) -> Span:
    assert result.block.request is not None
    return result.block.request.span


def _diagnostic(
    message: str, span: Span, lines: Sequence[str], codec: PositionCodec
) -> types.Diagnostic:
    return types.Diagnostic(
        range=span_range(span, lines, codec),
        message=message,
        severity=types.DiagnosticSeverity.Error,
        source=RUN_SOURCE,
    )


def response_path(cache: Path, document_path: str, line: int, *, dry_run: bool) -> Path:
    """Where the response of the request at ``line`` goes: one file per request, overwritten by
    its next run, in a folder per source folder (two ``api.http`` in two folders differ)."""
    source = Path(document_path)
    folder = hashlib.sha256(str(source.parent).encode("utf-8", "surrogatepass")).hexdigest()[:12]
    suffix = ".dry-run.json" if dry_run else ".json"
    return cache / "responses" / folder / f"{source.stem}-{line}{suffix}"


def request_document(run: RunResult, line: int, path: str) -> RequestDoc | None:
    """The report document (masked) of the request at ``line`` of the file at ``path`` in
    ``run``."""
    for file_doc in build_report(run)["files"]:
        if file_doc["path"] != path:
            continue  # an imported file's
        for request in file_doc["requests"]:
            if request["line"] == line:
                return request
    return None


def write_response(path: Path, document: RequestDoc) -> None:
    """Write the request's report document (request sent, response, checks) as JSON, readable
    by its owner alone: a response is the user's data even masked."""
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomically(path, text, kind="response", mode=0o600)
