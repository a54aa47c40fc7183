"""runner.executor: building, sending, the response document, and transport failures."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fixture_server import PRODUCTS, serve
from hostile_server import serve_raw
from hypothesis import given, settings
from hypothesis import strategies as st

from runner import executor
from runner.connect import max_body_setting
from runner.errors import (
    EXIT_INCOMPLETE,
    EXIT_INVALID_INPUT,
    EnvError,
    HttprunError,
    ResolveError,
    TransportError,
)
from runner.executor import DEFAULT_MAX_BODY, build_client, send_request
from runner.masking import Masker
from runner.options import RunOptions
from runner.ratelimit import WAITED_EXTENSION
from runner.results import Exchange, ResolvedRequest
from runner.run import run_files
from runner.sizes import parse_size
from runner.source import Span

SPAN = Span.point("requests/demo.http", 4, 1, 3)
SECRET = "Bearer s3cr3t-token-value"


def make_request(
    url: str,
    method: str = "GET",
    *,
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes | None = None,
    timeout: float | None = None,
    follow_redirects: bool = True,
) -> ResolvedRequest:
    return ResolvedRequest(
        method=method,
        url=url,
        headers=headers,
        body=body,
        span=SPAN,
        timeout=timeout,
        follow_redirects=follow_redirects,
    )


def mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return build_client(transport=httpx.MockTransport(handler))


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with build_client(timeout=10.0, transport=httpx.HTTPTransport()) as real_client:
        yield real_client


def send_expecting_error(
    client: httpx.Client, request: ResolvedRequest, kind: type[HttprunError] = TransportError
) -> HttprunError:
    """The error sending ``request`` raises: a TransportError (exit 4) when the network fails,
    a ResolveError (exit 3) when the file made the request unsendable."""
    with pytest.raises(kind) as caught:
        send_request(client, request)
    error = caught.value
    assert error.span == SPAN
    assert error.exit_code == (EXIT_INCOMPLETE if kind is TransportError else EXIT_INVALID_INPUT)
    assert "s3cr3t" not in str(error) and "s3cr3t" not in error.label + error.hint
    return error


# --- through httpx.MockTransport ---------------------------------------------------------------


def test_headers_go_out_in_order_with_repeats_and_body_bytes() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    headers = (("X-B", "2"), ("X-A", "1"), ("X-B", "3"), ("Content-Type", "application/json"))
    with mock_client(handler) as client:
        exchange = send_request(
            client, make_request("http://api.test/items", "POST", headers=headers, body=b'{"a":1}')
        )
    sent = seen[0]
    assert sent.method == "POST"
    assert sent.content == b'{"a":1}'
    ours = [(k.decode(), v.decode()) for k, v in sent.headers.raw if k.lower().startswith(b"x-")]
    assert ours == [("X-B", "2"), ("X-A", "1"), ("X-B", "3")]
    # sent_headers is what went on the wire: ours in order, plus httpx's own.
    assert [h for h in exchange.sent_headers if h[0].startswith("X-")] == ours
    names = {name.lower() for name, _ in exchange.sent_headers}
    assert {"host", "content-length", "user-agent", "content-type"} <= names
    assert dict((k.lower(), v) for k, v in exchange.sent_headers)["user-agent"].startswith(
        "httprun/"
    )


def test_user_headers_override_client_defaults() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with mock_client(handler) as client:
        send_request(client, make_request("http://api.test/", headers=(("User-Agent", "me"),)))
    assert seen[0].headers.get_list("user-agent") == ["me"]


def test_non_ascii_header_value_is_sent_as_utf8() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with mock_client(handler) as client:
        exchange = send_request(
            client, make_request("http://api.test/", headers=(("X-Name", "티셔츠"),))
        )
    assert dict(seen[0].headers.raw)[b"X-Name"] == "티셔츠".encode()
    assert ("X-Name", "티셔츠") in exchange.sent_headers


def test_response_document_shape() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201,
            headers=[
                ("Content-Type", "application/json; charset=utf-8"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
                ("X-Api-Call-Limit", "1/40"),
            ],
            content=b'{"product": {"product_no": 12, "price": "1100.00"}}',
        )

    before = time.time()
    with mock_client(handler) as client:
        exchange = send_request(client, make_request("http://api.test/products", "POST"))
    assert isinstance(exchange, Exchange)
    document = exchange.response
    assert set(document) == {"status", "reason", "headers", "body", "text", "elapsed_ms", "url"}
    assert document["status"] == 201 == exchange.status
    assert document["reason"] == "Created"
    assert document["headers"]["x-api-call-limit"] == "1/40"
    assert document["headers"]["set-cookie"] == "a=1, b=2"
    assert all(name == name.lower() for name in document["headers"])
    assert document["body"] == {"product": {"product_no": 12, "price": "1100.00"}}
    assert json.loads(document["text"]) == document["body"]
    assert document["url"] == "http://api.test/products"
    assert document["elapsed_ms"] == exchange.elapsed_ms >= 0
    assert before <= exchange.started_at <= time.time()
    assert exchange.http_version == "HTTP/1.1"
    assert exchange.request.url == "http://api.test/products"


@pytest.mark.parametrize(
    ("content_type", "content", "expected"),
    [
        ("application/json", b'{"a": [1, 2.5, null]}', {"a": [1, 2.5, None]}),
        ("application/problem+json", b'{"title": "bad"}', {"title": "bad"}),
        ("Application/JSON; charset=UTF-8", b"[1]", [1]),
        ("application/vnd.api+json", b"true", True),
        ("application/json", b"not json at all", "not json at all"),
        # A UTF-8 byte order mark before JSON (RFC 8259 lets parsers ignore it; httpx's
        # .json() does): the body was the text, so '?? body.a == 1' failed.
        ("application/json", b'\xef\xbb\xbf{"a": 1}', {"a": 1}),
        ("application/json", b"", ""),
        ("text/plain", b'{"a": 1}', '{"a": 1}'),
        ("text/html; charset=utf-8", "<p>카페</p>".encode(), "<p>카페</p>"),
        (None, b"raw", "raw"),
    ],
)
def test_body_is_json_only_for_json_media_types(
    content_type: str | None, content: bytes, expected: Any
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"Content-Type": content_type} if content_type else {}
        return httpx.Response(200, headers=headers, content=content)

    with mock_client(handler) as client:
        document = send_request(client, make_request("http://api.test/")).response
    assert document["body"] == expected
    assert type(document["body"]) is type(expected)
    assert document["text"] == content.decode()


@pytest.mark.parametrize(
    ("content_type", "content", "expected"),
    [
        ("text/plain; charset=euc-kr", "카페".encode("euc-kr"), "카페"),
        ('application/json; charset="ISO-8859-1"', '"café"'.encode("latin-1"), "café"),
        ("text/plain; charset=no-such-charset", "카페".encode(), "카페"),  # UTF-8, as httpx
        # Python codecs that are no text encoding: were LookupError, exit 70.
        ("text/plain; charset=rot13", "카페".encode(), "카페"),
        ("application/json; charset=base64", b'"!!!"', "!!!"),
        ("text/plain; charset=idna", "카페".encode(), "카페"),
        ("text/plain; charset=punycode", b"\xff\x00", "\ufffd\x00"),
        ("text/plain", b"caf\xff", "caf\ufffd"),  # undecodable bytes are replaced
    ],
)
def test_text_is_decoded_with_the_declared_charset(
    content_type: str, content: bytes, expected: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": content_type}, content=content)

    with mock_client(handler) as client:
        document = send_request(client, make_request("http://api.test/")).response
    assert document["body"] == expected


def test_request_timeout_overrides_client_default() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200)

    with build_client(timeout=12.0, transport=httpx.MockTransport(handler)) as client:
        send_request(client, make_request("http://api.test/"))
        send_request(client, make_request("http://api.test/", timeout=2.5))
    assert seen[0]["read"] == 12.0 and seen[0]["connect"] == 12.0
    assert seen[1] == {"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}


class _TokenAuth(httpx.Auth):
    """Adds a bearer token; on 401 swaps to a fresh one and resends (the OAuth2 shape)."""

    def __init__(self) -> None:
        self.tokens = iter(["first", "second"])

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {next(self.tokens)}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {next(self.tokens)}"
            yield request


def test_sent_headers_include_what_the_auth_flow_added() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == "Bearer first":
            return httpx.Response(401)
        return httpx.Response(200, json={"who": request.headers["authorization"]})

    with mock_client(handler) as client:
        exchange = send_request(client, make_request("http://api.test/me"), auth=_TokenAuth())
    assert exchange.status == 200
    assert ("Authorization", "Bearer second") in exchange.sent_headers
    assert exchange.request.headers == ()  # the resolved request is left as it was


def test_credentials_in_the_url_go_as_basic_auth() -> None:
    # What httpx's auth step does; requests without auth skip that step (a shortcut for speed).
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200)

    with mock_client(handler) as client:
        send_request(client, make_request("http://user:pw@api.test/"))
        send_request(client, make_request("http://api.test/"))
    assert seen == ["Basic dXNlcjpwdw==", None]


def test_a_closed_client_refuses_to_send() -> None:
    with mock_client(lambda request: httpx.Response(200)) as client:
        pass
    with pytest.raises(RuntimeError, match="client has been closed"):
        send_request(client, make_request("http://api.test/"))


def test_a_repeated_url_is_parsed_once_and_an_invalid_one_fails_every_time() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    executor._parsed_url.cache_clear()
    with mock_client(handler) as client:
        for _ in range(2):
            send_request(client, make_request("http://api.test/same?q=1"))
            send_expecting_error(client, make_request("http://[::1/"), ResolveError)
    parses = executor._parsed_url.cache_info()
    assert (parses.hits, parses.currsize) == (1, 1)  # the failed parse is not kept
    assert [str(request.url) for request in seen] == ["http://api.test/same?q=1"] * 2


def test_redirects_follow_or_not_per_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "/new"})
        return httpx.Response(200, text="moved here")

    with mock_client(handler) as client:
        followed = send_request(client, make_request("http://api.test/old"))
        stayed = send_request(client, make_request("http://api.test/old", follow_redirects=False))
    assert followed.status == 200
    assert followed.response["url"] == "http://api.test/new"
    assert ("Host", "api.test") in followed.sent_headers
    assert stayed.status == 301
    assert stayed.response["headers"]["location"] == "/new"
    assert stayed.response["url"] == "http://api.test/old"


def test_sent_headers_are_those_of_the_request_url_not_a_redirect_hop() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.test":
            return httpx.Response(302, headers={"Location": "http://cdn.test/file"})
        return httpx.Response(200)

    request = make_request("http://api.test/file", headers=(("Authorization", SECRET),))
    with mock_client(handler) as client:
        exchange = send_request(client, request)
    assert exchange.response["url"] == "http://cdn.test/file"
    assert ("Host", "api.test") in exchange.sent_headers
    assert ("Authorization", SECRET) in exchange.sent_headers


def test_cookies_set_by_responses_go_back_for_the_rest_of_the_run() -> None:
    # The jar reads only responses that set a cookie (a shortcut for speed): one set on a
    # redirect hop, one on a final response, and a response setting none in between.
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Cookie"))
        if request.url.path == "/login":
            return httpx.Response(302, headers={"Location": "/home", "Set-Cookie": "a=1; Path=/"})
        if request.url.path == "/home":
            return httpx.Response(200, headers={"Set-Cookie": "b=2; Path=/"})
        return httpx.Response(200)

    with mock_client(handler) as client:
        for path in ("/login", "/plain", "/after"):
            send_request(client, make_request(f"http://api.test{path}"))
    assert seen == [None, "a=1", "a=1; b=2", "a=1; b=2"]


def test_too_many_redirects() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "/loop"})

    with mock_client(handler) as client:
        error = send_expecting_error(
            client, make_request("http://api.test/loop", headers=(("Authorization", SECRET),))
        )
    assert "too many redirects" in error.message
    assert "api.test" in error.message
    assert "@no-redirect" in error.hint


def _raising(error: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return handler


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            httpx.ConnectError("[Errno -2] Name or service not known"),
            "cannot resolve host 'shop.cafe24api.test' (DNS lookup failed",
        ),
        (
            httpx.ConnectError(
                "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                "self-signed certificate (_ssl.c:1006)"
            ),
            "TLS certificate verify failed for shop.cafe24api.test:443 (self-signed certificate)"
            " (use --insecure for self-signed servers)",
        ),
        (
            httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"),
            "TLS handshake with shop.cafe24api.test:443 failed",
        ),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            "connection refused by shop.cafe24api.test:443",
        ),
        (
            httpx.ReadTimeout("timed out"),
            "waiting for shop.cafe24api.test:443 to respond timed out after 2.0 s "
            "(set @timeout, or a longer timeout for the run)",
        ),
        (
            httpx.ConnectTimeout("timed out"),
            "connecting to shop.cafe24api.test:443 timed out after 2.0 s",
        ),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            "shop.cafe24api.test:443 broke the HTTP protocol: Server disconnected",
        ),
        (
            httpx.ReadError("[Errno 104] Connection reset by peer"),
            "the connection to shop.cafe24api.test:443 failed: [Errno 104] Connection reset",
        ),
        (httpx.DecodingError("bad gzip"), "could not decode the response body"),
        (httpx.ProxyError("407 Proxy Authentication Required"), "the proxy refused"),
    ],
)
def test_transport_failures_become_clear_errors(error: Exception, expected: str) -> None:
    request = make_request(
        "https://shop.cafe24api.test/api/v2/admin/products",
        headers=(("Authorization", SECRET),),
        timeout=2.0,
    )
    with mock_client(_raising(error)) as client:
        raised = send_expecting_error(client, request)
    assert expected in raised.message
    assert isinstance(raised.__cause__, httpx.RequestError)


def test_timeout_message_uses_the_client_default_when_the_request_has_none() -> None:
    transport = httpx.MockTransport(_raising(httpx.ReadTimeout("timed out")))
    with build_client(timeout=7.5, transport=transport) as client:
        error = send_expecting_error(client, make_request("http://api.test:8080/x"))
    assert "api.test:8080 to respond timed out after 7.5 s" in error.message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://files.test/a", "needs http:// or https://"),
        ("files.test/a", "needs http:// or https://"),
        ("http://api.test:99999/", "invalid URL"),
        ("http://[::1/", "invalid URL"),
        # Hosts the resolver or httpx's IDNA decoding refuse with a UnicodeError (was exit 70).
        ("http://a..b/", "the host 'a..b' is not valid (label empty or too long)"),
        ("http://" + "a" * 64 + ".test/", "is not valid (label empty or too long)"),
        ("http://xn--/", "the host 'xn--' is not valid (Malformed A-label"),
    ],
)
def test_invalid_urls_are_errors_of_the_file(url: str, expected: str) -> None:
    with mock_client(lambda request: httpx.Response(200)) as client:
        error = send_expecting_error(client, make_request(url), ResolveError)
    assert expected in error.message


@pytest.mark.parametrize(
    "location", ["http://a..b/", "http://xn--/x", "https://xn--a.test/", "http://[::1/"]
)
def test_a_redirect_to_a_host_that_is_not_valid_is_a_transport_error(location: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": location})

    with mock_client(handler) as client:
        error = send_expecting_error(client, make_request("http://api.test/old"))
        stayed = send_request(client, make_request("http://api.test/old", follow_redirects=False))
    assert f"api.test:80 redirected to '{location}', which httprun cannot follow: " in error.message
    assert stayed.status == 302  # under @no-redirect the response is the result
    assert stayed.response["headers"]["location"] == location


_HOST_LABELS = st.sampled_from(["", "a", "xn--", "xn--a", "-", "a" * 63, "a" * 64, "\u00fc"])


@settings(max_examples=60, deadline=None)
@given(labels=st.lists(_HOST_LABELS, min_size=1, max_size=4), redirect=st.booleans())
def test_any_host_is_sent_or_refused_as_an_error_never_a_crash(
    labels: list[str], redirect: bool
) -> None:
    host = ".".join(labels)

    def handler(request: httpx.Request) -> httpx.Response:
        if redirect and request.url.host == "api.test":
            return httpx.Response(302, headers=[(b"Location", f"http://{host}/".encode())])
        return httpx.Response(200)

    url = "http://api.test/" if redirect else f"http://{host}/"
    with mock_client(handler) as client:
        try:
            assert send_request(client, make_request(url)).status == 200
        except (ResolveError, TransportError) as error:
            assert error.span == SPAN


@pytest.mark.parametrize("url", ["http://", "http:///path", "https://:8080/"])
def test_a_url_without_a_host_is_refused_also_once_a_cookie_is_set(url: str) -> None:
    """The cookie jar, once a response had set a cookie, made httpx fail on such a URL while
    building the request (ValueError: unknown url type), which was exit 70."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Set-Cookie": "session=1; Path=/"})

    with mock_client(handler) as client:
        send_request(client, make_request("http://api.test/login"))
        error = send_expecting_error(client, make_request(url), ResolveError)
    assert "the URL needs http:// or https:// and a host" in error.message


