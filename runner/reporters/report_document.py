"""A whole run as one masked, plain-JSON document: the JSON report, and what the HTML draws.

The shape is versioned (``SCHEMA``) and documented by ``docs/report-schema.json``; a test
validates real reports against it. Change the shape only together with that file, and bump the
version when a field is removed or changes meaning (adding a field is compatible).

Everything that came from a request, a response, a capture or an error is masked here, once,
through :class:`~runner.reporters.redact.ReportMasker`, so no report can forget to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypedDict

from .. import __version__
from ..errors import HttprunError, render_error
from ..masking import mask_and_clip
from ..results import CheckResult, Exchange, Outcome, RequestResult, RunResult
from .redact import ReportMasker

SCHEMA = "httprun-report/2"

# A report keeps one copy of each body, cut to this many characters (masked first, then cut):
# a 200 MB response must not cost a gigabyte of report. Checked values and captures larger than
# this as JSON are replaced by a note.
MAX_REPORT_BODY = 1_000_000

OutcomeName = Literal["passed", "failed", "skipped", "error"]
_OUTCOMES: dict[Outcome, OutcomeName] = {
    Outcome.PASSED: "passed",
    Outcome.FAILED: "failed",
    Outcome.SKIPPED: "skipped",
    Outcome.ERROR: "error",
}


class ErrorDoc(TypedDict):
    type: str  # the HttprunError subclass: "CheckFailed", "TransportError", ...
    message: str  # one line
    location: str | None  # "path:line:col"
    line: int | None
    exit_code: int
    rendered: str  # render_error's text, without colour


class CheckDoc(TypedDict):
    kind: str  # "check" | "capture" | "status"
    text: str
    passed: bool
    message: str
    expected: Any
    actual: Any
    line: int | None
    column: int | None


class HeaderDoc(TypedDict):
    name: str
    value: str


class SentRequestDoc(TypedDict):
    method: str
    url: str
    http_version: str | None
    headers: list[HeaderDoc]  # in order, repeats kept: what went out when it was sent
    body: str | None  # UTF-8 text (undecodable bytes replaced), cut to MAX_REPORT_BODY
    body_bytes: int
    body_truncated: bool


class TimingsDoc(TypedDict):
    started_at: str | None  # ISO 8601, UTC
    offset_ms: float | None  # from the run's start: where the timeline draws the bar
    elapsed_ms: float | None


class RequestDoc(TypedDict):
    index: int  # position in the run, from 0
    name: str  # @name, else the block title, else "METHOD URL"
    id: str | None  # the @name
    title: str | None
    line: int
    method: str
    url: str
    outcome: OutcomeName
    status: int | None
    reason: str | None
    timings: TimingsDoc
    attempts: int
    skip_reason: str | None
    checks: list[CheckDoc]
    captures: dict[str, Any]
    error: ErrorDoc | None
    request: SentRequestDoc | None
    response: dict[str, Any] | None  # the response document checks read, masked


class FileCountsDoc(TypedDict):
    requests: int
    passed: int
    failed: int
    error: int
    skipped: int


class CountsDoc(FileCountsDoc):
    files: int
    file_errors: int


class FileDoc(TypedDict):
    path: str
    row: str | None  # the data row's label ("row 3", or its name/id); null: no data rows
    passed: bool
    counts: FileCountsDoc
    error: ErrorDoc | None  # the file could not be read, parsed or set up
    requests: list[RequestDoc]


class ToolDoc(TypedDict):
    name: str
    version: str


class ReportDoc(TypedDict):
    schema: str
    tool: ToolDoc
    started_at: str
    duration_ms: float
    exit_code: int
    outcome: Literal["passed", "failed", "interrupted"]
    interrupted: bool
    counts: CountsDoc
    files: list[FileDoc]


@dataclass(frozen=True, slots=True)
class PreparedReport:
    """The masked document of a run and the masker that made it: built once, whichever and
    however many report files are written from it."""

    document: ReportDoc
    masker: ReportMasker


def prepare_report(run: RunResult) -> PreparedReport:
    masker = ReportMasker(run)
    return PreparedReport(build_report(run, masker), masker)


def build_report(run: RunResult, masker: ReportMasker | None = None) -> ReportDoc:
    """The report document of ``run``: plain JSON values, every text masked (by ``masker``,
    which defaults to a :class:`ReportMasker` of ``run``)."""
    masker = masker if masker is not None else ReportMasker(run)
    files: list[FileDoc] = []
    index = 0
    for file_result in run.files:
        requests: list[RequestDoc] = []
        for result in file_result.requests:
            requests.append(_request(result, index, run, masker))
            index += 1
        files.append(
            FileDoc(
                path=file_result.path,
                row=masker.text(file_result.row) if file_result.row is not None else None,
                passed=file_result.passed,
                counts=_file_counts(file_result.requests),
                error=_error(file_result.error, masker),
                requests=requests,
            )
        )
    totals = _file_counts(run.requests)
    outcome: Literal["passed", "failed", "interrupted"] = (
        "interrupted" if run.interrupted else "passed" if run.exit_code == 0 else "failed"
    )
    return ReportDoc(
        schema=SCHEMA,
        tool=ToolDoc(name="httprun", version=__version__),
        started_at=iso_time(run.started_at),
        duration_ms=_round_ms(run.duration_s * 1000.0),
        exit_code=run.exit_code,
        outcome=outcome,
        interrupted=run.interrupted,
        counts=CountsDoc(
            files=len(run.files),
            file_errors=sum(1 for f in run.files if f.error is not None),
            requests=totals["requests"],
            passed=totals["passed"],
            failed=totals["failed"],
            error=totals["error"],
            skipped=totals["skipped"],
        ),
        files=files,
    )


def iso_time(timestamp: float) -> str:
    """``time.time()`` as ISO 8601 in UTC, to the millisecond."""
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="milliseconds")


def _file_counts(requests: tuple[RequestResult, ...]) -> FileCountsDoc:
    def count(outcome: Outcome) -> int:
        return sum(1 for r in requests if r.outcome is outcome)

    return FileCountsDoc(
        requests=len(requests),
        passed=count(Outcome.PASSED),
        failed=count(Outcome.FAILED),
        error=count(Outcome.ERROR),
        skipped=count(Outcome.SKIPPED),
    )


def _request(result: RequestResult, index: int, run: RunResult, masker: ReportMasker) -> RequestDoc:
    exchange = result.exchange
    started_at = result.started_at
    if started_at is None and exchange is not None:
        started_at = exchange.started_at
    elapsed_ms = result.elapsed_ms
    if elapsed_ms is None and exchange is not None:
        elapsed_ms = exchange.elapsed_ms
    status = result.status
    if status is None and exchange is not None:
        status = exchange.status
    reason = exchange.response.get("reason") if exchange is not None else None
    return RequestDoc(
        index=index,
        name=masker.text(result.display_name),
        id=result.block.name,
        title=masker.text(result.block.title) if result.block.title is not None else None,
        line=result.line,
        method=result.method,
        url=masker.text(result.url),
        outcome=_OUTCOMES[result.outcome],
        status=status,
        reason=masker.text(str(reason)) if reason is not None else None,
        timings=TimingsDoc(
            started_at=iso_time(started_at) if started_at is not None else None,
            # A clock step back during the run must not draw a bar before the run began.
            offset_ms=(
                _round_ms(max(0.0, (started_at - run.started_at) * 1000.0))
                if started_at is not None
                else None
            ),
            elapsed_ms=_round_ms(elapsed_ms) if elapsed_ms is not None else None,
        ),
        attempts=result.attempts,
        skip_reason=masker.text(result.skip_reason) if result.skip_reason is not None else None,
        checks=[_check(check, masker) for check in result.checks],
        captures={
            masker.text(name): masker.capture(name, _bounded(value))
            for name, value in result.captures.items()
        },
        error=_error(result.error, masker),
        request=_sent_request(result, masker),
        response=_response(exchange, masker) if exchange is not None else None,
    )


def _check(check: CheckResult, masker: ReportMasker) -> CheckDoc:
    return CheckDoc(
        kind=check.kind,
        text=masker.text(check.text),
        passed=check.passed,
        message=masker.text(check.message),
        expected=masker.check_value(check.kind, check.text, _bounded(check.expected)),
        actual=masker.check_value(check.kind, check.text, _bounded(check.actual)),
        line=check.span.line if check.span is not None else None,
        column=check.span.column if check.span is not None else None,
    )


def _error(error: HttprunError | None, masker: ReportMasker) -> ErrorDoc | None:
    if error is None:
        return None
    span = error.span
    return ErrorDoc(
        type=type(error).__name__,
        message=masker.text(error.message),
        location=str(span) if span is not None else None,
        line=span.line if span is not None else None,
        exit_code=error.exit_code,
        rendered=render_error(error, mask=masker.text, color=False),
    )


def _sent_request(result: RequestResult, masker: ReportMasker) -> SentRequestDoc | None:
    exchange = result.exchange
    request = exchange.request if exchange is not None else result.request
    if request is None:
        return None
    # What actually went out (auth added) when it was sent; as resolved otherwise (--dry-run).
    headers = exchange.sent_headers if exchange is not None else request.headers
    body = request.body
    shown, truncated = (
        _clipped(masker.text(body.decode("utf-8", errors="replace")))
        if body is not None
        else (None, False)
    )
    return SentRequestDoc(
        method=request.method,
        url=masker.text(request.url),
        http_version=exchange.http_version if exchange is not None else request.http_version,
        headers=[HeaderDoc(name=n, value=masker.header(n, v)) for n, v in headers],
        body=shown,
        body_bytes=len(body) if body is not None else 0,
        body_truncated=truncated,
    )


def _response(exchange: Exchange, masker: ReportMasker) -> dict[str, Any]:
    """The response document, masked, with one bounded copy of the body: ``body`` holds the
    parsed JSON, or the text when the body is no JSON or too large (then cut, and marked);
    the document's ``text`` is that same body again, so it is left out."""
    document: dict[str, Any] = {}
    for key, value in exchange.response.items():
        if key == "headers" and isinstance(value, dict):
            document[key] = {
                str(name): masker.header(str(name), str(item)) for name, item in value.items()
            }
        elif key not in ("body", "text"):
            document[key] = masker.value(value, secret=False)
    document.update(_response_body(exchange.response, masker))
    document.setdefault("http_version", exchange.http_version)
    return document


