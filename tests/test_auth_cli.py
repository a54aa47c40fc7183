"""`httprun auth login|refresh|status|logout` against a real provider on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import webbrowser
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_helpers import StreamLines
from test_auth_support import (
    RotatingProvider,
    free_port,
    serve_rotating_provider,
    write_browser,
)
from typer.testing import CliRunner

from runner.auth.profiles import profile_from_variables
from runner.auth.store import TokenStore
from runner.auth.tokens import Token
from runner.auth_cli import auth_app

ROOT = Path(__file__).resolve().parent.parent
LOGIN = [sys.executable, "-m", "runner", "auth", "login"]


@pytest.fixture
def provider() -> Iterator[tuple[str, RotatingProvider]]:
    with serve_rotating_provider() as served:
        yield served


def write_env(tmp_path: Path, base: str, **extra: str) -> tuple[Path, dict[str, str]]:
    values = {
        "auth_url": "https://login.example.com/authorize",
        "token_url": f"{base}/token",
        "client_id": "cli-client",
        "client_secret": "cli-secret-value",
        "redirect_uri": f"http://127.0.0.1:{free_port()}/callback",
        "HTTPRUN_TOKEN_STORE": str(tmp_path / "store" / "tokens.json"),
        **extra,
    }
    path = tmp_path / "dev.env"
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return path, values


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(auth_app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_login_status_refresh_logout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: tuple[str, RotatingProvider]
) -> None:
    base, state = provider
    env, values = write_env(tmp_path, base, revoke_url=f"{base}/revoke")
    state.codes.add("cli-code-1234")
    script, _ = write_browser(tmp_path, code="cli-code-1234")
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    env_args = ("--env", str(env), "--profile", "oauth2")

    code, out, err = invoke("login", *env_args)
    assert code == 0, err
    assert out.startswith("logged in to oauth2 (127.0.0.1): scopes read write; access token until")
    announced = err.splitlines()
    assert announced[0].startswith(
        "note: log in to authorize httprun (the browser opens it): "
        "https://login.example.com/authorize?response_type=code&client_id=cli-client"
    )
    # How long the login waits, and how to give up (issue 7 §5).
    assert announced[1:] == [
        f"note: waiting up to 5 min for the browser to come back to {values['redirect_uri']}; "
        "Ctrl-C cancels"
    ]
    profile = profile_from_variables("oauth2", values.get, None)
    stored = TokenStore(values["HTTPRUN_TOKEN_STORE"]).get(profile)
    assert stored is not None and stored.access_token in state.access_tokens

    code, out, err = invoke("status", *env_args)
    assert code == 0, err
    assert "access token:  valid, expires 20" in out
    assert "scopes: read write" in out
    code, out, _ = invoke("status", *env_args, "--json")
    facts = json.loads(out)
    assert facts["stored"] is True and facts["scopes"] == ["read", "write"]
    assert stored.access_token not in out and str(stored.refresh_token) not in out

    code, out, err = invoke("refresh", *env_args)
    assert code == 0, err
    assert out.startswith("refreshed the token for oauth2 (127.0.0.1)")
    assert state.refreshes == 1

    code, out, err = invoke("logout", *env_args)
    assert code == 0, err
    assert out.strip() == "logged out of oauth2 (127.0.0.1): token revoked and deleted"
    assert len(state.revoked) == 2
    code, out, _ = invoke("status", *env_args)
    assert "no token stored" in out


def test_refresh_with_nothing_stored_says_how_to_log_in(
    tmp_path: Path, provider: tuple[str, RotatingProvider]
) -> None:
    env, _ = write_env(tmp_path, provider[0])
    code, out, err = invoke("refresh", "--env", str(env), "-p", "oauth2")
    assert code == 4
    assert f"run `httprun auth login --env {env} --profile oauth2`" in err
    assert out == ""


def test_missing_variables_are_reported(tmp_path: Path) -> None:
    env = tmp_path / "dev.env"
    env.write_text("mallid=demo\nclient_secret=do-not-show-me\n")
    code, _, err = invoke("status", "--env", str(env))
    assert code == 4
    assert "error: the cafe24 auth profile needs the variable client_id" in err
    assert "do-not-show-me" not in err


def test_sandbox_env_files_are_refused(tmp_path: Path) -> None:
    env = tmp_path / "sandbox.env"
    env.write_text("HTTPRUN_SANDBOX=cafe24\nmallid=demo\n")
    code, _, err = invoke("login", "--env", str(env))
    assert code == 2
    assert "bundled sandbox" in err


def test_var_pins_win_over_env_files(
    tmp_path: Path, provider: tuple[str, RotatingProvider]
) -> None:
    env, _ = write_env(tmp_path, provider[0])
    code, out, err = invoke(
        "status", "--env", str(env), "-p", "oauth2", "--var", "client_id=pinned-client"
    )
    assert code == 0, err
    assert out.startswith("oauth2 (127.0.0.1): client pinned-client")


def test_status_does_not_need_the_client_secret(
    tmp_path: Path, provider: tuple[str, RotatingProvider]
) -> None:
    env, _ = write_env(tmp_path, provider[0])
    env.write_text(
        "".join(line + "\n" for line in env.read_text().splitlines() if "client_secret" not in line)
    )
    code, out, err = invoke("status", "--env", str(env), "-p", "oauth2")
    assert code == 0, err
    assert out.startswith("oauth2 (127.0.0.1): client cli-client")
    assert "no token stored" in out
    # Logging out revokes at the provider, which takes the secret: still required there.
    code, _, err = invoke("logout", "--env", str(env), "-p", "oauth2")
    assert code == 4
    assert "needs the variable client_secret" in err


@pytest.mark.parametrize("command", ["status", "login", "refresh", "logout"])
def test_an_unknown_profile_is_a_usage_error(tmp_path: Path, command: str) -> None:
    env = tmp_path / "dev.env"
    env.write_text("mallid=demo\nclient_id=x\nclient_secret=y\n")
    code, out, err = invoke(command, "--env", str(env), "--profile", "bogus")
    assert code == 2
    assert "error: unknown auth profile 'bogus'" in err
    assert "the profiles are cafe24 and oauth2" in err
    assert out == ""
    code, _, err = invoke(command, "--env", str(env), "--profile", "oauth")
    assert code == 2
    assert "did you mean 'oauth2'?" in err


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_status_makes_an_open_store_private_and_says_so(
    tmp_path: Path, provider: tuple[str, RotatingProvider]
) -> None:
    env, values = write_env(tmp_path, provider[0])
    store = Path(values["HTTPRUN_TOKEN_STORE"])
    TokenStore(store).put(profile_from_variables("oauth2", values.get, None), Token("a-token"))
    os.chmod(store, 0o644)
    code, out, err = invoke("status", "--env", str(env), "-p", "oauth2")
    assert code == 0, err
    assert err == (
        f"note: the token store file {store} is open to other users (mode 0644): made it 0600\n"
    )
    assert "access token:  valid" in out
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600


def test_a_garbage_store_is_an_explained_error(
    tmp_path: Path, provider: tuple[str, RotatingProvider]
) -> None:
    env, values = write_env(tmp_path, provider[0])
    store = Path(values["HTTPRUN_TOKEN_STORE"])
    store.parent.mkdir(mode=0o700)
    store.write_text("[" * 100_000)
    store.chmod(0o600)
    code, out, err = invoke("status", "--env", str(env), "-p", "oauth2")
    assert code == 4
    assert out == ""
    assert err.startswith(
        f"error: the token store {store} cannot be read: JSON nested deeper than 200 levels\n"
    )
    assert "help: delete the file to start over" in err
    assert "Traceback" not in err


def test_ctrl_c_during_login_exits_130_without_a_traceback(tmp_path: Path) -> None:
    """A real process waiting on its loopback listener, interrupted as a person would."""
    env, _ = write_env(tmp_path, "http://127.0.0.1:9")  # the token endpoint is never reached
    process = subprocess.Popen(
        [*LOGIN, "--env", str(env), "-p", "oauth2", "--no-browser", "--timeout", "60"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"},
    )
    assert process.stderr is not None
    stderr = StreamLines(process.stderr)
    try:
        seen = stderr.wait_for(lambda seen: any("Ctrl-C cancels" in line for line in seen))
        assert seen[-1].startswith("note: waiting up to 60 s for the browser to come back to")
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    rest = stderr.rest()  # stderr is at its end once the process is gone
    assert process.returncode == 130
    assert process.stdout is not None and process.stdout.read() == ""
    assert "".join(rest).strip() == "cancelled (Ctrl-C)"


@pytest.mark.parametrize("command", ["login", "refresh", "status", "logout"])
def test_ctrl_c_in_any_auth_command_exits_130(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    from runner.auth import commands

    def interrupted(*args: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, command, interrupted)
    env, _ = write_env(tmp_path, "http://127.0.0.1:9")
    code, out, err = invoke(command, "--env", str(env), "-p", "oauth2")
    assert (code, out, err) == (130, "", "\ncancelled (Ctrl-C)\n")


@pytest.mark.parametrize("value", ["inf", "nan", "1e308", "0"])
def test_a_login_timeout_out_of_range_is_a_usage_error(tmp_path: Path, value: str) -> None:
    env, _ = write_env(tmp_path, "http://127.0.0.1:9")
    result = CliRunner().invoke(auth_app, ["login", "--env", str(env), "--timeout", value])
    assert result.exit_code == 2
    assert "Invalid value for '--timeout'" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_what_a_provider_wrote_cannot_drive_the_terminal(
    tmp_path: Path, provider: tuple[str, RotatingProvider]
) -> None:
    env, values = write_env(tmp_path, provider[0])
    profile = profile_from_variables("oauth2", values.get, None)
    hostile = "evil\x1b]0;retitled\x07\x1b[2J\u2028user"
    TokenStore(values["HTTPRUN_TOKEN_STORE"]).put(profile, Token("a-token", user_id=hostile))
    code, out, err = invoke("status", "--env", str(env), "-p", "oauth2")
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out and "\u2028" not in out
    assert "  user: evil\ufffd]0;retitled\ufffd\ufffd[2J\ufffduser" in out.splitlines()
