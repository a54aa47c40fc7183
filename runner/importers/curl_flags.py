"""curl's options as a table, and a command's words read through it into a :class:`CurlCommand`.

Only the options that change what is sent are read for their meaning (IMPORT.md's list, plus a
few that map as easily: ``-I``, ``-T``, ``-m``, ``-r``). The others are known so that their
value is never taken for a URL: output-only ones are ignored, the rest are reported. Short
options combine (``-sSL``, ``-XPOST``, ``-H'X: y'``); ``--name=value`` is read too; an unknown
option is reported and never stops the import.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .report import ImportReport

# The options read for their meaning: spelled name -> (canonical long name, takes a value).
_MEANINGFUL = {
    "request": True, "url": True, "header": True, "data": True, "data-ascii": True,
    "data-raw": True, "data-binary": True, "data-urlencode": True, "json": True, "form": True,
    "form-string": True, "user": True, "cookie": True, "get": False, "location": False,
    "insecure": False, "compressed": False, "user-agent": True, "referer": True,
    "oauth2-bearer": True, "head": False, "max-time": True, "upload-file": True, "range": True,
    "http2": False, "http1.1": False,
}  # fmt: skip
# Options that change nothing httprun sends or shows only curl's own output: ignored.
_IGNORED = {
    "silent": False, "show-error": False, "verbose": False, "include": False, "output": True,
    "remote-name": False, "remote-header-name": False, "write-out": True, "dump-header": True,
    "progress-bar": False, "no-progress-meter": False, "no-buffer": False, "trace": True,
    "trace-ascii": True, "trace-time": False, "stderr": True, "create-dirs": False,
    "fail": False, "fail-with-body": False, "globoff": False, "ipv4": False, "ipv6": False,
    "disable": False, "tcp-nodelay": False, "styled-output": False, "output-dir": True,
    "retry": True, "retry-delay": True, "retry-max-time": True, "retry-connrefused": False,
    "retry-all-errors": False, "connect-timeout": True, "max-redirs": True, "keepalive-time": True,
    "no-keepalive": False, "raw": False, "http2-prior-knowledge": False, "path-as-is": False,
    "location-trusted": False, "junk-session-cookies": False, "remote-time": False,
    "no-sessionid": False, "parallel": False, "parallel-max": True, "buffer": False,
    "alt-svc": True, "hsts": True, "etag-save": True, "etag-compare": True, "max-filesize": True,
}  # fmt: skip
# Options with an effect httprun does not take from a request file: reported.
_REPORTED = {
    "proxy": True, "proxy-user": True, "proxy-header": True, "preproxy": True, "noproxy": True,
    "socks4": True, "socks5": True, "socks5-hostname": True, "cacert": True, "capath": True,
    "cert": True, "key": True, "cert-type": True, "key-type": True, "pass": True,
    "cookie-jar": True, "resolve": True, "connect-to": True, "interface": True,
    "limit-rate": True, "config": True, "aws-sigv4": True, "unix-socket": True,
    "abstract-unix-socket": True, "netrc": False, "netrc-file": True, "netrc-optional": False,
    "digest": False, "ntlm": False, "negotiate": False, "anyauth": False, "basic": False,
    "url-query": True, "variable": True, "time-cond": True, "request-target": True,
    "continue-at": True, "speed-limit": True, "speed-time": True, "http1.0": False,
    "http3": False, "http3-only": False, "tlsv1": False, "tlsv1.0": False, "tlsv1.1": False,
    "tlsv1.2": False, "tlsv1.3": False, "tls-max": True, "ciphers": True, "local-port": True,
    "dns-servers": True, "proto": True, "proto-redir": True, "proto-default": True,
    "quote": True, "telnet-option": True, "header-file": True, "ssl": False, "ssl-reqd": False,
    "pinnedpubkey": True, "crlfile": True, "append": False, "use-ascii": False,
    "list-only": False, "ftp-pasv": False, "ftp-port": True, "manual": False, "help": False,
    "version": False, "next": False, "proxytunnel": False, "sslv2": False, "sslv3": False,
}  # fmt: skip
_LONG = {**_IGNORED, **_REPORTED, **_MEANINGFUL}
_SHORT = {
    "X": "request", "H": "header", "d": "data", "F": "form", "u": "user", "b": "cookie",
    "G": "get", "L": "location", "k": "insecure", "A": "user-agent", "e": "referer",
    "I": "head", "m": "max-time", "T": "upload-file", "r": "range", "s": "silent",
    "S": "show-error", "v": "verbose", "i": "include", "o": "output", "O": "remote-name",
    "J": "remote-header-name", "w": "write-out", "D": "dump-header", "#": "progress-bar",
    "N": "no-buffer", "f": "fail", "g": "globoff", "4": "ipv4", "6": "ipv6", "q": "disable",
    "x": "proxy", "U": "proxy-user", "E": "cert", "c": "cookie-jar", "K": "config",
    "n": "netrc", "z": "time-cond", "C": "continue-at", "Y": "speed-limit", "y": "speed-time",
    "0": "http1.0", "1": "tlsv1", "2": "sslv2", "3": "sslv3", "Q": "quote", "t": "telnet-option",
    "P": "ftp-port", "a": "append", "B": "use-ascii", "l": "list-only", "M": "manual",
    "h": "help", "V": "version", "p": "proxytunnel", "j": "junk-session-cookies",
    "R": "remote-time", "Z": "parallel", ":": "next",
}  # fmt: skip
_DATA_OPTIONS = ("data", "data-ascii", "data-raw", "data-binary", "data-urlencode", "json")


@dataclass
class CurlCommand:
    """What a curl command asks for, option by option, before it becomes a request block."""

    urls: list[str] = field(default_factory=list)
    method: str | None = None  # -X, as written
    headers: list[str] = field(default_factory=list)  # -H values, in order
    data: list[tuple[str, str]] = field(default_factory=list)  # (option, value) in order
    forms: list[tuple[str, str]] = field(default_factory=list)  # ("form"|"form-string", spec)
    user: str | None = None
    cookies: list[str] = field(default_factory=list)
    user_agent: str | None = None
    referer: str | None = None
    bearer: str | None = None
    max_time: str | None = None
    upload_file: str | None = None
    byte_range: str | None = None
    get: bool = False
    head: bool = False
    location: bool = False
    insecure: bool = False
    http2: bool = False


def read_command(words: list[str], report: ImportReport) -> CurlCommand:
    """Read ``words`` (after ``curl``) into a command; what cannot be read goes to ``report``."""
    command = CurlCommand()
    index = 0
    options_end = False
    while index < len(words):
        word = words[index]
        index += 1
        if options_end or not word.startswith("-") or word == "-":
            command.urls.append(word)
        elif word == "--":
            options_end = True
        elif word.startswith("--"):
            index = _long_option(word[2:], words, index, command, report)
        else:
            index = _short_options(word[1:], words, index, command, report)
    return command


def _long_option(
    spelled: str, words: list[str], index: int, command: CurlCommand, report: ImportReport
) -> int:
    name, equals, attached = spelled.partition("=")
    negated = name.startswith("no-") and _LONG.get(name[3:]) is False
    known = name[3:] if negated else name
    if known not in _LONG:
        report.attention(
            f"--{name}", "an option httprun does not know: not imported; add what it does by hand"
        )
        return index
    if not _LONG[known]:
        _apply(known, None, command, report, negated=negated)
        return index
    if equals:
        value = attached
    elif index < len(words):
        value, index = words[index], index + 1
    else:
        report.attention(f"--{known}", "has no value at the end of the command: ignored")
        return index
    _apply(known, value, command, report)
    return index


def _short_options(
    letters: str, words: list[str], index: int, command: CurlCommand, report: ImportReport
) -> int:
    for position, letter in enumerate(letters):
        name = _SHORT.get(letter)
        if name is None:
            report.attention(
                f"-{letter}", "an option httprun does not know: not imported; add it by hand"
            )
            continue
        if not _LONG[name]:
            _apply(name, None, command, report)
            continue
        rest = letters[position + 1 :]  # -XPOST: the value is the rest of the word
        if rest:
            _apply(name, rest, command, report)
        elif index < len(words):
            _apply(name, words[index], command, report)
            index += 1
        else:
            report.attention(f"-{letter}", "has no value at the end of the command: ignored")
        break
    return index


def _apply(
    name: str, value: str | None, command: CurlCommand, report: ImportReport, negated: bool = False
) -> None:
    """Record option ``name`` (its canonical long name) with ``value`` on ``command``."""
    if name in _IGNORED:
        return
    if name in _REPORTED:
        report.attention(f"--{name}", _REPORTED_WHY.get(name, _NOT_MAPPED))
        return
    if value is None:
        _apply_switch(name, not negated, command)
        return
    if name in _DATA_OPTIONS:
        command.data.append((name, value))
    elif name in ("form", "form-string"):
        command.forms.append((name, value))
    elif name == "header":
        command.headers.append(value)
    elif name == "cookie":
        command.cookies.append(value)
    elif name == "url":
        command.urls.append(value)
    else:
        setattr(command, _VALUE_FIELDS[name], value)


_VALUE_FIELDS = {
    "request": "method", "user": "user", "user-agent": "user_agent", "referer": "referer",
    "oauth2-bearer": "bearer", "max-time": "max_time", "upload-file": "upload_file",
    "range": "byte_range",
}  # fmt: skip
_SWITCH_FIELDS = {
    "get": "get", "head": "head", "location": "location", "insecure": "insecure",
    "http2": "http2",
}  # fmt: skip


def _apply_switch(name: str, on: bool, command: CurlCommand) -> None:
    field_name = _SWITCH_FIELDS.get(name)
    if field_name is not None:  # --compressed, --http1.1: what httprun does anyway
        setattr(command, field_name, on)


_NOT_MAPPED = "not imported: httprun has no per-request equivalent; check whether you need it"
_REPORTED_WHY = {
    "proxy": "not imported: httprun takes proxies from HTTPS_PROXY / HTTP_PROXY / NO_PROXY",
    "cacert": "not imported: name the CA certificate with SSL_CERT_FILE when you run httprun",
    "capath": "not imported: name the CA certificates with SSL_CERT_DIR when you run httprun",
    "cookie-jar": "not imported: httprun keeps the cookies responses set for the rest of a run",
    "cert": "not imported: httprun does not send client certificates",
    "key": "not imported: httprun does not send client certificates",
    "netrc": "not imported: write the credentials as an Authorization header with env variables",
    "digest": "not imported: httprun sends Basic credentials from -u, not Digest",
    "ntlm": "not imported: httprun sends Basic credentials from -u, not NTLM",
    "negotiate": "not imported: httprun sends Basic credentials from -u, not Negotiate",
    "url-query": "not imported: add the parameter to the URL by hand",
}
