"""The token model, and reading a provider's token JSON into it.

Every time here is an aware UTC datetime. Reading is where the provider quirks live:

- cafe24 sends ``expires_at`` / ``refresh_token_expires_at`` with no UTC offset, in Korean time
  (UTC+9; see shared/docs/CAFE24.md). Read as UTC, an expired token would look valid for 9 hours, so
  each profile says which zone its offset-less times are in; a time WITH an offset is honoured.
- Generic providers send ``expires_in`` (seconds from now), which wins over ``expires_at`` when
  both are present: it needs no guess about zones and is immune to clock skew.
- Scopes come as a list (``scopes``, cafe24) or a space/comma separated string (``scope``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

KST = timezone(timedelta(hours=9), "KST")

# Step 1 of FORMAT.md's Auth: a stored access token is used while more than this is left.
FRESHNESS_MARGIN = timedelta(seconds=60)


class TokenFormatError(ValueError):
    """The provider's token JSON cannot be read; the message names the field, never a value."""


@dataclass(frozen=True, slots=True, repr=False)
class Token:
    """An OAuth2 token pair as httprun keeps it. ``None`` times mean "the provider did not say"."""

    access_token: str | None = None  # None: only a refresh token is known (a seeded entry)
    refresh_token: str | None = None
    expires_at: datetime | None = None  # aware, UTC
    refresh_expires_at: datetime | None = None  # aware, UTC
    scopes: tuple[str, ...] = ()
    mall_id: str | None = None
    user_id: str | None = None
    shop_no: str | None = None

    def __repr__(self) -> str:
        # Reprs end up in tracebacks and debug logs: never show the tokens themselves.
        return (
            f"Token(access_token={'****' if self.access_token else None}, "
            f"refresh_token={'****' if self.refresh_token else None}, "
            f"expires_at={self.expires_at!r}, refresh_expires_at={self.refresh_expires_at!r}, "
            f"scopes={self.scopes!r}, mall_id={self.mall_id!r})"
        )

    def is_fresh(self, now: datetime, margin: timedelta = FRESHNESS_MARGIN) -> bool:
        """True when the access token can be sent as it is.

        A token whose provider gave no expiry is used until the API answers 401.
        """
        if not self.access_token:
            return False
        return self.expires_at is None or self.expires_at - now > margin

    def can_refresh(self, now: datetime) -> bool:
        """True when a refresh is worth trying (an unknown refresh expiry is tried)."""
        if not self.refresh_token:
            return False
        return self.refresh_expires_at is None or self.refresh_expires_at > now

    def as_variables(self) -> dict[str, Any]:
        """The ``auth`` variable: ``<<auth.access_token>>``, ``<<auth.expires_at>>``, ...

        Absent values are left out, so using one is an "undefined variable" error that names
        it rather than an empty string sent by mistake.
        """
        values: dict[str, Any] = {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": format_time(self.expires_at),
            "refresh_token_expires_at": format_time(self.refresh_expires_at),
            "scopes": list(self.scopes),
            "mall_id": self.mall_id,
            "user_id": self.user_id,
            "shop_no": self.shop_no,
            "token_type": "Bearer",
        }
        return {key: value for key, value in values.items() if value is not None}

    def to_json(self) -> dict[str, Any]:
        """The store's representation (times as ISO 8601 UTC, to the microsecond)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": format_time(self.expires_at, "auto"),
            "refresh_expires_at": format_time(self.refresh_expires_at, "auto"),
            "scopes": list(self.scopes),
            "mall_id": self.mall_id,
            "user_id": self.user_id,
            "shop_no": self.shop_no,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Token:
        """Read what :meth:`to_json` wrote. Raises :class:`TokenFormatError`."""
        return cls(
            access_token=_token_text(data, "access_token"),
            refresh_token=_token_text(data, "refresh_token"),
            expires_at=parse_time(data.get("expires_at"), UTC, "expires_at"),
            refresh_expires_at=parse_time(
                data.get("refresh_expires_at"), UTC, "refresh_expires_at"
            ),
            scopes=parse_scopes(data.get("scopes")),
            mall_id=_optional_text(data, "mall_id"),
            user_id=_optional_text(data, "user_id"),
            shop_no=_optional_text(data, "shop_no"),
        )


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_time(value: datetime | None, timespec: str = "seconds") -> str | None:
    """ISO 8601 in UTC with a ``Z``: ``2021-03-01T05:00:00Z``."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat(timespec=timespec)
    return text.removesuffix("+00:00") + "Z"


