"""Resolve one request block against the scope into a plain-data :class:`ResolvedRequest`.

Everything that can go wrong before sending goes wrong here, with a span: undefined variables,
bad directives, included files that are missing or outside the project, multipart bodies
without a boundary. Nothing here touches the network.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from .directives import RequestSettings, request_settings
from .errors import HttprunError, ResolveError
from .interpolate import render_template
from .masking import mask_and_clip
from .nodes import Block, Body, BodyInclude, BodyText, Directive, Header, Request, Template, Text
from .project import find_project_root
from .reading import (
    INCLUDE_SETTING,
    MAX_INCLUDE_DEFAULT,
    UnreadableFile,
    path_kind,
    read_regular_file,
    shown_path,
)
from .results import ResolvedRequest
from .scope import Scope
from .source import Span, remember_source
from .template import parse_template

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True, slots=True)
class ResolveOptions:
    """The run's settings that resolving a request needs."""

    project_root: Path  # included files may not leave this folder ...
    allow_outside_files: bool = False  # ... unless --allow-outside-files
    default_timeout: float | None = None  # seconds, when no @timeout applies
    max_include: int = MAX_INCLUDE_DEFAULT  # bytes one '<' / '<@' file may hold


def resolve_block(
    block: Block,
    scope: Scope,
    *,
    file_path: Path,
    defaults: Sequence[Directive],
    options: ResolveOptions,
    settings: RequestSettings | None = None,
) -> ResolvedRequest:
    """Build the request of ``block``: every template rendered, directives applied.

    ``defaults`` are the file's default directives (from request-less blocks before this one);
    the block's own directives override them key by key. ``settings``, when the caller has
    read them already, are ``request_settings(defaults, block)``.
    """
    request = block.request
    if request is None:
        raise ResolveError("this block has no request line", block.span)
    if settings is None:
        settings = request_settings(defaults, block)
    settings.require_valid()
    timeout = settings.timeout if settings.timeout is not None else options.default_timeout
    headers = tuple(_resolve_header(header, scope) for header in request.headers)
    url = _resolve_url(request, scope, headers)
    body = None
    if request.body is not None:
        body = _resolve_body(request.body, headers, scope, file_path, options)
    return ResolvedRequest(
        method=request.method,
        url=url,
        headers=headers,
        body=body,
        span=request.span,
        http_version=request.http_version,
        timeout=timeout,
        follow_redirects=settings.follow_redirects,
    )


def _resolve_url(request: Request, scope: Scope, headers: tuple[tuple[str, str], ...]) -> str:
    """The URL with its scheme: ``localhost:8080/x`` gets ``http://`` as in JetBrains' client;
    ``/path`` takes its host from a ``Host`` header as in REST Client (https for port 443 or
    8443, else http)."""
    url = render_template(request.url, scope).strip()
    if not url:
        raise ResolveError("the request has an empty URL", request.url.span)
    scheme = _SCHEME.match(url)
    if scheme is not None:
        if scheme.group(1).lower() not in ("http", "https"):
            raise ResolveError(
                f"unsupported URL scheme '{scheme.group(1)}'",
                request.url.span,
                hint="httprun sends http:// and https:// requests",
            )
        return url
    if url.startswith("/"):
        host = _last_header(headers, "host")
        if host is None:
            raise ResolveError(
                "the URL has no host",
                request.url.span,
                hint="write the whole URL (https://host/path), or add a Host header",
            )
        port = host.rpartition(":")[2] if ":" in host else ""
        return f"{'https' if port in ('443', '8443') else 'http'}://{host}{url}"
    return f"http://{url}"


def _last_header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    return next((value for key, value in reversed(headers) if key.lower() == name), None)


def _resolve_header(header: Header, scope: Scope) -> tuple[str, str]:
    value = render_template(header.value, scope).strip(" \t")
    if "\n" in value or "\r" in value:
        raise ResolveError(
            f"the value of header '{header.name}' contains a line break",
            header.span,
            hint="a header value is one line; check the variables it uses",
        )
    if header.name.lower() == "authorization":
        value = _basic_credentials(value, scope)
    return header.name, value


