"""The authorization-code flow end to end: a $BROWSER script plays the person, the real loopback
listener takes the redirect, the fake provider exchanges the code."""

from __future__ import annotations

import math
import socket
import struct
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from test_auth_support import (
    CLIENT_ID,
    FakeCafe24,
    cafe24_profile,
    free_port,
    make_manager,
    read_json,
    write_browser,
)

from runner.auth.authorize import build_authorize_url, read_redirect, run_authorization_code_flow
from runner.auth.listener import LoopbackListener, loopback_target
from runner.auth.manager import TokenManager
from runner.auth.store import TokenStore
from runner.errors import AuthError


def use_browser(monkeypatch: pytest.MonkeyPatch, script: Path) -> None:
    """Make ``webbrowser`` run ``script`` as $BROWSER, forgetting browsers it found before."""
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})


def wait_for_file(path: Path, seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)
    return read_json(path)


@pytest.mark.parametrize("scheme_host", ["http://127.0.0.1", "https://localhost"])
def test_login_through_the_browser_and_the_loopback_listener(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scheme_host: str
) -> None:
    provider = FakeCafe24()
    redirect_uri = f"{scheme_host}:{free_port()}/callback"
    code = provider.issue_code(redirect_uri)
    script, record = write_browser(tmp_path, code=code)
    use_browser(monkeypatch, script)
    notified: list[str] = []
    manager = make_manager(provider, tmp_path / "t.json", interactive=True, notified=notified)
    profile = cafe24_profile(redirect_uri=redirect_uri, scope="mall.read_product mall.read_order")

    token = manager.token_for(profile)  # nothing stored, a person at the terminal: log in

    assert token.access_token in provider.access_tokens
    assert TokenStore(tmp_path / "t.json").get(profile) == token
    assert provider.token_forms == [
        {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    ]
    (url,) = notified
    seen = wait_for_file(record)
    assert seen["url"] == url
    assert url.startswith("https://demo.cafe24api.com/api/v2/oauth/authorize?response_type=code&")
    assert seen["query"]["client_id"] == CLIENT_ID
    assert seen["query"]["redirect_uri"] == redirect_uri
    assert seen["query"]["scope"] == "mall.read_product mall.read_order"
    assert "scope=mall.read_product%20mall.read_order" in url
    assert len(seen["query"]["state"]) >= 32
    assert seen["status"] == 200
    assert "You can close this tab" in seen["page"]


def test_each_login_has_its_own_state() -> None:
    profile = cafe24_profile()
    one = parse_qs(urlsplit(build_authorize_url(profile, "s1")).query)
    assert one["state"] == ["s1"]
    assert one["scope"] == ["mall.read_product,mall.read_order"]
    assert "scope=mall.read_product%2Cmall.read_order" in build_authorize_url(profile, "s1")


def test_state_mismatch_is_refused_and_nothing_is_exchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = FakeCafe24()
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    script, record = write_browser(
        tmp_path, code=provider.issue_code(redirect_uri), mode="wrong-state"
    )
    use_browser(monkeypatch, script)
    manager = make_manager(provider, tmp_path / "t.json", interactive=True)
    with pytest.raises(AuthError, match="the redirect's state does not match this login"):
        manager.login(cafe24_profile(redirect_uri=redirect_uri))
    assert provider.token_forms == []
    seen = wait_for_file(record)
    assert seen["status"] == 400
    assert "httprun could not log in" in seen["page"]


def test_an_error_redirect_quotes_the_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = FakeCafe24()
    redirect_uri = f"http://127.0.0.1:{free_port()}/cb"
    script, record = write_browser(tmp_path, code="unused", mode="deny")
    use_browser(monkeypatch, script)
    manager = make_manager(provider, tmp_path / "t.json", interactive=True)
    with pytest.raises(AuthError) as caught:
        manager.login(cafe24_profile(redirect_uri=redirect_uri))
    assert caught.value.message == (
        "cafe24 (demo) refused the authorization: access_denied: The user denied the request"
    )
    assert provider.token_forms == []
    assert "The user denied the request" in wait_for_file(record)["page"]


def test_nobody_answers_before_the_deadline(tmp_path: Path) -> None:
    provider = FakeCafe24()
    redirect_uri = f"http://127.0.0.1:{free_port()}/cb"
    notified: list[str] = []
    manager = make_manager(
        provider,
        tmp_path / "t.json",
        interactive=True,
        open_browser=False,
        login_timeout=0.2,
        notified=notified,
    )
    with pytest.raises(AuthError, match=f"no redirect reached {redirect_uri} in time"):
        manager.token_for(cafe24_profile(redirect_uri=redirect_uri))
    assert len(notified) == 1  # the URL was shown even without a browser


def test_the_listener_ignores_other_paths_until_the_callback(tmp_path: Path) -> None:
    port = free_port()
    target = loopback_target(f"http://localhost:{port}/cb")
    assert target is not None and target.host == "127.0.0.1"
    with LoopbackListener(target, lambda url: url) as listener:
        answers: list[int] = []

        def browse() -> None:
            for path in ("/favicon.ico", "/cb?code=c&state=s"):
                answers.append(httpx.get(f"http://127.0.0.1:{port}{path}").status_code)

        thread = threading.Thread(target=browse)
        thread.start()
        result = listener.wait(time.monotonic() + 20)
        thread.join(timeout=20)
    assert result == f"http://localhost:{port}/cb?code=c&state=s"
    assert answers == [404, 200]


@pytest.mark.parametrize("wait", [math.inf, 1e308])
def test_the_listener_waits_without_limit_when_told_so(wait: float) -> None:
    """select() takes no infinite or year-long timeout: the wait polls in slices."""
    port = free_port()
    target = loopback_target(f"http://127.0.0.1:{port}/cb")
    assert target is not None
    with LoopbackListener(target, lambda url: url) as listener:
        thread = threading.Thread(
            target=lambda: httpx.get(f"http://127.0.0.1:{port}/cb?code=c&state=s")
        )
        thread.start()
        result = listener.wait(time.monotonic() + wait)
        thread.join(timeout=20)
    assert result == f"http://127.0.0.1:{port}/cb?code=c&state=s"


def test_a_connection_reset_during_the_wait_prints_nothing(
    capfd: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    target = loopback_target(f"http://127.0.0.1:{port}/cb")
    assert target is not None
    with LoopbackListener(target, lambda url: url) as listener:

        def browse() -> None:
            impatient = socket.create_connection(("127.0.0.1", port), timeout=5)
            impatient.sendall(b"GET /cb?code=c HTTP/1.1\r\nHost: x")
            # SO_LINGER 0: close() sends a reset mid-request, as a closed browser tab does.
            impatient.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            impatient.close()
            httpx.get(f"http://127.0.0.1:{port}/cb?code=c&state=s")

        thread = threading.Thread(target=browse)
        thread.start()
        result = listener.wait(time.monotonic() + 20)
        thread.join(timeout=20)
    assert result == f"http://127.0.0.1:{port}/cb?code=c&state=s"
    assert capfd.readouterr() == ("", "")


def test_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        target = loopback_target(f"http://127.0.0.1:{port}/cb")
        assert target is not None
        with (
            pytest.raises(AuthError, match=f"cannot listen on 127.0.0.1:{port}"),
            LoopbackListener(target, lambda url: url),
        ):
            pass


def pasting_manager(
    provider: FakeCafe24, store: Path, redirect_uri: str, prompts: list[str]
) -> TokenManager:
    """A manager whose person, asked, pastes the redirect the provider sent after consent."""
    notified: list[str] = []

    def paste(question: str) -> str:
        prompts.append(question)
        state = parse_qs(urlsplit(notified[-1]).query)["state"][0]
        code = provider.issue_code(redirect_uri)
        return f"  {redirect_uri}?code={code}&state={state}\n"

    return make_manager(
        provider, store, interactive=True, open_browser=False, notified=notified, prompt=paste
    )


def test_a_port_that_cannot_be_bound_falls_back_to_pasting(tmp_path: Path) -> None:
    provider = FakeCafe24()
    prompts: list[str] = []
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        redirect_uri = f"http://127.0.0.1:{busy.getsockname()[1]}/cb"
        manager = pasting_manager(provider, tmp_path / "t.json", redirect_uri, prompts)
        token = manager.login(cafe24_profile(redirect_uri=redirect_uri))
    assert token.access_token in provider.access_tokens
    (question,) = prompts
    assert question.startswith("cannot listen on 127.0.0.1:")
    assert "Paste the URL" in question


@pytest.mark.parametrize(
    ("uri", "loopback"),
    [
        ("http://127.0.0.1:8765/cb", True),
        ("https://[::1]:8765/cb", True),
        ("https://localhost/cb", True),
        ("http://127.0.0.2:1/", True),
        ("https://example.com/cb", False),
        ("https://10.0.0.1:8765/cb", False),
        ("myapp://callback", False),
    ],
)
def test_loopback_detection(uri: str, loopback: bool) -> None:
    assert (loopback_target(uri) is not None) is loopback


def test_paste_the_redirect_when_it_is_not_loopback(tmp_path: Path) -> None:
    provider = FakeCafe24()
    redirect_uri = "https://app.example.com/oauth/callback"
    prompts: list[str] = []
    manager = pasting_manager(provider, tmp_path / "t.json", redirect_uri, prompts)
    token = manager.token_for(cafe24_profile(redirect_uri=redirect_uri))
    assert token.access_token in provider.access_tokens
    (question,) = prompts
    assert question.startswith("Paste the URL")


def test_not_loopback_and_no_prompt(tmp_path: Path) -> None:
    manager = make_manager(FakeCafe24(), tmp_path / "t.json", interactive=True)
    with pytest.raises(AuthError, match="is not a loopback address, and there is no terminal"):
        manager.login(cafe24_profile(redirect_uri="https://app.example.com/cb"))


def test_consent_hook_replaces_browser_and_listener(tmp_path: Path) -> None:
    provider = FakeCafe24()
    redirect_uri = "https://127.0.0.1:1/callback"  # never bound: the hook answers instead

    def consent(authorize_url: str) -> str:
        query = parse_qs(urlsplit(authorize_url).query)
        code = provider.issue_code(query["redirect_uri"][0])
        return f"{redirect_uri}?code={code}&state={query['state'][0]}"

    # Not interactive (CI, sandbox mode): the hook still logs in.
    manager = make_manager(provider, tmp_path / "t.json", consent=consent)
    token = manager.token_for(cafe24_profile(redirect_uri=redirect_uri))
    assert token.access_token in provider.access_tokens


def test_an_expired_code_is_an_auth_error(tmp_path: Path) -> None:
    provider = FakeCafe24()
    profile = cafe24_profile()

    def consent(authorize_url: str) -> str:
        state = parse_qs(urlsplit(authorize_url).query)["state"][0]
        return f"{profile.redirect_uri}?code=expired-code&state={state}"

    with pytest.raises(AuthError, match=r"refused the authorization code .*invalid_grant"):
        run_authorization_code_flow(
            profile, client=provider.client(), notify=lambda url: None, consent=consent
        )


@pytest.mark.parametrize(
    ("pasted", "message"),
    [
        ("https://x/cb?code=c", "has no 'state'"),
        ("https://x/cb?state=s", "has no 'code'"),
        ("https://x/cb?state=t&code=c", "state does not match"),
        ("error=invalid_scope&error_description=Scope+x+is+not+allowed&state=s", "invalid_scope"),
    ],
)
def test_reading_the_redirect(pasted: str, message: str) -> None:
    with pytest.raises(AuthError, match=message):
        read_redirect(pasted, state="s", profile=cafe24_profile())
    assert read_redirect("code=c&state=s", state="s", profile=cafe24_profile()) == "c"


def test_login_needs_redirect_uri_and_scope(tmp_path: Path) -> None:
    profile = cafe24_profile(redirect_uri="", scope="")
    with pytest.raises(AuthError, match="needs the variables redirect_uri and scope to log in"):
        make_manager(FakeCafe24(), tmp_path / "t.json", interactive=True).login(profile)
