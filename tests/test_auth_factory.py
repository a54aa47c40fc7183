"""auth.factory: the one builder of token managers (runs and `httprun auth`), what it tells
people when a login starts, and the import rule that keeps auth/ free of the run's wiring."""

from __future__ import annotations

import ast
import io
import os
from pathlib import Path

import httpx
import pytest
from test_auth_support import cafe24_profile

from runner.auth.authorize import build_authorize_url
from runner.auth.factory import describe_seconds, login_announcer, make_token_manager
from runner.auth.store import STORE_SETTING, TokenStore
from runner.auth.tokens import Token
from runner.errors import AuthError

AUTH = Path(__file__).resolve().parent.parent / "runner" / "auth"


def test_auth_imports_nothing_of_the_run_or_the_command_line() -> None:
    wiring = {"run", "connect", "cli", "cli_options", "auth_cli", "executor", "pytest_plugin"}
    offenders = []
    for module in sorted(AUTH.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if not isinstance(node, ast.ImportFrom):
                continue
            parts = (node.module or "").split(".")
            if node.level == 2:  # from ..connect import X
                imported = parts[0]
            elif node.level == 0 and parts[0] == "runner" and len(parts) > 1:
                imported = parts[1]  # from runner.connect import X
            else:
                continue
            if imported in wiring:
                offenders.append(f"{module.name}: {'.' * node.level}{node.module}")
    assert offenders == []


def announced(redirect_uri: str, **options: object) -> list[str]:
    lines: list[str] = []
    settings = {"open_browser": True, "timeout": 300.0, "by_hook": False, **options}
    announce = login_announcer(lines.append, **settings)  # type: ignore[arg-type]
    profile = cafe24_profile(redirect_uri=redirect_uri)
    announce(build_authorize_url(profile, "s" * 32))
    return lines


def test_a_loopback_login_says_how_long_it_waits_and_how_to_cancel() -> None:
    lines = announced("http://127.0.0.1:8765/callback")
    assert lines[0].startswith(
        "log in to authorize httprun (the browser opens it): "
        "https://demo.cafe24api.com/api/v2/oauth/authorize?response_type=code"
    )
    assert lines[1:] == [
        "waiting up to 5 min for the browser to come back to http://127.0.0.1:8765/callback; "
        "Ctrl-C cancels"
    ]


def test_an_https_loopback_login_warns_about_the_certificate_first() -> None:
    lines = announced("https://localhost:8765/cb", open_browser=False, timeout=45.0)
    assert lines[0].startswith("log in to authorize httprun (open it in a browser): https://")
    assert lines[1] == (
        "the browser will warn about the certificate of https://localhost:8765/cb: httprun made "
        "it just now for this login; accept the warning to let the login finish"
    )
    assert lines[2] == (
        "waiting up to 45 s for the browser to come back to https://localhost:8765/cb; "
        "Ctrl-C cancels"
    )


def test_a_login_through_a_pasted_url_says_so() -> None:
    lines = announced("https://app.example.com/callback")
    assert lines[1:] == ["then paste the URL the browser is sent to when asked; Ctrl-C cancels"]


def test_a_consent_hook_login_is_one_line() -> None:
    lines = announced("https://localhost/oauth/callback", by_hook=True)
    assert len(lines) == 1
    assert lines[0].startswith("logging in on the sandbox's consent page: https://")


@pytest.mark.parametrize(
    ("seconds", "text"), [(300, "5 min"), (90, "90 s"), (120, "2 min"), (1.5, "1.5 s")]
)
def test_durations_read_as_people_count_them(seconds: float, text: str) -> None:
    assert describe_seconds(seconds) == text


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_the_store_comes_from_the_settings_and_its_notes_reach_notify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "tokens.json"
    TokenStore(path).put(cafe24_profile(), Token("stored"))
    os.chmod(path, 0o640)
    monkeypatch.delenv(STORE_SETTING, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal
    notes: list[str] = []
    with httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500))) as client:
        manager = make_token_manager(
            client, settings={STORE_SETTING: str(path)}, notify=notes.append
        )
        assert manager.store.path == path
        assert manager.token_for(cafe24_profile()) == Token("stored")
        # No terminal: nobody is asked to log in, the error says how to.
        with pytest.raises(AuthError, match="no token for cafe24 \\(other\\): run `httprun auth"):
            manager.token_for(cafe24_profile(mallid="other"))
    assert notes == [
        f"the token store file {path} is open to other users (mode 0640): made it 0600"
    ]
