"""Other tools' ``{{...}}`` values in httprun's ``<<...>>`` form.

One function, :func:`convert_braces`, knows the whole table of IMPORT.md: variables, each
dialect's dynamic values (``{{$guid}}``, ``{{$random.integer(1, 10)}}``, ``{{$datetime "DD-MM-YYYY"
1 d}}``, ``{{$processEnv HOME}}``...) and REST Client's request references
(``{{login.response.body.$.token}}``). The importers use it through :func:`convert_text`, and
``httprun check`` uses it to say what to write instead of a ``{{...}}`` left in a file.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

from .names import as_identifier, is_identifier


class Dialect(enum.Enum):
    POSTMAN = "postman"  # names may hold spaces, '-' and '.'; $guid, $randomInt and faker values
    HTTP = "http"  # JetBrains, VS Code REST Client and httpyac: the table's second part


@dataclass(frozen=True, slots=True)
class Conversion:
    """What one ``{{...}}`` becomes: ``text`` (``<<...>>``, or None when httprun has no
    equivalent) and ``note``: what a person must know or do ("" when nothing)."""

    text: str | None
    note: str = ""


Rename = Callable[[str], str]

_BRACES = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NUMBER = r"[+-]?\d+"
_RANDOM_INTEGER = re.compile(rf"\$random\.integer\(\s*(?:({_NUMBER})\s*,\s*({_NUMBER})\s*)?\)")
_RESPONSE_REFERENCE = re.compile(r"([^.\s]+)\.response\.(body|headers)(?:\.(.*))?", re.DOTALL)
_REQUEST_REFERENCE = re.compile(r"[^.\s]+\.request\.(?:body|headers)(?:\..*)?", re.DOTALL)
# Day.js tokens (REST Client's $datetime patterns), longest first, and their strftime forms.
_DAYJS = {
    "YYYY": "%Y",
    "YY": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "MM": "%m",
    "DD": "%d",
    "dddd": "%A",
    "ddd": "%a",
    "HH": "%H",
    "hh": "%I",
    "mm": "%M",
    "ss": "%S",
    "A": "%p",
    "ZZ": "%z",
}
_DAYJS_TOKEN = re.compile(
    r"\[[^\]]*\]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|d|HH|H|hh|h|mm|m|ss|s|SSS|A|a|ZZ|Z"
)
_OFFSET_UNITS = {"ms": "ms", "s": "s", "m": "m", "h": "h", "d": "d", "w": "w"}
_NO_EQUIVALENT = "httprun has no such value: set one with '@name = value' or in an env file"


def convert_text(
    text: str,
    dialect: Dialect,
    rename: Rename = as_identifier,
    notes: list[str] | None = None,
    *,
    escape: bool = True,
) -> str:
    """``text`` of another tool as httprun template text: each ``{{...}}`` converted, a
    literal ``<<`` escaped as ``\\<<`` (unless not ``escape``: text that already uses
    httprun's ``<<...>>``). A ``{{...}}`` without an equivalent stays as written; each note
    (and each of those) is appended to ``notes``."""
    keep: Callable[[str], str] = _escape if escape else str
    out: list[str] = []
    position = 0
    for match in _BRACES.finditer(text):
        out.append(keep(text[position : match.start()]))
        conversion = convert_braces(match.group(1), dialect, rename)
        if conversion.text is None:
            out.append(keep(match.group(0)))
        else:
            out.append(conversion.text)
        if conversion.note and notes is not None:
            notes.append(f"{match.group(0)}: {conversion.note}")
        position = match.end()
    out.append(keep(text[position:]))
    return "".join(out)


def _escape(literal: str) -> str:
    return literal.replace("<<", "\\<<")


def convert_braces(inner: str, dialect: Dialect, rename: Rename = as_identifier) -> Conversion:
    """The httprun form of ``{{inner}}``."""
    expression = inner.strip()
    if expression.startswith("$"):
        return _dynamic(expression, dialect, rename)
    if dialect is Dialect.POSTMAN:
        return Conversion(f"<<{rename(expression)}>>")
    reference = _RESPONSE_REFERENCE.fullmatch(expression)
    if reference is not None:
        return _response_reference(reference, rename)
    if _REQUEST_REFERENCE.fullmatch(expression):
        return Conversion(
            None,
            "httprun keeps a named request's response, not the request it sent: "
            "use the value the request was built from",
        )
    if _is_name(expression):
        return Conversion(f"<<{rename(expression)}>>")
    return Conversion(
        None,
        "a JavaScript expression, which httprun does not run: compute the value with "
        "'@name = value' and <<$dynamic>> values, or a JMESPath expression in <<...>>",
    )


def _is_name(expression: str) -> bool:
    """A plain variable name, also the dotted and dashed ones other tools allow."""
    return re.fullmatch(r"[A-Za-z_][\w.-]*", expression) is not None


# ---- dynamic values --------------------------------------------------------------------------


def _dynamic(expression: str, dialect: Dialect, rename: Rename) -> Conversion:
    name, _, rest = expression.partition(" ")
    args = rest.split()
    if name in ("$uuid", "$guid", "$random.uuid", "$randomUUID") and not args:
        return Conversion("<<$uuid>>")
    if name in ("$timestamp", "$isoTimestamp"):
        return _with_offset(name, args, [])
    if name == "$randomInt":
        if not args:
            return Conversion("<<$randomInt 0 1000>>")
        if len(args) == 2 and all(re.fullmatch(_NUMBER, arg) for arg in args):
            return Conversion(f"<<$randomInt {args[0]} {args[1]}>>")
    integer = _RANDOM_INTEGER.fullmatch(expression)
    if integer is not None:
        low, high = integer.group(1) or "0", integer.group(2) or "1000"
        return Conversion(f"<<$randomInt {low} {high}>>")
    if dialect is Dialect.HTTP:
        if name in ("$datetime", "$localDatetime"):
            return _datetime(name, rest)
        if name == "$processEnv" and len(args) == 1:
            if args[0].startswith("%"):
                return Conversion(
                    None,
                    "REST Client's '%NAME' reads the variable NAME names: put the value in an "
                    "env file and write <<NAME>>",
                )
            return Conversion(f"<<$env {args[0]}>>")
        if name.startswith("$env.") and not args:
            return Conversion(f"<<$env {name[len('$env.') :]}>>")
        if name == "$dotenv" and len(args) == 1:
            variable = rename(args[0].lstrip("%"))
            return Conversion(
                f"<<{variable}>>",
                f"httprun reads .env values from --env files: put {variable} in one "
                "(envs/NAME.env)",
            )
    return Conversion(None, _NO_EQUIVALENT)


def _with_offset(name: str, args: list[str], prefix: list[str]) -> Conversion:
    """``name`` with REST Client's ``N unit`` offset (``-1 d``) as httprun's ``-1d``."""
    if not args:
        return Conversion(f"<<{' '.join([name, *prefix])}>>")
    if len(args) == 2 and re.fullmatch(_NUMBER, args[0]) and args[1] in _OFFSET_UNITS:
        amount = args[0] if args[0][0] in "+-" else f"+{args[0]}"
        return Conversion(f"<<{' '.join([name, *prefix, amount + args[1]])}>>")
    return Conversion(
        None, "httprun offsets are ms, s, m, h, d or w (years and months have no fixed length)"
    )


def _datetime(name: str, rest: str) -> Conversion:
    rest = rest.strip()
    quoted = re.match(r"""(["'])(.*?)\1\s*(.*)""", rest)
    if quoted is not None:
        pattern = _strftime_pattern(quoted.group(2))
        if pattern is None:
            return Conversion(None, "a Day.js pattern without a strftime form: write one")
        fmt, args = f'"{pattern}"', quoted.group(3).split()
    else:
        words = rest.split()
        if not words or words[0] not in ("iso8601", "rfc1123"):
            return Conversion(None, "write <<$datetime iso8601>>, rfc1123 or a strftime pattern")
        fmt, args = words[0], words[1:]
    conversion = _with_offset("$datetime", args, [fmt])
    if name == "$localDatetime" and conversion.text is not None:
        return Conversion(conversion.text, "httprun's $datetime is in UTC, not local time")
    return conversion


def _strftime_pattern(dayjs: str) -> str | None:
    """A Day.js pattern as strftime, or None when it uses a token strftime cannot write."""
    out: list[str] = []
    position = 0
    for match in _DAYJS_TOKEN.finditer(dayjs):
        out.append(dayjs[position : match.start()].replace("%", "%%"))
        token = match.group(0)
        if token.startswith("["):
            out.append(token[1:-1].replace("%", "%%"))
        elif token in _DAYJS:
            out.append(_DAYJS[token])
        else:
            return None  # unpadded or sub-second tokens
        position = match.end()
    out.append(dayjs[position:].replace("%", "%%"))
    text = "".join(out)
    return None if '"' in text else text


# ---- request references ----------------------------------------------------------------------


def _response_reference(reference: re.Match[str], rename: Rename) -> Conversion:
    request, part, path = reference.group(1), reference.group(2), reference.group(3)
    name = rename(request)
    if part == "headers":
        if not path:
            return Conversion(f"<<{name}.headers>>")
        return Conversion(f'<<{name}.headers."{path.strip().lower()}">>')
    if not path or path == "*":
        return Conversion(f"<<{name}.body>>")
    query = jmespath_of_jsonpath(path.strip())
    if query is None:
        return Conversion(
            None,
            f"write the JSONPath '{path.strip()}' as a JMESPath query: <<{name}.body.QUERY>>",
        )
    return Conversion(f"<<{name}.body{query}>>")


_JSONPATH_STEP = re.compile(r"\.([A-Za-z_][\w-]*|\*)|\[(\d+|\*)\]|\[\s*(['\"])(.*?)\3\s*\]")


def jmespath_of_jsonpath(path: str) -> str | None:
    """``$.a['b-c'][0]`` as ``.a."b-c"[0]`` (appended to ``name.body``); None for what has no
    direct JMESPath form (``..``, filters, XPath)."""
    if not path.startswith("$"):
        return None
    out: list[str] = []
    position = 1
    while position < len(path):
        step = _JSONPATH_STEP.match(path, position)
        if step is None or path.startswith("..", position):
            return None
        key, index, _, quoted = step.groups()
        if key is not None:
            out.append(f".{_jmespath_key(key)}")
        elif index is not None:
            out.append(f"[{index}]")
        else:
            out.append(f".{_jmespath_key(quoted)}")
        position = step.end()
    return "".join(out)


def _jmespath_key(key: str) -> str:
    if key == "*" or is_identifier(key):
        return key
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