def test_urls_in_messages_hide_credentials() -> None:
    with mock_client(lambda request: httpx.Response(200)) as client:
        error = send_expecting_error(
            client, make_request("ftp://me:hunter22@files.test/a"), ResolveError
        )
    assert "hunter22" not in error.message
    assert "'ftp://****@files.test/a'" in error.message


@pytest.mark.parametrize("method", ["GE T", "GET\r\n", "POST/", ""])
def test_invalid_methods_are_errors_of_the_file(method: str) -> None:
    with mock_client(lambda request: httpx.Response(200)) as client:
        error = send_expecting_error(client, make_request("http://api.test/", method), ResolveError)
    assert "invalid HTTP method" in error.message


def test_unusual_but_valid_methods_are_sent() -> None:
    with mock_client(lambda request: httpx.Response(200, text=request.method)) as client:
        exchange = send_request(client, make_request("http://api.test/", "PROPFIND"))
    assert exchange.response["text"] == "PROPFIND"


def test_build_client_defaults() -> None:
    with build_client(transport=httpx.HTTPTransport()) as client:
        assert client.timeout.read == 30.0 and client.timeout.connect == 30.0
        assert client.follow_redirects is False
        assert client.headers["user-agent"].startswith("httprun/")
    with build_client(timeout=None, transport=httpx.HTTPTransport()) as client:
        assert client.timeout.read is None


