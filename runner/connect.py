"""How a run reaches servers: the transport chain, the one client, the sandbox, and tokens.

::

    httpx.Client ── PacingTransport ── [SandboxTransport] ── HTTPTransport (or a test's transport)
                    (X-Api-Call-Limit,   (HTTPRUN_SANDBOX=cafe24:
                     429 resends)         *.cafe24api.com → the bundled sandbox)

Everything here is built once per run and shared by all its files.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpcore
import httpx

from . import deadline
from .errors import EnvError
from .executor import (
    CONNECTION_LIMITS,
    DEFAULT_MAX_BODY,
    MAX_BODY_SETTING,
    Client,
    build_client,
)
from .sizes import size_setting

if TYPE_CHECKING:
    from .auth.httpx_auth import BearerAuth
    from .auth.manager import TokenManager
    from .auth.profiles import Profile
    from .env import Environment
    from .masking import Masker
    from .options import RunOptions
    from .sandbox import Sandbox

SANDBOX_SETTING = "HTTPRUN_SANDBOX"
SANDBOX_KINDS = ("cafe24",)


class Connection:
    """The client of a run and what goes with it; close it when the run ends.

    The token manager (and the token store it reads) is made on the first ``@auth`` request:
    runs without auth never load the auth modules.
    """

    def __init__(
        self,
        client: Client,
        options: RunOptions,
        environment: Environment,
        masker: Masker,
        notify: Callable[[str], None],
        sandbox: Sandbox | None,
        network: NetworkTransport | None = None,
    ) -> None:
        self.client = client
        self.sandbox = sandbox
        self._network = network
        self._options = options
        self._environment = environment
        self._masker = masker
        self._notify = notify
        self._tokens: TokenManager | None = None
        self._token_dir: tempfile.TemporaryDirectory[str] | None = None
        self._auths: dict[str, BearerAuth] = {}
        self._lock = threading.Lock()

    @property
    def tokens(self) -> TokenManager:
        with self._lock:
            if self._tokens is None:
                self._tokens = self._make_token_manager()
            return self._tokens

    def bearer_for(self, profile: Profile) -> BearerAuth:
        """One ``httpx.Auth`` per profile, so its 401 handling is shared by the run."""
        from .auth.httpx_auth import BearerAuth

        tokens = self.tokens
        with self._lock:
            auth = self._auths.get(profile.store_key)
            if auth is None:
                auth = self._auths[profile.store_key] = BearerAuth(profile, tokens)
            return auth

    def abort(self) -> None:
        """Stop the requests in flight at once (Ctrl-C): their sockets are shut down, and no
        new connection is made. Only the network's; a test's own transport is left alone."""
        if self._network is not None:
            self._network.abort()

    def close(self) -> None:
        self.client.close()
        if self.sandbox is not None:
            self.sandbox.stop()
        if self._token_dir is not None:
            self._token_dir.cleanup()

    def _make_token_manager(self) -> TokenManager:
        from .auth.factory import make_token_manager
        from .auth.store import TokenStore

        store, consent = None, None
        if self.sandbox is not None:
            # Sandbox tokens die with the sandbox: keep them out of the user's store.
            self._token_dir = tempfile.TemporaryDirectory(prefix="httprun-sandbox-")
            store = TokenStore(Path(self._token_dir.name) / "tokens.json")
            consent = _sandbox_consent(self.sandbox, self.client)
        return make_token_manager(
            self.client,
            settings=self._environment.settings,
            notify=self._notify,
            masker=self._masker,
            interactive=self._options.interactive,
            open_browser=self._options.open_browser,
            store=store,
            consent=consent,
        )


def open_connection(
    options: RunOptions,
    environment: Environment,
    masker: Masker,
    notify: Callable[[str], None],
    transport: httpx.BaseTransport | None = None,
) -> Connection:
    """Build the run's client (and start the sandbox when the env files ask for it)."""
    from .ratelimit import PacingTransport

    max_body = max_body_setting(environment.settings)  # a bad value: before anything starts
    sandbox = _start_sandbox(environment)
    network = NetworkTransport(insecure=options.insecure) if transport is None else None
    inner = transport or network
    assert inner is not None
    if sandbox is not None:
        from .sandbox import SandboxTransport

        inner = SandboxTransport(sandbox.base_url, inner=inner)
        notify(
            "sandbox: https://*.cafe24api.com requests go to the bundled cafe24 sandbox at "
            + sandbox.base_url
        )
    # The pacer models the bucket's drain: the sandbox's is HTTPRUN_SANDBOX_BUCKET_RATE, not
    # cafe24's 2 calls a second, or pacing would run into 429s (slower rates) or wait too long.
    drain = sandbox.settings.bucket_rate if sandbox is not None else 2.0
    paced = PacingTransport(
        inner,
        max_retries=options.max_retries,
        notify=notify,
        drain_per_second=drain,
        # Ctrl-C ends a rate-limit wait at once (the request then fails, and is not recorded).
        sleep=network.pause if network is not None else time.sleep,
    )
    client = build_client(
        timeout=options.timeout,
        transport=paced,
        max_body=max_body,
        masker=masker,
    )
    return Connection(client, options, environment, masker, notify, sandbox, network)


