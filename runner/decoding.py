"""Decode a response body's content codings without ever producing more than a cap.

httpx decodes each network read whole: one 64 KiB read of gzip can become 64 MB, and with
stacked codings (``Content-Encoding: gzip, gzip``) a few hundred bytes become gigabytes before
anyone can count them. Here every coding is decoded with zlib's ``max_length``, so no step
produces more than the room left under the cap, and a body that would pass it is refused
before its bytes exist.

Only the codings httprun asks for (``ACCEPT_ENCODING``: gzip and deflate) are decoded; a body in
any other coding (br, zstd: their decoders take no output limit) is kept as it came, as httpx
itself does with a coding it has no decoder for.
"""

from __future__ import annotations

import codecs
import contextlib
import email.message
import zlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

ACCEPT_ENCODING = "gzip, deflate"
_LAYER_SLACK = 4096


class BodyTooLarge(Exception):
    """The decoded body would pass the cap."""


class DecodeFailed(Exception):
    """The body is not valid in the coding its Content-Encoding names."""


class _Zlib:
    """gzip, or deflate: zlib-wrapped as the RFC says, or raw as some servers send it."""

    def __init__(self, coding: str) -> None:
        self._decompressor: Any = None
        self._head = b""  # deflate: the first bytes, until they tell which of the two it is
        if coding in ("gzip", "x-gzip"):
            self._decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)

    def decode(self, data: bytes, room: int) -> bytes:
        if self._decompressor is None:
            self._head += data
            if len(self._head) < 2:
                return b""
            data = self._start_deflate()
        try:
            output: bytes = self._decompressor.decompress(data, room + 1)
        except zlib.error as error:
            raise DecodeFailed(str(error)) from error
        # max_length reached: there is more output than room (what fitted is not wanted).
        if len(output) > room:
            raise BodyTooLarge
        return output

    def flush(self, room: int) -> bytes:
        output = b""
        if self._decompressor is None:
            if not self._head:
                return b""  # an empty body
            output = self.decode(self._start_deflate(), room)
        try:
            flushed: bytes = self._decompressor.flush()
        except zlib.error as error:
            raise DecodeFailed(str(error)) from error
        output += flushed
        if len(output) > room:
            raise BodyTooLarge
        return output

    def _start_deflate(self) -> bytes:
        """Choose the decompressor from the first two bytes; give back what they held.

        A zlib header is CM=8 in the low nibble and a multiple of 31 over both bytes; raw
        deflate can never start so (a low nibble of 8 would be a stored block not at its end,
        whose first byte is 0).
        """
        head, self._head = self._head, b""
        wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and ((head[0] << 8) | head[1]) % 31 == 0
        self._decompressor = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        return head


class BoundedDecoder:
    """Decodes a body in ``content_encoding`` chunk by chunk, at most ``cap`` bytes in all."""

    def __init__(self, content_encoding: str, cap: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        if any(c not in ("gzip", "x-gzip", "deflate", "identity") for c in codings):
            codings = []  # a coding we do not decode: the body stays as it came
        # Codings are listed in the order they were applied: undo the last one first.
        self._layers = [_Zlib(c) for c in reversed(codings) if c != "identity"]
        self._cap = cap
        self.size = 0  # decoded bytes so far

    def decode(self, chunk: bytes) -> bytes:
        return self._through(chunk, flush=False)

    def flush(self) -> bytes:
        return self._through(b"", flush=True)

    def _through(self, data: bytes, *, flush: bool) -> bytes:
        room = self._cap - self.size
        for index, layer in enumerate(self._layers):
            # What a layer gives the next is that one's compressed form, which may be a little
            # larger than what it decodes to (headers, stored blocks): the slack allows that.
            last = index == len(self._layers) - 1
            limit = room if last else 2 * room + _LAYER_SLACK
            data = layer.decode(data, limit)
            if flush:
                data += layer.flush(limit - len(data))
        if len(data) > room:
            raise BodyTooLarge
        self.size += len(data)
        return data


def decode_all(chunks: Iterable[bytes], content_encoding: str, cap: int) -> bytearray:
    """The decoded body of ``chunks`` in one buffer (raises BodyTooLarge, DecodeFailed)."""
    decoder = BoundedDecoder(content_encoding, cap)
    body = bytearray()
    for chunk in chunks:
        body += decoder.decode(chunk)
    body += decoder.flush()
    return body


@lru_cache(maxsize=256)
def media_info(content_type: str) -> tuple[bool, str]:
    """Whether ``content_type`` is JSON, and the text encoding its body is decoded with.

    Cached: a run sees a handful of distinct Content-Type values thousands of times, and
    parsing the charset parameter is the costliest step of reading a small response.
    """
    media_type = content_type.partition(";")[0].strip().lower()
    is_json = media_type == "application/json" or media_type.endswith("+json")
    message = email.message.Message()
    message["content-type"] = content_type
    charset = message.get_content_charset(failobj=None)
    encoding = "utf-8"  # what httpx assumes without a (known) charset, and what JSON is
    if charset:
        with contextlib.suppress(LookupError):  # an unknown charset: keep UTF-8, as httpx does
            encoding = codecs.lookup(charset).name
    return is_json, encoding


def body_text(content: bytes | bytearray, content_type: str) -> str:
    """A body as text, in the charset ``content_type`` names (else UTF-8), undecodable bytes
    replaced: ``httpx.Response.text`` without its failures on odd charsets."""
    return decoded_text(content, media_info(content_type)[1])


def decoded_text(content: bytes | bytearray, encoding: str) -> str:
    """``content`` decoded with ``encoding``, errors replaced; UTF-8 when ``encoding`` is a
    Python codec that is no text encoding (rot13, base64: a LookupError) or refuses
    "replace" (idna, punycode), as for a charset Python does not know."""
    try:
        return content.decode(encoding, errors="replace")
    except (LookupError, UnicodeError):
        return content.decode("utf-8", errors="replace")
