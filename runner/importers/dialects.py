"""One request file of JetBrains' HTTP Client, VS Code REST Client or httpyac as httprun text.

Their syntax is close to httprun's, but such a file may not parse as httprun, so the converter
reads it line by line, the way those tools do (a block's prelude, request line, headers, body,
then handlers and assertions), and writes each line in its httprun form: ``{{...}}`` through
:mod:`.braces` everywhere, names that are not identifiers renamed, the handler and assertion
shapes of :mod:`.dialect_scripts` as ``??``/``>>`` lines, httpyac's relative request lines as
``<<host>>/path``. What has no httprun form (other JavaScript, saving responses, gRPC and other
protocols, unknown directives) is kept verbatim in ``#`` lines just above the block's request
line, and noted for the report.

The result must parse as httprun: a line that still does not is kept as a comment too, and
noted; a file that cannot be made to parse is not converted at all (``text`` is None).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from ..errors import ParseError
from ..parser import parse_text
from ..source import normalize_newlines
from .braces import Dialect, Rename, convert_text
from .dialect_scripts import (
    is_httpyac_assertion,
    translate_assertion,
    translate_exports,
    translate_handler,
)


@dataclass(frozen=True, slots=True)
class Note:
    """What needs a person at ``line`` of the source file."""

    line: int
    what: str


@dataclass
class ConvertedFile:
    text: str | None  # None: the file could not be converted (and is left as it is)
    notes: list[Note] = field(default_factory=list)
    requests: int = 0


class _State(enum.Enum):
    PRELUDE = "prelude"  # before the request line
    HEADERS = "headers"  # the request line, its URL continuations and headers
    BODY = "body"
    TAIL = "tail"  # checks, captures, handlers
    UNSUPPORTED = "unsupported"  # the rest of a block whose request httprun cannot send


class _Section(enum.Enum):
    SEPARATOR = 0
    PRELUDE = 1
    KEPT = 2
    REQUEST = 3
    TAIL = 4


@dataclass
class _Line:
    source: int  # line number in the source file
    text: str
    block: int = 0
    section: _Section = _Section.PRELUDE


@dataclass
class _Relative:
    """A request line whose URL is a path: ``line`` as planned, ``written`` without the
    ``<<host>>`` it got (for a Host header)."""

    line: _Line
    written: str


# Methods of protocols httprun does not speak: their blocks are kept as comments.
_OTHER_PROTOCOLS = frozenset(
    {"GRPC", "GRAPHQL", "WEBSOCKET", "WS", "WSS", "MQTT", "SSE", "EVENTSOURCE", "AMQP", "RPC"}
)
_HTTP_METHODS = frozenset(
    {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"}
)
# Request lines that are commands of another tool, kept as comments with what to do instead.
_OTHER_COMMANDS = {
    "curl": "a curl command (REST Client), kept as a comment: convert it with "
    "'httprun import curl', and put the request it prints here",
    "import": "JetBrains' 'import' below a request, kept as a comment: write '# @import PATH' "
    "in the file's first block (before its first '###')",
    "run": "JetBrains' 'run', kept as a comment: httprun runs a file's requests in order; "
    "for another file's requests, use '# @import PATH' and read their names",
}
# httprun's own directives (FORMAT.md), written as they are.
_HTTPRUN_DIRECTIVES = frozenset(
    {"name", "auth", "timeout", "retry", "no-redirect", "skip", "import", "data"}
)
_OTHER_DIRECTIVES = {
    "ref": "httprun sends a file's requests in order, and an imported file's named request "
    "when this file reads it: remove it",
    "forceRef": "httprun sends a file's requests in order: remove it",
    "no-log": "httprun keeps no response history: remove it",
    "no-cookie-jar": "httprun keeps no cookie jar between requests: remove it",
    "prompt": "httprun never prompts: pass the value with --var NAME=VALUE or an env file",
    "note": "httprun never asks for confirmation: remove it",
    "connection-timeout": "write '# @timeout DURATION'",
    "sleep": "httprun does not pause between requests; '# @retry COUNT INTERVAL' polls",
    "loop": "run the file once per row with '# @data rows.csv'",
}
_DIRECTIVE = re.compile(r"[ \t]*(?:#|//)[ \t]*@([A-Za-z][A-Za-z0-9_.-]*)(.*)")
_VARIABLE = re.compile(r"([ \t]*@)([^\s=]+)([ \t]*=[ \t]*|[ \t]+)(.*)")
_JS_OPEN = re.compile(r"([<>])[ \t]*\{%")
_JS_FILE = re.compile(r"[<>][ \t]*(?!\{%)\S.*\.js[ \t]*")
_YAC_SCRIPT_OPEN = re.compile(r"\{\{(?:[ \t]*|[@+][\w-]*[ \t]*)")
_YAC_SCRIPT_CLOSE = re.compile(r"[ \t]*\}\}[ \t]*")
_CAPTURE = re.compile(r">>[ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*=")
_HTTPRUN_INTERPOLATION = re.compile(r"<<[^<>\n]*>>")
_NAMED_REFERENCE = re.compile(r"\{\{\s*([^\s{}.]+)\.(?!response\.|request\.)([^{}\s]+?)\s*\}\}")
_REFERENCE = re.compile(r"\{\{\s*([^\s{}.]+)\.response\.")
_NO_JAVASCRIPT = (
    "httprun runs no JavaScript: write checks as '?? QUERY OP VALUE' and keep values with "
    "'>> name = query'"
)


def convert_http(
    text: str, path: str, rename: Rename, known_variables: frozenset[str] = frozenset()
) -> ConvertedFile:
    """Convert the text of one foreign ``.http`` file. ``rename`` gives every name its
    identifier (shared with the env files); ``known_variables`` are the names the env files
    define (httpyac's ``host``)."""
    return _Converter(text, path, rename, known_variables).convert()


def keep(text: str) -> str:
    """A source line kept verbatim in a comment (never a directive: ``# @x`` would be one)."""
    if not text.strip():
        return ""
    return f"# kept: {text}" if text.lstrip().startswith("@") else f"# {text}"


def _request_names(lines: list[str]) -> set[str]:
    names: set[str] = set()
    for line in lines:
        match = _DIRECTIVE.fullmatch(line.rstrip())
        if match is not None and match.group(1) == "name":
            value = match.group(2).strip().removeprefix("=").strip()
            if value:
                names.add(value)
    return names


def _titles(lines: list[str]) -> set[str]:
    """The blocks' ``###`` titles: httpyac names a request by its title too."""
    titles = {line[3:].strip("# \t") for line in lines if line.startswith("###")}
    return titles - {""}


class _Converter:
    def __init__(self, text: str, path: str, rename: Rename, known: frozenset[str]) -> None:
        text = normalize_newlines(text.removeprefix("\ufeff"))
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.path = path
        self.rename = rename
        self.escape = _HTTPRUN_INTERPOLATION.search(text) is None
        self.names = _request_names(self.lines)
        self.titles = _titles(self.lines)
        self.referenced = {match.group(1) for match in _REFERENCE.finditer(text)}
        self.variables = set(known) | {
            m.group(2) for m in map(_VARIABLE.fullmatch, self.lines) if m is not None
        }
        self.out: list[_Line] = []
        self.notes: list[Note] = []
        self.requests = 0
        self.block = 0
        self.state = _State.PRELUDE
        self.relative: _Relative | None = None  # this block's relative request line

    # -- helpers --

    def note(self, line: int, what: str) -> None:
        note = Note(line, what)
        if note not in self.notes:
            self.notes.append(note)

    def add(self, number: int, text: str, section: _Section) -> None:
        self.out.append(_Line(number, text, self.block, section))

    def kept(self, number: int, text: str) -> None:
        self.add(number, keep(text), _Section.KEPT)

    def convert_line(self, number: int, text: str) -> str:
        """``{{...}}`` converted, httpyac's ``{{login.token}}`` read as REST Client's
        ``{{login.response.body.$.token}}`` when ``login`` names a request."""
        text = _NAMED_REFERENCE.sub(self._named_reference, text)
        notes: list[str] = []
        converted = convert_text(text, Dialect.HTTP, self.rename, notes, escape=self.escape)
        for what in notes:
            self.note(number, what)
        return converted

    def _named_reference(self, match: re.Match[str]) -> str:
        name, path = match.group(1), match.group(2)
        if name not in self.names and name not in self.titles:
            return match.group(0)
        self.referenced.add(name)
        return f"{{{{{name}.response.body.$.{path}}}}}"

    # -- the file --

    def convert(self) -> ConvertedFile:
        index = 0
        while index < len(self.lines):
            index = self.step(index)
        self.end_of_headers()
        self.name_referenced_titles()
        lines = self.ensure_parses(self.ordered())
        if lines is None:
            return ConvertedFile(None, self.notes, self.requests)
        return ConvertedFile("".join(f"{line.text}\n" for line in lines), self.notes, self.requests)

    def ordered(self) -> list[_Line]:
        """Each block's lines with its kept lines just above its request line."""
        return sorted(self.out, key=lambda line: (line.block, line.section.value))

    def step(self, index: int) -> int:
        text, number = self.lines[index], index + 1
        if text.startswith("###"):
            self.new_block(number, text)
            return index + 1
        if self.state is _State.UNSUPPORTED:
            self.kept(number, text)
            return index + 1
        opening = _JS_OPEN.match(text)
        if opening is not None:
            return self.javascript(index, opening.group(1))
        if self.state is not _State.HEADERS and _YAC_SCRIPT_OPEN.fullmatch(text):
            return self.httpyac_script(index)
        if self.state is _State.PRELUDE:
            self.prelude_line(number, text)
        elif self.state is _State.HEADERS:
            self.header_line(number, text)
        elif self.state is _State.BODY:
            self.body_line(number, text)
        else:
            self.tail_line(number, text)
        return index + 1

    def new_block(self, number: int, text: str) -> None:
        self.end_of_headers()
        self.block += 1
        self.state = _State.PRELUDE
        self.add(number, text, _Section.SEPARATOR)

    def name_referenced_titles(self) -> None:
        """A block that other requests refer to by its ``###`` title (httpyac) gets a
        ``# @name``."""
        named = {line.block for line in self.out if _is_name_directive(line.text)}
        for line in list(self.out):
            if line.section is not _Section.SEPARATOR or line.block in named:
                continue
            title = line.text.lstrip("#").strip()
            if title in self.referenced and title not in self.names:
                self.out.append(
                    _Line(line.source, f"# @name {self.rename(title)}", line.block, _Section.KEPT)
                )

    # -- the prelude --

    def prelude_line(self, number: int, text: str) -> None:
        stripped = text.strip()
        if not stripped or stripped.startswith("<>"):
            self.add(number, text, _Section.PRELUDE)
        elif stripped.startswith(("#", "//")):
            self.comment_line(number, text)
        elif stripped.startswith("@"):
            self.variable_line(number, text)
        elif _JS_FILE.fullmatch(stripped):
            self.kept(number, text)
            self.note(number, f"a JavaScript file handler, kept as a comment; {_NO_JAVASCRIPT}")
        elif stripped.startswith(("??", ">>", "<", ">")):
            self.kept(number, text)
            self.note(number, "a line before the request line, kept as a comment: move it")
        else:
            self.request_line(number, text)

    def comment_line(self, number: int, text: str) -> None:
        directive = _DIRECTIVE.fullmatch(text.rstrip())
        if directive is None:
            self.add(number, text, _Section.PRELUDE)
            return
        key, value = directive.group(1), directive.group(2).strip().removeprefix("=").strip()
        if key == "name":
            self.add(number, f"# @name {self.rename(value)}" if value else text, _Section.PRELUDE)
        elif key == "disabled":
            self.add(number, "# @skip", _Section.PRELUDE)
        elif key in _HTTPRUN_DIRECTIVES:
            self.add(number, text, _Section.PRELUDE)
        else:
            self.kept(number, text.strip())
            advice = _OTHER_DIRECTIVES.get(key, "httprun has no such directive")
            self.note(number, f"'@{key}' kept as a comment: {advice}")

    def variable_line(self, number: int, text: str) -> None:
        match = _VARIABLE.fullmatch(text.rstrip())
        if match is None:
            self.kept(number, text)
            self.note(number, "a variable without a name, kept as a comment: write '@name = value'")
            return
        name = self.rename(match.group(2))
        value = self.convert_line(number, match.group(4))
        if name == match.group(2) and value == match.group(4):
            self.add(number, text, _Section.PRELUDE)  # as written (an httprun line)
        else:
            self.add(number, f"@{name} = {value}".rstrip(), _Section.PRELUDE)

    # -- the request --

    def request_line(self, number: int, text: str) -> None:
        words = text.split()
        method = ""
        if len(words) >= 2 and words[0].isalpha():
            method = words[0].upper() if words[0].upper() in _HTTP_METHODS else words[0]
            words = words[1:]
        elif len(words) == 1 and words[0].upper() in _OTHER_PROTOCOLS:
            method = words[0]
        if method == "import" and words and self.block == 0 and self.requests == 0:
            # JetBrains' import of another file's requests: httprun's own directive, whose
            # requests run when this file reads what they name or capture.
            self.add(number, f"# @import {' '.join(words)}", _Section.PRELUDE)
            return
        if words and method in _OTHER_COMMANDS:
            self.state = _State.UNSUPPORTED
            self.kept(number, text)
            self.note(number, _OTHER_COMMANDS[method])
            return
        if method.upper() in _OTHER_PROTOCOLS:
            self.state = _State.UNSUPPORTED
            self.kept(number, text)
            self.note(
                number,
                f"a {method.upper()} request, kept as a comment: httprun sends HTTP requests "
                "only; test this one with another tool",
            )
            return
        version = words.pop() if len(words) >= 2 and words[-1].startswith("HTTP/") else ""
        url = self.convert_line(number, " ".join(words))
        written = " ".join(part for part in (method, url, version) if part)
        relative = url.startswith("/")  # httpyac: below 'host'; REST Client: a Host header
        if relative:
            written_with_host = " ".join(p for p in (method, f"<<host>>{url}", version) if p)
            self.add(number, written_with_host, _Section.REQUEST)
            self.relative = _Relative(self.out[-1], written)
        else:
            self.add(number, written, _Section.REQUEST)
        self.requests += 1
        self.state = _State.HEADERS

    def end_of_headers(self) -> None:
        """A relative request line without a Host header reads httpyac's ``host``."""
        if self.relative is not None and "host" not in self.variables:
            self.note(
                self.relative.line.source,
                "a relative URL, now <<host>>/...: define 'host' in an env file",
            )
        self.relative = None

    def header_line(self, number: int, text: str) -> None:
        stripped = text.strip()
        if self.relative is not None and stripped.lower().startswith("host:"):
            self.relative.line.text = self.relative.written  # REST Client: the Host header's
            self.relative = None
        if not stripped:
            self.end_of_headers()
            self.add(number, "", _Section.REQUEST)
            self.state = _State.BODY
        elif _ends_body(text):
            self.end_of_headers()
            self.state = _State.TAIL
            self.tail_line(number, text)
        elif stripped.startswith(("#", "//")):
            if _DIRECTIVE.fullmatch(text.rstrip()):
                self.kept(number, stripped)
                self.note(number, "a directive after the request line: move it above that line")
            else:
                self.add(number, text, _Section.REQUEST)
        else:
            converted = self.convert_line(number, text)
            name, _, value = converted.partition(":")
            if name.strip().lower() == "x-request-type" and value.strip().lower() == "graphql":
                self.note(
                    number,
                    "REST Client sends this body as GraphQL: write it as the JSON body "
                    '{"query": "...", "variables": {...}} and remove this header',
                )
            self.add(number, converted, _Section.REQUEST)

    def body_line(self, number: int, text: str) -> None:
        if _ends_body(text):
            self.state = _State.TAIL
            self.tail_line(number, text)
        else:
            self.add(number, self.convert_line(number, text), _Section.REQUEST)

    # -- checks, captures, handlers --

    def tail_line(self, number: int, text: str) -> None:
        stripped = text.strip()
        if text.startswith("??"):
            self.assertion(number, text)
        elif text.startswith(">>"):
            if _CAPTURE.match(text):
                self.add(number, self.convert_line(number, text), _Section.TAIL)
            else:
                self.kept(number, text)
                self.note(
                    number,
                    "saving the response to a file, kept as a comment: httprun has no "
                    "equivalent yet; keep what you need with '>> name = query'",
                )
        elif _is_plain_line(text):
            self.add(number, text, _Section.TAIL)
        elif _JS_FILE.fullmatch(stripped):
            self.kept(number, text)
            self.note(number, f"a JavaScript file handler, kept as a comment; {_NO_JAVASCRIPT}")
        else:
            self.kept(number, text)
            self.note(
                number,
                "a line after the request that httprun cannot place, kept as a "
                "comment: move it to where it belongs",
            )

    def assertion(self, number: int, text: str) -> None:
        if not is_httpyac_assertion(text):
            self.add(number, self.convert_line(number, text), _Section.TAIL)
            return
        check = translate_assertion(text, self.rename, self.escape)
        if check is None:
            self.kept(number, text)
            self.note(
                number,
                f"an httpyac assertion without an httprun form, kept as a "
                f"comment; {_NO_JAVASCRIPT}",
            )
        else:
            self.add(number, check, _Section.TAIL)

    # -- scripts --

    def javascript(self, index: int, kind: str) -> int:
        """``< {% ... %}`` or ``> {% ... %}``, over one line or several."""
        end = index
        while end < len(self.lines) and "%}" not in self.lines[end]:
            if end > index and self.lines[end].startswith("###"):
                end -= 1
                break
            end += 1
        end = min(end, len(self.lines) - 1)
        lines = self.lines[index : end + 1]
        script = "\n".join(lines)
        script = script[script.index("{%") + 2 :]
        script = script[: script.rindex("%}")] if "%}" in script else script
        number = index + 1
        if kind == ">" and self.state is not _State.PRELUDE:
            self.state = _State.TAIL
            translation = translate_handler(script)
            for check in translation.lines:
                self.add(number, check, _Section.TAIL)
            if translation.complete:
                return end + 1
            done = (
                f" ({len(translation.lines)} of its lines translated)" if translation.lines else ""
            )
            self.note(
                number, f"a JavaScript response handler, kept as a comment{done}; {_NO_JAVASCRIPT}"
            )
        else:
            self.note(
                number,
                "a JavaScript pre-request script, kept as a comment: httprun runs no "
                "JavaScript; compute values with '@name = value' lines and <<$dynamic>> values",
            )
        for offset, line in enumerate(lines):
            self.kept(number + offset, line)
        return end + 1

    def httpyac_script(self, index: int) -> int:
        end = index + 1
        while end < len(self.lines) and not _YAC_SCRIPT_CLOSE.fullmatch(self.lines[end]):
            if self.lines[end].startswith("###"):
                end -= 1
                break
            end += 1
        end = min(end, len(self.lines) - 1)
        number = index + 1
        if self.state is not _State.PRELUDE:  # after the request: runs on the response
            self.state = _State.TAIL
            translation = translate_exports(self.lines[index + 1 : end])
            for capture in translation.lines:
                self.add(number, capture, _Section.TAIL)
            if translation.complete:
                return end + 1
        self.note(number, f"an httpyac script block, kept as a comment; {_NO_JAVASCRIPT}")
        for offset, line in enumerate(self.lines[index : end + 1]):
            self.kept(index + 1 + offset, line)
        return end + 1

    # -- the result must parse --

    def ensure_parses(self, lines: list[_Line]) -> list[_Line] | None:
        """``lines``, with each line httprun cannot read kept as a comment (noted); None when
        that does not make the text parse. A syntax error stays inside its block, so a file
        that does not parse is mended block by block (each error parses one block again, not
        the whole file)."""
        if self.first_error(lines) is None:
            return lines
        blocks: dict[int, list[_Line]] = {}
        for line in lines:
            blocks.setdefault(line.block, []).append(line)
        for block in blocks.values():
            if not self.mend(block):
                return None
        error = self.first_error(lines)
        if error is not None:
            self.note(1, f"httprun cannot read the converted file; left as it is: {error.message}")
            return None
        return lines

    def first_error(self, lines: list[_Line]) -> ParseError | None:
        try:
            parse_text("".join(f"{line.text}\n" for line in lines), self.path)
        except ParseError as error:
            return error
        return None

    def mend(self, lines: list[_Line]) -> bool:
        """Keep each line of one block that httprun cannot read as a comment, until the block
        parses; False when that does not help."""
        for _ in range(len(lines) + 1):
            error = self.first_error(lines)
            if error is None:
                return True
            if not self.keep_failing_line(lines, error):
                self.note(
                    lines[0].source,
                    f"httprun cannot read the converted file; left as it is: {error.message}",
                )
                return False
        return False

    def keep_failing_line(self, lines: list[_Line], error: ParseError) -> bool:
        if error.span is None or not 1 <= error.span.line <= len(lines):
            return False
        failing = lines[error.span.line - 1]
        if not failing.text.strip():
            return False
        if failing.text.startswith("#") and not _DIRECTIVE.fullmatch(failing.text):
            return False  # already a comment: no progress possible
        where = [failing]
        if failing.section is _Section.REQUEST and _is_first_request_line(lines, failing):
            where = [
                line
                for line in lines
                if line.block == failing.block and line.section in (_Section.REQUEST, _Section.TAIL)
            ]
        for line in where:
            line.text = keep(line.text) if line.text else line.text
        hint = f": {error.hint}" if error.hint else ""
        self.note(failing.source, f"{error.message}; kept as a comment{hint}")
        return True


def _is_first_request_line(lines: list[_Line], line: _Line) -> bool:
    return (
        next(
            candidate
            for candidate in lines
            if candidate.block == line.block and candidate.section is _Section.REQUEST
        )
        is line
    )


def _is_plain_line(text: str) -> bool:
    """A blank line, a response link or a comment that is no directive."""
    stripped = text.strip()
    if not stripped or stripped.startswith("<>"):
        return True
    return stripped.startswith(("#", "//")) and _DIRECTIVE.fullmatch(text.rstrip()) is None


def _is_name_directive(text: str) -> bool:
    match = _DIRECTIVE.fullmatch(text.rstrip())
    return match is not None and match.group(1) == "name"


def _ends_body(text: str) -> bool:
    """Whether ``text`` ends a request's headers or body: a check, a capture, a response
    link or a handler."""
    if text.startswith(("??", ">>", "<>")):
        return True
    return text.startswith(">") and _JS_FILE.fullmatch(text.strip()) is not None