# --- through the real local server -------------------------------------------------------------


def test_real_json_roundtrip(local_server: str, client: httpx.Client) -> None:
    exchange = send_request(client, make_request(f"{local_server}/json"))
    assert exchange.status == 200
    assert exchange.response["reason"] == "OK"
    assert exchange.response["body"] == PRODUCTS
    assert exchange.response["headers"]["content-type"] == "application/json"
    assert exchange.http_version == "HTTP/1.1"
    assert exchange.response["url"] == f"{local_server}/json"


def test_real_echo_sees_headers_repeats_query_and_body(
    local_server: str, client: httpx.Client
) -> None:
    request = make_request(
        f"{local_server}/echo?a=1&a=2&b=",
        "PATCH",
        headers=(("X-Dup", "1"), ("X-Dup", "2"), ("Content-Type", "text/plain")),
        body="héllo".encode(),
    )
    echo = send_request(client, request).response["body"]
    assert echo["method"] == "PATCH"
    assert echo["path"] == "/echo"
    assert echo["query"] == {"a": ["1", "2"], "b": [""]}
    assert echo["headers"]["x-dup"] == "1, 2"
    assert echo["headers"]["content-length"] == str(len("héllo".encode()))
    assert echo["body"] == "héllo"


def test_real_status_codes_are_responses_not_errors(
    local_server: str, client: httpx.Client
) -> None:
    exchange = send_request(client, make_request(f"{local_server}/status/404", "DELETE"))
    assert exchange.status == 404
    assert exchange.response["reason"] == "Not Found"
    assert exchange.response["body"] == {"status": 404}


