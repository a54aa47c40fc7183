"""Keep secrets out of everything people see: terminal, reports, logs, error messages.

A :class:`Masker` learns secret values as a run meets them (env variables and captures whose
names look secret, OAuth tokens, sensitive headers, fields named like secrets in request and
response bodies, URLs and forms) and replaces every occurrence, in every encoding they travel
in, with ``****``. Sensitive headers are masked by name whatever their value.

Anything shown cut short goes through :func:`mask_and_clip`: masking first, so the cut never
leaves part of a secret behind.
"""

from __future__ import annotations

import base64
import bisect
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

from .jsonvalues import decode_json, valid_text

MASK = "****"
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "digest"})
_MIN_COOKIE_SECRET = 8
# Shorter forms would match inside ordinary words ("ab" in "table"): they are masked only where
# they stand as a whole token (no letter, digit or _ right before or after them).
_MIN_ANYWHERE = 4

# -- the name rule ------------------------------------------------------------------------------

# A name is split into words (snake_case, kebab-case, camelCase, dotted): a secret's name has
# one of these words, or a word ending in one of _SECRET_ENDINGS (accesstoken, clientsecret).
_SECRET_WORDS = frozenset(
    {
        "secret",
        "secrets",
        "token",
        "tokens",
        "password",
        "passwords",
        "passwd",
        "passphrase",
        "pwd",
        "credential",
        "credentials",
        "key",
        "apikey",
        "privatekey",
        "secretkey",
        "accesskey",
    }
)
_SECRET_ENDINGS = ("token", "secret", "password", "passwd")
# Names that end by describing a secret: token_type ("Bearer"), token_url, token_hint,
# refresh_token_expires_at, token_ttl (3600)... Masking their values would hide ordinary words,
# URLs and numbers everywhere.
_DESCRIBING_WORDS = frozenset(
    {
        "type", "hint", "url", "uri", "endpoint", "at", "in", "expires", "expiry", "expiration",
        "lifetime", "ttl", "name", "count", "length", "size", "limit", "header", "scope", "scopes",
    }
)  # fmt: skip
# Words that make the secret word after them data: a body's sort_key, public_key or max_tokens
# is meant to be read.
_DATA_QUALIFIERS = frozenset(
    {
        "public", "publishable", "primary", "foreign", "sort", "partition", "cache",
        "idempotency", "max", "min", "num",
    }
)  # fmt: skip
# Every secret name has one of these in it, in lower case (is_secret_name's words and endings).
_SECRET_NAME_HINTS = ("secret", "token", "passw", "pwd", "passphrase", "credential", "key")
_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


@lru_cache(maxsize=4096)  # every key of every body is asked: the same few names, again and again
def is_secret_name(name: str) -> bool:
    """Whether a variable, capture, JSON field, form field or query parameter called ``name``
    holds a secret: ``client_secret``, ``apiKey``, ``private_key``, ``accessToken`` do;
    ``keyword``, ``token_type``, ``public_key`` do not. The one rule for all of them."""
    words = [word.lower() for word in _NAME_WORDS.findall(name)]
    if not words or words[-1] in _DESCRIBING_WORDS:
        return False
    for before, word in zip(["", *words], words, strict=False):
        if before in _DATA_QUALIFIERS:
            continue
        if word in _SECRET_WORDS or word.endswith(_SECRET_ENDINGS):
            return True
    return False


def is_sensitive_header(name: str) -> bool:
    """Whether a header's value is a credential: ``Authorization``, ``Cookie``... and any
    header named like a secret (``X-Auth-Token``, ``X-Client-Secret``), by the same rule."""
    return name.lower() in SENSITIVE_HEADERS or is_secret_name(name)


# -- the forms a secret travels in ---------------------------------------------------------------

_URL_SAFE_QUERY = "".join(chr(i) for i in range(0x21, 0x7F) if chr(i) not in '"#<>')
_URL_SAFE_PATH = "".join(c for c in _URL_SAFE_QUERY if c not in "?`{}")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")
_UNICODE_ESCAPE = re.compile(r"\\u[0-9a-f]{4}")


