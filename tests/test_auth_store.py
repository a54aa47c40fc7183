"""The token store: where it lives, its modes, atomic writes, corrupt files."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_auth_support import cafe24_profile, mode_of

from runner.auth.store import STORE_SETTING, TokenStore, token_store_path
from runner.auth.tokens import Token
from runner.errors import AuthError

TOKEN = Token(
    "access-abc123",
    "refresh-def456",
    expires_at=datetime(2024, 5, 1, 5, 0, tzinfo=UTC),
    scopes=("mall.read_product",),
    mall_id="demo",
)


def test_entries_round_trip_per_profile(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    demo, other = cafe24_profile(), cafe24_profile(mallid="other")
    assert store.get(demo) is None
    store.put(demo, TOKEN)
    assert store.get(demo) == TOKEN
    assert store.get(other) is None
    store.put(other, Token("other-access"))
    assert TokenStore(tmp_path / "tokens.json").get(demo) == TOKEN
    assert store.delete(demo)
    assert not store.delete(demo)
    assert store.get(other) == Token("other-access")
    data = json.loads((tmp_path / "tokens.json").read_text())
    assert data["version"] == 1
    (entry,) = data["entries"].values()
    assert entry["mall_id"] == "other"
    assert entry["profile"] == "cafe24"


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_file_is_0600_in_a_0700_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "store" / "tokens.json"
    store = TokenStore(path)
    store.put(cafe24_profile(), TOKEN)
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700
    # A store file left readable by others is tightened at the next write.
    os.chmod(path, 0o644)
    store.put(cafe24_profile(), TOKEN)
    assert mode_of(path) == 0o600
    with store.lock():
        assert mode_of(store.lock_path) & 0o077 == 0


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    for number in range(3):
        store.put(cafe24_profile(), Token(f"access-{number}"))
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == ["tokens.json"]


def test_a_failed_write_keeps_the_old_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.put(cafe24_profile(), TOKEN)

    def broken_replace(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(AuthError, match=r"cannot write the token store .*No space left"):
        store.put(cafe24_profile(), Token("new-access"))
    monkeypatch.undo()
    assert store.get(cafe24_profile()) == TOKEN
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tokens.json"]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "not JSON"),
        ("[]", "no 'entries' object"),
        ('{"version": 9, "entries": {}}', "unknown format version 9"),
    ],
)
def test_corrupt_store_says_how_to_recover(tmp_path: Path, content: str, why: str) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(content)
    with pytest.raises(AuthError, match=why) as caught:
        TokenStore(path).get(cafe24_profile())
    assert "delete the file" in caught.value.hint


def test_store_path_from_environment_then_settings_then_default(tmp_path: Path) -> None:
    from_env, from_settings = tmp_path / "env.json", tmp_path / "settings.json"
    settings = {STORE_SETTING: str(from_settings)}
    assert token_store_path(settings, {STORE_SETTING: str(from_env)}) == from_env
    assert token_store_path(settings, {}) == from_settings
    default = token_store_path({}, {})
    assert default.name == "tokens.json"
    assert default.parent.name == "httprun"
    assert TokenStore.from_settings(settings, {}).path == from_settings


def test_store_path_expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert token_store_path({}, {STORE_SETTING: "~/t.json"}) == tmp_path / "t.json"