def parse_time(value: Any, naive_zone: tzinfo, field: str) -> datetime | None:
    """A provider's time as aware UTC.

    Strings are ISO 8601 (milliseconds, ``Z`` and a space separator allowed); one without an
    offset is in ``naive_zone``. Numbers are Unix seconds.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TokenFormatError(f"'{field}' is not a time")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):  # NaN, or past the year 9999
            raise TokenFormatError(f"'{field}' is not a time httprun can represent") from None
    if not isinstance(value, str):
        raise TokenFormatError(f"'{field}' is not a time")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise TokenFormatError(f"'{field}' is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01 with a positive offset is before the year 1 in UTC
        raise TokenFormatError(f"'{field}' is not a time httprun can represent") from None


def parse_scopes(value: Any) -> tuple[str, ...]:
    """Scopes from a list, or from a string separated by spaces and/or commas."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(part for part in re.split(r"[\s,]+", value) if part)
    if isinstance(value, list | tuple):
        return tuple(str(part).strip() for part in value if str(part).strip())
    raise TokenFormatError("'scopes' is neither a list nor a string")


def _seconds(value: Any, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TokenFormatError(f"'{field}' is not a number of seconds")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TokenFormatError(f"'{field}' is not a number of seconds") from None


def _token_text(data: Mapping[str, Any], field: str) -> str | None:
    """An access or refresh token: it goes into a header and a form as it is, so only visible
    ASCII (RFC 6750's b64token and RFC 6749's VSCHAR, less the space) is accepted. A token with
    a line break would inject a header; one with other characters cannot be sent at all."""
    value = _optional_text(data, field)
    if value is not None and not all("!" <= char <= "~" for char in value):
        raise TokenFormatError(f"'{field}' holds characters an HTTP header cannot carry")
    return value


def _optional_text(data: Mapping[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # cafe24 has sent shop_no both as "1" and as 1
    raise TokenFormatError(f"'{field}' is not a string")


def _expiry(
    data: Mapping[str, Any],
    *,
    in_fields: tuple[str, ...],
    at_field: str,
    now: datetime,
    naive_zone: tzinfo,
) -> datetime | None:
    for field in in_fields:
        seconds = _seconds(data.get(field), field)
        if seconds is not None:
            try:
                return now + timedelta(seconds=seconds)
            except (OverflowError, ValueError):  # inf, NaN, or past the year 9999
                raise TokenFormatError(f"'{field}' is not a usable number of seconds") from None
    return parse_time(data.get(at_field), naive_zone, at_field)


def parse_token_response(
    data: Any,
    *,
    now: datetime,
    naive_zone: tzinfo,
    requested_scopes: tuple[str, ...] = (),
    previous: Token | None = None,
) -> Token:
    """Read a token endpoint's 200 answer.

    ``previous`` is the token being refreshed: a provider that does not rotate omits
    ``refresh_token`` (RFC 6749 §6), and then the old refresh token and its expiry stay.
    Scopes the answer omits are the ones asked for (RFC 6749 §5.1), or the previous ones.
    """
    if not isinstance(data, Mapping):
        raise TokenFormatError("the answer is not a JSON object")
    access_token = _token_text(data, "access_token")
    if access_token is None:
        raise TokenFormatError("the answer has no 'access_token'")
    refresh_token = _token_text(data, "refresh_token")
    expires_at = _expiry(
        data, in_fields=("expires_in",), at_field="expires_at", now=now, naive_zone=naive_zone
    )
    refresh_expires_at = _expiry(
        data,
        in_fields=("refresh_token_expires_in", "refresh_expires_in"),
        at_field="refresh_token_expires_at",
        now=now,
        naive_zone=naive_zone,
    )
    if refresh_token is None and previous is not None:
        refresh_token = previous.refresh_token
        refresh_expires_at = refresh_expires_at or previous.refresh_expires_at
    if "scopes" in data:
        scopes = parse_scopes(data["scopes"])
    elif "scope" in data:
        scopes = parse_scopes(data["scope"])
    elif previous is not None and previous.scopes:
        scopes = previous.scopes
    else:
        scopes = requested_scopes
    token = Token(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_at=expires_at,
        refresh_expires_at=refresh_expires_at,
        scopes=scopes,
        mall_id=_optional_text(data, "mall_id"),
        user_id=_optional_text(data, "user_id"),
        shop_no=_optional_text(data, "shop_no"),
    )
    if previous is not None:
        # A refresh answer may leave out who the token belongs to; that does not change.
        token = replace(
            token,
            mall_id=token.mall_id or previous.mall_id,
            user_id=token.user_id or previous.user_id,
            shop_no=token.shop_no or previous.shop_no,
        )
    return token
