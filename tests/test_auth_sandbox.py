"""End to end against httprun's cafe24 sandbox: real consent page, real token endpoint with
rotation and Korean-time expiries, real API answering 401 for dead tokens."""

from __future__ import annotations

import functools
import stat
import sys
import textwrap
import webbrowser
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from test_auth_support import REPO, free_port

from runner.auth.endpoints import TokenRefused, refresh_access_token, revoke_token
from runner.auth.httpx_auth import BearerAuth
from runner.auth.manager import TokenManager
from runner.auth.profiles import Profile, profile_from_variables
from runner.auth.store import TokenStore
from runner.auth.tokens import utc_now
from runner.errors import AuthError
from runner.sandbox import Sandbox, SandboxSettings, SandboxTransport, approve_consent

PRODUCTS = "https://demo.cafe24api.com/api/v2/admin/products?limit=1"


@pytest.fixture
def sandbox_url() -> Iterator[str]:
    with Sandbox(SandboxSettings(access_ttl=7200)) as sandbox:
        yield sandbox.start()


@pytest.fixture
def client(sandbox_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(transport=SandboxTransport(sandbox_url)) as client:
        yield client


def sandbox_profile(**overrides: str) -> Profile:
    variables = {
        "mallid": "demo",
        "client_id": "sandbox-client-id",
        "client_secret": "sandbox-client-secret",
        "redirect_uri": "http://127.0.0.1:8765/callback",
        "scope": "mall.read_product,mall.read_order",
        **overrides,
    }
    return profile_from_variables("cafe24", variables.get, None)


def consenting_manager(client: httpx.Client, store: Path) -> TokenManager:
    consent = functools.partial(approve_consent, client, user="admin", password="sandbox")
    return TokenManager(
        store=TokenStore(store),
        client=client,
        interactive=False,
        notify=lambda url: None,
        consent=consent,
    )


def test_log_in_and_call_the_api(client: httpx.Client, tmp_path: Path) -> None:
    manager = consenting_manager(client, tmp_path / "t.json")
    profile = sandbox_profile()
    token = manager.token_for(profile)
    # The sandbox writes Korean time without an offset: read right, two hours from now.
    assert token.expires_at is not None
    assert abs(token.expires_at - (utc_now() + timedelta(hours=2))) < timedelta(minutes=1)
    assert token.refresh_expires_at is not None
    assert abs(token.refresh_expires_at - (utc_now() + timedelta(days=14))) < timedelta(minutes=1)
    assert token.scopes == ("mall.read_product", "mall.read_order")
    assert token.mall_id == "demo"
    response = client.get(PRODUCTS, auth=BearerAuth(profile, manager))
    assert response.status_code == 200
    assert len(response.json()["products"]) == 1


def test_rotation_kills_the_old_refresh_token(client: httpx.Client, tmp_path: Path) -> None:
    manager = consenting_manager(client, tmp_path / "t.json")
    profile = sandbox_profile()
    first = manager.token_for(profile)
    second = manager.refresh(profile)
    assert second.refresh_token != first.refresh_token
    assert TokenStore(tmp_path / "t.json").get(profile) == second
    with pytest.raises(TokenRefused) as caught:
        refresh_access_token(client, profile, first, now=utc_now())
    assert caught.value.error_code == "invalid_grant"


def test_proactive_refresh_of_a_short_lived_token(tmp_path: Path) -> None:
    with (
        Sandbox(SandboxSettings(access_ttl=30)) as sandbox,
        httpx.Client(transport=SandboxTransport(sandbox.start())) as client,
    ):
        manager = consenting_manager(client, tmp_path / "t.json")
        profile = sandbox_profile()
        first = manager.token_for(profile)
        second = manager.token_for(profile)  # 30 s left is less than 60: refresh first
        assert second.access_token != first.access_token
        assert client.get(PRODUCTS, auth=BearerAuth(profile, manager)).status_code == 200


def test_a_revoked_token_gets_a_401_then_one_refresh(client: httpx.Client, tmp_path: Path) -> None:
    manager = consenting_manager(client, tmp_path / "t.json")
    profile = sandbox_profile()
    token = manager.token_for(profile)
    assert token.access_token is not None
    revoke_token(client, profile, token.access_token, "access_token")
    response = client.get(PRODUCTS, auth=BearerAuth(profile, manager))
    assert response.status_code == 200
    assert [hop.status_code for hop in response.history] == [401]


def test_logout_revokes_at_the_sandbox(client: httpx.Client, tmp_path: Path) -> None:
    manager = consenting_manager(client, tmp_path / "t.json")
    profile = sandbox_profile()
    token = manager.token_for(profile)
    assert manager.logout(profile)
    bearer = {"Authorization": f"Bearer {token.access_token}"}
    assert client.get(PRODUCTS, headers=bearer).status_code == 401
    with pytest.raises(TokenRefused):
        refresh_access_token(client, profile, token, now=utc_now())


def test_a_scope_the_app_lacks_is_refused(client: httpx.Client, tmp_path: Path) -> None:
    manager = consenting_manager(client, tmp_path / "t.json")
    with pytest.raises(AuthError, match="refused the authorization: invalid_scope"):
        manager.token_for(sandbox_profile(scope="mall.read_privacy"))


def test_the_browser_approves_on_the_sandbox_and_the_listener_takes_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    redirect_uri = f"https://127.0.0.1:{free_port()}/callback"
    settings = SandboxSettings(redirect_uris=(redirect_uri,))
    with Sandbox(settings) as sandbox:
        base = sandbox.start()
        browser = tmp_path / "browser"
        browser.write_text(
            textwrap.dedent(
                f"""\
                #!{sys.executable}
                import ssl, sys, urllib.request
                import httpx
                from runner.sandbox import SandboxTransport, approve_consent
                with httpx.Client(transport=SandboxTransport({base!r})) as client:
                    target = approve_consent(client, sys.argv[1], user="admin", password="sandbox")
                context = ssl._create_unverified_context()
                urllib.request.urlopen(target, context=context, timeout=20).read()
                """
            )
        )
        browser.chmod(browser.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setenv("BROWSER", str(browser))
        monkeypatch.setenv("PYTHONPATH", str(REPO))
        monkeypatch.setattr(webbrowser, "_tryorder", None)
        monkeypatch.setattr(webbrowser, "_browsers", {})
        with httpx.Client(transport=SandboxTransport(base)) as client:
            manager = TokenManager(
                store=TokenStore(tmp_path / "t.json"),
                client=client,
                interactive=True,
                notify=lambda url: None,
                login_timeout=60,
            )
            profile = sandbox_profile(redirect_uri=redirect_uri)
            manager.token_for(profile)
            assert client.get(PRODUCTS, auth=BearerAuth(profile, manager)).status_code == 200