def test_real_redirects_on_and_off(local_server: str, client: httpx.Client) -> None:
    followed = send_request(client, make_request(f"{local_server}/redirect?to=/json"))
    assert followed.status == 200
    assert followed.response["url"] == f"{local_server}/json"
    assert followed.response["body"] == PRODUCTS

    stayed = send_request(
        client, make_request(f"{local_server}/redirect?to=/json", follow_redirects=False)
    )
    assert stayed.status == 302
    assert stayed.response["headers"]["location"] == "/json"
    assert stayed.response["body"] == ""


def test_real_timeout_against_slow_route(local_server: str, client: httpx.Client) -> None:
    started = time.perf_counter()
    error = send_expecting_error(client, make_request(f"{local_server}/slow?ms=3000", timeout=0.2))
    assert time.perf_counter() - started < 2.5
    host_port = local_server.removeprefix("http://")
    assert error.message == (
        f"waiting for {host_port} to respond timed out after 0.2 s "
        "(set @timeout, or a longer timeout for the run)"
    )
    # The client is still usable after a timeout.
    assert send_request(client, make_request(f"{local_server}/slow?ms=1")).status == 200


def test_real_refused_connection(closed_port_url: str, client: httpx.Client) -> None:
    request = make_request(f"{closed_port_url}/x", headers=(("Authorization", SECRET),))
    error = send_expecting_error(client, request)
    assert error.message == f"connection refused by {closed_port_url.removeprefix('http://')}"


