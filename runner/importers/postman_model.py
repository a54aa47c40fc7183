"""A Postman collection (v2.0 or v2.1) and environment, read into plain values.

Every difference between the two versions and the shapes Postman allows (``request`` as a
string, ``header`` as one string, ``url`` as a string or an object whose ``query[]`` wins over
``raw``, v2.0's ``enabled`` and object-shaped auth attributes) is settled here, so the rest of
the importer sees one shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .postman_json import Document, Node

V1_HINT = "httprun reads Collection v2.0 and v2.1: in Postman, export the collection as v2.1"
_SCHEMA_VERSION = re.compile(r"/v(\d+)\.(\d+)\.\d+/")


@dataclass(frozen=True, slots=True)
class Pair:
    """A header, query parameter, form field, variable or environment value."""

    key: str
    value: str
    disabled: bool = False
    kind: str = "text"  # "file" for a form file, "secret" for a secret variable
    src: str = ""  # a form file's name
    content_type: str = ""


@dataclass(frozen=True, slots=True)
class Auth:
    type: str  # "noauth", "bearer", "oauth2"...
    attrs: dict[str, str]

    def get(self, key: str) -> str:
        return self.attrs.get(key, "")


@dataclass(frozen=True, slots=True)
class Body:
    mode: str  # raw, urlencoded, formdata, file, graphql
    raw: str = ""
    language: str = ""
    pairs: tuple[Pair, ...] = ()
    src: str = ""
    query: str = ""
    variables: str = ""


@dataclass(frozen=True, slots=True)
class Scripts:
    tests: tuple[str, ...] = ()
    prerequest: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Request:
    name: str
    where: str  # "Collection / Folder / Request": how the report names it
    description: str
    method: str
    url: str  # as Postman sends it, {{variables}} and :path segments included
    disabled_query: tuple[Pair, ...]
    path_values: dict[str, str]
    headers: tuple[Pair, ...]
    body: Body | None
    auth: Auth | None  # None: inherited
    scripts: Scripts
    no_redirect: bool


@dataclass(frozen=True, slots=True)
class Folder:
    name: str
    where: str
    description: str
    children: tuple[Folder | Request, ...]
    auth: Auth | None
    variables: tuple[Pair, ...]
    scripts: Scripts


@dataclass(frozen=True, slots=True)
class Environment:
    name: str
    source: str  # the file it came from
    values: tuple[Pair, ...] = field(default_factory=tuple)


def read_collection(document: Document, value: Any) -> Folder:
    """The collection in ``value`` (the export's JSON) as a root :class:`Folder`."""
    root = Node(document, value)
    if not root.is_object():
        raise root.error("not a Postman collection: the file holds no JSON object", V1_HINT)
    envelope = root.object("collection")
    if envelope is not None and root.object("info") is None:
        root = envelope
    if "requests" in root.value and "item" not in root.value:
        raise root.error("a Postman Collection v1 export", V1_HINT)
    info = root.object("info")
    if info is None or "item" not in root.value:
        raise root.error(
            "not a Postman collection: it has no 'info' and 'item'",
            "give a collection exported from Postman (Export > Collection v2.1); "
            "an environment goes after --env",
        )
    version = _SCHEMA_VERSION.search(info.text("schema"))
    if version is not None and version.group(1) != "2":
        raise info.child("schema").error(f"a Postman Collection v{version.group(1)}", V1_HINT)
    name = info.text("name").strip() or "collection"
    return _folder(root, name, name, description=_description(info))


def read_environment(document: Document, value: Any) -> Environment:
    root = Node(document, value)
    if not root.is_object() or "values" not in root.value:
        raise root.error(
            "not a Postman environment: it has no 'values'",
            "give an environment exported from Postman (Environments > ... > Export)",
        )
    values = tuple(
        Pair(
            node.text("key"),
            node.text("value"),
            disabled=not node.flag("enabled", True),
            kind="secret" if node.text("type") == "secret" else "text",
        )
        for node in root.objects("values")
    )
    return Environment(root.text("name").strip() or "environment", document.path, values)


def _folder(node: Node, name: str, where: str, description: str) -> Folder:
    children: list[Folder | Request] = []
    names: list[str] = []
    for item in node.objects("item"):
        item_name = item.text("name").strip() or "request"
        names.append(item_name)
        item_where = f"{where} / {item_name}"
        if "item" in item.value:
            children.append(_folder(item, item_name, item_where, _description(item)))
        else:
            children.append(_request(item, item_name, item_where))
    return Folder(
        name=name,
        where=where,
        description=description,
        children=tuple(children),
        auth=_auth(node),
        variables=_pairs(node, "variable"),
        scripts=_scripts(node),
    )


def _request(item: Node, name: str, where: str) -> Request:
    request = item.child("request")
    if isinstance(request.value, str):  # a GET of that URL
        request = Node(item.document, {"url": request.value, "method": "GET"}, request.steps)
    elif not request.is_object():
        raise request.error(
            "expected the request: an object or a URL",
            "an item holds a 'request', or an 'item' list when it is a folder",
        )
    url, disabled_query, path_values = _url(request.child("url"))
    behaviour = item.object("protocolProfileBehavior")
    follow = behaviour.flag("followRedirects", True) if behaviour is not None else True
    return Request(
        name=name,
        where=where,
        description=_description(item) or _description(request),
        method=request.text("method", "GET").strip() or "GET",
        url=url,
        disabled_query=disabled_query,
        path_values=path_values,
        headers=_headers(request.child("header")),
        body=_body(request.object("body")),
        auth=_auth(request),
        scripts=_scripts(item),
        no_redirect=not follow,
    )


def _description(node: Node) -> str:
    description = node.child("description")
    if isinstance(description.value, dict):
        return description.text("content")
    return description.as_text()


def _url(node: Node) -> tuple[str, tuple[Pair, ...], dict[str, str]]:
    """The URL Postman sends (query[] minus disabled entries wins over raw), the disabled
    query parameters, and the values of ``:name`` path segments."""
    if not node.given or isinstance(node.value, str | int | float):
        return node.as_text().strip(), (), {}
    if not node.is_object():
        raise node.error("expected a URL: a string or an object")
    raw = node.text("raw").strip()
    base = raw.split("#", 1)[0].split("?", 1)[0] if raw else _url_from_parts(node)
    path_values = {pair.key: pair.value for pair in _pairs(node, "variable")}
    if "query" not in node.value or node.value["query"] is None:
        return raw.split("#", 1)[0] or base, (), path_values
    query = _pairs(node, "query")
    enabled = [_query_part(pair) for pair in query if not pair.disabled]
    url = base + ("?" + "&".join(enabled) if enabled else "")
    return url, tuple(pair for pair in query if pair.disabled), path_values


def _query_part(pair: Pair) -> str:
    return pair.key if pair.value == "" and pair.kind == "novalue" else f"{pair.key}={pair.value}"


def _url_from_parts(node: Node) -> str:
    host = _joined(node.child("host"), ".")
    path = _joined(node.child("path"), "/")
    protocol = node.text("protocol")
    port = node.text("port")
    url = f"{protocol}://" if protocol else ""
    url += host + (f":{port}" if port else "")
    return url + ("/" + path.lstrip("/") if path else "")


def _joined(node: Node, separator: str) -> str:
    if isinstance(node.value, list):
        return separator.join(
            element.as_text() if not element.is_object() else element.text("value")
            for element in (node.child(i) for i in range(len(node.value)))
        )
    return node.as_text()


def _pairs(node: Node, key: str) -> tuple[Pair, ...]:
    out = []
    for entry in node.objects(key):
        value = entry.child("value")
        src = entry.child("src")
        sources = src.value if isinstance(src.value, list) else [src.value]
        out.append(
            Pair(
                key=entry.text("key") or entry.text("id"),
                value=_value_text(value),
                disabled=entry.flag("disabled") or not entry.flag("enabled", True),
                kind=_pair_kind(entry, value.value),
                src=", ".join(str(s) for s in sources if isinstance(s, str | int | float)),
                content_type=entry.text("contentType"),
            )
        )
    return tuple(out)


def _pair_kind(entry: Node, value: Any) -> str:
    kind = entry.text("type") or "text"
    if kind == "text" and value is None and entry.value.get("key") is not None:
        return "novalue"  # ?flag with no '='
    return kind


def _value_text(node: Node) -> str:
    """A value as text: structured values (JSON variables) as compact JSON."""
    if isinstance(node.value, dict | list):
        return json.dumps(node.value, separators=(",", ":"), ensure_ascii=False)
    return node.as_text()


def _headers(node: Node) -> tuple[Pair, ...]:
    if isinstance(node.value, str):
        pairs = []
        for line in node.value.splitlines():
            name, colon, value = line.partition(":")
            if colon and name.strip():
                pairs.append(Pair(name.strip(), value.strip()))
        return tuple(pairs)
    parent = Node(node.document, {"header": node.value}, node.steps[:-1])
    return _pairs(parent, "header")


def _body(node: Node | None) -> Body | None:
    if node is None or node.flag("disabled"):
        return None
    mode = node.text("mode")
    if mode == "raw":
        options = node.object("options")
        raw_options = options.object("raw") if options is not None else None
        language = raw_options.text("language") if raw_options is not None else ""
        return Body(mode, raw=node.text("raw"), language=language)
    if mode in ("urlencoded", "formdata"):
        return Body(mode, pairs=_pairs(node, mode))
    if mode == "file":
        file = node.object("file")
        return Body(mode, src=file.text("src") if file is not None else "")
    if mode == "graphql":
        graphql = node.object("graphql")
        if graphql is None:
            return Body(mode)
        variables = graphql.child("variables")
        return Body(mode, query=graphql.text("query"), variables=_value_text(variables))
    if not mode:
        return None
    raise node.child("mode").error(
        f"unknown body mode '{mode}'", "Postman's modes: raw, urlencoded, formdata, file, graphql"
    )


def _auth(node: Node) -> Auth | None:
    auth = node.object("auth")
    if auth is None:
        return None
    kind = auth.text("type").strip()
    if not kind or kind == "inherit":
        return None
    attributes = auth.child(kind)
    attrs: dict[str, str] = {}
    if isinstance(attributes.value, list):  # v2.1: [{key, value, type}]
        for entry in auth.objects(kind):
            attrs[entry.text("key")] = _value_text(entry.child("value"))
    elif isinstance(attributes.value, dict):  # v2.0: {key: value}
        for key in attributes.value:
            attrs[str(key)] = _value_text(attributes.child(str(key)))
    elif attributes.given:
        raise attributes.error("expected the auth settings: a list or an object")
    return Auth(kind, attrs)


def _scripts(node: Node) -> Scripts:
    tests: list[str] = []
    prerequest: list[str] = []
    for event in node.objects("event"):
        if event.flag("disabled"):
            continue
        script = event.object("script")
        if script is None:
            continue
        lines = _script_lines(script.child("exec"))
        listen = event.text("listen")
        if listen == "test":
            tests += lines
        elif listen == "prerequest":
            prerequest += lines
    return Scripts(tuple(tests), tuple(prerequest))


def _script_lines(node: Node) -> list[str]:
    if isinstance(node.value, list):
        lines: list[str] = []
        for index in range(len(node.value)):
            lines += node.child(index).as_text().splitlines() or [""]
        return lines
    return node.as_text().splitlines()
