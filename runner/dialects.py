"""Other ``.http`` tools' constructs that httprun does not have, recognised so that the parser
and ``httprun check`` can say what to write instead of giving a generic syntax error: their
``{{name}}`` values (converted by :mod:`runner.importers.braces`), httpyac's ``{{ ... }}``
JavaScript blocks, and request lines of protocols other than HTTP (JetBrains' and httpyac's
``GRAPHQL``, ``GRPC``, ``WEBSOCKET``/``WS``, ``MQTT``, ``SSE``/``EVENTSOURCE``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from .importers.names import as_identifier, is_identifier

__all__ = [
    "OTHER_VARIABLE",
    "RUNS_WHAT_IS_READ",
    "Wording",
    "is_script_open",
    "jetbrains_import",
    "other_request_line",
    "other_variable",
    "script_block",
    "script_blocks",
]


class Wording(NamedTuple):
    """What a diagnostic says: the message, the label under the carets, the help line."""

    message: str
    label: str
    hint: str


#: ``{{name}}`` of other tools on one line (the name in group 1): plain text in httprun.
OTHER_VARIABLE = re.compile(r"\{\{[ \t]*([$A-Za-z_][^{}\n]*?)[ \t]*\}\}")


def other_variable(written: str, inner: str) -> Wording:
    """What to say about ``written``, a ``{{inner}}`` of another tool: the httprun text to
    write instead (from the one conversion table, :func:`convert_braces`), or why there is
    none."""
    # Imported here: every run checks its files for {{...}}, few find one.
    from .importers.braces import Dialect, convert_braces

    conversion = convert_braces(inner, Dialect.HTTP)
    if conversion.text is None:
        return Wording(
            f"'{written}' is plain text in httprun", "httprun has no equivalent", conversion.note
        )
    label = conversion.note or "httprun inserts values with <<...>>"
    name = inner.strip()
    if conversion.text == f"<<{as_identifier(name)}>>" and not is_identifier(name):
        label = f"'{name}' is no httprun name: rename it in the env files too"
    return Wording(
        f"'{written}' is plain text in httprun: write '{conversion.text}'",
        label,
        f"replace '{written}' with '{conversion.text}'",
    )


# httpyac's JavaScript block: a line "{{" (optionally "@js", then "+" or "@" and the event it
# runs at) up to a line "}}". The same lines httpyac itself recognises.
_SCRIPT_OPEN = re.compile(
    r"[ \t]*\{\{(?:@js[ \t]+)?[+@]?(?:request|streaming|response|after|responseLogging)?[ \t]*",
    re.IGNORECASE,
)
_SCRIPT_CLOSE = re.compile(r"[ \t]*\}\}[ \t]*")


def is_script_open(line: str) -> bool:
    """Whether ``line`` opens an httpyac JavaScript block."""
    return _SCRIPT_OPEN.fullmatch(line) is not None


def script_blocks(lines: Sequence[str]) -> Iterator[tuple[int, int]]:
    """(index of the ``{{`` line, index of its ``}}`` line) of each httpyac JavaScript block
    in ``lines``. A ``{{`` line that no ``}}`` line closes opens none (as in httpyac)."""
    closes = [index for index, line in enumerate(lines) if _SCRIPT_CLOSE.fullmatch(line)]
    after_last = 0  # lines before this index are inside the last block found
    for index in range(len(lines)):
        if index < after_last or not is_script_open(lines[index]):
            continue
        close = bisect.bisect_right(closes, index)  # found by halving: no scan per "{{"
        if close < len(closes):
            yield index, closes[close]
            after_last = closes[close] + 1


def script_block() -> Wording:
    return Wording(
        "httpyac JavaScript blocks are not run by httprun",
        "httprun runs no JavaScript: write '??' checks and '>> name = query' captures instead",
        "remove the block from '{{' to '}}': check responses with '?? QUERY OP VALUE' lines, "
        "keep values with '>> name = query', and compute values with '@name = value' lines "
        "and <<$dynamic>> values",
    )


_NOT_HTTP = "httprun sends HTTP requests only"

# Request line words of other tools → the label (what to do, in short) and the help line.
_PROTOCOLS: dict[str, tuple[str, str]] = {
    "GRAPHQL": (
        'a GraphQL query is a POST with a JSON body {"query": ...}',
        "write 'POST URL', a 'Content-Type: application/json' header and the body "
        '{"query": "...", "variables": {...}}',
    ),
    "GRPC": (
        "call the service's HTTP/JSON gateway with POST, or use grpcurl",
        "gRPC is not plain HTTP; services behind a gateway such as grpc-gateway also take "
        "'POST URL' with a JSON body",
    ),
    "WEBSOCKET": (
        "use a WebSocket client (e.g. websocat) for the socket",
        "send the HTTP requests around the socket with httprun, and the socket's messages "
        "with a WebSocket client",
    ),
    "MQTT": (
        "use an MQTT client (e.g. mosquitto_pub, mosquitto_sub)",
        "MQTT is no HTTP; keep the HTTP requests of the API in this file",
    ),
    "SSE": (
        "an event stream does not end, and httprun reads whole responses: use curl -N",
        "write 'GET URL' with 'Accept: text/event-stream' only when the server ends the "
        "stream; read endless streams with curl -N",
    ),
}
_ALIASES = {"WS": "WEBSOCKET", "WSS": "WEBSOCKET", "EVENTSOURCE": "SSE"}


#: What httprun does instead of httpyac's ``@ref`` and JetBrains' ``run #name``.
RUNS_WHAT_IS_READ = "httprun runs a named request first when a later one reads <<name.body...>>"


def jetbrains_import(path: str) -> Wording:
    """The wording for JetBrains' ``import PATH`` line: httprun's is a directive."""
    written = path.strip() or "./other.http"
    return Wording(
        "JetBrains' 'import' is written '# @import PATH' in httprun",
        "a request line must start with an HTTP method",
        f"write '# @import {written}' in the file's first block (before its first '###')",
    )


def other_request_line(text: str) -> tuple[Wording, int] | None:
    """The wording for a request line (``text``, from its first character that is not
    blank) that is another tool's construct, and how many characters of it to underline:
    a request of another protocol (any case: those tools accept it), httpyac's
    ``proto < file`` of gRPC, JetBrains' ``import PATH`` and ``run #name``."""
    words = text.split(None, 1)
    if not words:
        return None
    word = words[0]
    if len(words) == 2 or word.isupper():  # a lone lower-case word is a URL
        protocol = _PROTOCOLS.get(_ALIASES.get(word.upper(), word.upper()))
        if protocol is not None:
            label, hint = protocol
            return Wording(f"{_NOT_HTTP}: '{word}' is not an HTTP method", label, hint), len(word)
    if len(words) < 2:
        return None
    if word == "proto" and words[1].startswith("<"):
        label, hint = _PROTOCOLS["GRPC"]
        message = f"{_NOT_HTTP}: 'proto < file' loads a gRPC service definition"
        return Wording(message, label, hint), len(word)
    if word == "import":
        return jetbrains_import(words[1]), len(word)
    if word == "run":
        wording = Wording(
            "JetBrains' 'run' is not needed in httprun", RUNS_WHAT_IS_READ, "remove this line"
        )
        return wording, len(word)
    return None
