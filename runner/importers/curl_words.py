"""A curl command line as the words curl receives, for the two shells browsers copy for.

POSIX shells (Bash, zsh; Chrome's and Firefox's "Copy as cURL (bash)"): ``\\`` line
continuations are joined and Bash's ``$'...'`` (ANSI-C quoting, which Chrome uses for bodies
with special characters) is decoded into an ordinary single-quoted word, then :mod:`shlex`
splits the line as a POSIX shell would. Windows ``cmd`` ("Copy as cURL (cmd)"): cmd.exe removes
each ``^`` escape (a ``^`` at a line's end joins the next line), then curl.exe's C runtime splits
the line with its own quoting rules (``"...``, ``\\"``), which differ from POSIX ones.
"""

from __future__ import annotations

import re
import shlex

from ..errors import UsageError

_HINT = "paste the command as your shell would run it, quotes closed"
# cmd's caret escapes: Chrome's cmd form starts its first word with ^" and ends lines with ^.
_CMD_FORM = re.compile(r'^\s*\S+\s+\^"|[ \t]\^\r?\n')
_ANSI_C_SIMPLE = {
    "a": 7, "b": 8, "e": 27, "E": 27, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11,
    "\\": 92, "'": 39, '"': 34, "?": 63,
}  # fmt: skip
_ANSI_C_NUMBER = {"x": (16, 2), "u": (16, 4), "U": (16, 8)}
_HEX = "0123456789abcdefABCDEF"
_OCTAL = "01234567"


def curl_words(command: str) -> list[str]:
    """The words of ``command`` (``curl`` itself included), as curl would receive them.

    Raises :class:`UsageError` for an unclosed quote."""
    if _CMD_FORM.search(command):
        return _runtime_words(_without_carets(command))
    try:
        return shlex.split(_posix_prepared(command), posix=True)
    except ValueError as error:  # shlex: "No closing quotation", "No escaped character"
        raise UsageError(f"the curl command cannot be read: {error}", hint=_HINT) from None


# ---- POSIX shells ----------------------------------------------------------------------------


def _posix_prepared(command: str) -> str:
    """``command`` with line continuations joined and ``$'...'`` words as ``'...'`` words."""
    out: list[str] = []
    quote = ""  # the quote we are inside: "", "'" or '"'
    index = 0
    while index < len(command):
        char = command[index]
        if quote != "'" and char == "\\":
            continuation = _continuation(command, index + 1)
            if continuation:
                index += 1 + continuation
                continue
            out.append(command[index : index + 2])
            index += 2
            continue
        if not quote and command.startswith("$'", index):
            decoded, index = _ansi_c(command, index + 2)
            out.append("'" + decoded.replace("'", "'\"'\"'") + "'")
            continue
        if not quote and char in "'\"":
            quote = char
        elif char == quote:
            quote = ""
        out.append(char)
        index += 1
    return "".join(out)


def _continuation(command: str, index: int) -> int:
    """The length of the line break at ``index`` (after a ``\\``): 0 when there is none."""
    if command.startswith("\r\n", index):
        return 2
    return 1 if command.startswith("\n", index) else 0


def _ansi_c(command: str, index: int) -> tuple[str, int]:
    """Decode Bash's ``$'...'`` from just after ``$'``: the text and the index after the
    closing quote. Escapes give bytes (``\\xc3\\xa9`` is one ``é``); a NUL ends the word, as it
    does in Bash."""
    data = bytearray()
    while index < len(command):
        char = command[index]
        if char == "'":
            return _text(bytes(data).split(b"\0", 1)[0]), index + 1
        if char != "\\" or index + 1 >= len(command):
            data += char.encode("utf-8", "surrogatepass")
            index += 1
            continue
        escape = command[index + 1]
        index += 2
        if escape in _ANSI_C_SIMPLE:
            data.append(_ANSI_C_SIMPLE[escape])
        elif escape in _OCTAL:
            digits = _run(command, index - 1, _OCTAL, 3)
            data.append(int(digits, 8) & 0xFF)
            index += len(digits) - 1
        elif escape in _ANSI_C_NUMBER:
            base, most = _ANSI_C_NUMBER[escape]
            digits = _run(command, index, _HEX, most)
            if not digits:
                data += ("\\" + escape).encode()
            elif escape == "x":
                data.append(int(digits, base))
            else:
                data += _code_point(int(digits, base))
            index += len(digits)
        elif escape == "c" and index < len(command):
            data.append(ord(command[index].upper()) & 0x1F if command[index].isascii() else 0x3F)
            index += 1
        else:
            data += ("\\" + escape).encode("utf-8", "surrogatepass")
    raise UsageError("the curl command has a $'...' word that is never closed", hint=_HINT)


def _run(text: str, index: int, allowed: str, most: int) -> str:
    """The characters from ``index`` that are in ``allowed``, at most ``most`` of them."""
    end = index
    while end < len(text) and end - index < most and text[end] in allowed:
        end += 1
    return text[index:end]


def _code_point(value: int) -> bytes:
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return "\ufffd".encode()
    return chr(value).encode()


def _text(data: bytes) -> str:
    """Bytes as text: what is not UTF-8 becomes U+FFFD (a request file holds text)."""
    return data.decode("utf-8", errors="replace")


# ---- Windows cmd -----------------------------------------------------------------------------


def _without_carets(command: str) -> str:
    """What cmd.exe hands curl.exe: each ``^x`` becomes ``x``; ``^`` and a line break join
    the next line, whose first character is then taken as it is (Chrome writes a line break
    inside a value as ``^``, a line break and the line break itself). A line break left is the
    end of the command; read as a space, so a command over several lines still reads whole."""
    out: list[str] = []
    index = 0
    while index < len(command):
        char = command[index]
        if char == "^" and index + 1 < len(command):
            following = _continuation(command, index + 1)
            index += 1 + following
            if index < len(command):
                escaped = command[index]
                if escaped == "\r" and command.startswith("\r\n", index):
                    escaped, index = "\n", index + 1
                out.append(escaped)
                index += 1
            continue
        out.append(" " if char in "\r\n" else char)
        index += 1
    return "".join(out)


def _runtime_words(line: str) -> list[str]:
    """Split ``line`` as the Microsoft C runtime splits a program's command line: white space
    separates words outside ``"``; ``2n`` backslashes before a ``"`` are ``n`` backslashes and
    the quote toggles quoting, ``2n+1`` are ``n`` and a literal ``"``; other backslashes are
    literal; ``""`` inside quotes is a literal ``"``."""
    words: list[str] = []
    word: list[str] = []
    in_word = quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if char == "\\":
            count = len(_run(line, index, "\\", len(line)))
            index += count
            in_word = True
            if index < len(line) and line[index] == '"':
                word.append("\\" * (count // 2))
                if count % 2:
                    word.append('"')
                    index += 1
            else:
                word.append("\\" * count)
            continue
        if char == '"':
            in_word = True
            if quoted and line.startswith('""', index):
                word.append('"')
                index += 2
                continue
            quoted = not quoted
        elif char in " \t\n" and not quoted:
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
        else:
            word.append(char)
            in_word = True
        index += 1
    if in_word:
        words.append("".join(word))
    return words
