"""TokenManager: stored -> refresh (with rotation) -> log in -> fail; seeds, masking, logout."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from test_auth_support import (
    MALL,
    FakeCafe24,
    cafe24_profile,
    make_manager,
)

from runner.auth.manager import TokenManager
from runner.auth.store import TokenStore
from runner.auth.tokens import Token, utc_now
from runner.errors import AuthError, render_error
from runner.masking import Masker


def stored_pair(provider: FakeCafe24, store_path: Path, *, left: timedelta) -> Token:
    access, refresh = provider.issue_pair()
    token = Token(access, refresh, expires_at=utc_now() + left, mall_id=MALL)
    TokenStore(store_path).put(cafe24_profile(), token)
    return token


def test_a_stored_token_with_time_left_is_used_as_is(tmp_path: Path) -> None:
    provider = FakeCafe24()
    stored = stored_pair(provider, tmp_path / "t.json", left=timedelta(minutes=5))
    manager = make_manager(provider, tmp_path / "t.json")
    assert manager.token_for(cafe24_profile()) == stored
    assert manager.token_for(cafe24_profile()) == stored
    assert provider.token_forms == []


def test_proactive_refresh_when_less_than_sixty_seconds_are_left(tmp_path: Path) -> None:
    provider = FakeCafe24()
    stale = stored_pair(provider, tmp_path / "t.json", left=timedelta(seconds=30))
    manager = make_manager(provider, tmp_path / "t.json")
    fresh = manager.token_for(cafe24_profile())
    assert provider.refresh_count == 1
    assert fresh.access_token != stale.access_token
    assert fresh.is_fresh(utc_now())


def test_refresh_rotation_stores_the_new_pair_at_once(tmp_path: Path) -> None:
    provider = FakeCafe24()
    stale = stored_pair(provider, tmp_path / "t.json", left=timedelta(minutes=-5))
    manager = make_manager(provider, tmp_path / "t.json")
    fresh = manager.token_for(cafe24_profile())
    assert provider.token_forms == [
        {"grant_type": "refresh_token", "refresh_token": stale.refresh_token}
    ]
    on_disk = TokenStore(tmp_path / "t.json").get(cafe24_profile())
    assert on_disk == fresh
    assert fresh.refresh_token in provider.refresh_tokens
    assert stale.refresh_token not in provider.refresh_tokens
    # The next run starts from the rotated token, not the dead one.
    again = make_manager(provider, tmp_path / "t.json").token_for(cafe24_profile())
    assert again == fresh
    assert provider.refresh_count == 1


def test_the_store_is_written_before_the_token_is_handed_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = FakeCafe24()
    stored_pair(provider, tmp_path / "t.json", left=timedelta(minutes=-5))
    manager = make_manager(provider, tmp_path / "t.json")

    def disk_full(self: TokenStore, entries: object) -> None:
        raise AuthError("cannot write the token store")

    monkeypatch.setattr(TokenStore, "_write", disk_full)
    with pytest.raises(AuthError, match="cannot write the token store"):
        manager.token_for(cafe24_profile())
    assert provider.refresh_count == 1


def test_threads_of_one_run_refresh_once(tmp_path: Path) -> None:
    provider = FakeCafe24()
    stored_pair(provider, tmp_path / "t.json", left=timedelta(minutes=-5))
    manager = make_manager(provider, tmp_path / "t.json")
    tokens: list[Token] = []
    threads = [
        threading.Thread(target=lambda: tokens.append(manager.token_for(cafe24_profile())))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(tokens) == 8
    assert len({token.access_token for token in tokens}) == 1
    assert provider.refresh_count == 1


def test_ci_without_a_token_fails_with_how_to_log_in(tmp_path: Path) -> None:
    manager = make_manager(
        FakeCafe24(), tmp_path / "t.json", login_command="httprun auth login --env envs/dev.env"
    )
    with pytest.raises(AuthError) as caught:
        manager.token_for(cafe24_profile())
    assert caught.value.message == (
        "no token for cafe24 (demo): run `httprun auth login --env envs/dev.env`, "
        "or set a refresh_token variable (e.g. in CI secrets)"
    )
    assert caught.value.label == "nothing is stored"
    assert caught.value.exit_code == 4


def test_expired_refresh_token_in_ci(tmp_path: Path) -> None:
    provider = FakeCafe24()
    token = Token("a-1234", "r-1234", expires_at=utc_now(), refresh_expires_at=utc_now())
    TokenStore(tmp_path / "t.json").put(cafe24_profile(), token)
    with pytest.raises(AuthError) as caught:
        make_manager(provider, tmp_path / "t.json").token_for(cafe24_profile())
    assert caught.value.label.startswith("the stored refresh token expired at 20")
    assert provider.token_forms == []


def test_seeding_an_empty_store_from_a_refresh_token_variable(tmp_path: Path) -> None:
    provider = FakeCafe24()
    _, seeded = provider.issue_pair()
    profile = cafe24_profile(refresh_token=seeded)
    token = make_manager(provider, tmp_path / "t.json").token_for(profile)
    assert provider.token_forms == [{"grant_type": "refresh_token", "refresh_token": seeded}]
    assert TokenStore(tmp_path / "t.json").get(profile) == token
    # The seed is dead now (rotated); the next run must use the store, not the variable.
    again = make_manager(provider, tmp_path / "t.json").token_for(
        cafe24_profile(refresh_token=seeded)
    )
    assert again == token
    assert provider.refresh_count == 1


def test_seeded_access_token_is_used_until_it_is_refused(tmp_path: Path) -> None:
    provider = FakeCafe24()
    access, refresh = provider.issue_pair()
    profile = cafe24_profile(refresh_token=refresh, access_token=access)
    token = make_manager(provider, tmp_path / "t.json").token_for(profile)
    assert token.access_token == access
    assert provider.token_forms == []


def test_a_refused_refresh_token_is_forgotten_and_a_new_seed_is_tried(tmp_path: Path) -> None:
    provider = FakeCafe24()
    dead = Token("a-dead", "r-dead", expires_at=utc_now() - timedelta(hours=1))
    TokenStore(tmp_path / "t.json").put(cafe24_profile(), dead)
    _, seeded = provider.issue_pair()
    token = make_manager(provider, tmp_path / "t.json").token_for(
        cafe24_profile(refresh_token=seeded)
    )
    assert [form["refresh_token"] for form in provider.token_forms] == ["r-dead", seeded]
    assert token.access_token in provider.access_tokens


def test_a_refused_refresh_token_in_ci(tmp_path: Path) -> None:
    provider = FakeCafe24()
    dead = Token("a-dead", "r-dead-token", expires_at=utc_now() - timedelta(hours=1))
    TokenStore(tmp_path / "t.json").put(cafe24_profile(), dead)
    with pytest.raises(AuthError) as caught:
        make_manager(provider, tmp_path / "t.json").token_for(cafe24_profile())
    assert caught.value.message.startswith("no token for cafe24 (demo): run `")
    assert caught.value.label == (
        "the stored refresh token was refused: invalid_grant: Invalid refresh_token"
    )
    assert "r-dead-token" not in render_error(caught.value)
    assert TokenStore(tmp_path / "t.json").get(cafe24_profile()) is None


def test_other_provider_errors_are_not_papered_over(tmp_path: Path) -> None:
    provider = FakeCafe24(
        refresh_error={"error": "invalid_client", "error_description": "Invalid client_secret"}
    )
    stored = stored_pair(provider, tmp_path / "t.json", left=timedelta(minutes=-1))
    with pytest.raises(AuthError, match="invalid_client: Invalid client_secret"):
        make_manager(provider, tmp_path / "t.json", interactive=True).token_for(cafe24_profile())
    assert TokenStore(tmp_path / "t.json").get(cafe24_profile()) == stored


def test_every_token_goes_into_the_masker(tmp_path: Path) -> None:
    provider = FakeCafe24()
    stale = stored_pair(provider, tmp_path / "t.json", left=timedelta(minutes=-1))
    masker = Masker()
    fresh = make_manager(provider, tmp_path / "t.json", masker=masker).token_for(cafe24_profile())
    text = f"old {stale.access_token} {stale.refresh_token} new {fresh.access_token} "
    text += f"{fresh.refresh_token}"
    assert masker.mask(text) == "old **** **** new **** ****"


def test_refresh_after_a_401_reuses_a_token_someone_else_stored(tmp_path: Path) -> None:
    provider = FakeCafe24()
    first = stored_pair(provider, tmp_path / "t.json", left=timedelta(hours=1))
    manager = make_manager(provider, tmp_path / "t.json")
    assert manager.token_for(cafe24_profile()) == first
    # Another process refreshed meanwhile and stored a new pair.
    newer = stored_pair(provider, tmp_path / "t.json", left=timedelta(hours=2))
    assert manager.refresh(cafe24_profile(), first) == newer
    assert provider.refresh_count == 0
    # Refused again: now a real refresh.
    third = manager.refresh(cafe24_profile(), newer)
    assert third.access_token not in (first.access_token, newer.access_token)
    assert provider.refresh_count == 1


def test_forced_refresh(tmp_path: Path) -> None:
    provider = FakeCafe24()
    stored = stored_pair(provider, tmp_path / "t.json", left=timedelta(hours=1))
    fresh = make_manager(provider, tmp_path / "t.json").refresh(cafe24_profile())
    assert fresh.access_token != stored.access_token
    assert provider.refresh_count == 1


def test_status_never_shows_tokens(tmp_path: Path) -> None:
    provider = FakeCafe24()
    manager = make_manager(provider, tmp_path / "t.json")
    assert manager.status(cafe24_profile())["stored"] is False
    stale = stored_pair(provider, tmp_path / "t.json", left=timedelta(minutes=-1))
    fresh = manager.refresh(cafe24_profile())
    status = manager.status(cafe24_profile())
    assert status["stored"] is True
    assert status["mall_id"] == "demo"
    assert status["scopes"] == ["mall.read_product", "mall.read_order"]
    assert status["access_token_valid"] and status["refresh_token_valid"]
    assert status["expires_at"].endswith("Z") and status["refresh_expires_at"].endswith("Z")
    shown = repr(status)
    for secret in (
        stale.access_token,
        stale.refresh_token,
        fresh.access_token,
        fresh.refresh_token,
    ):
        assert secret is not None and secret not in shown


def test_logout_revokes_both_tokens_and_forgets_them(tmp_path: Path) -> None:
    provider = FakeCafe24()
    stored = stored_pair(provider, tmp_path / "t.json", left=timedelta(hours=1))
    manager = make_manager(provider, tmp_path / "t.json")
    manager.token_for(cafe24_profile())
    assert manager.logout(cafe24_profile()) is True
    assert provider.revoked == [
        (stored.access_token, "access_token"),
        (stored.refresh_token, "refresh_token"),
    ]
    assert TokenStore(tmp_path / "t.json").get(cafe24_profile()) is None
    assert manager.logout(cafe24_profile()) is False
    with pytest.raises(AuthError, match="no token for cafe24"):
        manager.token_for(cafe24_profile())  # the in-memory copy went too


def test_logout_deletes_even_when_revoking_fails(tmp_path: Path) -> None:
    stored_pair(FakeCafe24(), tmp_path / "t.json", left=timedelta(hours=1))
    broken = httpx.MockTransport(lambda request: httpx.Response(500, text="oops"))
    manager = TokenManager(
        store=TokenStore(tmp_path / "t.json"),
        client=httpx.Client(transport=broken),
        interactive=False,
        notify=lambda url: None,
    )
    with pytest.raises(AuthError) as caught:
        manager.logout(cafe24_profile())
    assert caught.value.message == (
        "deleted the stored token for cafe24 (demo), but revoking it failed: "
        "cafe24 (demo) refused the revocation (HTTP 500): http_500: oops"
    )
    assert TokenStore(tmp_path / "t.json").get(cafe24_profile()) is None


def test_a_wrong_client_secret_keeps_the_refresh_token(tmp_path: Path) -> None:
    # cafe24 says invalid_grant for a wrong secret: the refresh token is not what was refused,
    # so it must stay stored, no login is started, and the hint points at the credentials.
    provider = FakeCafe24(
        refresh_error={"error": "invalid_grant", "error_description": "Invalid client_secret"}
    )
    stored = stored_pair(provider, tmp_path / "t.json", left=timedelta(minutes=-1))
    notified: list[str] = []
    manager = make_manager(provider, tmp_path / "t.json", interactive=True, notified=notified)
    with pytest.raises(AuthError) as caught:
        manager.token_for(cafe24_profile())
    assert "invalid_grant: Invalid client_secret" in caught.value.message
    assert caught.value.hint.startswith("check client_id and client_secret")
    assert notified == []  # no browser login was started
    assert provider.refresh_count == 1
    assert TokenStore(tmp_path / "t.json").get(cafe24_profile()) == stored


def test_logout_reports_a_revocation_refused_for_the_client(tmp_path: Path) -> None:
    stored_pair(FakeCafe24(), tmp_path / "t.json", left=timedelta(hours=1))
    body = {"error": "invalid_grant", "error_description": "Invalid client_secret"}
    refusing = httpx.MockTransport(lambda request: httpx.Response(401, json=body))
    manager = TokenManager(
        store=TokenStore(tmp_path / "t.json"),
        client=httpx.Client(transport=refusing),
        interactive=False,
        notify=lambda url: None,
    )
    with pytest.raises(AuthError, match=r"revoking it failed: .*Invalid client_secret"):
        manager.logout(cafe24_profile())
