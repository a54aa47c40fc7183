"""A request and its response as text lines (``> `` sent, ``< `` received), masked and safe
for a terminal: what ``-v``, ``--dry-run`` and the pytest plugin's failure reports show."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..masking import Masker, mask_and_clip
from ..results import ResolvedRequest


def request_lines(
    request: ResolvedRequest,
    masker: Masker,
    *,
    sent_headers: tuple[tuple[str, str], ...] | None = None,
    limit: int,
) -> list[str]:
    """The request line, its headers (those actually sent, when known) and its body."""
    lines = [f"> {request.method} {printable(masker.mask(request.url))}"]
    for name, value in sent_headers if sent_headers is not None else request.headers:
        lines.append(f"> {name}: {printable(masker.mask_header(name, value))}")
    if request.body:
        lines.append(">")
        text = request.body.decode("utf-8", errors="replace")
        lines += [f"> {printable(line)}" for line in body_lines(text, masker, limit)]
    return lines


def response_lines(document: Mapping[str, Any], masker: Masker, *, limit: int) -> list[str]:
    """The status line, the headers and the body (JSON pretty-printed) of a response document."""
    lines = [f"< {document.get('status')} {document.get('reason', '')}".rstrip()]
    headers: Mapping[str, str] = document.get("headers") or {}
    for name, value in headers.items():
        lines.append(f"< {name}: {printable(masker.mask_header(name, value))}")
    body = document.get("body")
    text = (
        json.dumps(body, indent=2, ensure_ascii=False)
        if isinstance(body, dict | list)
        else str(document.get("text") or "")
    )
    if text:
        lines.append("<")
        lines += [f"< {printable(line)}" for line in body_lines(text, masker, limit)]
    return lines


def printable(text: str) -> str:
    """``text`` without control characters: a response may carry escape sequences that would
    recolour or retitle the terminal, or line separators that break the layout."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\t" else "\ufffd" for c in text)


def split_lines(text: str) -> list[str]:
    """Lines at \\n (and \\r\\n) only: other separators are shown, not obeyed."""
    return text.replace("\r\n", "\n").removesuffix("\n").split("\n")


def body_lines(text: str, masker: Masker, limit: int) -> list[str]:
    """A body's lines, masked whole before it is cut or split: a secret may span lines (a PEM
    key) or the cut."""
    return split_lines(
        mask_and_clip(text, masker.mask, limit, marker="\n... ({more} more characters)")
    )
