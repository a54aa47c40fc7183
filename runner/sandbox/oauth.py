"""The three OAuth endpoints under ``/api/v2/oauth/``: authorize (the consent page and its
form), token (both grants) and revoke. Errors are cafe24's flat ``{"error", "error_description"}``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote_plus, urlencode

from .consent import APPROVE, DECISION_FIELD, DENY, PASSWORD_FIELD, USER_FIELD, render_consent_page
from .messages import OAuthError, Request, Response, json_response
from .scopes import split_scopes
from .settings import SandboxSettings
from .state import SandboxState

# cafe24's exact answer for a redirect_uri that is not registered (docs/CAFE24.md).
BAD_REDIRECT_URI = "The redirect_uri added by Cafe24 Developers is invalid."
FORM = "application/x-www-form-urlencoded"
_DEFAULTS = SandboxSettings()


class _RedirectWithError(Exception):
    """An authorization error the client hears about at its redirect_uri (RFC 6749 §4.1.2.1)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scope: str  # as the client wrote it, carried through the form unchanged
    scopes: tuple[str, ...]
    state: str | None

    def hidden_fields(self) -> dict[str, str]:
        fields = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
        }
        if self.state is not None:
            fields["state"] = self.state
        return fields


def redirect_location(uri: str, params: Mapping[str, str]) -> str:
    """``uri`` with ``params`` added to its query (a registered URI may have one already)."""
    separator = "&" if "?" in uri else "?"
    return uri + separator + urlencode(params)


def redirect_to(location: str) -> Response:
    return Response(302, [("Location", location)])


def _first(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def read_authorization_request(
    params: Mapping[str, list[str]], settings: SandboxSettings
) -> AuthorizationRequest:
    """Validate an authorization request, in RFC 6749's order: errors about the client or its
    redirect_uri are answered directly; once the redirect_uri is trusted, by redirecting."""
    client_id = _first(params, "client_id")
    if not client_id:
        raise OAuthError(400, "invalid_request", "client_id is required")
    if client_id != settings.client_id:
        raise OAuthError(400, "invalid_request", "Invalid client_id")
    redirect_uri = _first(params, "redirect_uri")
    if redirect_uri not in settings.redirect_uris:
        raise OAuthError(400, "invalid_request", BAD_REDIRECT_URI)
    state = _first(params, "state")

    def refuse(error: str, description: str) -> _RedirectWithError:
        answer = {"error": error, "error_description": description}
        if state is not None:
            answer["state"] = state
        return _RedirectWithError(redirect_location(redirect_uri, answer))

    response_type = _first(params, "response_type")
    if response_type != "code":
        raise refuse("unsupported_response_type", "response_type must be code")
    scope = _first(params, "scope") or ""
    scopes = split_scopes(scope)
    if not scopes:
        raise refuse("invalid_scope", "scope is required, e.g. mall.read_product")
    unknown = [item for item in scopes if item not in settings.scopes]
    if unknown:
        raise refuse(
            "invalid_scope",
            f"The app does not have the scope {', '.join(unknown)}"
            f" (it has {', '.join(settings.scopes)})",
        )
    return AuthorizationRequest(client_id, redirect_uri, scope, scopes, state)


def _consent_page(
    state: SandboxState,
    request: Request,
    authorization: AuthorizationRequest,
    *,
    user_id: str = "",
    error: str = "",
) -> Response:
    settings = state.settings
    defaults = (settings.user, settings.password) == (_DEFAULTS.user, _DEFAULTS.password)
    page = render_consent_page(
        mall_id=request.mall,
        client_id=authorization.client_id,
        scopes=authorization.scopes,
        hidden=authorization.hidden_fields(),
        user_id=user_id,
        error=error,
        # Only the documented defaults are shown: a password someone chose stays secret.
        login_hint=f"Sandbox login: {settings.user} / {settings.password}" if defaults else "",
    )
    return Response(
        200,
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
        ],
        page.encode(),
    )


def authorize_page(state: SandboxState, request: Request) -> Response:
    """``GET /api/v2/oauth/authorize``: the consent page, or the request's error."""
    try:
        authorization = read_authorization_request(request.query, state.settings)
    except _RedirectWithError as refused:
        return redirect_to(refused.location)
    return _consent_page(state, request, authorization)


