"""Keep secrets out of everything people see: terminal, reports, logs, error messages.

A :class:`Masker` learns secret values as a run meets them (env variables whose names look
secret, captures, OAuth tokens) and replaces every occurrence with ``****``. Sensitive headers
are masked by name whatever their value.
"""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

MASK = "****"
SECRET_NAME_PARTS = ("secret", "token", "password", "passwd", "key")
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_AUTH_SCHEMES = frozenset({"bearer", "basic", "token", "digest"})
_MIN_COOKIE_SECRET = 8
# Shorter values would mask ordinary text ("1", "ab") everywhere; no real secret is this short.
_MIN_SECRET_LENGTH = 4


# Names that mention a secret but describe it: token_type ("Bearer"), token_url, token_hint,
# refresh_token_expires_at... Masking their values would hide ordinary words and URLs.
_DESCRIBING_SUFFIXES = ("_type", "_hint", "_url", "_uri", "_at", "_in", "_expires", "_name")


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    if lowered.endswith(_DESCRIBING_SUFFIXES):
        return False
    return any(part in lowered for part in SECRET_NAME_PARTS)


class Masker:
    def __init__(self, secrets: set[str] | frozenset[str] = frozenset()) -> None:
        self._secrets: set[str] = set()
        # Files may run in parallel and tokens arrive from worker threads: adding and masking
        # must not see the set change under them.
        self._lock = threading.Lock()
        self._ordered: tuple[str, ...] = ()
        for secret in secrets:
            self.add(secret)

    @property
    def secrets(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._secrets)

    def add(self, value: str) -> None:
        """Treat ``value`` (and the encodings it is commonly sent in) as secret."""
        if len(value) < _MIN_SECRET_LENGTH:
            return
        from urllib.parse import quote

        # JSON bodies and form/query strings carry the value encoded.
        forms = {value, json.dumps(value)[1:-1], quote(value, safe="")}
        with self._lock:
            if forms <= self._secrets:
                return
            self._secrets |= forms
            # Longest first, so a secret that contains another is masked whole.
            self._ordered = tuple(sorted(self._secrets, key=len, reverse=True))

    def add_variable(self, name: str, value: Any) -> None:
        """Remember ``value`` when ``name`` says it is a secret (client_secret, access_token)."""
        if not is_secret_name(name):
            return
        if isinstance(value, str):
            self.add(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            self.add(str(value))

    def add_basic_credentials(self, user: str, password: str) -> None:
        self.add(password)
        self.add(base64.b64encode(f"{user}:{password}".encode()).decode("ascii"))

    def add_header(self, name: str, value: str) -> None:
        """Learn the credential a sensitive header carries, so an echo of it is masked too."""
        lowered = name.lower()
        if lowered not in SENSITIVE_HEADERS:
            return
        value = value.strip()
        scheme, _, rest = value.partition(" ")
        if rest and scheme.lower() in _AUTH_SCHEMES:
            self.add(rest.strip())
        elif lowered in ("cookie", "set-cookie"):
            # "a=1; b=2" / "sid=...; Path=/; HttpOnly": session ids are the secrets. Short
            # values ("theme=dark", "Path=/") are preferences and attributes; masking them
            # everywhere would blank ordinary words out of the output.
            for pair in value.split(";"):
                cookie = pair.partition("=")[2].strip()
                if len(cookie) >= _MIN_COOKIE_SECRET:
                    self.add(cookie)
        else:
            self.add(value)

    def add_url_credentials(self, url: str) -> None:
        """Learn the password of ``http://user:password@host/`` (sent as Basic credentials)."""
        from urllib.parse import unquote, urlsplit

        try:
            password = urlsplit(url).password
        except ValueError:  # not a URL one can split: nothing to learn
            return
        if password:
            self.add(password)
            self.add(unquote(password))

    def mask(self, text: str) -> str:
        for secret in self._ordered:  # a tuple replaced whole on change: safe to iterate
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def mask_value(self, value: Any) -> Any:
        """A JSON-like value with every string (keys included) masked."""
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {self.mask(str(k)): self.mask_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask_value(item) for item in value]
        return value

    def mask_header(self, name: str, value: str) -> str:
        if name.lower() in SENSITIVE_HEADERS:
            scheme, _, rest = value.partition(" ")
            if rest and scheme.lower() in _AUTH_SCHEMES:
                return f"{scheme} {MASK}"
            return MASK
        return self.mask(value)
