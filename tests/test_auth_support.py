"""Test helpers for the auth tests (no tests here): a fake cafe24 provider on httpx.MockTransport,
a stand-in browser for ``$BROWSER``, and small builders."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import socket
import stat
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from fixture_server import serve

import runner
from runner.auth.manager import TokenManager
from runner.auth.profiles import Profile, profile_from_variables
from runner.auth.store import TokenStore
from runner.auth.tokens import KST, utc_now
from runner.masking import Masker

REPO = Path(runner.__file__).resolve().parent.parent
MALL = "demo"
CLIENT_ID = "AppClientId0123"
CLIENT_SECRET = "app-secret-4f9b2c"
HOST = f"{MALL}.cafe24api.com"
API = f"https://{HOST}/api/v2"


def kst_text(moment: datetime) -> str:
    """A time as cafe24 writes it: Korean time, milliseconds, no offset."""
    return moment.astimezone(KST).replace(tzinfo=None).isoformat(timespec="milliseconds")


def cafe24_variables(**overrides: str) -> dict[str, str]:
    values = {
        "mallid": MALL,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": "https://127.0.0.1:8765/callback",
        "scope": "mall.read_product,mall.read_order",
    }
    values.update(overrides)
    return values


def cafe24_profile(**overrides: str) -> Profile:
    return profile_from_variables("cafe24", cafe24_variables(**overrides).get, None)


@dataclass
class FakeCafe24:
    """cafe24's OAuth endpoints and one API route, with rotation and Korean-time expiries."""

    access_lifetime: timedelta = timedelta(hours=2)
    refresh_lifetime: timedelta = timedelta(days=14)
    codes: dict[str, str] = field(default_factory=dict)  # code -> redirect_uri
    refresh_tokens: set[str] = field(default_factory=set)  # live refresh tokens
    access_tokens: set[str] = field(default_factory=set)  # live access tokens
    token_forms: list[dict[str, str]] = field(default_factory=list)
    api_calls: list[httpx.Request] = field(default_factory=list)
    # Authorization as each API call carried it (a resent request is the same object, changed).
    api_authorizations: list[str | None] = field(default_factory=list)
    other_host_calls: list[httpx.Request] = field(default_factory=list)
    revoked: list[tuple[str, str]] = field(default_factory=list)
    refresh_error: dict[str, str] | None = None  # answer refreshes with this error

    @property
    def refresh_count(self) -> int:
        return sum(1 for form in self.token_forms if form["grant_type"] == "refresh_token")

    def issue_code(self, redirect_uri: str) -> str:
        code = secrets.token_urlsafe(12)
        self.codes[code] = redirect_uri
        return code

    def issue_pair(self) -> tuple[str, str]:
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return access, refresh

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport())

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != HOST:
            self.other_host_calls.append(request)
            if request.url.path == "/bounce":
                return httpx.Response(302, headers={"Location": f"https://{HOST}/api/v2/me"})
            return httpx.Response(200, json={"host": request.url.host})
        path = request.url.path
        if path == "/api/v2/oauth/token":
            return self._token(request)
        if path == "/api/v2/oauth/revoke":
            self._check_client(request)
            form = _form(request)
            self.revoked.append((form["token"], form["token_hint"]))
            self.access_tokens.discard(form["token"])
            self.refresh_tokens.discard(form["token"])
            return httpx.Response(200)
        if path == "/api/v2/away":
            return httpx.Response(302, headers={"Location": "https://elsewhere.example.com/x"})
        self.api_calls.append(request)
        self.api_authorizations.append(request.headers.get("authorization"))
        authorization = request.headers.get("authorization", "")
        if authorization.removeprefix("Bearer ") not in self.access_tokens:
            return httpx.Response(
                401,
                json={"error": {"code": 401, "message": "access_token time expired."}},
            )
        return httpx.Response(200, json={"products": []})

    def _check_client(self, request: httpx.Request) -> None:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        assert request.headers["authorization"] == f"Basic {expected}"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"

    def _token(self, request: httpx.Request) -> httpx.Response:
        self._check_client(request)
        form = _form(request)
        self.token_forms.append(form)
        if form["grant_type"] == "authorization_code":
            if self.codes.pop(form["code"], None) != form["redirect_uri"]:
                return _error("invalid_grant", "Invalid authorization code")
        elif form["grant_type"] == "refresh_token":
            if self.refresh_error is not None:
                return httpx.Response(400, json=self.refresh_error)
            if form["refresh_token"] not in self.refresh_tokens:
                return _error("invalid_grant", "Invalid refresh_token")
            self.refresh_tokens.discard(form["refresh_token"])  # rotation
        else:
            return _error("unsupported_grant_type", "no")
        access, refresh = self.issue_pair()
        now = utc_now()
        return httpx.Response(
            200,
            json={
                "access_token": access,
                "expires_at": kst_text(now + self.access_lifetime),
                "refresh_token": refresh,
                "refresh_token_expires_at": kst_text(now + self.refresh_lifetime),
                "client_id": CLIENT_ID,
                "mall_id": MALL,
                "user_id": "admin",
                "scopes": ["mall.read_product", "mall.read_order"],
                "issued_at": kst_text(now),
                "shop_no": "1",
            },
        )


