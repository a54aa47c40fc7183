"""Authorization codes, access tokens and refresh tokens: issued, checked, rotated, revoked.

The rules are cafe24's (docs/CAFE24.md, "OAuth 2.0"): a code is single-use and lives ``code_ttl``
seconds; a refresh returns a new pair and the old refresh token dies at once (rotation); the
token JSON has Korean-time ``expires_at`` values and no ``expires_in``.

Not thread-safe by itself: the sandbox calls it under its state lock.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any

from .messages import ApiError, OAuthError
from .settings import SandboxSettings
from .timefmt import token_time

# Expired tokens are kept this long so a late caller hears "time expired", not "invalid".
_KEEP_EXPIRED = 86_400.0
_SWEEP_EVERY = 60.0


@dataclass(frozen=True, slots=True)
class Grant:
    """What one consent gave: shared by every token issued from it, through refreshes."""

    grant_id: str
    mall_id: str
    client_id: str
    user_id: str
    scopes: tuple[str, ...]


@dataclass(slots=True)
class _Code:
    grant: Grant
    redirect_uri: str
    expires_at: float
    used: bool = False


@dataclass(frozen=True, slots=True)
class _Token:
    grant: Grant
    issued_at: float
    expires_at: float


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """The result of checking a Bearer token: whose it is and what it may do."""

    grant: Grant
    expires_at: float


def _new_token() -> str:
    # cafe24's tokens are opaque strings of about 22 characters; 16 random bytes give 22.
    return secrets.token_urlsafe(16)


def _millis(moment: float) -> float:
    """``moment`` cut to the millisecond, so stored expiries equal the ones the JSON shows."""
    return math.floor(moment * 1000) / 1000


class TokenStore:
    def __init__(self, settings: SandboxSettings) -> None:
        self._settings = settings
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Token] = {}
        self._refresh: dict[str, _Token] = {}
        self._last_sweep = -math.inf

    # -- authorization codes -------------------------------------------------------------

    def issue_code(
        self,
        *,
        mall_id: str,
        user_id: str,
        scopes: tuple[str, ...],
        redirect_uri: str,
        now: float,
    ) -> str:
        self._sweep(now)
        grant = Grant(secrets.token_hex(8), mall_id, self._settings.client_id, user_id, scopes)
        code = _new_token()
        self._codes[code] = _Code(grant, redirect_uri, now + self._settings.code_ttl)
        return code

    def redeem_code(
        self, code: str, *, mall_id: str, client_id: str, redirect_uri: str, now: float
    ) -> dict[str, Any]:
        """Exchange a code for a token pair (the token JSON), once."""
        record = self._codes.get(code)
        if record is None or record.grant.mall_id != mall_id or record.grant.client_id != client_id:
            raise OAuthError(400, "invalid_grant", "Invalid authorization code")
        if record.used:
            raise OAuthError(
                400, "invalid_grant", "Invalid authorization code: it has already been used"
            )
        if now >= record.expires_at:
            raise OAuthError(400, "invalid_grant", "authorization code time expired")
        if redirect_uri != record.redirect_uri:
            raise OAuthError(
                400,
                "invalid_grant",
                "redirect_uri does not match the one the authorization code was issued for",
            )
        record.used = True
        return self._issue_pair(record.grant, now)

    # -- refresh tokens ------------------------------------------------------------------

    def refresh(
        self, refresh_token: str, *, mall_id: str, client_id: str, now: float
    ) -> dict[str, Any]:
        """A new pair for a live refresh token, which dies at once (cafe24 rotates them)."""
        record = self._refresh.get(refresh_token)
        if record is None or record.grant.mall_id != mall_id or record.grant.client_id != client_id:
            raise OAuthError(400, "invalid_grant", "Invalid refresh_token")
        if now >= record.expires_at:
            raise OAuthError(400, "invalid_grant", "refresh_token time expired")
        del self._refresh[refresh_token]
        return self._issue_pair(record.grant, now)

    # -- access tokens -------------------------------------------------------------------

    def check_access(self, access_token: str, *, mall_id: str, now: float) -> AccessGrant:
        """The grant behind a Bearer token, or cafe24's 401 for a missing or dead one."""
        record = self._access.get(access_token)
        if record is None or record.grant.mall_id != mall_id:
            raise ApiError(401, "Invalid access_token. (invalid_token)")
        if now >= record.expires_at:
            raise ApiError(401, "access_token time expired. (invalid_token)")
        return AccessGrant(record.grant, record.expires_at)

    # -- revocation ----------------------------------------------------------------------

    def revoke(self, token: str, hint: str | None, *, client_id: str) -> None:
        """Forget ``token`` if this client owns it; unknown tokens are not an error (RFC 7009).

        Revoking a refresh token also ends the access tokens of its grant (RFC 7009 §2.1).
        """
        stores = [self._access, self._refresh]
        if hint == "refresh_token":
            stores.reverse()
        for store in stores:
            record = store.get(token)
            if record is None or record.grant.client_id != client_id:
                continue
            del store[token]
            if store is self._refresh:
                grant_id = record.grant.grant_id
                for access, value in list(self._access.items()):
                    if value.grant.grant_id == grant_id:
                        del self._access[access]
            return

    # -- internals -----------------------------------------------------------------------

    def _issue_pair(self, grant: Grant, now: float) -> dict[str, Any]:
        self._sweep(now)
        issued = _millis(now)
        access, refresh = _new_token(), _new_token()
        access_record = _Token(grant, issued, issued + self._settings.access_ttl)
        refresh_record = _Token(grant, issued, issued + self._settings.refresh_ttl)
        self._access[access] = access_record
        self._refresh[refresh] = refresh_record
        # The key order of docs/CAFE24.md's sample; shop_no and token_type come from newer samples.
        return {
            "access_token": access,
            "expires_at": token_time(access_record.expires_at),
            "refresh_token": refresh,
            "refresh_token_expires_at": token_time(refresh_record.expires_at),
            "client_id": grant.client_id,
            "mall_id": grant.mall_id,
            "user_id": grant.user_id,
            "scopes": list(grant.scopes),
            "issued_at": token_time(issued),
            "shop_no": "1",
            "token_type": "Bearer",
        }

    def _sweep(self, now: float) -> None:
        """Drop long-dead codes and tokens now and then, so a long-running sandbox stays small."""
        if now - self._last_sweep < _SWEEP_EVERY:
            return
        self._last_sweep = now
        for code, code_record in list(self._codes.items()):
            if now >= code_record.expires_at + self._settings.code_ttl:
                del self._codes[code]
        for store in (self._access, self._refresh):
            for token, record in list(store.items()):
                if now >= record.expires_at + _KEEP_EXPIRED:
                    del store[token]
