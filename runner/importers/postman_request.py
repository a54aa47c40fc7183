"""One Postman request as the lines of an httprun request block: request line, headers and
body, with literal credentials moved into env variables and bodies whose lines the format would
read as something else (``###``, ``??``, ``< file``) moved into a file beside the request file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import quote

from ..masking import is_secret_name, is_sensitive_header
from .postman_auth import AuthPlan
from .postman_context import Context, has_literal
from .postman_model import Body, Pair, Request

_BRACES_SPLIT = re.compile(r"(\{\{.*?\}\})", re.DOTALL)
_METHOD = re.compile(r"[A-Z][A-Z0-9_-]*")
_HEADER_NAME = re.compile(r"[A-Za-z0-9!$%&'*+.^_`|~-][!#$%&'*+.^_`|~0-9A-Za-z-]*")
_PATH_VARIABLE = re.compile(r"(?<=/):([A-Za-z0-9_.$-]+)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_AUTH_SCHEME = re.compile(r"(?i)(bearer|basic|token|digest)(\s+)(.*)", re.DOTALL)
# Body lines the format would read as a new block, a check, a capture or a file to include.
_UNSAFE_BODY_LINE = re.compile(r"^(?:###|\?\?|>>|<|>)")
_LANGUAGE_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "html": "text/html",
    "text": "text/plain",
    "javascript": "application/javascript",
}
_EXTENSIONS = {"json": ".json", "xml": ".xml", "html": ".html", "javascript": ".js"}

# Plans a file beside the request file: (extension, text) -> its "./name" for an include line.
SideFile = Callable[[str, str], str]


@dataclass
class RequestLines:
    before: list[str] = field(default_factory=list)  # comment and variable lines
    request: list[str] = field(default_factory=list)  # request line, headers, blank, body


def request_lines(
    request: Request,
    plan: AuthPlan,
    context: Context,
    side_file: SideFile,
    drop_header: Callable[[Pair], bool],
) -> RequestLines:
    where = request.where
    out = RequestLines()
    url = _url(request, plan, context, out)
    method = request.method.upper()
    if not _METHOD.fullmatch(method):
        context.report.attention(where, f"method '{request.method}' is no HTTP method: sent as GET")
        method = "GET"
    out.request.append(f"{method} {url}")
    body_headers, body_lines = _body(request.body, request, context, side_file)
    headers = [pair for pair in request.headers if not drop_header(pair)]
    names = {pair.key.strip().lower() for pair in headers if not pair.disabled}
    for pair in headers:
        _header(pair, context, where, out)
    for name, value in plan.headers:
        if not _HEADER_NAME.fullmatch(name):
            context.report.attention(
                where, f"the auth's header '{name}' is no header name: left out"
            )
        elif name.lower() not in names:
            out.request.append(f"{name}: {value}")
            names.add(name.lower())
    for name, value in body_headers:
        if name.lower() == "content-type" and request.body is not None:
            if request.body.mode == "formdata":
                out.request = [line for line in out.request if not _is_content_type(line)]
            elif "content-type" in names:
                continue
        out.request.append(f"{name}: {value}")
    if body_lines:
        out.request += ["", *body_lines]
    return out


def _is_content_type(line: str) -> bool:
    return line.lower().startswith("content-type:")


# ---- URL -----------------------------------------------------------------------------------


def _url(request: Request, plan: AuthPlan, context: Context, out: RequestLines) -> str:
    """The request line's URL: white space percent-encoded, secret-named query values with a
    literal moved to env variables, the auth's query parameters appended."""
    where = request.where
    url = _path_variables(request.url, request, context, out)
    for pair in request.disabled_query:
        out.before.append(f"# disabled query parameter: {_shown_pair(pair, '=', context, where)}")
    base, question, query = url.partition("?")
    parts = []
    for part in query.split("&") if question else []:
        key, equals, value = part.partition("=")
        if equals and is_secret_name(key) and has_literal(value):
            context.masker.add(value)
            converted = _encoded(context.credential(key, value, where))
        else:
            converted = _without_blanks(value, context, where)
        parts.append(_without_blanks(key, context, where) + (f"={converted}" if equals else ""))
    parts += [f"{quote(key, safe='')}={_encoded(value)}" for key, value in plan.query]
    return _without_blanks(base, context, where) + ("?" + "&".join(parts) if parts else "")


def _without_blanks(text: str, context: Context, where: str) -> str:
    return _literal_parts(text, lambda part: re.sub(r"\s", _percent, part), context, where)