def test_real_repeated_response_headers_are_joined(local_server: str, client: httpx.Client) -> None:
    exchange = send_request(client, make_request(f"{local_server}/headers?X-Rep=a&X-Rep=b&X-One=1"))
    headers = exchange.response["headers"]
    assert headers["x-rep"] == "a, b"
    assert headers["x-one"] == "1"
    assert exchange.response["body"] == {"X-Rep": ["a", "b"], "X-One": ["1"]}


def test_real_text_plus_json_and_empty_bodies(local_server: str, client: httpx.Client) -> None:
    text = send_request(client, make_request(f"{local_server}/text")).response
    assert text["body"] == "hello" and text["text"] == "hello"

    plus_json = send_request(
        client, make_request(f"{local_server}/headers?Content-Type=application/hal%2Bjson&k=v")
    ).response
    assert plus_json["headers"]["content-type"] == "application/hal+json"
    assert plus_json["body"] == {"Content-Type": ["application/hal+json"], "k": ["v"]}

    empty = send_request(client, make_request(f"{local_server}/empty")).response
    assert empty["status"] == 204
    assert empty["body"] == "" and empty["text"] == ""

    head = send_request(client, make_request(f"{local_server}/json", "HEAD")).response
    assert head["status"] == 200
    assert head["body"] == ""
    assert head["headers"]["content-length"] == str(len(json.dumps(PRODUCTS)))


def test_real_header_injection_is_refused_without_echoing_the_value(
    local_server: str, client: httpx.Client
) -> None:
    request = make_request(
        f"{local_server}/echo", headers=(("Authorization", f"{SECRET}\r\nX-Evil: 1"),)
    )
    error = send_expecting_error(client, request)
    assert "the value of header 'Authorization' contains a line break" in error.message


@pytest.mark.parametrize("name", ["Näme", "X Bad", "X:Colon"])
def test_real_invalid_header_names_are_named(
    name: str, local_server: str, client: httpx.Client
) -> None:
    request = make_request(f"{local_server}/echo", headers=((name, "v"), ("Authorization", SECRET)))
    error = send_expecting_error(client, request)
    assert f"header name {name!r} is not allowed" in error.message


def test_real_connection_is_reused(local_server: str) -> None:
    ports: set[int] = set()

    def remember_port(response: httpx.Response) -> None:
        stream = response.extensions["network_stream"]
        ports.add(stream.get_extra_info("client_addr")[1])

    with build_client(transport=httpx.HTTPTransport()) as client:
        client.event_hooks["response"] = [remember_port]
        for _ in range(5):
            assert send_request(client, make_request(f"{local_server}/json")).status == 200
    assert len(ports) == 1


