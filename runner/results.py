"""Plain data that flows out of the pipeline: what was sent, what came back, what passed.

``RunResult`` is the only thing the console, the reports, the exit code and the pytest plugin
read. Values here are as sent and received; whoever shows them to people masks them with
``RunResult.mask`` / ``mask_header`` (see ``masking``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import EXIT_INTERRUPTED, HttprunError, exit_code_for
from .masking import Masker
from .nodes import Block
from .source import Span
from .targets import titled


@dataclass(frozen=True, slots=True)
class ResolvedRequest:
    """A request with every variable substituted: plain data, no httpx objects yet."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    span: Span  # the request line
    http_version: str | None = None  # "HTTP/1.1" | "HTTP/2" | None (the client's default)
    timeout: float | None = None  # seconds; None: the run's default
    follow_redirects: bool = True

    def __repr__(self) -> str:  # headers and body may hold secrets: never in a repr
        return f"<ResolvedRequest {self.method} at {self.span}>"

    def masked(self, masker: Masker) -> ResolvedRequest:
        """A copy fit to show people: URL, headers and a text body masked."""
        body = self.body
        if body:
            text = body.decode("utf-8", errors="replace")
            shown = masker.mask(text)
            body = shown.encode("utf-8") if shown != text else body
        return replace(
            self,
            url=masker.mask(self.url),
            headers=tuple((n, masker.mask_header(n, v)) for n, v in self.headers),
            body=body,
        )

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in reversed(self.headers):
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request as it went out and the response document it produced.

    ``response`` is the document checks read::

        {"status": 200, "reason": "OK", "headers": {"content-type": "..."}, "body": ...,
         "text": "...", "elapsed_ms": 12.5, "url": "https://..."}
    """

    request: ResolvedRequest
    sent_headers: tuple[tuple[str, str], ...]  # what actually went out (auth added, etc.)
    response: dict[str, Any]
    started_at: float  # time.time() when sending began
    elapsed_ms: float
    http_version: str = "HTTP/1.1"

    @property
    def status(self) -> int:
        status = self.response["status"]
        assert isinstance(status, int)
        return status

    def __repr__(self) -> str:  # headers and bodies may hold secrets: never in a repr
        return f"<Exchange {self.request.method} -> {self.status} ({self.elapsed_ms:.0f} ms)>"

    def masked(self, masker: Masker) -> Exchange:
        """A copy fit to show people: what was sent and the response document masked."""
        response = masker.mask_value(self.response)
        headers = self.response.get("headers")
        if isinstance(headers, dict):
            response["headers"] = {n: masker.mask_header(n, str(v)) for n, v in headers.items()}
        return replace(
            self,
            request=self.request.masked(masker),
            sent_headers=tuple((n, masker.mask_header(n, v)) for n, v in self.sent_headers),
            response=response,
        )


class Outcome(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"  # sent, but a check failed
    SKIPPED = "skipped"
    ERROR = "error"  # could not be built or sent (undefined variable, network, auth)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One ``??`` check, ``>>`` capture or the implicit status rule, evaluated."""

    kind: str  # "check" | "capture" | "status"
    text: str  # as written: "status == 200", "id = body.x", "status < 400"
    passed: bool
    span: Span | None
    message: str = ""  # why it failed: "expected 200 (number), got 404 (number)"
    expected: Any = None
    actual: Any = None


@dataclass(frozen=True, slots=True)
class RequestResult:
    """What running one request gave: its outcome and what led to it."""

    path: str
    block: Block
    outcome: Outcome
    method: str
    url: str  # resolved when it could be, else the template as written
    status: int | None = None
    elapsed_ms: float | None = None
    started_at: float | None = None
    checks: tuple[CheckResult, ...] = ()
    captures: dict[str, Any] = field(default_factory=dict)
    error: HttprunError | None = None  # CheckFailed for FAILED; the cause for ERROR
    request: ResolvedRequest | None = (
        None  # as resolved (also with --dry-run, when nothing is sent)
    )
    exchange: Exchange | None = None
    attempts: int = 0
    skip_reason: str | None = None
    row: str | None = None  # the label of the data row the file ran for ("row 3")

    def __repr__(self) -> str:  # the URL, headers and bodies may hold secrets: not here
        status = f" {self.status}" if self.status is not None else ""
        return f"<RequestResult {self.path}:{self.line} {self.outcome.value}{status}>"

    def masked(self, masker: Masker) -> RequestResult:
        """A copy fit to hand to people's code (the pytest fixture): every text masked."""
        return replace(
            self,
            url=masker.mask(self.url),
            checks=tuple(
                replace(
                    check,
                    message=masker.mask(check.message),
                    expected=masker.mask_value(check.expected),
                    actual=masker.mask_value(check.actual),
                )
                for check in self.checks
            ),
            captures=masker.mask_value(self.captures),
            request=self.request.masked(masker) if self.request is not None else None,
            exchange=self.exchange.masked(masker) if self.exchange is not None else None,
        )

    @property
    def line(self) -> int:
        request = self.block.request
        return request.span.line if request is not None else self.block.span.line

    @property
    def title(self) -> str:
        """The file, and its data row: ``requests/products.http [row 3]``."""
        return titled(self.path, self.row)

    @property
    def display_name(self) -> str:
        """``@name``, else the block title, else ``METHOD URL``."""
        return self.block.label or f"{self.method} {self.url}"


@dataclass(frozen=True, slots=True)
class FileResult:
    """The results of one file's requests, or why the file could not run."""

    path: str
    requests: tuple[RequestResult, ...] = ()
    error: HttprunError | None = None  # the file could not be read, parsed or set up
    row: str | None = None  # the label of the data row the file ran for ("row 3")
    # Requests asked for that had run already, for files that import this one: shown there.
    ran_earlier: int = 0

    @property
    def title(self) -> str:
        """The file, and its data row: ``requests/products.http [row 3]``."""
        return titled(self.path, self.row)

    @property
    def passed(self) -> bool:
        return self.error is None and all(
            r.outcome in (Outcome.PASSED, Outcome.SKIPPED) for r in self.requests
        )


@dataclass(frozen=True, slots=True)
class RunResult:
    """The results of a whole run, file by file."""

    files: tuple[FileResult, ...]
    started_at: float
    duration_s: float
    masker: Masker = field(default_factory=Masker)
    interrupted: bool = False

    @property
    def requests(self) -> tuple[RequestResult, ...]:
        return tuple(r for f in self.files for r in f.requests)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.requests if r.outcome is outcome)

    @property
    def errors(self) -> list[HttprunError]:
        found: list[HttprunError] = [f.error for f in self.files if f.error is not None]
        found += [r.error for r in self.requests if r.error is not None]
        return found

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        # A FAILED request carries its CheckFailed as ``error``, so the errors say it all.
        return exit_code_for(self.errors)

    def mask(self, text: str) -> str:
        return self.masker.mask(text)

    def mask_header(self, name: str, value: str) -> str:
        return self.masker.mask_header(name, value)
