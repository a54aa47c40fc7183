"""Send a :class:`ResolvedRequest` and turn the reply into an :class:`Exchange`.

This is the only module that does network I/O. It takes the ``httpx.Client`` as an argument
(one per run, built by :func:`build_client`), so tests drive it through ``httpx.MockTransport``
or a local server, and the run decides how long the client lives.

Every ``httpx.RequestError`` (and an invalid URL or method, which httpx reports otherwise) becomes
a :class:`~runner.errors.TransportError` that points at the request line and says what went
wrong with which host, in words a user can act on. Messages never contain header values, so an
Authorization value cannot leak through them.

HTTP version: the request line may say ``HTTP/1.1`` or ``HTTP/2``, but httpx negotiates the
version itself. We do not enable HTTP/2 (it needs the optional ``h2`` package, which httprun does
not depend on), so requests go out as HTTP/1.1 whatever the line says; we accept that rather
than fail, and record the version actually spoken in ``Exchange.http_version``.
"""

from __future__ import annotations

import errno
import re
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import httpx
from httpx._client import ClientState

from . import __version__
from .deadline import Deadline, exchange_deadline
from .decoding import (
    ACCEPT_ENCODING,
    BodyTooLarge,
    BoundedDecoder,
    DecodeFailed,
    decoded_text,
    media_info,
)
from .errors import HttprunError, ResolveError, TransportError
from .hosts import host_problem
from .jsonvalues import decode_json
from .masking import Masker, is_sensitive_header, mask_and_clip
from .ratelimit import WAITED_EXTENSION
from .results import Exchange, ResolvedRequest
from .sizes import MB, format_size

# Sequential runs reuse one keep-alive connection per host; the headroom is for callers that
# send concurrently. Idle connections are dropped after 5 s (httpx's default), no later than
# common servers do (Apache's default is 5 s), so we rarely race a server closing one.
CONNECTION_LIMITS = httpx.Limits(
    max_connections=20, max_keepalive_connections=10, keepalive_expiry=5.0
)
_USER_AGENT = f"httprun/{__version__}"

# RFC 9110 "token": what a method (and a header name) may be made of.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


# A response body past this many bytes (once decoded) fails the request: a small gzip "bomb"
# must not take the machine's memory. HTTPRUN_MAX_BODY changes it (connect.py reads it).
DEFAULT_MAX_BODY = 100 * MB


