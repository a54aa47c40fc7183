"""What the editing features say about httprun's words: the fields of ``auth``, the dynamic
values, the directives (what each does, its values), common headers and the check
operators. Completion offers them; hover explains them."""

from __future__ import annotations

from ..directives import AUTH_PROFILES

#: What ``<<auth.*>>`` reads under an ``@auth`` profile (README "Auth").
AUTH_FIELDS = {
    "access_token": "the current access token (masked in all output)",
    "refresh_token": "the current refresh token (masked in all output)",
    "expires_at": "when the access token expires",
    "scopes": "the scopes the token was granted",
}

#: ``<<$dynamic>>`` values (runner/dynamic.py) as snippets with their required arguments (an
#: optional OFFSET is left out: a snippet accepted as it is must give a valid value).
DYNAMIC_SNIPPETS = {
    "$uuid": ("\\$uuid", "a random UUID"),
    "$timestamp": ("\\$timestamp", "Unix time in seconds; an OFFSET after it: -1d, 2h"),
    "$isoTimestamp": ("\\$isoTimestamp", "ISO 8601 time (UTC); an OFFSET after it: -1d, 2h"),
    "$datetime": (
        "\\$datetime ${1:iso8601}",
        "a time formatted: rfc1123, iso8601 or a strftime pattern in quotes; then an OFFSET",
    ),
    "$randomInt": ("\\$randomInt ${1:0} ${2:100}", "a random integer, MIN included, MAX not"),
    "$env": ("\\$env ${1:NAME}", "a variable of the process environment"),
}

DIRECTIVE_HELP = {
    "name": "names the request: later requests read its response as <<name.body...>>, and "
    "--name runs it",
    "auth": "logs in with an OAuth 2.0 profile (cafe24 or oauth2) and sends the token; none "
    "turns a file default off",
    "timeout": "how long the request may take: 30s, 500ms, 2m",
    "retry": "sends again up to COUNT times (INTERVAL apart) while a check fails",
    "no-redirect": "does not follow redirects: the 3xx response is checked",
    "skip": "does not run the request (reported as skipped, with the reason)",
}
DIRECTIVE_VALUES = {
    "auth": AUTH_PROFILES,
    "timeout": ("30s", "500ms", "2m"),
    "retry": ("3", "3 1s"),
}

HEADER_VALUES = {
    "Accept": ("application/json", "*/*", "text/html"),
    "Authorization": ("Bearer <<auth.access_token>>", "Basic "),
    "Cache-Control": ("no-cache", "no-store"),
    "Content-Type": (
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=",
        "text/plain",
    ),
    "X-Cafe24-Api-Version": ("2025-06-01",),
}
HEADER_NAMES = (
    *HEADER_VALUES,
    "Accept-Encoding",
    "Accept-Language",
    "Content-Length",
    "Cookie",
    "If-Match",
    "If-None-Match",
    "Origin",
    "Referer",
    "User-Agent",
    "X-Api-Key",
    "X-Request-Id",
)
OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "contains", "in", "matches", "exists", "not")
