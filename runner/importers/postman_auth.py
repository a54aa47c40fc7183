"""Postman auth blocks as httprun: headers and query parameters for bearer, basic and API keys
(credentials as env variables), ``# @auth oauth2`` or ``# @auth cafe24`` with their settings
as the variables httprun reads, and a comment plus a report line for the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..masking import is_secret_name
from .postman_context import Context, has_literal
from .postman_model import Auth

# cafe24's guide: https://{{mallid}}.cafe24api.com/api/v2/oauth/authorize and /token
_CAFE24_OAUTH = re.compile(
    r"https://(?:\{\{\s*([^{}]+?)\s*\}\}|([A-Za-z0-9-]+))\.cafe24api\.com/api/v2/oauth/(authorize|token)/?"
)
_CODE_GRANTS = ("authorization_code", "")
# Attributes whose names say "token" or "key" but hold settings (apikey's key is a name).
_NOT_SECRETS = frozenset({"addTokenTo", "tokenName", "tokenType", "useBrowser", "key"})
_CLIENT_AUTH = {"header": "basic", "body": "body"}


@dataclass
class AuthPlan:
    directive: str = ""  # "cafe24" | "oauth2" | "" (none)
    settings: tuple[tuple[str, str], ...] = ()  # the profile's variables: name, template
    headers: list[tuple[str, str]] = field(default_factory=list)
    query: list[tuple[str, str]] = field(default_factory=list)
    comment: str = ""


def cafe24_mall(url: str) -> str | None:
    """The mall of a cafe24 OAuth URL: the Postman variable (``{{mallid}}``) or the literal."""
    match = _CAFE24_OAUTH.fullmatch(url.strip())
    if match is None:
        return None
    return "{{" + match.group(1) + "}}" if match.group(1) else match.group(2)


def is_cafe24(auth: Auth | None) -> bool:
    return (
        auth is not None
        and auth.type == "oauth2"
        and cafe24_mall(auth.get("authUrl")) is not None
        and cafe24_mall(auth.get("accessTokenUrl")) is not None
    )


def learn_secrets(auth: Auth, context: Context) -> None:
    """Every secret an auth block holds (a live ``accessToken``, passwords, keys) is masked,
    whether or not the block is imported."""
    for key, value in auth.attrs.items():
        secret = is_secret_name(key) and key not in _NOT_SECRETS
        if (secret or (auth.type == "apikey" and key == "value")) and has_literal(value):
            context.masker.add(value)


def plan_auth(auth: Auth | None, where: str, context: Context) -> AuthPlan:
    """What the request at ``where`` needs for its (inherited) auth."""
    if auth is None or auth.type == "noauth":
        return AuthPlan()
    learn_secrets(auth, context)
    if auth.type == "bearer":
        token = context.credential("bearer_token", auth.get("token"), where)
        return AuthPlan(headers=[("Authorization", f"Bearer {token}")])
    if auth.type == "basic":
        user = context.credential("basic_username", auth.get("username"), where, secret=False)
        password = context.credential("basic_password", auth.get("password"), where)
        return AuthPlan(headers=[("Authorization", f"Basic {user}:{password}")])
    if auth.type == "apikey":
        return _api_key(auth, where, context)
    if auth.type == "oauth2":
        return _oauth2(auth, where, context)
    context.report.attention(
        where,
        f"Postman's {auth.type} auth has no httprun form: add the header it sends yourself "
        "(the request is kept without it)",
    )
    return AuthPlan(comment=f"Postman auth {auth.type}: not imported")


def _api_key(auth: Auth, where: str, context: Context) -> AuthPlan:
    name = auth.get("key").strip() or "X-API-Key"
    value = context.credential(f"{name} value", auth.get("value"), where)
    if auth.get("in") == "query":
        return AuthPlan(query=[(name, value)])
    return AuthPlan(headers=[(name, value)])


def _oauth2(auth: Auth, where: str, context: Context) -> AuthPlan:
    grant = auth.get("grant_type")
    if grant not in _CODE_GRANTS:
        context.report.attention(
            where,
            f"OAuth 2.0 grant '{grant}' has no httprun profile (httprun logs in with the "
            "authorization code grant): get the token yourself and send it in a header",
        )
        return AuthPlan(comment=f"Postman auth oauth2 ({grant}): not imported")
    _oauth2_notes(auth, where, context)
    settings = {
        "client_id": context.credential("client_id", auth.get("clientId"), where, secret=False),
        "client_secret": context.credential("client_secret", auth.get("clientSecret"), where),
        "redirect_uri": context.template(auth.get("redirect_uri"), where),
        "scope": context.template(auth.get("scope"), where),
    }
    client_auth = _CLIENT_AUTH.get(auth.get("client_authentication"), "")
    if client_auth == "body":
        settings["client_auth"] = client_auth
    if is_cafe24(auth):
        mall = cafe24_mall(auth.get("authUrl")) or ""
        settings["mallid"] = context.template(mall, where)
        return AuthPlan(directive="cafe24", settings=_needed(settings))
    settings["auth_url"] = context.template(auth.get("authUrl"), where)
    settings["token_url"] = context.template(auth.get("accessTokenUrl"), where)
    return AuthPlan(directive="oauth2", settings=_needed(settings))


def _oauth2_notes(auth: Auth, where: str, context: Context) -> None:
    if auth.get("accessToken"):
        context.report.attention(
            where,
            "the exported OAuth 2.0 access token is left out (a secret): httprun logs in "
            "itself, 'httprun auth login --env ENV'",
        )
    if auth.get("addTokenTo") == "queryParams":
        context.report.attention(
            where, "the token went in the query in Postman: httprun sends it as a Bearer header"
        )
    prefix = auth.get("headerPrefix").strip()
    if prefix and prefix.lower() != "bearer":
        context.report.attention(
            where, f"the token prefix '{prefix}' is not kept: httprun sends 'Bearer TOKEN'"
        )


def _needed(settings: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The settings to write as file variables: not those empty or read from a variable of
    the very name the profile reads."""
    return tuple(
        (name, value)
        for name, value in sorted(settings.items())
        if value.strip() and value != f"<<{name}>>"
    )