def _encoded(template: str) -> str:
    """``<<name>>`` as ``<<%name>>``: percent-encoded where it is inserted."""
    return (
        "<<%" + template[2:]
        if template.startswith("<<") and not template.startswith("<<$")
        else template
    )


def _percent(match: re.Match[str]) -> str:
    return quote(match.group(0), safe="")


def _path_variables(url: str, request: Request, context: Context, out: RequestLines) -> str:
    """``/:id`` path segments as ``/{{id}}``, each with its value as a variable of the block."""
    scheme = _SCHEME.match(url)
    start = scheme.end() if scheme else 0
    slash = url.find("/", start)
    query = url.find("?")
    if slash < 0 or (0 <= query < slash):
        return url
    end = query if query >= 0 else len(url)
    path = url[slash:end]
    names = _PATH_VARIABLE.findall(path)
    for name in dict.fromkeys(names):
        value = request.path_values.get(name, "")
        variable = context.rename(name)
        template = context.template(value, request.where)
        if "\n" in template:
            context.report.attention(request.where, f"path variable :{name}: one line only")
            template = ""
        if not value:
            context.report.attention(
                request.where, f"path variable :{name} has no value: set @{variable} in the file"
            )
        out.before.append(f"@{variable} = {template}".rstrip())
    path = _PATH_VARIABLE.sub(lambda m: "{{" + m.group(1) + "}}", path)
    return url[:slash] + path + url[end:]


def _literal_parts(text: str, change: Callable[[str], str], context: Context, where: str) -> str:
    """``text`` converted, ``change`` applied to its literal parts (not to ``{{...}}``)."""
    parts = _BRACES_SPLIT.split(text)
    changed = "".join(part if index % 2 else change(part) for index, part in enumerate(parts))
    return context.template(changed, where)


# ---- headers -------------------------------------------------------------------------------


def _header(pair: Pair, context: Context, where: str, out: RequestLines) -> None:
    name = pair.key.strip()
    if not _HEADER_NAME.fullmatch(name):
        if name:
            context.report.attention(where, f"header '{name}' is no valid header name: left out")
        return
    if pair.disabled:
        out.before.append(f"# disabled header: {_shown_pair(pair, ': ', context, where)}")
        return
    value = " ".join(pair.value.split("\n")).strip()
    out.request.append(f"{name}: {_header_value(name, value, context, where)}".rstrip())


def _header_value(name: str, value: str, context: Context, where: str) -> str:
    if not is_sensitive_header(name) or not has_literal(value):
        return context.template(value, where)
    scheme = _AUTH_SCHEME.fullmatch(value)
    if scheme is not None and not has_literal(scheme.group(3)):
        return f"{scheme.group(1)}{scheme.group(2)}{context.template(scheme.group(3), where)}"
    if scheme is not None:
        context.masker.add(scheme.group(3))
        credential = context.credential(f"{name} {scheme.group(1)}", scheme.group(3), where)
        return f"{scheme.group(1)} {credential}"
    context.masker.add(value)
    return context.credential(name, value, where)


def _shown_pair(pair: Pair, separator: str, context: Context, where: str) -> str:
    """A disabled pair for a comment line: a credential's value is left out."""
    key = " ".join(pair.key.split())
    if is_sensitive_header(pair.key) and has_literal(pair.value):
        context.masker.add(pair.value)
        return f"{key} (its value, a secret, is left out)"
    return f"{key}{separator}{context.template(' '.join(pair.value.split()), where)}"


# ---- bodies --------------------------------------------------------------------------------


def _body(
    body: Body | None, request: Request, context: Context, side_file: SideFile
) -> tuple[list[tuple[str, str]], list[str]]:
    """The headers a body needs and its lines."""
    if body is None:
        return [], []
    where = request.where
    if body.mode == "raw":
        if not body.raw.strip():
            return [], []
        headers = []
        content_type = _LANGUAGE_TYPES.get(body.language)
        if content_type is not None:
            headers.append(("Content-Type", content_type))
        extension = _EXTENSIONS.get(body.language, ".txt")
        return headers, _text_lines(body.raw, request, context, side_file, extension)
    if body.mode == "urlencoded":
        fields = [_form_field(pair, context, where) for pair in body.pairs if not pair.disabled]
        if not fields:
            return [], []
        return [("Content-Type", "application/x-www-form-urlencoded")], ["&".join(fields)]
    if body.mode == "formdata":
        return _multipart(body, request, context, side_file)
    if body.mode == "file":
        return [], [_file_line(body.src, request, context)] if body.src else []
    return [("Content-Type", "application/json")], _graphql(body, request, context, side_file)


