"""Dynamic values: ``<<$uuid>>``, ``<<$timestamp>>``, ``<<$datetime iso8601 -1d>>``, ...

The names and argument shapes follow VS Code REST Client's system variables (``$randomInt MIN
MAX`` includes MIN and excludes MAX there too), with strftime patterns instead of Day.js ones and
``$env`` for REST Client's ``$processEnv``. The clock, the random numbers, UUIDs and the process
environment come from a :class:`DynamicSources`, so tests can pin them.
"""

from __future__ import annotations

import math
import os
import random
import re
import sys
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from .directives import did_you_mean
from .errors import ResolveError
from .masking import Masker
from .source import Span


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class DynamicSources:
    """Where dynamic values come from; replace any of them to make results predictable."""

    now: Callable[[], datetime] = _utc_now  # an aware datetime (a naive one is taken as UTC)
    random_int: Callable[[int, int], int] = random.randrange  # (start, stop), stop excluded
    new_uuid: Callable[[], uuid.UUID] = uuid.uuid4
    environ: Mapping[str, str] | None = None  # None: os.environ at the time of use


DEFAULT_SOURCES = DynamicSources()

USAGE = (
    "$uuid, $timestamp [OFFSET], $isoTimestamp [OFFSET], $datetime FORMAT [OFFSET], "
    "$randomInt MIN MAX, $env NAME"
)
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9](?:_?[0-9])*")
_OFFSET = re.compile(r"^([+-]?)([0-9]+)(ms|s|m|h|d|w)$")
_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)
# A double- or single-quoted argument, or a bare word.
_TOKEN = re.compile(r"\"([^\"]*)\"|'([^']*)'|(\S+)")


@dataclass(frozen=True, slots=True)
class _Arg:
    """One argument of a ``{{$...}}`` call, and whether it was quoted."""

    text: str
    quoted: bool


def evaluate_dynamic(
    expr: str,
    span: Span,
    sources: DynamicSources = DEFAULT_SOURCES,
    masker: Masker | None = None,
) -> Any:
    """The value of ``<<$expr>>`` (``expr`` without the ``$``): a str, or an int for
    ``$timestamp`` and ``$randomInt``. ``masker`` learns ``$env`` values whose names look secret.
    """
    name, _, rest = expr.strip().partition(" ")
    args = _split_args(rest, span)
    if name == "uuid":
        _expect_count(name, args, 0, 0, span)
        return str(sources.new_uuid())
    if name == "timestamp":
        _expect_count(name, args, 0, 1, span)
        # floor, not int(): before 1970 int() would round towards zero, a second late.
        return math.floor(_moment(sources, args[0] if args else None, span).timestamp())
    if name == "isoTimestamp":
        _expect_count(name, args, 0, 1, span)
        return _format("iso8601", _moment(sources, args[0] if args else None, span))
    if name == "datetime":
        _expect_count(name, args, 1, 2, span)
        moment = _moment(sources, args[1] if len(args) > 1 else None, span)
        return _datetime(args[0], moment, span)
    if name == "randomInt":
        _expect_count(name, args, 2, 2, span)
        low, high = (_integer(arg, span) for arg in args)
        if low >= high:
            raise ResolveError(
                f"$randomInt needs MIN < MAX, got {low} and {high}",
                span,
                hint="MIN is included and MAX excluded: $randomInt 1 7 rolls a die",
            )
        return sources.random_int(low, high)
    if name == "env":
        _expect_count(name, args, 1, 1, span)
        return _process_env(args[0].text, span, sources, masker)
    known = ["$uuid", "$timestamp", "$isoTimestamp", "$datetime", "$randomInt", "$env"]
    raise ResolveError(
        f"unknown dynamic value '${name}'",
        span,
        label=f"not a dynamic value of httprun{did_you_mean('$' + name, known)}",
        hint=f"dynamic values are {USAGE}",
    )


def _split_args(text: str, span: Span) -> list[_Arg]:
    args: list[_Arg] = []
    for match in _TOKEN.finditer(text):
        double, single, bare = match.groups()
        if bare is not None:
            if bare[0] in "\"'":
                raise ResolveError(
                    f"unclosed quote in dynamic value arguments: {text.strip()}",
                    span,
                    hint=f"close the quote: {bare[0]}...{bare[0]}",
                )
            args.append(_Arg(bare, quoted=False))
        else:
            args.append(_Arg(double if double is not None else single, quoted=True))
    return args


def _expect_count(name: str, args: list[_Arg], low: int, high: int, span: Span) -> None:
    if low <= len(args) <= high:
        return
    shapes = {
        "uuid": "$uuid takes no arguments",
        "timestamp": "$timestamp takes an optional OFFSET such as -1d",
        "isoTimestamp": "$isoTimestamp takes an optional OFFSET such as -1d",
        "datetime": "$datetime takes FORMAT [OFFSET]: iso8601, rfc1123 or a quoted strftime "
        "pattern, then an optional OFFSET such as -1d",
        "randomInt": "$randomInt takes MIN MAX",
        "env": "$env takes the NAME of one process environment variable",
    }
    raise ResolveError(
        f"wrong number of arguments for ${name}: got {len(args)}",
        span,
        hint=shapes[name],
    )