# --- TLS against a local server with a self-signed certificate ----------------------------------


def test_real_self_signed_certificate_fails_verification(tls_server: str) -> None:
    with build_client(timeout=10.0, transport=httpx.HTTPTransport()) as client:
        error = send_expecting_error(client, make_request(f"{tls_server}/json"))
    host_port = tls_server.removeprefix("https://")
    assert error.message.startswith(f"TLS certificate verify failed for {host_port}")
    assert error.message.endswith("(use --insecure for self-signed servers)")
    assert "_ssl.c" not in error.message


def test_real_insecure_client_accepts_self_signed_certificate(tls_server: str) -> None:
    with build_client(timeout=10.0, transport=httpx.HTTPTransport(verify=False)) as client:
        exchange = send_request(client, make_request(f"{tls_server}/json"))
    assert exchange.status == 200
    assert exchange.response["body"] == PRODUCTS


def test_closed_port_fixture_really_refuses(closed_port_url: str) -> None:
    port = int(closed_port_url.rsplit(":", 1)[1])
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))


def test_time_held_back_by_the_rate_limiter_is_not_the_servers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # A limiter below reports 10 s of waiting, more than the whole send took here: what is
        # left for the server is nothing, never a negative time.
        return httpx.Response(200, json={}, extensions={WAITED_EXTENSION: 10.0})

    with build_client(transport=httpx.MockTransport(handler)) as client:
        exchange = send_request(client, make_request("http://api.test/x"))
    assert exchange.elapsed_ms == 0.0


def test_a_redirect_to_a_url_that_cannot_be_followed_is_the_servers_doing(
    local_server: str,
) -> None:
    with build_client(timeout=10.0, transport=httpx.HTTPTransport()) as client:
        error = send_expecting_error(
            client, make_request(f"{local_server}/redirect?to=ftp://files.test/a")
        )
    host_port = local_server.removeprefix("http://")
    assert error.message == (
        f"{host_port} redirected to 'ftp://files.test/a', which httprun cannot follow "
        "(only http:// and https:// URLs)"
    )


# --- redirects: what follows them, and where they may lead ------------------------------------

KEY = "k3y-0f-the-api"  # an X-Api-Key value
KNOWN = "kn0wn-s3cr3t-value"  # a secret the run's masker has learnt (an env variable's value)
SENT_ALONG = (
    ("Authorization", SECRET),
    ("X-Api-Key", KEY),
    ("Proxy-Authorization", "Basic cHJveHk6cHc="),
    ("X-Signature", f"sig={KNOWN}"),  # no sensitive name, but it carries a known secret
    ("X-Trace", "plain-1"),
)


def secret_aware_client(
    transport: httpx.BaseTransport, *, max_body: int = 1024 * 1024
) -> httpx.Client:
    return build_client(
        transport=transport, timeout=10.0, masker=Masker({KNOWN}), max_body=max_body
    )


def test_a_redirect_to_another_port_drops_every_secret_header(local_server: str) -> None:
    with serve() as other_origin, secret_aware_client(httpx.HTTPTransport()) as client:
        url = f"{local_server}/redirect?to={other_origin}/echo"
        exchange = send_request(client, make_request(url, headers=SENT_ALONG))
    received = exchange.response["body"]["headers"]
    assert exchange.response["url"] == f"{other_origin}/echo"
    assert received["x-trace"] == "plain-1"
    for name in ("authorization", "x-api-key", "proxy-authorization", "x-signature"):
        assert name not in received
    assert KEY not in json.dumps(received) and KNOWN not in json.dumps(received)
    # What the request itself sent, at its own URL, is still what the report shows.
    assert ("X-Api-Key", KEY) in exchange.sent_headers


def test_a_redirect_within_the_origin_keeps_the_headers(local_server: str) -> None:
    with secret_aware_client(httpx.HTTPTransport()) as client:
        exchange = send_request(
            client, make_request(f"{local_server}/redirect?to=/echo", headers=SENT_ALONG)
        )
    received = exchange.response["body"]["headers"]
    assert received["authorization"] == SECRET
    assert received["x-api-key"] == KEY
    assert received["x-signature"] == f"sig={KNOWN}"


def test_a_run_s_env_secrets_do_not_follow_a_redirect_elsewhere(
    tmp_path: Path, local_server: str
) -> None:
    (tmp_path / "dev.env").write_text(f"client_secret={KNOWN}\nbase={local_server}\n")
    with serve() as other_origin:
        (tmp_path / "a.http").write_text(
            "# @name moved\n"
            f"GET <<base>>/redirect?to={other_origin}/echo\n"
            "X-Client: id=demo;secret=<<client_secret>>\n"
            "X-Api-Key: <<client_secret>>\n"
            "X-Trace: plain-1\n"
            "\n"
            "?? body.headers.\"x-trace\" == 'plain-1'\n"
            '?? body.headers."x-client" == null\n'
            '?? body.headers."x-api-key" == null\n'
        )
        result = run_files(
            [str(tmp_path / "a.http")], RunOptions(env_files=(str(tmp_path / "dev.env"),))
        )
    request = result.files[0].requests[0]
    assert result.exit_code == 0, request.error
    assert request.exchange is not None
    assert request.exchange.response["url"] == f"{other_origin}/echo"


