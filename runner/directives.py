"""The directives of FORMAT.md ("Directives") and typed readers for their values.

A directive is a comment line ``# @key value`` before a request line; the parser keeps every
one as a :class:`~runner.nodes.Directive` with its raw value. This module knows which keys exist
and what their values mean: :func:`validate_directive` is what ``httprun check`` reports, the
``parse_*`` readers are what the runner calls when it needs the value (they raise
:class:`~runner.errors.ParseError` at the directive's line).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .dialects import RUNS_WHAT_IS_READ
from .errors import Diagnostic, ParseError
from .nodes import Block, Directive
from .source import Span

#: The known directives and how each is written; anything else is a warning and is ignored.
KNOWN_DIRECTIVES: dict[str, str] = {
    "name": "@name ID",
    "auth": "@auth cafe24|oauth2|none",
    "timeout": "@timeout DURATION",
    "retry": "@retry COUNT [INTERVAL]",
    "no-redirect": "@no-redirect",
    "skip": "@skip [REASON]",
    "import": "@import PATH",
    "data": "@data PATH",
}

#: Values of ``@auth``: the two OAuth2 profiles, and ``none`` to turn a file default off.
AUTH_PROFILES = ("cafe24", "oauth2", "none")

#: Default pause between two tries of ``@retry COUNT`` without an INTERVAL, in seconds.
DEFAULT_RETRY_INTERVAL = 1.0

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?|\.[0-9]+)[ \t]*(ms|s|m|h)?")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}

_REMOVE = "remove this line"
_RUNS_WHAT_IS_READ = (RUNS_WHAT_IS_READ, _REMOVE)
# Directives of other .http tools that users bring along: what httprun does instead (the
# label, shown by ``httprun check`` too) and what to do (the help line).
_OTHER_TOOLS = {
    "no-log": ("httprun keeps no response history", _REMOVE),
    "no-cookie-jar": ("httprun keeps no cookie jar between requests", _REMOVE),
    "no-auto-encoding": ("httprun sends the URL as written after interpolation", _REMOVE),
    "prompt": ("httprun never prompts for variables", "pass --var NAME=VALUE, and " + _REMOVE),
    "note": ("httprun never asks for confirmation", _REMOVE),
    "connection-timeout": ("httprun has one timeout per request", "use '# @timeout DURATION'"),
    "file-name": ("httprun does not save responses to files", _REMOVE),
    # httpyac's "send that request first": httprun infers it from what a request reads.
    "ref": _RUNS_WHAT_IS_READ,
    "forceRef": _RUNS_WHAT_IS_READ,
}


@dataclass(frozen=True, slots=True)
class RetrySpec:
    """``@retry COUNT [INTERVAL]``: send again up to ``count`` times, ``interval`` s apart."""

    count: int
    interval: float


MAX_RETRIES = 10_000
MAX_DURATION = 86_400.0  # a day; longer overflows some platforms' clocks and is surely a typo


def parse_duration(text: str, span: Span) -> float:
    """``30s``, ``500ms``, ``2m``, ``1h`` or a plain number of seconds → seconds."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ParseError(
            f"invalid duration '{text.strip()}'",
            span,
            label="expected a number with an optional unit",
            hint="write it like 30s, 500ms, 2m or 1h (a plain number means seconds)",
        )
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > MAX_DURATION:
        raise ParseError(
            f"duration '{text.strip()}' is too long",
            span,
            label="at most a day (24h)",
            hint="a timeout or a retry interval longer than a day is surely a typo",
        )
    return seconds