def encoded_forms(value: str) -> set[str]:
    """``value`` as JSON strings carry it (raw or ``\\uXXXX`` non-ASCII, ``\\/``), as URLs and
    forms carry it (``%2F`` or ``%2f``, ``+`` or ``%20`` for a space, what httpx leaves as is),
    and, for a multi-line value (a PEM key), each of its lines, since some outputs show one
    line at a time; a value with white space around it, stripped too."""
    forms = {value}
    for ensure_ascii in (False, True):
        inner = json.dumps(value, ensure_ascii=ensure_ascii)[1:-1]
        upper_hex = _UNICODE_ESCAPE.sub(lambda m: "\\u" + m.group()[2:].upper(), inner)
        forms |= {inner, upper_hex, inner.replace("/", "\\/"), upper_hex.replace("/", "\\/")}
    for encoded in (
        # errors="replace": a value may hold a lone surrogate (an undecodable --var byte, a
        # JSON "\ud800"), which UTF-8 cannot encode; no request can carry it either.
        quote(value, safe="", errors="replace"),
        quote_plus(value, safe="", errors="replace"),
        quote(value, safe=_URL_SAFE_QUERY, errors="replace"),
        quote(value, safe=_URL_SAFE_PATH, errors="replace"),
    ):
        forms |= {encoded, _PERCENT_ESCAPE.sub(lambda m: m.group().lower(), encoded)}
    if value.strip() != value and value.strip():
        forms |= encoded_forms(value.strip())  # headers and many outputs strip values
    if valid_text(value) != value:  # inserted into a request with U+FFFD for its surrogates
        forms |= encoded_forms(valid_text(value))
    lines = value.splitlines()
    if lines != [value]:
        for line in lines:
            if line.strip():
                forms |= encoded_forms(line.strip())
    return forms


_WORD_CHARACTER = re.compile(r"\w")


def _token_pattern(form: str) -> str:
    """A regex matching ``form`` not followed by a word character when it ends with one. (That
    it is not preceded by one is checked on each match: a regex that starts with a look-behind
    is tried at every position, ten times slower than one that starts with plain text.)"""
    after = r"(?!\w)" if _WORD_CHARACTER.match(form[-1]) else ""
    return re.escape(form) + after