class NetworkTransport(httpx.BaseTransport):
    """The network: one transport per scheme and proxy, each made on first use.

    Loading the CA bundle for TLS verification takes about 30 ms: runs that only speak plain
    http (a local server, the sandbox) should not pay it at every start. Proxies come from the
    environment as everywhere (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``);
    httpx ignores them once a client is given a transport of its own, so they are applied here.
    """

    def __init__(self, *, insecure: bool) -> None:
        import urllib.request

        self._insecure = insecure
        self._lock = threading.Lock()
        self._transports: dict[tuple[bool, str | None], httpx.HTTPTransport] = {}
        self._proxies = urllib.request.getproxies_environment()
        self._backend = DeadlineBackend()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._transport(request.url).handle_request(request)

    def _proxy_for(self, url: httpx.URL) -> str | None:
        import urllib.request

        proxy = self._proxies.get(url.scheme) or self._proxies.get("all")
        if not proxy or urllib.request.proxy_bypass(url.host):
            return None
        return proxy

    def _transport(self, url: httpx.URL) -> httpx.HTTPTransport:
        tls = url.scheme == "https"
        key = (tls, self._proxy_for(url))
        with self._lock:
            transport = self._transports.get(key)
            if transport is None:
                # Plain http never verifies anything: no certificates to load.
                verify = tls and not self._insecure
                transport = httpx.HTTPTransport(
                    verify=verify, proxy=key[1], limits=CONNECTION_LIMITS
                )
                # httpx takes no network backend of its own: its pool (every kind, proxies
                # included) is given ours, which bounds each socket operation by the exchange's
                # deadline. tests/test_deadline.py fails if a new httpx moves these.
                transport._pool._network_backend = self._backend
                self._transports[key] = transport
            return transport

    def abort(self) -> None:
        self._backend.abort()

    def pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or until :meth:`abort`."""
        self._backend.aborted.wait(seconds)

    def close(self) -> None:
        for transport in self._transports.values():
            transport.close()


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, with two additions.

    Each connect, read and write waits no longer than the sending thread's exchange deadline
    allows (``runner.deadline``): httpx's timeouts are per operation, so a server trickling its
    headers or body a byte at a time would otherwise never time out. And :meth:`abort` shuts
    down every open socket, which wakes a thread blocked reading it (closing the socket would
    not), so Ctrl-C stops parallel requests at once.
    """

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()
        self._streams: weakref.WeakSet[DeadlineStream] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.aborted = threading.Event()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self._refuse_when_aborted()
        stream = self._inner.connect_tcp(
            host, port, _bounded(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return self._track(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self._refuse_when_aborted()
        stream = self._inner.connect_unix_socket(
            path, _bounded(timeout, httpcore.ConnectTimeout), socket_options
        )
        return self._track(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)

    def abort(self) -> None:
        with self._lock:
            self.aborted.set()
            streams = list(self._streams)
        for stream in streams:
            stream.shut_down()

    def _refuse_when_aborted(self) -> None:
        if self.aborted.is_set():
            raise httpcore.ConnectError("the run was interrupted")

    def _track(self, inner: httpcore.NetworkStream) -> DeadlineStream:
        stream = DeadlineStream(inner, self)
        with self._lock:
            self._streams.add(stream)
            aborted = self.aborted.is_set()
        if aborted:  # Ctrl-C came while connecting
            stream.shut_down()
        return stream


class DeadlineStream(httpcore.NetworkStream):
    """One connection's socket, each operation bounded by the exchange deadline."""

    def __init__(self, inner: httpcore.NetworkStream, backend: DeadlineBackend) -> None:
        self._inner = inner
        self._backend = backend

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return self._backend._track(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)

    def shut_down(self) -> None:
        sock = self._inner.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):  # already closed, or never connected
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _bounded(timeout: float | None, expired: type[Exception]) -> float | None:
    """``timeout`` shortened to what is left of the exchange's deadline; ``expired`` raised
    when nothing is (a zero timeout would make the socket non-blocking, not time out)."""
    exchange = deadline.current()
    if exchange is None:
        return timeout
    if exchange.passed():
        raise expired(f"the exchange's {exchange.seconds!r} s are up")
    return exchange.bound(timeout)


def _sandbox_consent(sandbox: Sandbox, client: httpx.Client) -> Callable[[str], str]:
    """Approve the sandbox's consent page as its user would: no person needed."""
    from .sandbox import approve_consent

    settings = sandbox.settings

    def consent(authorize_url: str) -> str:
        return approve_consent(
            client, authorize_url, user=settings.user, password=settings.password
        )

    return consent


def max_body_setting(settings: Mapping[str, str], environ: Mapping[str, str] | None = None) -> int:
    """The response body cap: ``HTTPRUN_MAX_BODY``, else 100 MB."""
    return size_setting(MAX_BODY_SETTING, DEFAULT_MAX_BODY, settings, environ)


def _start_sandbox(environment: Environment) -> Sandbox | None:
    kind = environment.settings.get(SANDBOX_SETTING, "").strip().lower()
    if not kind:
        return None
    if kind not in SANDBOX_KINDS:
        raise EnvError(
            f"{SANDBOX_SETTING}={kind!r} is not a sandbox httprun has",
            hint=f"use {SANDBOX_SETTING}=cafe24, or remove the line to use the real servers",
        )
    from .sandbox import Sandbox, SandboxSettings

    sandbox = Sandbox(SandboxSettings.from_mapping(environment.settings))
    sandbox.start()
    return sandbox