def _form(request: httpx.Request) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(request.content.decode()).items()}


def _error(code: str, description: str) -> httpx.Response:
    return httpx.Response(400, json={"error": code, "error_description": description})


def make_manager(
    provider: FakeCafe24,
    store_path: Path,
    *,
    interactive: bool = False,
    notified: list[str] | None = None,
    masker: Masker | None = None,
    **options: Any,
) -> TokenManager:
    sink = notified if notified is not None else []
    return TokenManager(
        store=TokenStore(store_path),
        client=provider.client(),
        interactive=interactive,
        notify=sink.append,
        masker=masker,
        **options,
    )


def free_port() -> int:
    """A port nothing listens on right now (for a redirect_uri the listener binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def write_browser(folder: Path, *, code: str, mode: str = "approve") -> tuple[Path, Path]:
    """An executable that plays the person at the browser: it reads the authorize URL it is
    given, records it, and follows the redirect to redirect_uri as cafe24 would after consent.

    mode: ``approve`` (code + the right state), ``wrong-state``, or ``deny`` (error=...).
    Returns (the script, the JSON file it writes: the authorize query and the page it got).
    """
    record = folder / "browser-record.json"
    script = folder / "fake-browser"
    script.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import json, ssl, sys, urllib.error, urllib.parse, urllib.request
            url = sys.argv[1]
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
            mode = {mode!r}
            if mode == "approve":
                answer = {{"code": {code!r}, "state": query["state"]}}
            elif mode == "wrong-state":
                answer = {{"code": {code!r}, "state": "forged"}}
            else:
                answer = {{"error": "access_denied", "state": query["state"],
                           "error_description": "The user denied the request"}}
            target = query["redirect_uri"] + "?" + urllib.parse.urlencode(answer)
            context = ssl._create_unverified_context()  # the listener's cert is self-signed
            try:
                with urllib.request.urlopen(target, context=context, timeout=20) as response:
                    status, page = response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                status, page = error.code, error.read().decode()
            with open({str(record)!r}, "w") as out:
                json.dump({{"url": url, "query": query, "status": status, "page": page}}, out)
            """
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, record


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


class RotatingProvider:
    """A real OAuth2 provider's state for :func:`serve_rotating_provider`: rotating refresh
    tokens (a reused one is refused), codes, revocation, and ``GET /api`` checking the bearer."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.refresh_tokens = {"r0-initial-token"}
        self.access_tokens: set[str] = set()
        self.codes: set[str] = set()
        self.refreshes = 0
        self.rejected = 0
        self.revoked: list[str] = []


@contextlib.contextmanager
def serve_rotating_provider(
    refresh_latency: float = 0.0,
) -> Iterator[tuple[str, RotatingProvider]]:
    """Serve a :class:`RotatingProvider` on 127.0.0.1 (port 0); yields (base URL, provider).

    Routes: ``POST /token`` (refresh_token and authorization_code grants, ``expires_in``),
    ``POST /revoke``, ``GET /api``. ``refresh_latency`` delays each refresh answer.
    """
    provider = RotatingProvider()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def reply(self, status: int, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if self.path == "/revoke":
                with provider.lock:
                    provider.revoked.append(form["token"])
                    provider.access_tokens.discard(form["token"])
                    provider.refresh_tokens.discard(form["token"])
                self.reply(200, {})
                return
            grant = form.get("grant_type")
            with provider.lock:
                if grant == "refresh_token":
                    valid = form.get("refresh_token") in provider.refresh_tokens
                    provider.refresh_tokens.discard(form.get("refresh_token", ""))
                    provider.refreshes += valid
                else:
                    valid = form.get("code") in provider.codes
                    provider.codes.discard(form.get("code", ""))
                if valid:
                    access, refresh = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
                    provider.access_tokens.add(access)
                    provider.refresh_tokens.add(refresh)
                else:
                    provider.rejected += 1
            if not valid:
                self.reply(400, {"error": "invalid_grant", "error_description": "reused"})
                return
            if grant == "refresh_token" and refresh_latency:
                time.sleep(refresh_latency)
            answer = {"access_token": access, "refresh_token": refresh, "expires_in": 3600}
            self.reply(200, {**answer, "scope": "read write"})

        def do_GET(self) -> None:
            bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
            with provider.lock:
                ok = bearer in provider.access_tokens
            self.reply(200 if ok else 401, {"ok": ok})

    with serve(handler=Handler) as base_url:
        yield base_url, provider
