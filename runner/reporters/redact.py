"""Masking for report files: the run's masker, taught what a report alone can still see.

Reports are written to disk and uploaded as CI artifacts, so they get a second line of defence
on top of the run's :class:`Masker` (which already knows env secrets, captured secrets and OAuth
tokens): a copy of it also learns the credentials inside sensitive headers, the values of
secret-looking captures, and values under secret-looking keys of JSON bodies and form bodies
(a token response that nobody captured, ``refresh_token=...`` in a hand-written refresh). Every
text a report shows goes through :meth:`ReportMasker.text`, :meth:`ReportMasker.header` or
:meth:`ReportMasker.value`.
"""

from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..jsonvalues import decode_json
from ..masking import MASK, Masker, is_secret_name
from ..results import RequestResult, RunResult

# Keys of JSON and form bodies whose values are credentials. Narrower than ``is_secret_name``
# (which captures and env variables use): a body's ``keyword`` or ``primary_keys`` is data, and
# masking it everywhere would make reports unreadable.
_CREDENTIAL_KEY = re.compile(
    r"secret|token|passw(or)?d|(^|[_\-.])(api_?)?key$|^apikey$|credential", re.IGNORECASE
)


def is_credential_key(name: str) -> bool:
    """Whether a body field called ``name`` holds a credential (access_token, api_key)."""
    return _CREDENTIAL_KEY.search(name) is not None


class ReportMasker:
    """Masks the texts and JSON values of one run for a report file."""

    def __init__(self, run: RunResult) -> None:
        self._masker = Masker(run.masker.secrets)
        for result in run.requests:
            self._learn(result)

    # -- masking -----------------------------------------------------------------------------
    def text(self, text: str) -> str:
        return self._masker.mask(text)

    def header(self, name: str, value: str) -> str:
        return self._masker.mask_header(name, value)

    def value(self, value: Any, *, secret: bool = False) -> Any:
        """A JSON value with every string masked, and every scalar under a credential key (or
        all of them, with ``secret``) replaced by ``****``. Non-finite floats become
        strings, since JSON has no NaN."""
        if isinstance(value, dict):
            return {
                self.text(str(key)): self.value(item, secret=secret or is_credential_key(str(key)))
                for key, item in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.value(item, secret=secret) for item in value]
        if value is None or isinstance(value, bool):
            return value
        if secret:
            return MASK
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else str(value)
        return self.text(str(value))

    def capture(self, name: str, value: Any) -> Any:
        """A captured value: ``****`` whatever it is when ``name`` looks secret."""
        return MASK if is_secret_name(name) else self.value(value)

    def check_value(self, kind: str, text: str, value: Any) -> Any:
        """A check's expected or actual value; a capture's follows :meth:`capture`, so a
        ``>> api_key = body.key`` shows ``****`` in the checks as in the captures."""
        if kind == "capture" and value is not None:
            return self.capture(text.partition("=")[0].strip(), value)
        return self.value(value)

    # -- learning ----------------------------------------------------------------------------
    def _learn(self, result: RequestResult) -> None:
        for name, value in result.captures.items():
            self._learn_value(value, secret=is_secret_name(name))
        headers: list[tuple[str, str]] = []
        bodies: list[Any] = []
        if result.request is not None:
            headers += result.request.headers
            self._learn_url(result.request.url)
            if result.request.body:
                bodies.append(result.request.body.decode("utf-8", errors="replace"))
        if result.exchange is not None:
            headers += result.exchange.sent_headers
            self._learn_url(result.exchange.request.url)
            response = result.exchange.response
            response_headers = response.get("headers")
            if isinstance(response_headers, dict):
                headers += [(str(k), str(v)) for k, v in response_headers.items()]
            bodies.append(response.get("body"))
        for name, value in headers:
            self._masker.add_header(name, value)
        for body in bodies:
            self._learn_body(body)

    def _learn_url(self, url: str) -> None:
        self._learn_pairs(urlsplit(url).query)

    def _learn_body(self, body: Any) -> None:
        if isinstance(body, str):
            stripped = body.strip()
            if stripped[:1] in ("{", "["):
                try:
                    body = decode_json(stripped)
                except ValueError:  # not JSON, or nested too deeply to walk
                    return
            else:
                self._learn_pairs(stripped)
                return
        self._learn_value(body, secret=False)

    def _learn_pairs(self, query: str) -> None:
        if "=" not in query or "\n" in query:
            return
        for key, item in parse_qsl(query, keep_blank_values=False):
            if is_credential_key(key):
                self._masker.add(item)

    def _learn_value(self, value: Any, *, secret: bool) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                self._learn_value(item, secret=secret or is_credential_key(str(key)))
        elif isinstance(value, list | tuple):
            for item in value:
                self._learn_value(item, secret=secret)
        elif secret and isinstance(value, str):
            # Strings only: a number learnt as a secret would be masked in every URL and text.
            self._masker.add(value)
