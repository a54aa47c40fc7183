"""The provider's token and revoke endpoints: exchange a code, refresh, revoke.

Client credentials go as HTTP Basic (cafe24's documented default; RFC 6749 §2.3.1), or as form
fields when the profile says ``client_auth=body``. Failures become :class:`AuthError` with the
provider's own words (cafe24's flat ``{"error", "error_description"}``, or the nested
``{"error": {"message"}}`` of its API) and never a secret: the description is scrubbed of the
client secret, tokens and code before it is quoted.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import httpx

from ..decoding import body_text
from ..errors import AuthError
from ..jsonvalues import decode_json
from ..masking import Masker, mask_and_clip
from .profiles import Profile
from .tokens import Token, TokenFormatError, parse_token_response

_MAX_QUOTED = 300  # characters of a non-JSON error body worth showing


# The provider's error or description names the client or its secret: "invalid_client",
# "unauthorized_client", cafe24's "invalid_grant: Invalid client_secret", "Invalid client_id",
# "client authentication failed".
_NAMES_CLIENT = re.compile(r"client", re.IGNORECASE)

_CLIENT_HINT = (
    "check client_id and client_secret in your env files (the secret belongs in "
    "envs/NAME.local.env): they must be the app's, as cafe24 Developers > your app > App info "
    "(or your provider's app settings) shows them"
)
_HINTS = {
    "invalid_grant": "the grant is expired, used or revoked: log in again "
    "(httprun auth login --env FILE)",
    "invalid_scope": "ask only for scopes the app has been granted",
}


class TokenRefused(AuthError):
    """The provider answered with an OAuth error (``invalid_grant``, ``invalid_client``, ...)."""

    def __init__(
        self,
        message: str,
        error_code: str,
        detail: str,
        *,
        blames_client: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.error_code = error_code
        self.detail = detail  # the provider's words, scrubbed: "invalid_grant: ..."
        # The client's credentials were refused, not the grant: the refresh token (or code)
        # may be fine, so nobody should throw it away or log in again over it.
        self.blames_client = blames_client


def exchange_code(client: httpx.Client, profile: Profile, code: str, *, now: datetime) -> Token:
    """``grant_type=authorization_code``: trade the redirect's code for a token pair."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": profile.redirect_uri}
    response = _post(client, profile, profile.token_url, form, "the authorization code", [code])
    return _read_token(profile, response, now=now, previous=None)


def refresh_access_token(
    client: httpx.Client, profile: Profile, token: Token, *, now: datetime
) -> Token:
    """``grant_type=refresh_token``. The answer's new refresh token replaces the old one
    (cafe24 rotates: the old one is dead from now on)."""
    assert token.refresh_token, "refresh needs a refresh token"
    form = {"grant_type": "refresh_token", "refresh_token": token.refresh_token}
    response = _post(
        client, profile, profile.token_url, form, "the refresh token", [token.refresh_token]
    )
    return _read_token(profile, response, now=now, previous=token)


def revoke_token(client: httpx.Client, profile: Profile, value: str, hint: str) -> None:
    """Revoke one token at the provider. cafe24 names the kind ``token_hint`` (not RFC 7009's
    ``token_type_hint``); both are sent so either kind of provider understands."""
    if profile.revoke_url is None:
        raise AuthError(f"{profile.label} has no revoke endpoint", profile.span)
    form = {"token": value, "token_hint": hint, "token_type_hint": hint}
    _post(client, profile, profile.revoke_url, form, "the revocation", [value])


def _post(
    client: httpx.Client,
    profile: Profile,
    url: str,
    form: Mapping[str, str | None],
    what: str,
    extra_secrets: Iterable[str],
) -> httpx.Response:
    data = {key: value for key, value in form.items() if value is not None}
    headers = {"Accept": "application/json"}
    if profile.client_auth == "basic":
        pair = f"{profile.client_id}:{profile.client_secret}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    else:
        data["client_id"] = profile.client_id
        data["client_secret"] = profile.client_secret
    scrub = Masker({profile.client_secret, *extra_secrets})
    try:
        # A bare httpx.Auth adds nothing: the client's own default auth must never reach here.
        response = client.post(url, data=data, headers=headers, auth=httpx.Auth())
    except httpx.HTTPError as error:
        raise AuthError(
            f"could not reach {profile.label}'s endpoint {url}: "
            f"{scrub.mask(str(error)) or type(error).__name__}",
            profile.span,
            hint="check the network and the endpoint URL, then try again",
        ) from None
    if response.is_success:
        return response
    raise _refusal(profile, response, what, scrub)


def _refusal(profile: Profile, response: httpx.Response, what: str, scrub: Masker) -> AuthError:
    code, description = _oauth_error(response, scrub)
    # Masked, then clipped: a clip first could cut a secret and leave part of it unmasked.
    detail = mask_and_clip(
        f"{code}: {description}" if description else code, scrub.mask, _MAX_QUOTED, marker="..."
    )
    # cafe24 answers a wrong client_secret with invalid_grant, so the code alone cannot tell a
    # dead grant from wrong client credentials: the words do.
    blames_client = _NAMES_CLIENT.search(f"{code} {description}") is not None
    return TokenRefused(
        f"{profile.label} refused {what} (HTTP {response.status_code}): {detail}",
        code,
        detail,
        blames_client=blames_client,
        span=profile.span,
        hint=_CLIENT_HINT if blames_client else _HINTS.get(code, ""),
    )


def _oauth_error(response: httpx.Response, scrub: Masker) -> tuple[str, str]:
    """(error code, description) from the flat OAuth shape or cafe24's nested API shape; a
    body that is not JSON is quoted with its white space collapsed, masked before (a secret
    may hold a newline)."""
    text = body_text(response.content, response.headers.get("content-type", ""))
    try:
        body = decode_json(text)
    except ValueError:  # not JSON, or nested too deep to walk (TooDeep)
        return f"http_{response.status_code}", " ".join(scrub.mask(text).split())
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            code = _scalar(error.get("code")) or str(response.status_code)
            return code, _scalar(error.get("message"))
        if isinstance(error, str):
            description = _scalar(body.get("error_description")) or _scalar(body.get("message"))
            return error, description
    return f"http_{response.status_code}", ""


def _scalar(value: Any) -> str:
    """A string or number of the provider's error as text; anything else (a nested list, which
    str() would recurse into) as nothing."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _read_token(
    profile: Profile, response: httpx.Response, *, now: datetime, previous: Token | None
) -> Token:
    try:
        data = decode_json(body_text(response.content, response.headers.get("content-type", "")))
    except ValueError:  # not JSON, or nested too deep to walk (TooDeep)
        data = None
    try:
        return parse_token_response(
            data,
            now=now,
            naive_zone=profile.naive_zone,
            requested_scopes=profile.requested_scopes,
            previous=previous,
        )
    except TokenFormatError as error:
        raise AuthError(
            f"{profile.label}'s token endpoint answered with something that is not a token: "
            f"{error}",
            profile.span,
            hint="check token_url: it should be the provider's OAuth2 token endpoint",
        ) from None