def _basic_credentials(value: str, scope: Scope) -> str:
    """``Basic user:password`` and ``Basic user password`` become ``Basic base64(user:pw)``;
    a value already in base64 is sent as written. The masker learns the credentials."""
    scheme, _, credentials = value.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "basic" or not credentials:
        return value
    user, separator, password = credentials.partition(" ")
    if ":" in user or (not separator and ":" in credentials):
        # user:password, whose password may hold spaces (base64 never holds ':')
        user, _, password = credentials.partition(":")
    elif separator:  # user password
        password = password.strip()
    else:
        decoded = _decode_basic(credentials)
        if decoded is not None and scope.masker is not None:
            scope.masker.add_basic_credentials(*decoded)
            scope.masker.add(credentials)
        return value
    if scope.masker is not None:
        scope.masker.add_basic_credentials(user, password)
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"{scheme} {encoded}"


def _decode_basic(token: str) -> tuple[str, str] | None:
    try:
        text = base64.b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, separator, password = text.partition(":")
    return (user, password) if separator else None


def _resolve_body(
    body: Body,
    headers: tuple[tuple[str, str], ...],
    scope: Scope,
    file_path: Path,
    options: ResolveOptions,
) -> bytes:
    boundary = _multipart_boundary(_last_header(headers, "content-type") or "", body.span)
    newline = "\n" if boundary is None else "\r\n"

    def text_bytes(text: str) -> bytes:
        if boundary is not None:  # multipart is written as on the wire: CRLF line endings
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        return text.encode("utf-8")

    chunks: list[bytes] = []
    for part in body.parts:
        if isinstance(part, BodyText):
            chunks.append(text_bytes(render_template(part.template, scope)))
        elif part.interpolate:
            path, data = _read_include(part, scope, file_path, options)
            chunks.append(text_bytes(render_template(_included_template(part, path, data), scope)))
        else:
            chunks.append(_read_include(part, scope, file_path, options)[1])
    data = newline.encode("ascii").join(chunks)
    if boundary is not None and f"--{boundary}".encode() not in data:
        raise ResolveError(
            f"the multipart body never uses the boundary '{boundary}' of its Content-Type",
            body.span,
            hint=f"start each part with a line --{boundary} and end the body with --{boundary}--",
        )
    return data


def _multipart_boundary(content_type: str, span: Span) -> str | None:
    if content_type.split(";", 1)[0].strip().lower() != "multipart/form-data":
        return None
    message = Message()
    message["content-type"] = content_type
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise ResolveError(
            "multipart/form-data needs a boundary in its Content-Type",
            span,
            hint="write Content-Type: multipart/form-data; boundary=----httprun and start "
            "each part with ------httprun",
        )
    return boundary


def _read_include(
    part: BodyInclude, scope: Scope, file_path: Path, options: ResolveOptions
) -> tuple[str, bytes]:
    """The display path and bytes of ``< path``: relative to the .http file, inside the
    project unless allowed (after symlinks and ``..`` are resolved)."""
    written = render_template(part.path, scope).strip()
    mask = scope.masker.mask if scope.masker is not None else _unmasked
    return _read_path(written, part, file_path, options, mask)


def included_template(part: BodyInclude, file_path: Path) -> Template | None:
    """The template of a ``<@ file`` for working out what a request reads before anything
    runs (``FILE:LINE`` dependencies): only when its path is plain text and the file lies
    inside the project; None otherwise. Problems are reported when the request is resolved."""
    if not part.interpolate or not part.path.is_literal:
        return None
    written = "".join(p.text for p in part.path.parts if isinstance(p, Text)).strip()
    options = ResolveOptions(project_root=find_project_root(file_path.resolve()))
    try:
        shown, data = _read_path(written, part, file_path, options)
        return _included_template(part, shown, data)
    except HttprunError:
        return None


def _read_path(
    written: str,
    part: BodyInclude,
    file_path: Path,
    options: ResolveOptions,
    mask: Callable[[str], str] | None = None,
) -> tuple[str, bytes]:
    shown, joined, resolved = _locate_include(written, part, file_path, options, mask)
    try:
        return str(joined), read_regular_file(resolved, limit=options.max_include)
    except UnreadableFile as error:
        raise _unreadable(error, shown, resolved, part) from None