def parse_retry(directive: Directive) -> RetrySpec:
    """Read ``@retry COUNT [INTERVAL]``; INTERVAL defaults to one second."""
    words = directive.value.split()
    if not 1 <= len(words) <= 2 or re.fullmatch(r"[0-9]+", words[0]) is None:
        raise ParseError(
            f"invalid @retry '{directive.value}'",
            directive.span,
            label="expected a count and an optional interval",
            hint="write it like '# @retry 5' or '# @retry 5 2s' (up to 5 more tries, 2 s apart)",
        )
    interval = (
        parse_duration(words[1], directive.span) if len(words) == 2 else DEFAULT_RETRY_INTERVAL
    )
    digits = words[0].lstrip("0") or "0"
    # Compared by length first: int() refuses more than 4300 digits (a ValueError, not ours).
    if len(digits) > len(str(MAX_RETRIES)) or int(digits) > MAX_RETRIES:
        raise ParseError(
            f"@retry {digits if len(digits) <= 20 else digits[:20] + '…'} is too many tries",
            directive.span,
            label=f"at most {MAX_RETRIES}",
            hint="poll with a longer interval instead, e.g. '# @retry 60 5s'",
        )
    return RetrySpec(int(digits), interval)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def validate_directive(directive: Directive) -> list[Diagnostic]:
    """What ``httprun check`` says about one directive: unknown keys are warnings, bad values
    errors. An empty list means the directive is fine."""
    key, value, span = directive.key, directive.value, directive.span
    if key not in KNOWN_DIRECTIVES:
        if key in _OTHER_TOOLS:
            label, hint = _OTHER_TOOLS[key]
            return [
                Diagnostic(
                    "warning",
                    f"directive '@{key}' of other .http tools is ignored",
                    span,
                    label=label,
                    hint=hint,
                )
            ]
        known = ", ".join(f"@{name}" for name in KNOWN_DIRECTIVES)
        return [
            Diagnostic(
                "warning",
                f"unknown directive '@{key}' is ignored",
                span,
                label=f"not a directive of httprun{did_you_mean(key, list(KNOWN_DIRECTIVES))}",
                hint=f"the directives are {known}",
            )
        ]
    usage = KNOWN_DIRECTIVES[key]
    if key == "name":
        if not value:
            return [_error("'@name' needs a name", span, usage)]
        if IDENTIFIER.fullmatch(value) is None:
            return [
                _error(
                    f"invalid request name '{value}'",
                    span,
                    usage,
                    label="use letters, digits and '_', not starting with a digit",
                )
            ]
    elif key == "auth":
        if value.lower() not in AUTH_PROFILES:
            what = f"unknown auth profile '{value}'" if value else "'@auth' needs a profile"
            return [
                _error(
                    what,
                    span,
                    usage,
                    label=f"expected cafe24, oauth2 or none{did_you_mean(value, AUTH_PROFILES)}",
                )
            ]
    elif key == "timeout":
        try:
            seconds = parse_duration(value, span)
        except ParseError as error:
            return [_error(error.message, span, usage, label=error.label)]
        if seconds <= 0:
            return [_error("'@timeout' must be longer than 0", span, usage)]
    elif key == "retry":
        try:
            parse_retry(directive)
        except ParseError as error:
            return [_error(error.message, span, usage, label=error.label)]
    elif key in ("import", "data") and not value:
        return [_error(f"'@{key}' needs a path", span, usage)]
    elif key == "no-redirect" and value:
        return [
            Diagnostic(
                "warning",
                f"'@no-redirect' takes no value; '{value}' is ignored",
                span,
                hint=f"write '# {usage}'",
            )
        ]
    return []


def _error(message: str, span: Span, usage: str, *, label: str = "") -> Diagnostic:
    return Diagnostic("error", message, span, label=label, hint=f"write '# {usage}'")


def effective_directives(
    defaults: Sequence[Directive], own: Sequence[Directive]
) -> dict[str, Directive]:
    """The directives in force for a request: the file defaults (from blocks without a
    request), overridden key by key by the block's own; within each, the last one wins."""
    merged: dict[str, Directive] = {}
    for directive in (*defaults, *own):
        merged[directive.key] = directive
    return merged


@dataclass(frozen=True, slots=True)
class RequestSettings:
    """What the directives in force say about how to send one request."""

    skip: str | None  # why it is skipped ("@skip" when no reason is given); None: it runs
    retry: RetrySpec | None  # @retry; None: one try
    auth: str | None  # the @auth profile as written, lower case; None: no @auth, or @auth none
    auth_span: Span | None  # where that @auth is, for errors about the profile
    timeout: float | None  # @timeout in seconds; None: the run's default
    follow_redirects: bool  # False under @no-redirect
    problems: tuple[ParseError, ...]  # the bad values among the file defaults and own directives

    def require_valid(self) -> None:
        """Raise the first bad directive value, as ``httprun check`` reports it."""
        if self.problems:
            raise self.problems[0]


def request_settings(defaults: Sequence[Directive], block: Block) -> RequestSettings:
    """The settings of ``block``'s request: the file ``defaults`` (directives of the blocks
    without a request before it), overridden key by key by the block's own directives.

    Never raises: a bad value leaves its setting at the default and is kept in ``problems``
    (the run refuses the request, the static pass has reported it already).
    """
    in_force = effective_directives(defaults, block.directives)
    problems = tuple(
        problem
        for directive in (*defaults, *block.directives)
        for problem in _value_problems(directive)
    )
    broken = {problem.span for problem in problems}
    skip = in_force.get("skip")
    auth = in_force.get("auth")
    profile = auth.value.strip().lower() if auth is not None else None
    timeout = in_force.get("timeout")
    retry = in_force.get("retry")
    return RequestSettings(
        skip=(skip.value or "@skip") if skip is not None else None,
        retry=parse_retry(retry) if retry is not None and retry.span not in broken else None,
        auth=profile if profile != "none" else None,
        auth_span=auth.span if auth is not None else None,
        timeout=_timeout_seconds(timeout)
        if timeout is not None and timeout.span not in broken
        else None,
        follow_redirects="no-redirect" not in in_force,
        problems=problems,
    )


def _value_problems(directive: Directive) -> list[ParseError]:
    """The errors ``httprun check`` reports for ``directive``; a bad @timeout or @retry keeps
    the error of the reader itself, whose hint shows how the value is written."""
    errors = [d for d in validate_directive(directive) if d.severity == "error"]
    if not errors:
        return []
    readers = {"timeout": _timeout_seconds, "retry": parse_retry}
    reader = readers.get(directive.key)
    if reader is not None:
        try:
            reader(directive)
        except ParseError as error:
            return [error]
    return [ParseError(d.message, d.span, label=d.label, hint=d.hint) for d in errors]


def _timeout_seconds(directive: Directive) -> float:
    seconds = parse_duration(directive.value, directive.span)
    if seconds <= 0:
        raise ParseError(
            "'@timeout' must be longer than 0",
            directive.span,
            hint="write it like 30s, 500ms, 2m or 1h",
        )
    return seconds