_ORIGINS = st.tuples(
    st.sampled_from(["http", "https"]),
    st.sampled_from(["api.test", "cdn.test"]),
    st.sampled_from([None, 8443]),
)
_HEADER_NAMES = st.sampled_from(
    ["Authorization", "x-api-key", "X-API-KEY", "Proxy-Authorization", "X-Sig", "X-Trace", "Accept"]
)
_HEADER_VALUES = st.one_of(
    st.just(KNOWN),
    st.text("abc123-=", min_size=1, max_size=12).map(lambda text: f"{text}{KNOWN}"),
    st.text("abc123-=", min_size=1, max_size=12),
)


def _url(origin: tuple[str, str, int | None], path: str) -> str:
    scheme, host, port = origin
    return f"{scheme}://{host}{'' if port is None else f':{port}'}{path}"


@settings(max_examples=60, deadline=None)
@given(
    start=_ORIGINS,
    target=_ORIGINS,
    headers=st.lists(st.tuples(_HEADER_NAMES, _HEADER_VALUES), max_size=5),
)
def test_no_secret_header_follows_a_redirect_to_another_origin(
    start: tuple[str, str, int | None],
    target: tuple[str, str, int | None],
    headers: list[tuple[str, str]],
) -> None:
    arrived: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/from":
            return httpx.Response(302, headers={"Location": _url(target, "/to")})
        arrived.append(request)
        return httpx.Response(200)

    with secret_aware_client(httpx.MockTransport(handler)) as client:
        send_request(client, make_request(_url(start, "/from"), headers=tuple(headers)))
    received = arrived[0].headers
    if start == target:  # the same origin: everything goes along
        for name, value in headers:
            assert value in received.get_list(name)
        return
    for name, value in received.multi_items():
        assert name.lower() not in {"authorization", "x-api-key", "proxy-authorization"}
        assert KNOWN not in value
    for name, value in headers:  # what carries no secret still goes along
        if name.lower() in ("x-trace", "accept", "x-sig") and KNOWN not in value:
            assert value in received.get_list(name)


@pytest.mark.parametrize(
    "location",
    [f"data:text/plain,{KNOWN}", "mailto:ops@example.test", "javascript:alert(1)", "data:,"],
)
def test_a_redirect_to_a_non_http_url_is_a_transport_error_naming_it_masked(
    location: str, local_server: str
) -> None:
    with secret_aware_client(httpx.HTTPTransport()) as client:
        url = f"{local_server}/redirect?to={quote(location)}"
        error = send_expecting_error(client, make_request(url))
        stayed = send_request(client, make_request(url, follow_redirects=False))
    shown = location.replace(KNOWN, "****")
    assert error.message == (
        f"{local_server.removeprefix('http://')} redirected to {shown!r}, "
        "which httprun cannot follow (only http:// and https:// URLs)"
    )
    assert KNOWN not in error.message
    assert "@no-redirect" in error.hint
    # Not followed, it is an ordinary response.
    assert stayed.status == 302
    assert stayed.response["headers"]["location"] == location


def test_a_run_redirected_to_a_data_url_exits_4_not_70(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "data:text/html,<h1>hi</h1>"})

    request_file = tmp_path / "a.http"
    request_file.write_text("GET http://api.test/start\n")
    result = run_files([str(request_file)], transport=httpx.MockTransport(handler))
    assert result.exit_code == EXIT_INCOMPLETE
    error = result.files[0].requests[0].error
    assert isinstance(error, TransportError)
    assert "data:text/html" in error.message


# --- the response body cap (HTTPRUN_MAX_BODY) --------------------------------------------------


def _gzip_bomb(decoded_size: int) -> bytes:
    return gzip.compress(b"\0" * decoded_size, compresslevel=9)


def _bomb_server(body: bytes) -> Callable[[socket.socket], None]:
    def answer(connection: socket.socket) -> None:
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        connection.sendall(head.encode() + body)

    return answer