def authorize_decision(state: SandboxState, request: Request) -> Response:
    """``POST /api/v2/oauth/authorize``: the consent form; approve sends the code, deny an error."""
    form = _read_form(request)
    try:
        authorization = read_authorization_request(form, state.settings)
    except _RedirectWithError as refused:
        return redirect_to(refused.location)
    decision = _first(form, DECISION_FIELD)
    if decision == DENY:
        answer: dict[str, str] = {
            "error": "access_denied",
            "error_description": "The user denied the request",
        }
    elif decision == APPROVE:
        user_id = (_first(form, USER_FIELD) or "").strip()
        password = _first(form, PASSWORD_FIELD) or ""
        settings = state.settings
        if not (
            hmac.compare_digest(user_id.encode(), settings.user.encode())
            and hmac.compare_digest(password.encode(), settings.password.encode())
        ):
            return _consent_page(
                state, request, authorization, user_id=user_id, error="Wrong user id or password."
            )
        code = state.tokens.issue_code(
            mall_id=request.mall,
            user_id=user_id,
            scopes=authorization.scopes,
            redirect_uri=authorization.redirect_uri,
            now=state.clock(),
        )
        answer = {"code": code}
    else:
        return _consent_page(
            state, request, authorization, error="Choose Approve or Deny to continue."
        )
    if authorization.state is not None:
        answer["state"] = authorization.state
    return redirect_to(redirect_location(authorization.redirect_uri, answer))


def token(state: SandboxState, request: Request) -> Response:
    """``POST /api/v2/oauth/token``: ``authorization_code`` and ``refresh_token`` grants."""
    form = _read_form(request)
    client_id = _authenticate_client(request, form, state.settings)
    now = state.clock()
    grant_type = _first(form, "grant_type")
    if grant_type == "authorization_code":
        code = _required(form, "code")
        redirect_uri = _required(form, "redirect_uri")
        document = state.tokens.redeem_code(
            code, mall_id=request.mall, client_id=client_id, redirect_uri=redirect_uri, now=now
        )
    elif grant_type == "refresh_token":
        refresh_token = _required(form, "refresh_token")
        document = state.tokens.refresh(
            refresh_token, mall_id=request.mall, client_id=client_id, now=now
        )
    elif not grant_type:
        raise OAuthError(400, "invalid_request", "grant_type is required")
    else:
        raise OAuthError(
            400,
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token",
        )
    response = json_response(200, document)
    response.add_header("Cache-Control", "no-store")
    response.add_header("Pragma", "no-cache")
    return response


def revoke(state: SandboxState, request: Request) -> Response:
    """``POST /api/v2/oauth/revoke``: ``token`` and cafe24's ``token_hint``; 200, empty."""
    form = _read_form(request)
    client_id = _authenticate_client(request, form, state.settings)
    value = _required(form, "token")
    hint = _first(form, "token_hint")
    if hint not in (None, "", "access_token", "refresh_token"):
        raise OAuthError(400, "invalid_request", "token_hint must be access_token or refresh_token")
    state.tokens.revoke(value, hint or None, client_id=client_id)
    return Response(200)


def _read_form(request: Request) -> dict[str, list[str]]:
    if not request.body:
        return {}  # nothing sent, so no Content-Type either: the missing fields say what is wrong
    if request.media_type() != FORM:
        raise OAuthError(400, "invalid_request", f"Content-Type must be {FORM}")
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise OAuthError(400, "invalid_request", "the form body is not UTF-8") from None
    return parse_qs(text, keep_blank_values=True)


def _required(form: Mapping[str, list[str]], name: str) -> str:
    value = _first(form, name)
    if not value:
        raise OAuthError(400, "invalid_request", f"{name} is required")
    return value


def _authenticate_client(
    request: Request, form: Mapping[str, list[str]], settings: SandboxSettings
) -> str:
    """The client id, checked with its secret: HTTP Basic (cafe24's documented default) or
    ``client_id``/``client_secret`` form fields (its newer docs). Basic wins when both are sent."""
    authorization = request.header("authorization")
    if authorization:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            raise OAuthError(401, "invalid_client", "the Authorization header must be HTTP Basic")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError(
                401, "invalid_client", "the Authorization header is not valid HTTP Basic"
            ) from None
        client_id, colon, secret = decoded.partition(":")
        if not colon:
            raise OAuthError(
                401, "invalid_client", "HTTP Basic credentials must be client_id:client_secret"
            )
    elif _first(form, "client_id"):
        client_id = _first(form, "client_id") or ""
        secret = _first(form, "client_secret") or ""
    else:
        raise OAuthError(
            401,
            "invalid_client",
            "client authentication is required: Authorization: Basic"
            " base64(client_id:client_secret), or client_id and client_secret form fields",
        )
    # RFC 6749 §2.3.1 form-encodes both parts inside Basic; cafe24's guide does not. Take both.
    if client_id != settings.client_id and unquote_plus(client_id) != settings.client_id:
        raise OAuthError(401, "invalid_client", "Invalid client_id")
    expected = settings.client_secret.encode()
    if not (
        hmac.compare_digest(secret.encode(), expected)
        or hmac.compare_digest(unquote_plus(secret).encode(), expected)
    ):
        # cafe24 answers a wrong secret with invalid_grant, not RFC 6749's invalid_client.
        raise OAuthError(401, "invalid_grant", "Invalid client_secret")
    return settings.client_id