def _text_lines(
    text: str, request: Request, context: Context, side_file: SideFile, extension: str
) -> list[str]:
    """Body text as body lines, or one include line when a line would read as something else."""
    template = _without_secret_fields(
        text, context.template(text, request.where), context, request.where
    )
    lines = template.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not any(_UNSAFE_BODY_LINE.match(line) for line in lines):
        return lines
    if template == text:  # nothing to interpolate: the bytes, as Postman sends them
        return ["< " + side_file(extension, text)]
    return ["<@ " + side_file(extension, template)]


def _without_secret_fields(text: str, template: str, context: Context, where: str) -> str:
    """``template`` (of the JSON ``text``) with each literal string of a secret-named field
    (``"password": "hunter2"``) read from an env variable instead."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return template
    for key, value in _secret_fields(document):
        quoted = json.dumps(value, ensure_ascii=False)
        if "<<" in value or "{{" in value or quoted not in template:
            continue
        context.masker.add(value)
        template = template.replace(quoted, f'"{context.credential(key, value, where)}"')
    return template


def _secret_fields(document: object) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    pending = [document]
    while pending:  # without recursion: a body may nest deeply
        item = pending.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if isinstance(child, str) and is_secret_name(key) and has_literal(child):
                    found.append((key, child))
                elif isinstance(child, dict | list):
                    pending.append(child)
        elif isinstance(item, list):
            pending += [child for child in item if isinstance(child, dict | list)]
    return found


def _form_field(pair: Pair, context: Context, where: str) -> str:
    value = pair.value
    key = _literal_parts(pair.key, _quoted, context, where)
    if pair.kind == "novalue":
        return key
    if is_secret_name(pair.key) and has_literal(value):
        context.masker.add(value)
        return f"{key}={_encoded(context.credential(pair.key, value, where))}"
    return f"{key}={_form_value(value, context, where)}"


def _form_value(value: str, context: Context, where: str) -> str:
    out = []
    for index, part in enumerate(_BRACES_SPLIT.split(value)):
        if index % 2 == 0:
            out.append(context.template(_quoted(part), where))
            continue
        out.append(_encoded(context.template(part, where)))
    return "".join(out)


def _quoted(text: str) -> str:
    return quote(text, safe="")


def _multipart(
    body: Body, request: Request, context: Context, side_file: SideFile
) -> tuple[list[tuple[str, str]], list[str]]:
    parts = [pair for pair in body.pairs if not pair.disabled]
    if not parts:
        return [], []
    everything = "".join(pair.key + pair.value for pair in parts)
    boundary, counter = "httprun-boundary", 1
    while boundary in everything:
        counter += 1
        boundary = f"httprun-boundary-{counter}"
    lines: list[str] = []
    for pair in parts:
        name = _literal_parts(
            pair.key.replace('"', "%22"), lambda t: " ".join(t.split()), context, request.where
        )
        lines.append(f"--{boundary}")
        if pair.kind == "file":
            file_name = PurePosixPath(pair.src.replace("\\", "/").split(",")[0].strip()).name
            safe_name = file_name.replace('"', "%22") or "file"
            lines.append(f'Content-Disposition: form-data; name="{name}"; filename="{safe_name}"')
            if pair.content_type.strip():
                lines.append(f"Content-Type: {' '.join(pair.content_type.split())}")
            lines += ["", _file_line(pair.src, request, context)]
        else:
            lines.append(f'Content-Disposition: form-data; name="{name}"')
            if pair.content_type.strip():
                lines.append(f"Content-Type: {' '.join(pair.content_type.split())}")
            lines += ["", *_text_lines(pair.value, request, context, side_file, ".txt")]
    lines.append(f"--{boundary}--")
    return [("Content-Type", f"multipart/form-data; boundary={boundary}")], lines


def _file_line(src: str, request: Request, context: Context) -> str:
    name = PurePosixPath(src.replace("\\", "/").split(",")[0].strip()).name or "file"
    name = re.sub(r"\s", "_", name)
    context.report.attention(
        request.where,
        f"the body sends the file '{name}': put it beside the request file (< ./{name})",
    )
    return f"< ./{name}"


def _graphql(body: Body, request: Request, context: Context, side_file: SideFile) -> list[str]:
    variables = body.variables.strip()
    document = json.dumps({"query": body.query}, ensure_ascii=False)
    if variables:
        try:
            json.loads(variables)
            valid = True
        except (json.JSONDecodeError, RecursionError):
            valid = False
        if not valid and "{{" not in variables:
            context.report.attention(request.where, "the GraphQL variables are not JSON: fix them")
        document = document[:-1] + ', "variables": ' + " ".join(variables.splitlines()) + "}"
    return _text_lines(document, request, context, side_file, ".json")
