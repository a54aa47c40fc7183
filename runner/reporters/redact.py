"""Masking for report files: the run's masker, with what only a report shows.

The run's :class:`Masker` has learnt every secret the run met (env and captured secrets, OAuth
tokens, sensitive headers, secret-named fields of bodies, forms and queries). A report adds
values shown by structure: a scalar under a secret-named key, a secret-named capture, is
``****`` whatever it is (even a number too short to mask as text). Every text a report shows
goes through :meth:`ReportMasker.text`, :meth:`ReportMasker.header` or :meth:`ReportMasker.value`.
"""

from __future__ import annotations

import math
from typing import Any

from ..masking import MASK, is_secret_name
from ..results import RunResult


class ReportMasker:
    """Masks the texts and JSON values of one run for a report file."""

    def __init__(self, run: RunResult) -> None:
        self._masker = run.masker

    # -- masking -----------------------------------------------------------------------------
    def text(self, text: str) -> str:
        return self._masker.mask(text)

    def header(self, name: str, value: str) -> str:
        return self._masker.mask_header(name, value)

    def value(self, value: Any, *, secret: bool = False) -> Any:
        """A JSON value with every string masked, and every scalar under a secret-named key (or
        all of them, with ``secret``) replaced by ``****``. Non-finite floats become
        strings, since JSON has no NaN."""
        if isinstance(value, dict):
            return {
                self.text(str(key)): self.value(item, secret=secret or is_secret_name(str(key)))
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
