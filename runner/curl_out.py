"""``httprun TARGET --curl``: each selected request, resolved as a dry run resolves it, printed
as one curl command that sends the same method, URL, headers and body. Nothing is sent.

Bodies: a body that is one ``< file`` is ``--data-binary @file``; a multipart body whose parts
are plain fields and ``< file`` uploads is ``--form-string``/``-F`` (curl picks its own
boundary); any other body is ``--data-binary`` with its exact bytes, quoted for POSIX shells
(``$'...'`` when it holds line breaks or other non-printing characters). A body with a NUL byte
that is none of these cannot be given on a command line: the note says so and the request is
not printed. Values are masked with the run's masker unless ``--unmask``.
"""

from __future__ import annotations

import email.parser
import email.policy
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .errors import HttprunError, render_error
from .masking import Masker
from .nodes import Block, BodyInclude, Text
from .reading import UnreadableFile, read_regular_file
from .results import FileResult, Outcome, RequestResult, ResolvedRequest

UNMASK_WARNING = (
    "warning: --unmask: the commands below hold secrets (tokens, passwords, keys) in clear; "
    "do not paste them where others can read them"
)
_AUTH_PLACEHOLDER = "Bearer <<auth.access_token>>"
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", "'": "\\'"}


@dataclass(frozen=True, slots=True)
class Argument:
    """One option of the command and its value: ``("-H", "Accept: x")``; ``value`` is bytes
    for a body given inline; ``header`` names the header a ``-H`` carries (for masking)."""

    option: str
    value: str | bytes | None = None
    header: str | None = None


class CurlPrinter:
    """A run listener that prints each request as a curl command on ``out`` and what cannot be
    printed (errors, notes) on ``err``. ``unmask`` shows secrets in the commands alone: notes
    and errors stay masked."""

    def __init__(self, out: TextIO, err: TextIO, masker: Masker, *, unmask: bool) -> None:
        self.out = out
        self.err = err
        self.masker = masker
        self.unmask = unmask

    def file_started(self, path: str) -> None:
        pass

    def notice(self, message: str) -> None:
        self.err.write(f"note: {self.masker.mask(message)}\n")

    def file_finished(self, result: FileResult) -> None:
        if result.error is not None:
            self._error(result.error)

    def request_finished(self, result: RequestResult) -> None:
        request_node = result.block.request
        assert request_node is not None
        # Each data row's command is its own: the comment and the notes name the row.
        row = f" [{result.row}]" if result.row is not None else ""
        where = f"{result.path}:{request_node.span.line}{row}"
        if result.request is None:
            if result.error is not None:
                self._error(result.error)
            else:
                self.notice(f"{where}: not printed: {result.skip_reason or result.outcome.value}")
            return
        request = result.request
        arguments = _body_arguments(request, result.block, Path(result.path))
        if arguments is None:
            self.notice(
                f"{where}: not printed: the body holds NUL bytes, which a command line cannot "
                "carry; save it to a file and use '< ./file' in the request"
            )
            return
        headers = _header_arguments(request, drop_content_type=_uses_forms(arguments))
        if _needs_bearer(result) and request.header("authorization") is None:
            headers.append(Argument("-H", f"Authorization: {_AUTH_PLACEHOLDER}"))
            self.notice(
                f"{where}: @auth: --curl does not log in (it sends nothing), so the command "
                f"holds 'Authorization: {_AUTH_PLACEHOLDER}': put a token there"
            )
        if result.outcome is Outcome.SKIPPED and result.skip_reason != "dry run":
            self.notice(
                f"{where}: {result.skip_reason}: the command holds its <<...>> as written; "
                "put the value there, or pass it with --var"
            )
        first = [self._masked(word) for word in _first_line(request, arguments)]
        rest = [self._masked(word) for word in [*headers, *arguments]]
        label = f" {result.block.label}" if result.block.label else ""
        self.out.write(self.masker.mask(f"# {where}{label}") + "\n")
        self.out.write(render_command(first, rest) + "\n")

    def _error(self, error: HttprunError) -> None:
        self.err.write(render_error(error, mask=self.masker.mask, color=False) + "\n")

    def _masked(self, word: Argument) -> Argument:
        if self.unmask or word.value is None:
            return word
        if word.header is not None and isinstance(word.value, str) and ":" in word.value:
            name, _, value = word.value.partition(":")
            shown = self.masker.mask_header(name, value.strip())
            return Argument(word.option, f"{name}: {shown}", word.header)
        if isinstance(word.value, bytes):
            text = word.value.decode("utf-8", errors="replace")
            masked = self.masker.mask(text)
            return word if masked == text else Argument(word.option, masked.encode())
        return Argument(word.option, self.masker.mask(word.value))


def render_command(first: list[Argument], rest: list[Argument]) -> str:
    """``curl`` and ``first`` on one line, then one option of ``rest`` per line, joined with
    `` \\`` line continuations."""
    lines = [" ".join(["curl", *(_piece(word) for word in first)])]
    lines += [_piece(word) for word in rest]
    return " \\\n  ".join(lines)


def _piece(word: Argument) -> str:
    if word.value is None:
        return word.option
    quoted = shell_word(word.value)
    return f"{word.option} {quoted}" if word.option else quoted