class Client(httpx.Client):
    """httpx's client with httprun's redirect rules and limits; one per run.

    httpx builds the next request of every redirect response, followed or not; two of its steps
    are changed here, for every redirect the run's client meets:

    - a redirect to another origin (scheme, host or port) drops every sensitive header
      (``masking.is_sensitive_header``: Authorization, Cookie, X-Api-Key, any header named
      like a secret) and every header whose value carries a secret the run's
      masker knows, where httpx drops only Authorization (and keeps it for http -> https);
    - a ``Location`` httpx cannot make a request URL of (``data:``, ``mailto:``,
      ``javascript:``: a scheme without a host) no longer raises ``InvalidURL`` (which no caller
      expects) from ``send``: the URL is kept as written, and :func:`send_request` refuses to
      follow it with a TransportError.
    """

    def __init__(self, *, max_body: int, masker: Masker | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_body = max_body
        self.masker = masker if masker is not None else Masker()
        self._cookies = _CookieJar(self._cookies)

    def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        """httpx's ``send``; a response read whole here (token endpoints, the sandbox's
        consent page) is decoded under ``max_body`` too, and comes back decoded."""
        response = super().send(request, stream=True, auth=auth, follow_redirects=follow_redirects)
        if stream:
            return response
        try:
            content = _decoded_body(response, self.max_body)
        except BodyTooLarge:
            raise httpx.DecodingError(
                f"the response body is larger than {format_size(self.max_body)} once decoded",
                request=response.request,
            ) from None
        except DecodeFailed as error:
            raise httpx.DecodingError(str(error), request=response.request) from error
        finally:
            response.close()
        decoded = httpx.Response(
            response.status_code,
            headers=[
                (name, value)
                for name, value in response.headers.raw
                if name.lower() not in (b"content-encoding", b"content-length")
            ],
            content=bytes(content),
            request=response.request,
            extensions=response.extensions,
            history=response.history,
        )
        decoded.next_request = response.next_request
        return decoded

    def send_hop(self, request: httpx.Request, auth: httpx.Auth | None) -> httpx.Response:
        """``send(request, auth=auth, follow_redirects=False, stream=True)``: one hop, its
        body unread, its ``next_request`` set when it redirects.

        A hop with no auth to run (no ``auth``, none on the client, no ``user:password@`` in
        the URL, which httpx turns into Basic auth) and no event hooks goes straight to
        httpx's single-request step: httpx's auth flow generator and redirect loop would do
        nothing for it but cost a tenth of a small request.
        """
        url = request.url
        if (
            auth is not None
            or self.auth is not None
            or url.username
            or url.password
            or any(self.event_hooks.values())
            or self.is_closed
        ):
            return self.send(request, auth=auth, follow_redirects=False, stream=True)
        self._state = ClientState.OPENED  # as send() does: the client may not be entered now
        self._set_timeout(request)
        response = self._send_single_request(request)
        try:
            response.history = []
            if response.has_redirect_location:
                response.next_request = self._build_redirect_request(request, response)
        except BaseException:
            response.close()
            raise
        return response

    def _build_redirect_request(
        self, request: httpx.Request, response: httpx.Response
    ) -> httpx.Request:
        """httpx builds the next hop of every redirect, followed or not. One whose Location
        cannot be sent to is kept as a hop that says why, for _check_redirect to refuse when
        the redirect is followed: under @no-redirect the response itself is the result."""
        try:
            return super()._build_redirect_request(request, response)
        except (httpx.RemoteProtocolError, UnicodeError) as error:
            return httpx.Request(
                request.method, request.url, extensions={_UNFOLLOWABLE: str(error)}
            )

    def _redirect_url(self, request: httpx.Request, response: httpx.Response) -> httpx.URL:
        try:
            url = super()._redirect_url(request, response)
        except (httpx.InvalidURL, UnicodeError):
            # httpx gives a URL with a scheme but no host the request's host, which fails for
            # these; parsing the Location alone worked before that step. (UnicodeError: httpx
            # decoded a host that is not valid IDNA; _host_problem below says why.)
            url = httpx.URL(response.headers["Location"])
        problem = _host_problem(url)
        if problem is not None:
            raise httpx.RemoteProtocolError(problem, request=request)
        return url

    def _redirect_headers(
        self, request: httpx.Request, url: httpx.URL, method: str
    ) -> httpx.Headers:
        headers = super()._redirect_headers(request, url, method)
        if _origin(url) == _origin(request.url):
            return headers
        encoding = headers.encoding
        return httpx.Headers(
            [
                (name, value)
                for name, value in headers.raw
                if not is_sensitive_header(name.decode(encoding))
                and not self._carries_secret(value.decode(encoding))
            ]
        )

    def _carries_secret(self, value: str) -> bool:
        return self.masker.mask(value) != value


class _CookieJar(httpx.Cookies):
    """The run's cookie jar (FORMAT.md: cookies set by responses go back for the rest of the
    run), reading a response only when it sets a cookie.

    httpx hands every response to ``http.cookiejar``, wrapped as urllib's request and
    response: for a small reply that costs more than the rest of httpx's client. A response
    without ``Set-Cookie`` (or the old ``Set-Cookie2``) gives the jar nothing to take.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme)


def build_client(
    *,
    transport: httpx.BaseTransport,
    timeout: float | None = 30.0,
    max_body: int = DEFAULT_MAX_BODY,
    masker: Masker | None = None,
) -> Client:
    """The one client of a run, over ``transport`` (``connect`` builds that chain: TLS,
    proxies, the sandbox, pacing; a test passes ``httpx.MockTransport``).

    ``timeout`` (seconds, ``None`` for none) bounds each request's whole exchange; a request's
    own ``timeout`` overrides it. ``max_body`` caps a decoded response body, in bytes. Headers
    carrying a secret ``masker`` knows do not follow a redirect to another origin. Redirects
    are decided per request in :func:`send_request`.
    """
    return Client(
        max_body=max_body,
        masker=masker,
        timeout=httpx.Timeout(timeout),
        transport=transport,
        follow_redirects=False,
        # Only codings ``decoding`` can decode under the cap (httpx would add br and zstd when
        # their packages happen to be installed).
        headers={"User-Agent": _USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
        trust_env=False,  # the transport chain applies the environment's proxies itself
    )


def send_request(
    client: Client, request: ResolvedRequest, *, auth: httpx.Auth | None = None
) -> Exchange:
    """Send ``request`` with ``client`` (and ``auth``, when given) and read the whole reply.

    The request's timeout bounds the whole exchange: connecting, sending, every read of every
    redirect. Raises :class:`TransportError` when no response could be had (or its body passed
    ``client.max_body``); any HTTP status is a response.
    """
    outgoing = _build_outgoing(client, request)
    started_at = time.time()
    start = time.perf_counter()
    seconds = request.timeout if request.timeout is not None else client.timeout.read
    with exchange_deadline(seconds) as deadline:
        try:
            response, content = _exchange(client, outgoing, request, auth, deadline)
        except httpx.RequestError as error:
            raise _transport_error(error, request, client) from error
    elapsed_ms = (time.perf_counter() - start) * 1000.0
    # Time the rate limiter held the requests back is not the server's (ratelimit.py says).
    waited = sum(r.extensions.get(WAITED_EXTENSION, 0.0) for r in (*response.history, response))
    elapsed_ms = max(elapsed_ms - waited * 1000.0, 0.0)
    return Exchange(
        request=request,
        sent_headers=_sent_headers(outgoing, response),
        response=_response_document(response, content, elapsed_ms),
        started_at=started_at,
        elapsed_ms=elapsed_ms,
        http_version=response.http_version,
    )


def _exchange(
    client: Client,
    outgoing: httpx.Request,
    request: ResolvedRequest,
    auth: httpx.Auth | None,
    deadline: Deadline,
) -> tuple[httpx.Response, bytearray]:
    """Send ``outgoing`` and follow its redirects (when the request does), one ``send`` per
    hop, so that every body, the redirects' too, is read under the cap and the deadline.

    ``auth`` goes with every hop: ``BearerAuth`` adds its token only for its own API host.
    """
    history: list[httpx.Response] = []
    hop = outgoing
    while True:
        response = client.send_hop(hop, auth)
        try:
            content = _read_body(response, request, client, deadline)
        finally:  # closed, its connection back in the pool, however this ends
            response.close()
        hop_after = response.next_request
        if not request.follow_redirects or hop_after is None:
            response.history = history
            return response, content
        _check_redirect(response, hop_after, request, client)
        if len(history) >= client.max_redirects:
            raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=hop)
        history.append(response)
        hop = hop_after


def _read_body(
    response: httpx.Response, request: ResolvedRequest, client: Client, deadline: Deadline
) -> bytearray:
    """The decoded body, read once into one buffer, no larger than ``client.max_body``."""

    def in_time() -> None:  # a transport that is not the network's (which bounds each read)
        if deadline.passed():
            raise httpx.ReadTimeout("the exchange took too long", request=response.request)

    try:
        return _decoded_body(response, client.max_body, after_each_chunk=in_time)
    except BodyTooLarge:
        raise TransportError(
            f"the response body from {_host_port(response.url)} is larger than "
            f"{format_size(client.max_body)} once decoded; the request was stopped",
            request.span,
            label="response too large",
            hint=f"raise the cap with {MAX_BODY_SETTING}=SIZE (e.g. 500MB) in an env file "
            "or the environment",
        ) from None
    except DecodeFailed as error:
        raise httpx.DecodingError(str(error), request=response.request) from error


def _decoded_body(
    response: httpx.Response, cap: int, after_each_chunk: Callable[[], None] = lambda: None
) -> bytearray:
    """``response``'s body decoded into one buffer, at most ``cap`` bytes (raises
    BodyTooLarge, DecodeFailed).

    Decoded here (``decoding``) rather than by httpx, which decodes each network read whole
    and so cannot stop a compression bomb before it has filled the memory.
    """
    if response.is_stream_consumed:
        # Made in memory and decoded already (a test's MockTransport): only its size to check.
        chunks: Iterator[bytes] = iter([response.content])
        encoding = ""
    else:
        chunks = response.iter_raw()
        encoding = response.headers.get("Content-Encoding", "")
    decoder = BoundedDecoder(encoding, cap)
    content = bytearray()
    for chunk in chunks:
        content += decoder.decode(chunk)
        after_each_chunk()
    content += decoder.flush()
    return content


def _check_redirect(
    response: httpx.Response, hop: httpx.Request, request: ResolvedRequest, client: Client
) -> None:
    """Refuse to follow a redirect to anything but an http(s) URL with a host."""
    url = hop.url
    location = response.headers.get("Location", str(url))
    unfollowable = hop.extensions.get(_UNFOLLOWABLE)
    if unfollowable is not None:
        raise TransportError(
            f"{_host_port(response.url)} redirected to {_shorten(location, client.masker.mask)}, "
            f"which httprun cannot follow: {unfollowable}",
            request.span,
            label="unsupported redirect",
            hint="add '# @no-redirect' and check the Location header",
        )
    if url.scheme in ("http", "https") and url.host:
        return
    raise TransportError(
        f"{_host_port(response.url)} redirected to {_shorten(location, client.masker.mask)}, "
        "which httprun cannot follow (only http:// and https:// URLs)",
        request.span,
        label="unsupported redirect",
        hint="add '# @no-redirect' and check the Location header",
    )


MAX_BODY_SETTING = "HTTPRUN_MAX_BODY"
# The extension of a redirect hop that cannot be sent to: why (Client._build_redirect_request).
_UNFOLLOWABLE = "httprun.unfollowable_redirect"


def _build_outgoing(client: Client, request: ResolvedRequest) -> httpx.Request:
    mask = client.masker.mask
    method = request.method
    if not _TOKEN.fullmatch(method):
        raise ResolveError(
            f"invalid HTTP method {method!r}",
            request.span,
            label="not a valid method",
            hint="a method is a single word such as GET, POST or PATCH",
        )
    timeout: Any = httpx.USE_CLIENT_DEFAULT if request.timeout is None else request.timeout
    try:
        url = _parsed_url(request.url)
        _refuse_unsendable(url, request, mask)
        outgoing = client.build_request(
            method,
            url,
            headers=_header_list(request.headers),
            content=request.body,
            timeout=timeout,
        )
    except httpx.InvalidURL as error:
        raise ResolveError(
            f"invalid URL {_shorten(request.url, mask)}: {error}",
            request.span,
            label="invalid URL",
        ) from error
    except UnicodeEncodeError as error:  # a header name with non-ASCII characters
        raise TransportError(
            f"cannot send the request: {_invalid_request_part(request)}",
            request.span,
            label="invalid header",
        ) from error
    return outgoing


def _refuse_unsendable(
    url: httpx.URL, request: ResolvedRequest, mask: Callable[[str], str]
) -> None:
    """Refuse a URL no transport can send to, before httpx builds a request from it (its
    cookie jar, once a response has set a cookie, fails on a URL without a host). Checked
    here rather than left to the transport so that every transport (a mock, the in-process
    sandbox) refuses the same URLs the network one does."""
    if url.scheme not in ("http", "https") or not url.raw_host:
        raise ResolveError(
            f"cannot send to {_shorten(request.url, mask)}: "
            "the URL needs http:// or https:// and a host",
            request.span,
            label="unsupported URL",
        )
    problem = _host_problem(url)
    if problem is not None:
        raise ResolveError(
            f"invalid URL {_shorten(request.url, mask)}: {problem}",
            request.span,
            label="invalid host",
            hint="a host name is dot-separated labels of 1 to 63 characters",
        )
    if url.port is not None and not 0 < url.port < 65536:
        raise ResolveError(
            f"invalid URL {_shorten(request.url, mask)}: port {url.port} is out of range (1-65535)",
            request.span,
            label="invalid URL",
        )


def _host_problem(url: httpx.URL) -> str | None:
    return host_problem(url.raw_host.decode("ascii", "replace"))


@lru_cache(maxsize=256)
def _parsed_url(text: str) -> httpx.URL:
    """httpx's URL for ``text``, kept for the next request to the same URL.

    httpx parses and validates a URL in Python, character by character (about 30 us for a
    short one); a run sends the same URL again and again (polling, ``@retry``, a file that
    repeats a request), and an ``httpx.URL`` is immutable, so they can share one.
    """
    return httpx.URL(text)


def _header_list(
    headers: tuple[tuple[str, str], ...],
) -> tuple[tuple[str, str], ...] | list[tuple[bytes, bytes]]:
    """The headers for httpx, in order with repeats kept.

    httpx encodes ``str`` header values as ASCII and raises on anything else; when a value has
    other characters the headers go as UTF-8 bytes, which servers that accept them expect.
    """
    if all(value.isascii() for _, value in headers):
        return headers
    return [(name.encode(), value.encode()) for name, value in headers]


def _sent_headers(outgoing: httpx.Request, response: httpx.Response) -> tuple[tuple[str, str], ...]:
    """The headers of the last attempt at the request's own URL, as they went on the wire.

    The auth flow may have added an Authorization header or resent after a 401 (the history
    holds those attempts); redirect hops to other URLs are not this request's headers.
    """
    sent = response.request
    if response.history and sent.url != outgoing.url:
        for earlier in response.history:
            if earlier.request.url == outgoing.url:
                sent = earlier.request
    headers = sent.headers
    encoding = headers.encoding
    return tuple([(name.decode(encoding), value.decode(encoding)) for name, value in headers.raw])


def _response_document(
    response: httpx.Response, content: bytearray, elapsed_ms: float
) -> dict[str, Any]:
    """The document of FORMAT.md "Response checks", built in one pass over what httpx holds.

    ``content`` is emptied once decoded: a large body is not held three times (bytes, text,
    parsed JSON) while the JSON is parsed.
    """
    raw_headers = response.headers
    header_encoding = raw_headers.encoding
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw_headers.raw:
        # Lower-case names; repeats joined with ", " (FORMAT.md).
        name = raw_name.decode(header_encoding).lower()
        value = raw_value.decode(header_encoding)
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    is_json, encoding = media_info(headers.get("content-type", ""))
    # Decoded here rather than through ``response.text``, which re-parses the Content-Type
    # header on every response; the result is the same (errors replaced, UTF-8 by default).
    text = decoded_text(content, encoding)
    content.clear()
    body: Any = text
    if is_json and text:
        try:
            # Lone surrogates replaced, nesting bounded; a byte order mark ignored (RFC 8259
            # allows it; httpx's .json() does it too), ``text`` keeping it as sent.
            body = decode_json(text.removeprefix("\ufeff"))
        except ValueError:
            body = text  # claims JSON but is not (or nests too deeply): checks see the text
    return {
        "status": response.status_code,
        "reason": response.reason_phrase,
        "headers": headers,
        "body": body,
        "text": text,
        "elapsed_ms": elapsed_ms,
        "url": str(response.url),
    }


# --- failures ----------------------------------------------------------------------------------


def _transport_error(
    error: httpx.RequestError, request: ResolvedRequest, client: httpx.Client
) -> HttprunError:
    """Explain ``error`` for people, naming the host and never a header value (a request the
    file made unsendable is a ResolveError, exit 3; the network failing, a TransportError)."""
    try:
        url = error.request.url
    except RuntimeError:  # raised before httpx attached a request
        url = httpx.URL(request.url)
    where = _host_port(url)
    reason = str(error)
    lowered = reason.lower()
    span = request.span

    if isinstance(error, httpx.TimeoutException):
        seconds = _timeout_seconds(error, request, client)
        after = f" after {seconds!r} s" if seconds is not None else ""
        doing = {
            httpx.ConnectTimeout: f"connecting to {where}",
            httpx.ReadTimeout: f"waiting for {where} to respond",
            httpx.WriteTimeout: f"sending the request to {where}",
            httpx.PoolTimeout: f"waiting for a free connection to {where}",
        }.get(type(error), f"talking to {where}")
        return TransportError(
            f"{doing} timed out{after} (set @timeout, or a longer timeout for the run)",
            span,
            label="timed out",
        )
    if isinstance(error, httpx.TooManyRedirects):
        return TransportError(
            f"too many redirects (more than {client.max_redirects}) from {where}",
            span,
            label="redirect loop?",
            hint="add '# @no-redirect' to see the first response",
        )
    if isinstance(error, httpx.ProxyError):
        return TransportError(f"the proxy refused the request to {where}: {reason}", span)
    if isinstance(error, httpx.DecodingError):
        return TransportError(
            f"could not decode the response body from {where}: {reason}",
            span,
            label="bad response body",
        )
    if isinstance(error, httpx.LocalProtocolError):
        # h11's message quotes the offending header value, which may be a secret: name the
        # header instead.
        return TransportError(
            f"cannot send the request to {where}: {_invalid_request_part(request)}",
            span,
            label="invalid request",
        )
    if isinstance(error, httpx.RemoteProtocolError):
        return TransportError(
            f"{where} broke the HTTP protocol: {reason}", span, label="bad response"
        )
    if "certificate verify failed" in lowered or "certificate_verify_failed" in lowered:
        detail = reason.partition("certificate verify failed")[2].strip(" :")
        detail = re.sub(r"\s*\(_ssl\.c:\d+\)", "", detail)
        return TransportError(
            f"TLS certificate verify failed for {where}"
            + (f" ({detail})" if detail else "")
            + " (use --insecure for self-signed servers)",
            span,
            label="TLS",
        )
    if isinstance(error, httpx.NetworkError) and ("ssl" in lowered or "tls" in lowered):
        return TransportError(f"TLS handshake with {where} failed: {reason}", span, label="TLS")
    if isinstance(error, httpx.ConnectError):
        cause = _os_error(error)
        if (cause is not None and cause.errno == errno.ECONNREFUSED) or "refused" in lowered:
            return TransportError(
                f"connection refused by {where}",
                span,
                label="connection refused",
                hint="is the server running, and is the host and port right?",
            )
        if _looks_like_dns_failure(lowered, cause):
            return TransportError(
                f"cannot resolve host {url.host!r} (DNS lookup failed: {reason})",
                span,
                label="unknown host",
                hint="check the host name and your network",
            )
        return TransportError(f"cannot connect to {where}: {reason}", span, label="no connection")
    if isinstance(error, httpx.NetworkError):
        return TransportError(
            f"the connection to {where} failed: {reason or type(error).__name__}",
            span,
            label="network error",
        )
    return TransportError(f"request to {where} failed: {reason or type(error).__name__}", span)


def _host_port(url: httpx.URL) -> str:
    host = url.host or "?"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return f"{host}:{port}" if port else host


def _timeout_seconds(
    error: httpx.TimeoutException, request: ResolvedRequest, client: httpx.Client
) -> float | None:
    if request.timeout is not None:
        return float(request.timeout)
    configured = client.timeout
    seconds = {
        httpx.ConnectTimeout: configured.connect,
        httpx.ReadTimeout: configured.read,
        httpx.WriteTimeout: configured.write,
        httpx.PoolTimeout: configured.pool,
    }.get(type(error), configured.read)
    return float(seconds) if seconds is not None else None


def _os_error(error: BaseException) -> OSError | None:
    """The OSError behind an httpx error, if the chain holds one."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _looks_like_dns_failure(lowered: str, cause: OSError | None) -> bool:
    import socket

    if isinstance(cause, socket.gaierror):
        return True
    return any(
        marker in lowered
        for marker in (
            "name or service not known",
            "nodename nor servname",
            "temporary failure in name resolution",
            "name resolution",
            "getaddrinfo failed",
            "no address associated",
        )
    )


def _invalid_request_part(request: ResolvedRequest) -> str:
    for name, value in request.headers:
        if not _TOKEN.fullmatch(name):
            return f"header name {name!r} is not allowed (letters, digits and -_. only)"
        if any(char in value for char in "\r\n\0"):
            return f"the value of header {name!r} contains a line break or NUL"
    return "the request line or a header is not valid HTTP"


_USERINFO = re.compile(r"(?<=//)[^/?#@]*@")


def _shorten(url: str, mask: Callable[[str], str]) -> str:
    """``url`` for a message: masked (the run's secrets, any ``user:password@``), then cut to
    a readable length."""

    def hidden(text: str) -> str:
        return _USERINFO.sub("****@", mask(text), count=1)

    return repr(mask_and_clip(url, hidden, 119))