def _token_spans(tokens: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Where ``tokens`` match as whole tokens: not right after a word character, when they
    start with one."""
    return [
        match.span()
        for match in tokens.finditer(text)
        if not (
            match.start() > 0
            and _WORD_CHARACTER.match(text, match.start())
            and _WORD_CHARACTER.match(text, match.start() - 1)
        )
    ]


# -- source lines shown in errors ------------------------------------------------------------------

# A line shown under an error may come from a file that could not be read whole (a malformed
# env file, a request file that does not parse): the Masker never learnt its secrets. What it
# assigns to a secret-named thing is masked by name instead: a whole line's value
# (``client_secret=...``, ``client_secret ...``, ``@api_key = ...``, ``X-Auth-Token: ...``,
# ``Authorization: Bearer ...``), a ``name=value`` pair inside it (``?api_key=...&``), a JSON
# ``"password": "..."`` and the password of ``http://user:password@host``.
_NAME = r"[A-Za-z_][\w.-]*"
_LINE_ASSIGNMENT = re.compile(
    rf"^(?P<lead>\s*(?:\#\s*)?(?:export\s+)?@?)(?P<name>{_NAME})(?P<sep>\s*[=:]\s*|\s+)(?P<value>\S.*)$"
)
_PAIR = re.compile(rf"(?P<name>{_NAME})(?P<sep>=)(?P<value>[^&\s#;,]+)")
_JSON_PAIR = re.compile(r'"(?P<name>[^"\\]+)"(?P<sep>\s*:\s*)"(?P<value>(?:[^"\\]|\\.)*)"')
_URL_PASSWORD = re.compile(r"(?P<lead>://[^/?#@\s:]*:)(?P<value>[^/?#@\s]+)(?=@)")


def mask_named_values(line: str) -> str:
    """``line`` with every value it gives a secret-named variable, field, parameter or header
    (by :func:`is_secret_name` and :func:`is_sensitive_header`) replaced by ``****``."""
    spans = _named_value_spans(line)
    return _replace_spans(line, spans) if spans else line


# What a line that gives a secret a value must hold: a secret name's hint, a sensitive header's
# name, or the "@" of a URL's password.
_SOURCE_LINE_HINTS = ("@", "authorization", "cookie", *_SECRET_NAME_HINTS)


def named_values(lines: Iterable[str]) -> list[str]:
    """The values ``lines`` give secret-named things (as :func:`mask_named_values` finds
    them), with and without the quotes around them: what a Masker of an unreadable file
    learns, so a secret is masked on the other lines that show it too."""
    found: list[str] = []
    for line in lines:
        for start, end in _named_value_spans(line):
            value = line[start:end]
            found += [value, value.strip("\"'")]
    return found


def named_value_spans(line: str) -> list[tuple[int, int]]:
    """Where ``line`` gives secret-named things a literal value (what
    :func:`mask_named_values` masks), as (start, end) offsets, left to right."""
    return sorted(_named_value_spans(line))


def _named_value_spans(line: str) -> list[tuple[int, int]]:
    lowered = line.lower()
    if not any(hint in lowered for hint in _SOURCE_LINE_HINTS):  # the usual line: no regex
        return []
    assignment = _LINE_ASSIGNMENT.match(line)
    if (
        assignment is not None
        and is_sensitive_header(assignment["name"])
        and not _is_reference(assignment["value"])
    ):
        start = assignment.start("value")
        scheme, _, rest = assignment["value"].partition(" ")
        if rest.strip() and scheme.lower() in _AUTH_SCHEMES:
            start += len(scheme) + 1
        return [(start, len(line))]
    spans = [
        match.span("value")
        for match in _URL_PASSWORD.finditer(line)
        if not _is_reference(match["value"])
    ]
    for pattern in (_JSON_PAIR, _PAIR):
        spans += [
            match.span("value")
            for match in pattern.finditer(line)
            if match["value"]
            and is_sensitive_header(match["name"])
            and not _is_reference(match["value"])
        ]
    return spans


def _is_reference(value: str) -> bool:
    """Whether ``value`` names its secret rather than holds it (``Bearer <<token>>``,
    ``${CLIENT_SECRET}``): shown as written, an error under it stays readable."""
    return "<<" in value or "${" in value


class LiteralMasker:
    """Masks a fixed set of literal values (at least 4 characters long) at a cost that does not
    grow with their number: a file may give thousands of secrets and have thousands of
    errors, and a Masker looks for each of its forms in each text. Candidates are found by
    their first 4 characters, whichever is fewer: the text's positions or the prefixes."""

    def __init__(self, values: Iterable[str]) -> None:
        self._by_prefix: dict[str, list[str]] = {}
        for value in set(values):
            if len(value) >= _MIN_ANYWHERE and value.strip():
                self._by_prefix.setdefault(value[:_MIN_ANYWHERE], []).append(value)
        for candidates in self._by_prefix.values():
            candidates.sort(key=len, reverse=True)  # a value that holds another: masked whole

    def mask(self, text: str) -> str:
        if not self._by_prefix:
            return text
        starts: Iterable[int]
        if len(self._by_prefix) < len(text):
            starts = [
                start
                for prefix in self._by_prefix
                if prefix in text
                for start in _occurrences(text, prefix)
            ]
        else:
            starts = range(len(text) - _MIN_ANYWHERE + 1)
        spans: list[tuple[int, int]] = []
        for start in starts:
            for value in self._by_prefix.get(text[start : start + _MIN_ANYWHERE], ()):
                if text.startswith(value, start):
                    spans.append((start, start + len(value)))
                    break
        return _replace_spans(text, spans) if spans else text


def _occurrences(text: str, part: str) -> Iterator[int]:
    start = text.find(part)
    while start >= 0:
        yield start
        start = text.find(part, start + 1)


# -- cutting text short ---------------------------------------------------------------------------


def mask_and_clip(
    text: str, mask: Callable[[str], str], limit: int, *, marker: str = "…", keep_end: int = 0
) -> str:
    """``text`` masked, then, when longer than ``limit``, cut to its first ``limit - keep_end``
    characters, ``marker`` and its last ``keep_end`` ones (``marker`` may say ``{more}``: how
    many were cut). The one place anything shown is cut: cutting before masking would leave
    the part of a secret before the cut unmasked."""
    text = mask(text)
    if len(text) <= limit:
        return text
    head = limit - keep_end
    tail = text[len(text) - keep_end :] if keep_end else ""
    return text[:head] + marker.format(more=len(text) - head - keep_end) + tail


# -- the masker ------------------------------------------------------------------------------------


class Masker:
    def __init__(self, secrets: Iterable[str] = frozenset()) -> None:
        self._secrets: set[str] = set()
        self._forms: set[str] = set()
        # Files may run in parallel and tokens arrive from worker threads: adding and masking
        # must not see the set change under them. Masking reads one immutable snapshot.
        self._lock = threading.Lock()
        # The forms, longest first (so a secret that contains another is masked whole):
        # those masked anywhere, and the short ones masked as whole tokens.
        self._anywhere: list[str] = []
        self._short: list[str] = []
        self._snapshot: tuple[tuple[str, ...], re.Pattern[str] | None] = ((), None)
        for secret in secrets:
            self.add(secret)

    @property
    def secrets(self) -> frozenset[str]:
        """The values learnt (their encoded forms are masked too)."""
        with self._lock:
            return frozenset(self._secrets)

    def add(self, value: str) -> None:
        """Treat ``value`` (and the encodings it is commonly sent in) as secret."""
        self.add_all((value,))

    def add_all(self, values: Iterable[str]) -> None:
        """Treat every one of ``values`` as secret, at the cost of one :meth:`add`: a body may
        hold thousands of tokens, and adding them one by one would sort the forms each time."""
        with self._lock:
            # An empty value is no secret; masking it would blank every space.
            fresh = {value for value in values if value.strip() and value not in self._secrets}
        if not fresh:
            return
        forms = set().union(*(encoded_forms(value) for value in fresh))
        with self._lock:
            self._secrets |= fresh
            new = forms - self._forms
            if not new:
                return
            self._forms |= new
            for target, fitting in (
                (self._anywhere, [form for form in new if len(form) >= _MIN_ANYWHERE]),
                (self._short, [form for form in new if len(form) < _MIN_ANYWHERE]),
            ):
                _merge_sorted(target, fitting)
            tokens = self._snapshot[1]
            if any(len(form) < _MIN_ANYWHERE for form in new):
                tokens = re.compile("|".join(_token_pattern(form) for form in self._short))
            self._snapshot = (tuple(self._anywhere), tokens)

    def add_variable(self, name: str, value: Any) -> None:
        """Remember ``value`` when ``name`` says it is a secret (client_secret, access_token),
        and every value nested in it under a secret-looking name (a named response's
        ``body.access_token``)."""
        self.add_fields(value, secret=is_secret_name(name))

    def add_fields(self, value: Any, *, secret: bool = False) -> None:
        """Learn every string of a JSON-like value held under a secret-looking key (all of
        them with ``secret``). Walks without recursion: a body may nest thousands deep. This
        runs on every response body: only containers are queued, leaves are looked at once."""
        found: list[str] = []
        pending: list[tuple[Any, bool]] = [(value, secret)]
        while pending:
            item, under_secret = pending.pop()
            if isinstance(item, dict):
                for key, child in item.items():
                    child_secret = under_secret or is_secret_name(str(key))
                    if isinstance(child, _CONTAINERS):
                        pending.append((child, child_secret))
                    elif child_secret:
                        _collect_secret(child, found)
            elif isinstance(item, _CONTAINERS):
                for child in item:
                    if isinstance(child, _CONTAINERS):
                        pending.append((child, under_secret))
                    elif under_secret:
                        _collect_secret(child, found)
            elif under_secret:
                _collect_secret(item, found)
        self.add_all(found)

    def add_form(self, text: str) -> None:
        """Learn the secret-named fields of ``a=1&api_key=...`` (a form body or a query)."""
        if "=" not in text or "\n" in text:
            return
        for key, item in parse_qsl(text, keep_blank_values=False):
            if is_secret_name(key):
                self.add(item)

    def add_text_fields(self, text: str) -> None:
        """Learn the secret-named fields of a body that is not JSON: a form, on one line or
        several (``a=1`` then ``&password=...``), the parts of a multipart form
        (``name="api_key"``) and XML elements (``<password>...</password>``)."""
        shown = text[:_TEXT_FIELDS_SCANNED]
        found = [
            match["value"]
            for pattern in (_TEXT_PAIR, _MULTIPART_FIELD, _XML_ELEMENT)
            for match in pattern.finditer(shown)
            if is_secret_name(match["name"])
        ]
        self.add_all(found)

    def add_body(self, body: Any, text: str | None = None) -> None:
        """Learn the secret-named fields of a request or response body: parsed JSON (``text``
        being what it was parsed from, when known), or text holding JSON or a form."""
        if isinstance(body, str):
            text = body
        if text is not None and not _may_name_a_secret(text):
            return  # the usual case: no need to walk (or parse) the whole body
        if not isinstance(body, str):
            self.add_fields(body)
            return
        stripped = body.strip()
        if stripped[:1] not in ("{", "["):
            self.add_text_fields(stripped)
            return
        try:
            self.add_fields(decode_json(stripped))
        except ValueError:
            return  # not JSON after all (or too deep to read): nothing named to learn

    def add_request(
        self, url: str, headers: Iterable[tuple[str, str]], body: bytes | None = None
    ) -> None:
        """Learn the credentials a request carries: sensitive headers, the URL's password and
        secret-named query parameters, secret-named fields of its body."""
        for name, value in headers:
            self.add_header(name, value)
        self.add_url(url)
        if body:
            self.add_body(body.decode("utf-8", errors="replace"))

    def add_response(self, document: Mapping[str, Any]) -> None:
        """Learn the credentials of a response document (an uncaptured token response)."""
        headers = document.get("headers")
        if isinstance(headers, Mapping):
            for name, value in headers.items():
                self.add_header(str(name), str(value))
        url = document.get("url")
        if isinstance(url, str):
            self.add_url(url)
        text = document.get("text")
        self.add_body(document.get("body"), text if isinstance(text, str) else None)

    def add_basic_credentials(self, user: str, password: str) -> None:
        self.add(password)
        self.add(base64.b64encode(f"{user}:{password}".encode()).decode("ascii"))

    def add_header(self, name: str, value: str) -> None:
        """Learn the credential a sensitive header carries, so an echo of it is masked too."""
        lowered = name.lower()
        if not is_sensitive_header(name):
            # A Location (or a Link's <URL>s) may carry a credential as a URL does: a
            # redirect to ".../cb#access_token=..." or "?api_key=...". Any other value may
            # hold secret-named pairs (X-Debug: token=...).
            for url in _BRACKETED_URL.findall(value) or [value.strip()]:
                self.add_url(url)
            self.add_text_fields(value)
            return
        value = value.strip()
        scheme, _, rest = value.partition(" ")
        if rest and scheme.lower() in _AUTH_SCHEMES:
            self.add(rest.strip())
            if scheme.lower() == "basic":  # the password inside may be echoed decoded
                self.add(_basic_password(rest.strip()))
        elif lowered in ("cookie", "set-cookie"):
            # "a=1; b=2" / "sid=...; Path=/; HttpOnly": session ids are the secrets. Short
            # values ("theme=dark", "Path=/") are preferences and attributes; masking them
            # everywhere would blank ordinary words out of the output.
            # A cookie named like a secret (auth_token=ab12) is one whatever its length.
            for pair in value.split(";"):
                cookie_name, _, cookie = (part.strip() for part in pair.partition("="))
                if len(cookie) >= _MIN_COOKIE_SECRET or is_secret_name(cookie_name):
                    self.add(cookie)
        else:
            self.add(value)

    def add_url(self, url: str) -> None:
        """Learn the password of ``http://user:password@host/`` (sent as Basic credentials)
        and the secret-named parameters of its query (``?api_key=...``) and of its fragment
        (``#access_token=...``, where OAuth's implicit flow puts the token)."""
        if "@" not in url and "=" not in url:  # neither: spare the split done for every request
            return
        try:
            parts = urlsplit(url)
            password = parts.password
        except ValueError:
            # Not a URL one can split ("http://user:pw@[::1/"): it is still shown, in the
            # result line and the reports. Its password and pairs, read as text.
            values = named_values([url])
            self.add_all([*values, *(unquote(value) for value in values)])
            return
        if password:
            self.add(password)
            self.add(unquote(password))
        self.add_form(parts.query)
        self.add_form(parts.fragment)

    def mask(self, text: str) -> str:
        """``text`` with every occurrence of every form of every secret replaced by ``****``.
        Overlapping occurrences (of two secrets, or of one with itself) are masked as one."""
        anywhere, tokens = self._snapshot
        spans: list[tuple[int, int]] = []
        for form in anywhere:
            if form not in text:  # the usual case, and much cheaper than a find() call
                continue
            start = text.find(form)
            while start >= 0:
                spans.append((start, start + len(form)))
                start = text.find(form, start + 1)
        if tokens is not None and tokens.search(text) is not None:
            spans += _token_spans(tokens, text)
        if not spans:
            return text
        return _replace_spans(text, spans)

    def mask_value(self, value: Any, *, secret: bool = False) -> Any:
        """A JSON-like value with every string (keys included) masked, and every string or
        number under a secret-named key (all of them, with ``secret``) shown as ``****``."""
        if isinstance(value, dict):
            return {
                self.mask(str(k)): self.mask_value(v, secret=secret or is_secret_name(str(k)))
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.mask_value(item, secret=secret) for item in value]
        if secret and (isinstance(value, str) or _is_number(value)):
            return MASK
        if isinstance(value, str):
            return self.mask(value)
        return value

    def mask_header(self, name: str, value: str) -> str:
        if is_sensitive_header(name):
            scheme, _, rest = value.partition(" ")
            if rest and scheme.lower() in _AUTH_SCHEMES:
                return f"{scheme} {MASK}"
            return MASK
        return self.mask(value)


_CONTAINERS = (dict, list, tuple)
# No output shows more of a body than its first 1,000,000 characters (the JSON report's cut,
# the largest): the fields of a text body are looked for there (and a little beyond, for a
# value across the cut), so a 100 MB body costs no more than a 1 MB one.
_TEXT_FIELDS_SCANNED = 1_010_000
# The fields of text bodies (see Masker.add_text_fields). A form's value ends at "&", "#" or
# the end of its line; a multipart part's value is its first line after the blank one.
_TEXT_PAIR = re.compile(r"(?<![\w.-])(?P<name>[A-Za-z_][\w.-]*)=(?P<value>[^&\s#]+)")
_MULTIPART_FIELD = re.compile(  # bounded: a hostile body must not make it quadratic
    r'name="(?P<name>[^"\n]{1,200})"[^\n]{0,500}\n(?:[^\n]{1,500}\n){0,8}?\r?\n'
    r"(?P<value>[^\r\n]+)"
)
_XML_ELEMENT = re.compile(r"<(?P<name>[A-Za-z_][\w.-]*)(?:\s[^<>]*)?>(?P<value>[^<>]+)</(?P=name)>")
_BRACKETED_URL = re.compile(r"<([^<>]*)>")  # Link: <https://...>; rel=next


def _basic_password(credentials: str) -> str:
    """The password of Basic ``credentials`` (base64 of ``user:password``); "" when they do
    not decode to one."""
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return ""
    return decoded.partition(":")[2]


def _collect_secret(value: Any, found: list[str]) -> None:
    """Add a scalar held under a secret name to ``found``: strings, and numbers of at least
    4 digits (a short one, "pin_key": 7, would be masked in every status and count)."""
    if isinstance(value, str):
        found.append(value)
    elif _is_number(value) and len(str(value)) >= _MIN_ANYWHERE:
        found.append(str(value))


def _may_name_a_secret(text: str) -> bool:
    """Whether ``text`` might have a secret-named field: when not, a body need not be walked."""
    lowered = text.lower()
    return any(hint in lowered for hint in _SECRET_NAME_HINTS)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _longest_first(form: str) -> tuple[int, str]:
    return (-len(form), form)


def _merge_sorted(target: list[str], new: list[str]) -> None:
    """Add ``new`` to ``target``, keeping it longest first: a few one by one (a sort would
    call the key of every form, every time a token is learnt), many in one sort."""
    if len(new) > 16:
        target += new
        target.sort(key=_longest_first)
        return
    for form in new:
        bisect.insort(target, form, key=_longest_first)


def _replace_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the union of ``spans`` replaced, one ``****`` per run of masked text."""
    spans.sort()
    parts: list[str] = []
    shown_from = 0
    start, end = spans[0]
    for next_start, next_end in spans[1:]:
        if next_start <= end:
            end = max(end, next_end)
            continue
        parts += [text[shown_from:start], MASK]
        shown_from, start, end = end, next_start, next_end
    parts += [text[shown_from:start], MASK, text[end:]]
    return "".join(parts)