def test_a_decompression_bomb_is_stopped_at_the_cap() -> None:
    bomb = _gzip_bomb(8 * 1024 * 1024)  # 8 KB on the wire, 8 MB decoded
    assert len(bomb) < 20_000
    with serve_raw(_bomb_server(bomb)) as server:
        with secret_aware_client(httpx.HTTPTransport(), max_body=1024 * 1024) as client:
            error = send_expecting_error(client, make_request(f"{server.url}/bomb"))
        assert error.message == (
            f"the response body from {server.url.removeprefix('http://')} is larger than 1 MB "
            "once decoded; the request was stopped"
        )
        assert "HTTPRUN_MAX_BODY=SIZE" in error.hint
        # Under the cap, the same body is read whole.
        with secret_aware_client(httpx.HTTPTransport(), max_body=8 * 1024 * 1024) as client:
            exchange = send_request(client, make_request(f"{server.url}/bomb"))
        assert len(exchange.response["text"]) == 8 * 1024 * 1024


def test_redirect_bodies_are_read_under_the_cap_too() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            302,
            headers={"Location": "/next", "Content-Encoding": "gzip"},
            content=_gzip_bomb(2 * 1024 * 1024),
        )

    with secret_aware_client(httpx.MockTransport(handler), max_body=1024 * 1024) as client:
        error = send_expecting_error(client, make_request("http://api.test/"))
    assert "is larger than 1 MB" in error.message


@settings(max_examples=40, deadline=None)
@given(
    size=st.integers(0, 4096),
    cap=st.integers(1, 4096),
    encoding=st.sampled_from(["identity", "gzip", "deflate"]),
)
def test_a_body_is_read_whole_up_to_the_cap_and_refused_past_it(
    size: int, cap: int, encoding: str
) -> None:
    text = "".join(chr(ord("a") + index % 26) for index in range(size))
    wire = {
        "identity": lambda data: data,
        "gzip": gzip.compress,
        "deflate": zlib.compress,
    }[encoding](text.encode())

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": encoding}, content=wire)

    with secret_aware_client(httpx.MockTransport(handler), max_body=cap) as client:
        if size <= cap:
            assert send_request(client, make_request("http://api.test/")).response["text"] == text
        else:
            error = send_expecting_error(client, make_request("http://api.test/"))
            assert error.label == "response too large"


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1048576", 1024 * 1024),
        ("100MB", 100 * 1024**2),
        ("512k", 512 * 1024),
        (" 2 GiB ", 2 * 1024**3),
        ("10 mb", 10 * 1024**2),
    ],
)
def test_sizes_are_read_1024_based(text: str, size: int) -> None:
    assert parse_size(text) == size


# "９" (a full-width digit) read as 9 bytes; 5000 digits made int() raise (exit 70).
@pytest.mark.parametrize("text", ["", "0", "-5", "1.5MB", "ten", "5 TB", "MB", "９", "9" * 5000])
def test_what_is_not_a_size(text: str) -> None:
    assert parse_size(text) is None


def test_the_cap_comes_from_the_environment_then_the_env_files() -> None:
    assert max_body_setting({}, {}) == DEFAULT_MAX_BODY == 100 * 1024 * 1024
    assert max_body_setting({"HTTPRUN_MAX_BODY": "1MB"}, {}) == 1024 * 1024
    assert max_body_setting({"HTTPRUN_MAX_BODY": "1MB"}, {"HTTPRUN_MAX_BODY": "2MB"}) == 2 * 1024**2
    with pytest.raises(EnvError) as caught:
        max_body_setting({"HTTPRUN_MAX_BODY": "lots"}, {})
    assert caught.value.exit_code == EXIT_INVALID_INPUT
    assert "HTTPRUN_MAX_BODY=500MB" in caught.value.hint


def test_a_run_applies_the_cap_of_its_env_file(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="x" * 2048)

    (tmp_path / "a.http").write_text("GET http://api.test/big\n")
    (tmp_path / "small.env").write_text("HTTPRUN_MAX_BODY=1KB\n")
    capped = run_files(
        [str(tmp_path / "a.http")],
        RunOptions(env_files=(str(tmp_path / "small.env"),)),
        transport=httpx.MockTransport(handler),
    )
    assert capped.exit_code == EXIT_INCOMPLETE
    uncapped = run_files([str(tmp_path / "a.http")], transport=httpx.MockTransport(handler))
    assert uncapped.exit_code == 0


def test_a_cap_that_is_no_size_stops_the_run_before_the_sandbox_starts(tmp_path: Path) -> None:
    (tmp_path / "a.http").write_text("GET https://demo.cafe24api.com/api/v2/admin/products\n")
    (tmp_path / "bad.env").write_text("HTTPRUN_SANDBOX=cafe24\nHTTPRUN_MAX_BODY=lots\n")
    threads_before = threading.active_count()
    result = run_files(
        [str(tmp_path / "a.http")], RunOptions(env_files=(str(tmp_path / "bad.env"),))
    )
    assert result.exit_code == EXIT_INVALID_INPUT
    error = result.files[0].requests[0].error
    assert isinstance(error, EnvError)
    assert error.message == "HTTPRUN_MAX_BODY='lots' is not a size"
    assert threading.active_count() <= threads_before  # no sandbox left serving