def _response_body(response: dict[str, Any], masker: ReportMasker) -> dict[str, Any]:
    body = response.get("body")
    text = response.get("text")
    if not isinstance(text, str):
        text = body if isinstance(body, str) else ""
    is_text = isinstance(body, str) and (body is text or body == text)
    if is_text or len(text) > MAX_REPORT_BODY:
        shown, truncated = _clipped(masker.text(text))
    else:
        shown, truncated = masker.value(body), False
    return {"body": shown, "body_bytes": _utf8_size(text), "body_truncated": truncated}


def _clipped(text: str) -> tuple[str, bool]:
    """Already-masked ``text`` cut to :data:`MAX_REPORT_BODY` by the one function that cuts
    what is shown (nothing is left to mask), and whether it was cut."""
    shown = mask_and_clip(text, lambda masked: masked, MAX_REPORT_BODY, marker="")
    return shown, len(text) > MAX_REPORT_BODY


def _utf8_size(text: str) -> int:
    if text.isascii():
        return len(text)
    step = 1 << 20  # encoded a slice at a time: a 200 MB body is not copied whole
    return sum(
        len(text[start : start + step].encode("utf-8", errors="replace"))
        for start in range(0, len(text), step)
    )


def _bounded(value: Any) -> Any:
    """``value``, or a note saying it was left out when as JSON it would take more than
    :data:`MAX_REPORT_BODY` characters (``?? body`` holds a whole body as its actual value)."""
    if isinstance(value, str):
        return value if len(value) <= MAX_REPORT_BODY else _too_large("string")
    if not isinstance(value, dict | list | tuple):
        return value
    # Estimated with a stack that stops as soon as the limit is passed: cheap on any value.
    size = 0
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            size += 2 + sum(len(str(key)) + 4 for key in item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            size += 2 + len(item)
            stack.extend(item)
        else:
            size += len(item) + 2 if isinstance(item, str) else 8
        if size > MAX_REPORT_BODY:
            return _too_large("object" if isinstance(value, dict) else "array")
    return value


def _too_large(kind: str) -> str:
    return f"(left out: a JSON {kind} larger than {MAX_REPORT_BODY:,} characters)"


def _round_ms(value: float) -> float:
    return round(value, 3)
