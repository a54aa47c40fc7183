"""``httprun import curl``: one curl command line as one httprun request block.

The words come from :mod:`.curl_words` (POSIX shells and Windows cmd) and are read through the
option table of :mod:`.curl_flags`; this module decides what curl would send (method, URL,
headers, body) and writes it as request text; :mod:`.curl_credentials` takes the credentials
out of it (they become ``<<variables>>``, each reported with the env file it belongs in).
Decisions (docs/FORMAT.md, "curl in and out"): without ``-L`` curl does not follow
redirects, so the block says ``# @no-redirect``; ``-k`` has no per-request form and is reported.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from ..errors import InternalError, UsageError
from ..masking import is_secret_name, is_sensitive_header
from .curl_credentials import Credentials
from .curl_flags import CurlCommand, read_command
from .curl_words import curl_words
from .names import as_identifier
from .report import ImportReport

_METHOD = re.compile(r"[A-Z][A-Z0-9_-]*")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# curl's guesses for a -F file part's Content-Type (lib/mime.c), else application/octet-stream.
_FILE_TYPES = {
    ".gif": "image/gif", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".svg": "image/svg+xml", ".txt": "text/plain", ".htm": "text/html", ".html": "text/html",
    ".pdf": "application/pdf", ".xml": "application/xml",
}  # fmt: skip
_FORM_MODIFIERS = re.compile(r";\s*(type|filename|headers|encoder)=", re.IGNORECASE)
# Body lines a request file would read as something else: a new block, a check, a capture,
# a response link, a handler, an include.
_NOT_BODY_TEXT = re.compile(r"^(?:###|\?\?|>>|<>|>|<@?[ \t]+\S)", re.MULTILINE)
_UNSAFE_IN_URL = re.compile(r"[\s\x00-\x1f\x7f]")


@dataclass
class CurlImport:
    """The request block, what needs a person, and the credentials that were taken out of the
    command, by the variable written instead (for masking the report, and for tests)."""

    text: str
    report: ImportReport
    credentials: dict[str, str]  # variable -> the value the command held (never printed)

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self.credentials.values())


def import_curl(command: str) -> CurlImport:
    """Read ``command`` (``curl ...`` as pasted) into one request block.

    Raises :class:`UsageError` when it has no URL or cannot be read as a command line."""
    report = ImportReport()
    words = curl_words(command)
    if words[:1] in (["$"], ["%"], [">"]):  # a prompt copied with the command
        words = words[1:]
    if words and posixpath.basename(words[0].replace("\\", "/")).lower() in ("curl", "curl.exe"):
        words = words[1:]
    curl = read_command(words, report)
    credentials = Credentials(report)
    builder = _Builder(report, credentials)
    text = _canonical(builder.block(curl))
    credentials.refuse_leaks(text)
    report.requests = 1
    return CurlImport(text, report, credentials.by_variable())


def _canonical(text: str) -> str:
    """The block in httprun's canonical style; text that does not parse, or is not one
    request, is a bug of the importer (exit 70)."""
    from ..errors import ParseError
    from ..parser import parse_text
    from ..writer import format_text

    try:
        text = format_text(text, "<curl>")
    except ParseError as error:
        raise InternalError(ValueError(f"the imported block does not parse: {error}")) from None
    if len(parse_text(text, "<curl>").requests) != 1:
        raise InternalError(ValueError("the imported block is not one request"))
    return text


@dataclass
class _Builder:
    """Builds the request text of one command, its credentials taken out by ``credentials``."""

    report: ImportReport
    credentials: Credentials
    multipart_text: bool = False  # the body is multipart as on the wire, \r\n line endings

    def block(self, curl: CurlCommand) -> str:
        url = self.url(curl)
        headers = self.headers(curl)
        body: str | None = None
        body_headers: list[tuple[str, str]] = []
        if curl.get and curl.data:
            url = self.with_query(url, curl)
        else:
            body, body_headers = self.body(curl)
        names = {name.lower() for name, _ in headers}
        headers += [(n, v) for n, v in body_headers if n.lower() not in names]
        lines = self.directives(curl)
        version = " HTTP/2" if curl.http2 else ""
        lines.append(f"{self.method(curl, body is not None)} {url}{version}")
        lines += [f"{name}: {value}" for name, value in headers]
        if body is not None:
            lines += ["", body]
        return "\n".join(lines) + "\n"

    # -- the request line --------------------------------------------------------------------

    def method(self, curl: CurlCommand, has_body: bool) -> str:
        if curl.method is not None:
            written = curl.method.strip().upper()
            if _METHOD.fullmatch(written):
                if written != curl.method:
                    self.report.attention(
                        "-X", f"curl sends the method as written; httprun writes it as {written}"
                    )
                return written
            self.report.attention("-X", "not a method httprun can send: the method curl infers")
        if curl.head:
            return "HEAD"
        if curl.upload_file is not None:
            return "PUT"
        if curl.get:
            return "GET"
        return "POST" if has_body else "GET"

    def url(self, curl: CurlCommand) -> str:
        if not curl.urls:
            raise UsageError(
                "the curl command has no URL", hint="curl 'https://example.com/path' ..."
            )
        if len(curl.urls) > 1:
            self.report.attention(
                "URL",
                f"{len(curl.urls) - 1} more argument(s) after the first URL: curl would send a "
                "request to each; only the first is imported",
            )
        url = curl.urls[0]
        if not url:
            raise UsageError("the URL of the curl command is empty", hint="give a URL")
        scheme = _SCHEME.match(url)
        if scheme is not None and scheme.group(1).lower() not in ("http", "https"):
            raise UsageError(
                f"httprun sends http:// and https:// requests, not {scheme.group(1)}://",
                hint="import an HTTP request",
            )
        url = self.url_password(_literal(self.url_safe(url)))
        base, question, query = url.partition("?")
        if question:
            query, hash_mark, fragment = query.partition("#")
            url = f"{base}?{self.credentials.pairs(query, 'URL')}{hash_mark}{fragment}"
        return url

    def url_safe(self, url: str) -> str:
        """``url`` with white space and control characters %-encoded (a URL in a request file
        holds none)."""
        if not _UNSAFE_IN_URL.search(url):
            return url
        self.report.attention(
            "URL", "white space and control characters in the URL are written %-encoded"
        )
        return _UNSAFE_IN_URL.sub(lambda match: quote(match.group(0)), url)

    def url_password(self, url: str) -> str:
        match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/@?#:]*):([^/@?#]*)@", url)
        if match is None or not match.group(3):
            return url
        # As written (percent-encoded): the URL sends the same bytes with the variable in it.
        variable = self.credentials.hide(match.group(3), "password", "the URL's password")
        return f"{match.group(1)}{match.group(2)}:{variable}@{url[match.end() :]}"

    def with_query(self, url: str, curl: CurlCommand) -> str:
        """-G: the data joined as curl joins it, after ``?`` (or ``&`` when there is a query)."""
        if any(_reads_file(option, value) for option, value in curl.data):
            self.report.attention(
                "-G", "data read from a file is not put in the query: add it to the URL by hand"
            )
        pieces = [self.form_piece(option, value) for option, value in curl.data]
        data = "&".join(piece for piece in pieces if piece is not None)
        if not data:
            return url
        base, hash_mark, fragment = url.partition("#")
        query = self.credentials.pairs(_literal(self.url_safe(data)), "-G")
        joined = f"{base}{'&' if '?' in base else '?'}{query}"
        return f"{joined}{hash_mark}{fragment}"

    def directives(self, curl: CurlCommand) -> list[str]:
        lines = []
        if not curl.location:
            lines.append("# @no-redirect")
        if curl.insecure:
            self.report.attention(
                "-k", "httprun verifies TLS certificates: run it with --insecure for this server"
            )
        if curl.max_time is not None:
            timeout = _timeout(curl.max_time)
            if timeout is None:
                self.report.attention("-m", "not a number of seconds: not imported")
            else:
                lines.append(f"# @timeout {timeout}")
        return lines

    # -- headers -----------------------------------------------------------------------------

    def headers(self, curl: CurlCommand) -> list[tuple[str, str]]:
        headers: list[tuple[str, str]] = []
        for written in curl.headers:
            header = self.header(written)
            if header is not None:
                headers.append(header)
        given = {name.lower() for name, _ in headers}

        def add(name: str, value: str | None) -> None:
            if value is not None and name.lower() not in given:
                headers.append((name, value))
                given.add(name.lower())

        if curl.user is not None and "authorization" in given:
            self.report.attention("-u", "left out: the command's Authorization header wins")
        elif curl.user is not None:
            add("Authorization", self.credentials.basic(curl.user))
        if curl.bearer is not None:
            add(
                "Authorization",
                f"Bearer {self.credentials.hide(curl.bearer, 'token', '--oauth2-bearer')}",
            )
        add("User-Agent", _literal(curl.user_agent) if curl.user_agent is not None else None)
        if curl.referer is not None:
            add("Referer", _literal(curl.referer.removesuffix(";auto")))
        if curl.byte_range is not None:
            add("Range", f"bytes={_literal(curl.byte_range)}")
        cookies = [c for c in curl.cookies if "=" in c]
        if len(cookies) < len(curl.cookies):
            self.report.attention(
                "-b", "a cookie file is not imported: write its cookies as a Cookie header"
            )
        if cookies:
            add("Cookie", self.credentials.hide("; ".join(cookies), "cookie", "-b"))
        return headers

    def header(self, written: str) -> tuple[str, str] | None:
        if written.startswith("@"):
            self.report.attention("-H", "headers read from a file are not imported: add them")
            return None
        name, colon, value = written.partition(":")
        if not colon:
            name, semicolon, rest = written.partition(";")
            if not semicolon or rest.strip():
                self.report.attention("-H", "not a 'Name: value' header: not imported")
                return None
        elif not value.strip():
            return None  # curl's "Name:" takes away a header curl would add: httprun adds none
        name = name.strip()
        value = value.strip(" \t")
        if not _HEADER_NAME.fullmatch(name) or any(c in value for c in "\r\n\0"):
            self.report.attention("-H", "not a header a request can send: not imported")
            return None
        if is_sensitive_header(name) and value:
            return name, self.credentials.header_value(name, value)
        return name, _literal(value)

    # -- the body ----------------------------------------------------------------------------

    def body(self, curl: CurlCommand) -> tuple[str | None, list[tuple[str, str]]]:
        """The body text and the headers curl adds for it (unless the command gives them)."""
        if curl.forms:
            if curl.data:
                self.report.attention("-F", "curl refuses -d with -F: the -d data is left out")
            return self.multipart(curl.forms)
        if curl.upload_file is not None:
            return self.include(curl.upload_file, "-T"), []
        if not curl.data:
            return None, []
        if all(option == "json" for option, _ in curl.data):
            headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
        else:
            headers = [("Content-Type", "application/x-www-form-urlencoded")]
        # A multipart body given whole (Chrome copies uploads so): a request file writes it
        # with \n, which httprun sends as \r\n again.
        self.multipart_text = any(
            re.match(r"\s*content-type\s*:\s*multipart/form-data", header, re.IGNORECASE)
            for header in curl.headers
        )
        return self.data(curl.data), headers

    def data(self, pieces: list[tuple[str, str]]) -> str:
        """-d pieces joined as curl joins them (``&``; a --json piece follows directly)."""
        files = [value[1:] for option, value in pieces if _reads_file(option, value)]
        if files:
            if len(pieces) > 1:
                self.report.attention(
                    "-d",
                    "a file's data joined with other data is not imported exactly: curl "
                    "joins them with '&' on one line; httprun sends each '<' file on a line "
                    "of its own",
                )
            if any(
                option in ("data", "data-ascii") for option, value in pieces if value[:1] == "@"
            ):
                self.report.attention(
                    "-d",
                    "curl takes the line breaks out of a file given to -d @file; httprun sends "
                    "the file as it is (as --data-binary does): remove them from the file if "
                    "the server minds",
                )
            return "\n".join(
                self.include(value[1:], f"--{option}")
                if _reads_file(option, value)
                else self.text_body(self.form_piece(option, value) or "")
                for option, value in pieces
            )
        text = ""
        for position, (option, value) in enumerate(pieces):
            piece = self.form_piece(option, value)
            if piece is None:
                continue
            separator = "" if position == 0 or option == "json" else "&"
            text += separator + piece
        return self.text_body(text, form=any(option != "json" for option, _ in pieces))

    def form_piece(self, option: str, value: str) -> str | None:
        """The text one data option adds (None when it cannot be imported)."""
        if option == "data-urlencode":
            return self.urlencoded(value)
        if value == "@-" and option != "data-raw":
            self.report.attention(f"--{option}", "data from standard input is not imported")
            return None
        if _reads_file(option, value):
            return None  # a file: data() writes it as an include
        return value

    def urlencoded(self, value: str) -> str | None:
        """``--data-urlencode``'s forms: ``content``, ``=content``, ``name=content``,
        ``@file``, ``name@file``."""
        name, equals, content = value.partition("=")
        at = value.find("@")
        if (not equals or at < value.find("=")) and at >= 0:
            name, file = value[:at], value[at + 1 :]
            variable = as_identifier(name or posixpath.basename(file) or "data")
            self.report.attention(
                "--data-urlencode",
                f"the URL-encoded content of the file {file!r} is not imported: put it in the "
                f"variable {variable} (an env file), which <<%{variable}>> encodes",
            )
            prefix = f"{name}=" if name else ""
            return f"{prefix}<<%{variable}>>"
        if not equals:
            return quote_plus(value, safe="")
        encoded = quote_plus(content, safe="")
        return f"{name}={encoded}" if name else encoded

    def text_body(self, text: str, *, form: bool = False) -> str:
        """Body text as a request file writes it: ``<<`` escaped, secret values as variables."""
        if self.multipart_text and "\r" not in text.replace("\r\n", ""):
            text = text.replace("\r\n", "\n").rstrip("\n")
        written = self.credentials.json_fields(_literal(text))
        if form and written == _literal(text):
            written = self.credentials.pairs(written, "form")
        if _NOT_BODY_TEXT.search(written) or "\r" in written or "\0" in written:
            self.report.attention(
                "body",
                "a line of the body would be read as something else in a request file ('###', "
                "'??', '>>', '<' at the start of a line, \\r or NUL): the request reads it from "
                "./body.txt; save the body of the command there",
            )
            return "< ./body.txt"
        if re.search(r"\n[ \t]*\Z", written):
            self.report.attention("body", "its trailing line breaks are not sent by httprun")
        return written

    def multipart(self, forms: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]]:
        parts = [self.form_part(option, spec) for option, spec in forms]
        boundary = "----httprun"
        while any(boundary in part for part in parts):
            boundary += "-x"
        lines = []
        for part in parts:
            lines += [f"--{boundary}", part]
        lines.append(f"--{boundary}--")
        return "\n".join(lines), [("Content-Type", f"multipart/form-data; boundary={boundary}")]

    def form_part(self, option: str, spec: str) -> str:
        """One ``-F name=value`` as a part: its headers, a blank line and its content."""
        name, _, value = spec.partition("=")
        source, modifiers = _form_value(value) if option == "form" else ("", {})
        if option == "form":
            value = modifiers.pop("", value)
        disposition = f'Content-Disposition: form-data; name="{_quoted(name)}"'
        headers = []
        if source == "@":
            path = value
            filename = modifiers.get("filename", posixpath.basename(path.replace("\\", "/")))
            disposition += f'; filename="{_quoted(filename)}"'
            extension = posixpath.splitext(filename)[1].lower()
            kind = modifiers.get("type", _FILE_TYPES.get(extension, "application/octet-stream"))
            headers.append(f"Content-Type: {kind}")
            content = self.include(path, "-F")
        elif source == "<":
            content = self.include(value, "-F")
        else:
            if "type" in modifiers:
                headers.append(f"Content-Type: {modifiers['type']}")
            if is_secret_name(name) and value:
                content = self.credentials.hide(value, name, f"-F {name!r}")
            else:
                content = self.text_body(value)
        return "\n".join([disposition, *headers, "", content])

    def include(self, path: str, where: str) -> str:
        """``< ./path``: the file's bytes, relative to the request file."""
        if path.startswith("/") or re.match(r"[A-Za-z]:[\\/]", path):
            relative = f"./{posixpath.basename(path.replace(chr(92), '/'))}"
            self.report.attention(
                where,
                f"the request reads {relative} (httprun reads files inside the project): copy "
                f"{path} next to the request file",
            )
            return f"< {_literal(relative)}"
        relative = path if path.startswith(("./", "../")) else f"./{path}"
        self.report.attention(
            where,
            f"the request reads the file {relative} relative to the request file: place the "
            "file there",
        )
        return f"< {_literal(relative)}"


