"""The token store: where it lives, its modes, atomic writes, corrupt files."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_auth_support import cafe24_profile, cafe24_variables, mode_of

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


def test_a_store_path_the_file_system_refuses_is_an_auth_error(tmp_path: Path) -> None:
    """A folder name longer than the file system takes made is_dir() raise OSError: exit 70."""
    store = TokenStore(tmp_path / ("a" * 300) / "tokens.json")
    for use in (lambda: store.get(cafe24_profile()), lambda: store.put(cafe24_profile(), TOKEN)):
        with pytest.raises(AuthError, match=r"cannot use the token store .*: File name too long"):
            use()
    with pytest.raises(AuthError, match="File name too long"), store.lock():
        pass


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


def test_a_store_path_with_a_nul_character_is_an_auth_error() -> None:
    with pytest.raises(AuthError, match="HTTPRUN_TOKEN_STORE holds a NUL character"):
        token_store_path({}, {STORE_SETTING: "/tmp/a\0b"})


@pytest.mark.skipif(os.name != "posix", reason="POSIX errno text")
def test_a_store_path_too_long_for_the_file_system_is_an_auth_error(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / ("a" * 5000))
    with pytest.raises(AuthError, match=r"cannot read the token store .*: File name too long"):
        store.get(cafe24_profile())


def test_store_path_expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert token_store_path({}, {STORE_SETTING: "~/t.json"}) == tmp_path / "t.json"


# -- permissions: fixed before the store is read, or refused -------------------------------

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes and owners")


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o666])
def test_a_file_open_to_others_is_made_private_before_it_is_read(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "tokens.json"
    TokenStore(path).put(cafe24_profile(), TOKEN)
    os.chmod(path, mode)
    notices: list[str] = []
    assert TokenStore(path, notice=notices.append).get(cafe24_profile()) == TOKEN
    assert mode_of(path) == 0o600
    assert notices == [
        f"the token store file {path} is open to other users (mode {mode:04o}): made it 0600"
    ]


@posix_only
def test_a_folder_open_to_others_is_made_private_before_the_store_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    TokenStore(folder / "tokens.json").put(cafe24_profile(), TOKEN)
    os.chmod(folder, 0o755)
    notices: list[str] = []
    store = TokenStore(folder / "tokens.json", notice=notices.append)
    assert store.get(cafe24_profile()) == TOKEN
    assert mode_of(folder) == 0o700
    assert notices == [
        f"the token store folder {folder} is open to other users (mode 0755): made it 0700"
    ]
    store.get(cafe24_profile())
    assert len(notices) == 1  # fixed once, quiet afterwards


@posix_only
def test_an_existing_folder_is_made_private_before_the_first_write(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o777)
    os.chmod(folder, 0o777)
    notices: list[str] = []
    with TokenStore(folder / "tokens.json", notice=notices.append).lock():
        pass
    assert mode_of(folder) == 0o700
    assert len(notices) == 1 and "mode 0777" in notices[0]


@posix_only
def test_a_shared_folder_others_may_only_list_is_left_alone(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "README.md").write_text("a project: other people read it")
    os.chmod(project, 0o755)
    notices: list[str] = []
    store = TokenStore(project / "tokens.json", notice=notices.append)
    store.put(cafe24_profile(), TOKEN)
    assert store.get(cafe24_profile()) == TOKEN
    assert mode_of(project) == 0o755 and mode_of(project / "tokens.json") == 0o600
    assert notices == []


@posix_only
@pytest.mark.parametrize("mode", [0o777, 0o1777, 0o770])
def test_a_shared_folder_others_may_write_to_is_refused_not_changed(
    tmp_path: Path, mode: int
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "someone-else.txt").write_text("")
    os.chmod(shared, mode)
    with pytest.raises(AuthError) as caught:
        TokenStore(shared / "tokens.json").get(cafe24_profile())
    assert str(caught.value) == (
        f"the token store folder {shared} is open to other users (mode {mode:04o}): they can "
        "replace the store, and httprun will not change the mode of a folder that holds other "
        "files"
    )
    assert "in a folder of its own" in caught.value.hint
    assert mode_of(shared) == mode


@posix_only
def test_a_store_open_to_others_that_is_not_ours_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tokens.json"
    TokenStore(path).put(cafe24_profile(), TOKEN)
    os.chmod(path, 0o644)
    owner = os.stat(path).st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)  # we are someone else now
    with pytest.raises(AuthError) as caught:
        TokenStore(path).get(cafe24_profile())
    assert str(caught.value) == (
        f"the token store file {path} is open to other users (mode 0644), and it is not yours "
        f"to fix (owner uid {owner})"
    )
    assert caught.value.hint == (
        f"run `chmod 600 {path}` as its owner, or point HTTPRUN_TOKEN_STORE elsewhere"
    )
    assert caught.value.exit_code == 4
    assert mode_of(path) == 0o644


@posix_only
def test_a_store_whose_mode_cannot_be_changed_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tokens.json"
    TokenStore(path).put(cafe24_profile(), TOKEN)
    os.chmod(path, 0o660)

    def read_only_file_system(path: object, mode: int) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "chmod", read_only_file_system)
    with pytest.raises(AuthError, match=r"mode 0660\), and chmod failed: Read-only file system"):
        TokenStore(path).get(cafe24_profile())


# -- a store path that is a symlink: written through to its target -------------------------


@posix_only
def test_a_symlinked_store_is_written_through_to_its_target(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "tokens.json"
    link = tmp_path / "work" / "tokens.json"
    link.parent.mkdir()
    link.symlink_to(target)  # dangling: the CI cache is empty on the first run
    store = TokenStore(link)
    store.put(cafe24_profile(), TOKEN)
    store.put(cafe24_profile(), Token("rotated-access", "rotated-refresh"))
    assert link.is_symlink() and link.resolve() == target
    assert mode_of(target) == 0o600 and mode_of(target.parent) == 0o700
    assert TokenStore(target).get(cafe24_profile()) == Token("rotated-access", "rotated-refresh")
    assert TokenStore(link).get(cafe24_profile()) == Token("rotated-access", "rotated-refresh")
    # The lock and the temporary files live beside the target, never beside the link.
    assert sorted(p.name for p in link.parent.iterdir()) == ["tokens.json"]
    with store.lock():
        assert store.lock_path == target.with_name("tokens.json.lock")


@posix_only
def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    store = TokenStore(tmp_path / "a.json")
    loop = "cannot read the token store .*a.json: Too many levels of symbolic links"
    with pytest.raises(AuthError, match=loop):
        store.get(cafe24_profile())
    with pytest.raises(AuthError, match=loop):  # every write reads first: the link stays
        store.put(cafe24_profile(), TOKEN)
    assert (tmp_path / "a.json").is_symlink()


# -- files that are not a store ------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    os.mkfifo(path, 0o600)
    with pytest.raises(
        AuthError, match=r"cannot be read: it is a named pipe \(FIFO\), not a"
    ) as caught:
        TokenStore(path).get(cafe24_profile())
    assert caught.value.hint == "point HTTPRUN_TOKEN_STORE at a file (httprun creates it)"


def test_a_folder_is_refused_with_a_hint_to_name_a_file(tmp_path: Path) -> None:
    with pytest.raises(AuthError, match="cannot be read: it is a folder, not a regular file"):
        TokenStore(tmp_path).get(cafe24_profile())


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested deeper than 200 levels"),
        (b"[" * 100_000, "JSON nested deeper than 200 levels"),
        (b'{"entries": ' + b"[" * 200 + b"]" * 200 + b"}", "JSON nested deeper than 200 levels"),
        (b'{"version": 1,\n "entries": {"a": 1,}}', r"not JSON \(.* at line 2, column 21\)"),
        (b"\xff\xfe{}", r"not UTF-8 text \(byte 1\)"),
        (b'{"version": ' + b"9" * 5000 + b"}", "not JSON"),
        (
            b'{"version": "' + b"v" * 500 + b'", "entries": {}}',
            r"unknown format version \(not 1\)$",
        ),
        (b"", r"not JSON \(Expecting value at line 1, column 1\)"),
    ],
)
def test_garbage_is_an_explained_auth_error(tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(content)
    with pytest.raises(AuthError, match=why) as caught:
        TokenStore(path).get(cafe24_profile())
    assert caught.value.hint == "delete the file to start over (you will have to log in again)"


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ([], "the entry of cafe24 \\(demo\\) is malformed$"),
        ({"expires_at": 1e300}, "'expires_at' is not a time httprun can represent"),
        ({"expires_at": "0001-01-01T00:00:00+09:00"}, "'expires_at' is not a time httprun"),
        ({"access_token": ["a"]}, "'access_token' is not a string"),
        ({"scopes": {"a": 1}}, "'scopes' is neither a list nor a string"),
    ],
)
def test_a_malformed_entry_names_its_profile_and_field(
    tmp_path: Path, token: object, why: str
) -> None:
    path = tmp_path / "tokens.json"
    profile = cafe24_profile()
    entries = {profile.store_key: {"token": token}}
    path.write_text(json.dumps({"version": 1, "entries": entries}))
    with pytest.raises(AuthError, match=why):
        TokenStore(path).get(profile)


@posix_only
def test_a_run_notes_the_permission_it_fixed(tmp_path: Path) -> None:
    import httpx

    from runner import RunOptions, run_files
    from runner.run import SilentListener

    store = tmp_path / "tokens.json"
    TokenStore(store).put(cafe24_profile(), Token("stored-access"))
    os.chmod(store, 0o604)
    env = tmp_path / "dev.env"
    variables = {**cafe24_variables(), "HTTPRUN_TOKEN_STORE": str(store)}
    env.write_text("".join(f"{key}={value}\n" for key, value in variables.items()))
    http_file = tmp_path / "products.http"
    http_file.write_text("# @auth cafe24\nGET https://demo.cafe24api.com/api/v2/admin/products\n")
    sent: list[str] = []

    def respond(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["authorization"])
        return httpx.Response(200, json={"products": []})

    notes: list[str] = []
    result = run_files(
        [str(http_file)],
        RunOptions(env_files=(str(env),), interactive=False),
        listener=SilentListener(notes.append),
        transport=httpx.MockTransport(respond),
    )
    assert result.exit_code == 0
    assert sent == ["Bearer stored-access"]
    assert notes == [
        f"the token store file {store} is open to other users (mode 0604): made it 0600"
    ]
