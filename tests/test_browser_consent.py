"""A real headless chromium logs in on the sandbox's consent page, and the code lands in httprun's
loopback listener: the authorization-code flow as a person goes through it, no stand-ins."""

from __future__ import annotations

import queue
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx
import pytest

from runner.auth.manager import TokenManager
from runner.auth.profiles import profile_from_variables
from runner.auth.store import TokenStore
from runner.auth.tokens import Token
from runner.sandbox import Sandbox, SandboxSettings, SandboxTransport

if TYPE_CHECKING:
    from browser import Browser

pytest_plugins = ("browser",)

API_VERSION = "2025-12-01"
SCOPE = "mall.read_product,mall.read_order"
DEADLINE_S = 15.0


def free_port() -> int:
    """A port nothing listens on now, for the redirect_uri the listener will bind."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(condition: Callable[[], object], what: str, deadline: float) -> None:
    """Poll ``condition`` until it is truthy, failing once ``time.monotonic()`` passes
    ``deadline`` (a short pause between looks: the browser and the listener run elsewhere)."""
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        threading.Event().wait(0.02)


def on_sandbox(authorize_url: str, base_url: str) -> str:
    """The authorize URL with demo.cafe24api.com replaced by the sandbox's own address (the
    browser cannot resolve cafe24 hosts; a 127.0.0.1 Host means the default mall, demo)."""
    base = urlsplit(base_url)
    parts = urlsplit(authorize_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


class Login:
    """A login on a thread, and its token or its error."""

    def __init__(self, run: Callable[[], Token]) -> None:
        self.token: Token | None = None
        self.error: BaseException | None = None
        self._run = run
        self.thread = threading.Thread(target=self._main, name="e2e-login", daemon=True)

    def _main(self) -> None:
        try:
            self.token = self._run()
        except BaseException as error:  # reported by the test
            self.error = error


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    port = free_port()
    settings = SandboxSettings(
        client_secret=secrets.token_urlsafe(16),
        redirect_uris=("https://localhost/oauth/callback", f"http://127.0.0.1:{port}/callback"),
        password="pw-" + secrets.token_urlsafe(8),
    )
    with Sandbox(settings) as running:
        running.start()
        yield running


def test_chromium_approves_and_the_listener_gets_the_code(
    browser: Browser, sandbox: Sandbox, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + DEADLINE_S
    settings = sandbox.settings
    redirect_uri = settings.redirect_uris[-1]
    variables = {
        "mallid": "demo",
        "client_id": settings.client_id,
        "client_secret": settings.client_secret,
        "redirect_uri": redirect_uri,
        "scope": SCOPE,
    }
    profile = profile_from_variables("cafe24", variables.get)
    client = httpx.Client(transport=SandboxTransport(sandbox.base_url))
    urls: queue.Queue[str] = queue.Queue()
    manager = TokenManager(
        store=TokenStore(tmp_path / "tokens.json"),
        client=client,
        interactive=True,
        open_browser=False,  # the test's chromium is the browser
        notify=urls.put,
        login_timeout=DEADLINE_S,
    )
    login = Login(lambda: manager.login(profile))
    login.thread.start()
    try:
        authorize_url = urls.get(timeout=DEADLINE_S)
        query = parse_qs(urlsplit(authorize_url).query)
        assert authorize_url.startswith("https://demo.cafe24api.com/api/v2/oauth/authorize?")
        assert query["redirect_uri"] == [redirect_uri] and query["scope"] == [SCOPE]

        driver = browser.driver
        driver.get(on_sandbox(authorize_url, sandbox.base_url))
        assert settings.client_id in driver.find_element(By.ID, "client-id").text
        shown_scopes = driver.find_element(By.ID, "scopes").text
        assert "mall.read_product" in shown_scopes and "mall.read_order" in shown_scopes
        driver.find_element(By.ID, "user_id").send_keys(settings.user)
        driver.find_element(By.ID, "password").send_keys(settings.password)
        driver.find_element(By.ID, "approve").click()

        # The sandbox redirects the browser to the listener, which answers with its page.
        wait_for(lambda: not login.thread.is_alive(), "the login thread", deadline)
        assert login.error is None, login.error
        wait_for(
            lambda: driver.current_url.startswith(redirect_uri + "?"),
            "the browser to reach the listener",
            deadline,
        )
        landed = parse_qs(urlsplit(driver.current_url).query)
        assert landed["state"] == query["state"] and landed["code"]
        page = driver.find_element(By.TAG_NAME, "body").text
        assert "httprun is logged in" in page
        assert "close this tab" in page

        token = login.token
        assert token is not None and token.access_token
        assert token.scopes == ("mall.read_product", "mall.read_order")
        assert TokenStore(tmp_path / "tokens.json").get(profile) == token
        answer = client.get(
            "https://demo.cafe24api.com/api/v2/admin/products",
            headers={
                "Authorization": f"Bearer {token.access_token}",
                "X-Cafe24-Api-Version": API_VERSION,
            },
        )
        assert answer.status_code == 200
        assert answer.json()["products"]
    finally:
        login.thread.join(timeout=DEADLINE_S)
        client.close()