def _moment(sources: DynamicSources, offset: _Arg | None, span: Span) -> datetime:
    now = sources.now()
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    if offset is None:
        return now
    match = _OFFSET.match(offset.text)
    if match is None or offset.quoted:
        raise ResolveError(
            f"invalid time offset '{_shorten(offset.text)}'",
            span,
            hint="write a signed number and a unit: -1d, +2h, +30m, -10s, +500ms, +1w",
        )
    sign, amount, unit = match.groups()
    try:
        # int() refuses numbers of more than 4300 digits (ValueError); timedelta refuses more
        # than 999,999,999 days and datetime anything outside years 1 to 9999 (OverflowError).
        delta = _UNITS[unit] * int(amount)
        return now - delta if sign == "-" else now + delta
    except (OverflowError, ValueError):
        raise _offset_out_of_range(offset.text, now, span) from None


def _offset_out_of_range(text: str, now: datetime, span: Span) -> ResolveError:
    """The error for an offset that leaves the years Python's datetime can hold, with the
    offsets (in days) that would have worked from ``now``."""
    back = (now - _EARLIEST).days
    forward = (_LATEST - now).days
    return ResolveError(
        f"time offset '{_shorten(text)}' is out of range",
        span,
        label="the time it gives is outside the years 1 to 9999",
        hint=f"from the current time, offsets work from -{back}d to +{forward}d "
        "(a year is about 365d)",
    )


def _shorten(text: str, limit: int = 40) -> str:
    """``text`` cut to about ``limit`` characters, so a runaway argument does not flood the
    message."""
    return text if len(text) <= limit else f"{text[: limit - 10]}...{text[-7:]}"


def _format(kind: str, moment: datetime) -> str:
    if kind == "iso8601":
        # Seconds precision and "Z": the form the most servers accept. Written by hand because
        # strftime's %Y does not pad years before 1000 to four digits on every platform.
        return (
            f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
            f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
        )
    return format_datetime(moment, usegmt=True)  # rfc1123: "Wed, 01 May 2024 12:00:00 GMT"


def _datetime(fmt: _Arg, moment: datetime, span: Span) -> str:
    if fmt.quoted:
        return _strftime(fmt.text, moment, span)
    if fmt.text.lower() in ("iso8601", "rfc1123"):
        return _format(fmt.text.lower(), moment)
    raise ResolveError(
        f"unknown $datetime format '{_shorten(fmt.text)}'",
        span,
        hint='use iso8601, rfc1123, or a quoted strftime pattern such as "%Y-%m-%d"',
    )


def _strftime(pattern: str, moment: datetime, span: Span) -> str:
    """``moment`` formatted by the C library's strftime. What that accepts depends on the
    platform: glibc copies an unknown directive such as ``%Q`` as it is, others raise
    ValueError; text that cannot be encoded raises UnicodeEncodeError (a ValueError)."""
    try:
        return moment.strftime(pattern)
    except (ValueError, OverflowError) as error:
        raise ResolveError(
            f"cannot format the time with the pattern '{_shorten(pattern)}': {error}",
            span,
            hint='use strftime directives such as "%Y-%m-%d %H:%M:%S", or iso8601 / rfc1123',
        ) from None


def _integer(arg: _Arg, span: Span) -> int:
    if not _WHOLE_NUMBER.fullmatch(arg.text):
        raise ResolveError(
            f"$randomInt needs whole numbers, got '{_shorten(arg.text)}'",
            span,
            hint="write $randomInt MIN MAX, for example $randomInt 1 100",
        )
    try:
        return int(arg.text)
    except ValueError:  # more digits than int() converts (4300 by default)
        raise ResolveError(
            f"$randomInt bound '{_shorten(arg.text)}' is out of range",
            span,
            hint=f"MIN and MAX may have at most {_max_digits()} digits",
        ) from None


def _max_digits() -> int:
    limit = sys.get_int_max_str_digits()
    return limit if limit > 0 else 4300


def _process_env(name: str, span: Span, sources: DynamicSources, masker: Masker | None) -> str:
    environ = os.environ if sources.environ is None else sources.environ
    value = environ.get(name)
    if value is None:
        raise ResolveError(
            f"environment variable '{name}' is not set",
            span,
            label=f"not in the process environment{did_you_mean(name, list(environ))}",
            hint=f"export {name}=... before running httprun, or define it in an env file "
            f"and write <<{name}>>",
        )
    if masker is not None:
        masker.add_variable(name, value)
    return value