def shell_word(value: str | bytes) -> str:
    """``value`` as one word for a POSIX shell: single-quoted when every character prints,
    else Bash's ``$'...'`` with escapes (every byte that is no printing character as ``\\xHH``)."""
    text = value.decode("utf-8", errors="surrogateescape") if isinstance(value, bytes) else value
    if text and all(char.isprintable() for char in text):
        return shlex.quote(text)
    out = []
    for char in text:
        if char in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        else:
            data = char.encode("utf-8", errors="surrogateescape")
            out.append("".join(f"\\x{byte:02x}" for byte in data))
    return "$'" + "".join(out) + "'"


# ---- the parts of the command ----------------------------------------------------------------


def _first_line(request: ResolvedRequest, arguments: list[Argument]) -> list[Argument]:
    """The method (only when curl would not infer it), ``-L``, ``--http2``, ``--globoff``
    when the URL holds what curl would read as a pattern, and the URL."""
    words = []
    has_body = bool(arguments)
    if request.method == "HEAD" and not has_body:
        words.append(Argument("--head"))
    elif request.method != ("POST" if has_body else "GET"):
        words.append(Argument("-X", request.method))
    if request.follow_redirects:
        words.append(Argument("-L"))
    if request.http_version == "HTTP/2":
        words.append(Argument("--http2"))
    if any(char in request.url for char in "[]{}"):
        words.append(Argument("--globoff"))  # else curl reads them as its URL patterns
    words.append(Argument("", request.url))
    return words


def _header_arguments(request: ResolvedRequest, *, drop_content_type: bool) -> list[Argument]:
    words = []
    for name, value in request.headers:
        if drop_content_type and name.lower() == "content-type":
            continue  # curl writes its own, with the boundary it chooses
        # curl reads "Name:" as "do not send Name"; "Name;" sends it empty.
        written = f"{name}: {value}" if value else f"{name};"
        words.append(Argument("-H", written, name.lower()))
    return words


def _body_arguments(
    request: ResolvedRequest, block: Block, http_path: Path
) -> list[Argument] | None:
    """How the body goes on the command line; None when it cannot."""
    body = request.body
    if body is None:
        return []
    includes = _raw_includes(block, http_path)
    parts = block.request.body.parts if block.request and block.request.body else ()
    if len(parts) == 1 and includes:
        return [Argument("--data-binary", f"@{includes[0][0]}")]
    content_type = request.header("content-type") or ""
    if content_type.split(";")[0].strip().lower() == "multipart/form-data":
        forms = _form_arguments(content_type, body, includes)
        if forms is not None:
            return forms
    if b"\0" in body:
        return None
    return [Argument("--data-binary", body)]


def _raw_includes(block: Block, http_path: Path) -> list[tuple[str, Path]]:
    """The ``< file`` parts of the block's body whose path is plain text: the path as written
    for the command line (relative to where httprun runs) and the file."""
    request = block.request
    if request is None or request.body is None:
        return []
    found = []
    for part in request.body.parts:
        if isinstance(part, BodyInclude) and not part.interpolate and part.path.is_literal:
            written = "".join(p.text for p in part.path.parts if isinstance(p, Text)).strip()
            path = http_path.parent / written
            found.append((str(path), path))
    return found


def _form_arguments(
    content_type: str, body: bytes, includes: list[tuple[str, Path]]
) -> list[Argument] | None:
    """``--form-string name=value`` for each plain field and ``-F name=@file;...`` for each
    upload of a ``< file``; None when a part has anything curl's -F would write otherwise."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    if not message.is_multipart() or (message.preamble or "").strip():
        return None  # curl's -F writes no text before the first part
    files = _file_bytes(includes)
    words = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes) or not _plain(name, "="):
            return None
        headers = {key.lower() for key in part}
        filename = part.get_filename()
        if filename is None and headers == {"content-disposition"} and b"\0" not in payload:
            words.append(Argument("--form-string", f"{name}=".encode() + payload))
            continue
        path = files.get(payload)
        if filename is None or path is None or headers != {"content-disposition", "content-type"}:
            return None
        if not all(_plain(text, ";,") for text in (filename, path, part.get_content_type())):
            return None
        spec = f"{name}=@{path};filename={filename};type={part.get_content_type()}"
        words.append(Argument("-F", spec))
    return words


def _plain(text: str, also: str) -> bool:
    """Whether curl's -F writes ``text`` as it is (no quoting it would change)."""
    return bool(text) and not any(char in '"\\\r\n' + also for char in text)


def _file_bytes(includes: list[tuple[str, Path]]) -> dict[bytes, str]:
    found: dict[bytes, str] = {}
    for shown, path in includes:
        try:
            found.setdefault(read_regular_file(path, limit=100 * 1024 * 1024), shown)
        except UnreadableFile:
            continue
    return found


def _uses_forms(arguments: list[Argument]) -> bool:
    return any(word.option in ("-F", "--form-string") for word in arguments)


def _needs_bearer(result: RequestResult) -> bool:
    """Whether the request has an ``@auth`` profile (its own or the file's default), whose
    token a run would add."""
    from .directives import request_settings
    from .parser import parse_file

    try:
        blocks = parse_file(result.path).blocks
    except HttprunError:
        return False
    index = next((i for i, block in enumerate(blocks) if block == result.block), len(blocks))
    defaults = [d for block in blocks[:index] if block.request is None for d in block.directives]
    return request_settings(defaults, result.block).auth is not None
