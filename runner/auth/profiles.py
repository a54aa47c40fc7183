"""Auth profiles: which provider, which client, which host may see the token.

A profile is built from the variables in scope when a request with ``# @auth NAME`` runs:

- ``cafe24``: ``mallid``, ``client_id``, ``client_secret``, and for logging in ``redirect_uri``
  and ``scope``. Endpoints ``https://{mallid}.cafe24api.com/api/v2/oauth/{authorize,token,revoke}``;
  the token goes to ``{mallid}.cafe24api.com`` only; offset-less token times are Korean time.
- ``oauth2``: ``token_url``, ``client_id``, ``client_secret``, and for logging in ``auth_url`` and
  ``redirect_uri``; ``scope`` and ``revoke_url`` are optional. The token goes to the host named by
  the ``api_host`` variable (``api.example.com``, ``api.example.com:8443`` or a URL), else to the
  host of ``token_url`` (any port, unless ``api_host`` names one); offset-less times are UTC.

Both read ``client_auth`` (``basic``, the default and cafe24's documented way, or ``body`` to send
the client credentials as form fields), and ``refresh_token`` / ``access_token``, which seed an
empty store entry (for CI, where nobody can log in).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Any
from urllib.parse import urlsplit

from ..errors import AuthError
from ..hosts import host_problem
from ..source import Span
from .tokens import KST, parse_scopes

PROFILE_NAMES = ("cafe24", "oauth2")
CLIENT_AUTH_METHODS = ("basic", "body")

# What each variable is and where a user finds its value: the "how to set it" of errors.
_VARIABLE_HELP = {
    "mallid": "your mall ID, as in https://MALLID.cafe24api.com",
    "client_id": "the app's Client ID (cafe24 Developers > your app > App info)",
    "client_secret": "the app's Client Secret Key, beside the Client ID",
    "redirect_uri": "a Redirect URL registered for the app, e.g. https://127.0.0.1:8765/callback",
    "scope": "the scopes to ask for, e.g. mall.read_product,mall.read_order",
    "token_url": "the provider's token endpoint, e.g. https://auth.example.com/oauth/token",
    "auth_url": "the provider's authorization endpoint, e.g. https://auth.example.com/authorize",
}
_MALL_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


@dataclass(frozen=True, slots=True)
class Seed:
    """Tokens given as variables, used only to fill an empty store entry."""

    refresh_token: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Profile:
    """One OAuth2 client at one provider. Equal profiles share one store entry."""

    name: str  # "cafe24" | "oauth2"
    client_id: str
    client_secret: str = field(repr=False)
    token_url: str
    authorize_url: str | None
    revoke_url: str | None
    redirect_uri: str | None
    scope: str | None
    api_host: str  # lower-case host name the bearer may be sent to
    api_port: int | None = None  # None: any port of api_host
    mall_id: str | None = None
    naive_zone: tzinfo = UTC  # the zone of token times that carry no offset
    client_auth: str = "basic"
    seed: Seed | None = field(default=None, repr=False, compare=False)
    span: Span | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """How messages name the profile: ``cafe24 (demo)``, ``oauth2 (auth.example.com)``."""
        where = self.mall_id or urlsplit(self.token_url).hostname or self.token_url
        return f"{self.name} ({where})"

    @property
    def store_key(self) -> str:
        """The store entry: one per profile + token URL + client id + mall."""
        return "|".join((self.name, self.token_url, self.client_id, self.mall_id or ""))

    @property
    def requested_scopes(self) -> tuple[str, ...]:
        return parse_scopes(self.scope)

    def check_can_log_in(self) -> None:
        """Raise :class:`AuthError` naming every variable the authorization-code flow lacks."""
        if self.name == "cafe24":
            needed = {"redirect_uri": self.redirect_uri, "scope": self.scope}
        else:
            needed = {"auth_url": self.authorize_url, "redirect_uri": self.redirect_uri}
        missing = [name for name, value in needed.items() if not value]
        if missing:
            raise missing_variables_error(self.name, missing, self.span, purpose="to log in")


def missing_variables_error(
    profile_name: str, missing: list[str], span: Span | None, *, purpose: str = ""
) -> AuthError:
    names = _join(missing)
    plural = "s" if len(missing) > 1 else ""
    label = "not set: " + "; ".join(
        f"{name} ({_VARIABLE_HELP.get(name, name)})" for name in missing
    )
    example = missing[0]
    secret_note = ""
    if "client_secret" in missing:
        secret_note = (
            " (put secrets such as client_secret in envs/NAME.local.env, which git ignores)"
        )
    purpose_text = f" {purpose}" if purpose else ""
    return AuthError(
        f"the {profile_name} auth profile needs the variable{plural} {names}{purpose_text}",
        span,
        label=label,
        hint=f"add `{example}=...` to the env file you pass with --env{secret_note}, "
        f"or pass --var {example}=...",
    )


def profile_from_variables(
    name: str,
    lookup: Callable[[str], Any],
    span: Span | None = None,
    *,
    require_secret: bool = True,
) -> Profile:
    """The profile ``# @auth NAME`` means with the variables ``lookup`` finds.

    ``lookup(variable)`` returns the value, or ``None`` (or raises ``KeyError``) when unset.
    Raises :class:`AuthError` at ``span`` for an unknown profile, missing or malformed variables.
    ``require_secret=False`` is for what never talks to the provider (``httprun auth status``):
    an unset ``client_secret`` is then an empty one (the store key does not include it).
    """

    def text(variable: str) -> str | None:
        try:
            value = lookup(variable)
        except KeyError:
            return None
        if value is None or isinstance(value, dict | list):
            return None
        value = str(value).strip()
        return value or None

    if name not in PROFILE_NAMES:
        raise AuthError(
            f"unknown auth profile '{name}'",
            span,
            label="httprun knows cafe24 and oauth2",
            hint="write `# @auth cafe24`, `# @auth oauth2`, or `# @auth none` to turn auth off",
        )
    client_auth = (text("client_auth") or "basic").lower()
    if client_auth not in CLIENT_AUTH_METHODS:
        raise AuthError(
            f"client_auth must be basic or body, not '{client_auth}'",
            span,
            hint="basic sends the client credentials as HTTP Basic (cafe24's way); "
            "body sends them as form fields",
        )
    refresh_seed, access_seed = text("refresh_token"), text("access_token")
    seed = Seed(refresh_seed, access_seed) if refresh_seed or access_seed else None
    if name == "cafe24":
        required = ("mallid", "client_id", "client_secret")
    else:
        required = ("token_url", "client_id", "client_secret")
    values = {variable: text(variable) for variable in required}
    if not require_secret and values["client_secret"] is None:
        values["client_secret"] = ""
    missing = [variable for variable, value in values.items() if value is None]
    if missing:
        raise missing_variables_error(name, missing, span)
    client_id, client_secret = values["client_id"] or "", values["client_secret"] or ""

    if name == "cafe24":
        mall_id = values["mallid"] or ""
        if not _MALL_ID.match(mall_id):
            raise AuthError(
                f"mallid '{mall_id}' is not a cafe24 mall ID",
                span,
                label="letters, digits and '-', as in https://MALLID.cafe24api.com",
            )
        mall_id = mall_id.lower()
        host = f"{mall_id}.cafe24api.com"
        base = f"https://{host}/api/v2/oauth"
        return Profile(
            name=name,
            client_id=client_id,
            client_secret=client_secret,
            token_url=f"{base}/token",
            authorize_url=f"{base}/authorize",
            revoke_url=f"{base}/revoke",
            api_host=host,
            mall_id=mall_id,
            naive_zone=KST,  # shared/docs/CAFE24.md: offset-less times are Korean time
            redirect_uri=_redirect_uri(text("redirect_uri"), span),
            scope=text("scope"),
            client_auth=client_auth,
            seed=seed,
            span=span,
        )

    token_url = _checked_url("token_url", values["token_url"] or "", span)
    authorize_url = text("auth_url")
    if authorize_url is not None:
        authorize_url = _checked_url("auth_url", authorize_url, span)
    revoke_url = text("revoke_url")
    if revoke_url is not None:
        revoke_url = _checked_url("revoke_url", revoke_url, span)
    api_host, api_port = _api_host(text("api_host"), token_url, span)
    return Profile(
        name=name,
        client_id=client_id,
        client_secret=client_secret,
        token_url=token_url,
        authorize_url=authorize_url,
        revoke_url=revoke_url,
        api_host=api_host,
        api_port=api_port,
        naive_zone=UTC,
        redirect_uri=_redirect_uri(text("redirect_uri"), span),
        scope=text("scope"),
        client_auth=client_auth,
        seed=seed,
        span=span,
    )


def _checked_url(variable: str, url: str, span: Span | None, *, any_scheme: bool = False) -> str:
    """``url`` when it is an absolute URL httprun can use: http(s) with a host (any scheme for
    ``any_scheme``: a redirect_uri that is pasted back may be an app's own), and a port, when it
    says one, that can be connected to."""
    try:
        parts = urlsplit(url)  # raises on a broken [IPv6] host
        port = parts.port  # raises on a port that is no number or above 65535
    except ValueError:
        parts, port = urlsplit(""), None
    usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    if any_scheme:
        usable = bool(parts.scheme) and bool(parts.netloc or parts.path)
    if not usable or port == 0 or (parts.hostname and host_problem(parts.hostname)):
        raise AuthError(
            f"{variable} '{url}' is not {'a URL' if any_scheme else 'an http(s) URL'} "
            "httprun can use",
            span,
            label=_VARIABLE_HELP.get(variable, "an absolute https:// URL"),
        )
    return url


def _redirect_uri(value: str | None, span: Span | None) -> str | None:
    return None if value is None else _checked_url("redirect_uri", value, span, any_scheme=True)


def _api_host(value: str | None, token_url: str, span: Span | None) -> tuple[str, int | None]:
    if value is None:
        return (urlsplit(token_url).hostname or "").lower(), None
    try:
        parts = urlsplit(value if "://" in value else f"//{value}")  # raises on a broken [IPv6]
        port = parts.port  # raises on a port that is no number or above 65535
    except ValueError:
        parts, port = urlsplit(""), None
    if not parts.hostname or parts.path not in ("", "/"):
        raise AuthError(
            f"api_host '{value}' is not a host name",
            span,
            label="write the API's host, e.g. api.example.com or api.example.com:8443",
        )
    return parts.hostname.lower(), port


def _join(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]