def include_problem(
    part: BodyInclude, file_path: Path, options: ResolveOptions
) -> ResolveError | None:
    """What ``httprun check`` can tell of the file a ``<`` / ``<@`` line names without reading
    it: outside the project, missing, or not a regular file (the run's error). None when it is
    fine, or when its path holds ``<<...>>``: only a run knows that path."""
    if not part.path.is_literal:
        return None
    written = "".join(p.text for p in part.path.parts if isinstance(p, Text)).strip()
    try:
        shown, _, resolved = _locate_include(written, part, file_path, options)
    except ResolveError as error:
        return error
    kind = path_kind(resolved)
    if kind is None:
        return None
    if kind == "missing":
        return _unreadable(UnreadableFile(kind, missing=True), shown, resolved, part)
    reason = f"it is {kind}, not a regular file"
    return _unreadable(
        UnreadableFile(reason, "only regular files are read", kind=kind), shown, resolved, part
    )


def _locate_include(
    written: str,
    part: BodyInclude,
    file_path: Path,
    options: ResolveOptions,
    mask: Callable[[str], str] | None = None,
) -> tuple[str, Path, Path]:
    """How messages show the path ``written`` (masked), the path joined to the .http file's
    folder, and the resolved path, which must lie inside the project unless allowed."""
    if not written:
        raise ResolveError("'<' needs a file path", part.span, hint="write < ./file.json")
    shown = _displayed_path(written, mask or _unmasked)
    if "\x00" in written:
        # The operating system cannot take such a name; Python raises ValueError for it.
        raise _failure(
            part,
            f"the file path '{shown}' contains a NUL byte",
            "check the path and the variables it uses",
        )
    joined = file_path.parent / written
    try:
        resolved = joined.resolve()
        root = options.project_root.resolve()
    except (OSError, RuntimeError, ValueError) as error:  # RuntimeError: a symlink loop
        raise _failure(part, f"cannot resolve '{shown}': {_reason(error)}") from None
    if not options.allow_outside_files and not resolved.is_relative_to(root):
        raise ResolveError(
            f"'{shown}' is outside the project folder {root}",
            part.span,
            hint="move the file into the project, or pass --allow-outside-files",
        )
    return shown, joined, resolved


def _failure(part: BodyInclude, message: str, hint: str = "") -> ResolveError:
    return ResolveError(message, part.span, label="paths are relative to the .http file", hint=hint)


def _unreadable(
    error: UnreadableFile, shown: str, resolved: Path, part: BodyInclude
) -> ResolveError:
    if error.missing:
        return _failure(part, f"no such file: '{shown}'", f"looked for {resolved}")
    if error.kind == "a folder":
        return _failure(part, f"'{shown}' is a directory", "give the path of a file")
    if error.too_large:
        return _failure(
            part,
            f"cannot include '{shown}': {error.reason}",
            f"set {INCLUDE_SETTING} (e.g. {INCLUDE_SETTING}=500MB) in the env file to allow more",
        )
    if error.reason == "Permission denied":
        return _failure(
            part,
            f"cannot read '{shown}': permission denied",
            "check the file's permissions (and those of the folders above it)",
        )
    return _failure(part, f"cannot read '{shown}': {error.reason}", error.hint)


def _displayed_path(path: str, mask: Callable[[str], str]) -> str:
    """``path`` (interpolated: it may hold a secret) masked, with control characters escaped
    (``\\x00``) so a message never carries them to the terminal, and cut short when it is
    very long."""

    def masked_and_escaped(text: str) -> str:
        return shown_path(mask(text))

    return mask_and_clip(path, masked_and_escaped, 190, marker="...", keep_end=40)


def _unmasked(text: str) -> str:
    return text


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror[:1].lower() + error.strerror[1:]
    if isinstance(error, RuntimeError):
        return "a symbolic link points back to itself"
    return str(error)


def _included_template(part: BodyInclude, path: str, data: bytes) -> Template:
    """The text of a ``<@`` file as a Template whose spans point into that file."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # a BOM is no text to send
    except UnicodeDecodeError:
        raise ResolveError(
            f"'{path}' is not UTF-8 text",
            part.span,
            hint="use '< path' (without @) to send a file's bytes as they are",
        ) from None
    remember_source(path, text)
    lines = text.split("\n")
    end = Span(path, 1, 1, len(lines), len(lines[-1]) + 1)
    return parse_template(text, end)