def _literal(text: str) -> str:
    """Text written into a request file as it is: a ``<<`` is ``\\<<``."""
    return text.replace("<<", "\\<<")


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _reads_file(option: str, value: str) -> bool:
    return (
        option in ("data", "data-ascii", "data-binary", "json")
        and value.startswith("@")
        and (value != "@-")
    )


def _form_value(value: str) -> tuple[str, dict[str, str]]:
    """How curl reads a ``-F`` value: its source (``@`` a file upload, ``<`` a file's text, ""
    the text itself) and its modifiers, the value under the key "". A value (or file name) in
    double quotes (``"a;b"``, Postman's ``@"/path/file"``) is taken whole, ``\\"`` a quote."""
    source = value[:1] if value[:1] in ("@", "<") else ""
    value = value[len(source) :]
    if not value.startswith('"'):
        content, modifiers = _form_modifiers(value)
        return source, {"": content, **modifiers}
    characters: list[str] = []
    index = 1
    while index < len(value) and value[index] != '"':
        if value[index] == "\\" and index + 1 < len(value):
            index += 1
        characters.append(value[index])
        index += 1
    _, modifiers = _form_modifiers(value[index + 1 :])
    return source, {"": "".join(characters), **modifiers}


def _form_modifiers(value: str) -> tuple[str, dict[str, str]]:
    """``-F``'s ``;type=``, ``;filename=``... taken off the value."""
    match = _FORM_MODIFIERS.search(value)
    if match is None:
        return value, {}
    modifiers: dict[str, str] = {}
    for item in re.split(r";\s*(?=(?:type|filename|headers|encoder)=)", value[match.start() + 1 :]):
        key, _, setting = item.partition("=")
        modifiers[key.strip().lower()] = setting.strip().strip('"')
    return value[: match.start()], modifiers


def _timeout(seconds: str) -> str | None:
    try:
        value = float(seconds)
    except ValueError:
        return None
    if not value > 0 or value > 86_400:
        return None
    return f"{round(value)}s" if value == round(value) else f"{round(value * 1000)}ms"
