"""`httprun sandbox`'s banner: the real address, the consent page, the credentials, and a
warning when the network can reach it. Non-loopback hosts are tested on the banner function;
the real command only ever binds 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cli_helpers import StreamLines
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from runner.errors import UsageError
from runner.sandbox import Sandbox, SandboxSettings, banner_lines
from runner.sandbox.banner import consent_page_url

ROOT = Path(__file__).resolve().parent.parent
CONSENT = (
    "/api/v2/oauth/authorize?response_type=code&client_id=sandbox-client-id"
    "&redirect_uri=https://localhost/oauth/callback"
    "&scope=mall.read_product,mall.write_product,mall.read_order"
)
CREDENTIALS = [
    "  login: user admin, password sandbox",
    "  app: client_id sandbox-client-id, client_secret sandbox-client-secret",
    "  redirect_uris: https://localhost/oauth/callback, http://127.0.0.1:8765/callback",
]


@pytest.mark.parametrize(
    ("host", "base"), [("127.0.0.1", "http://127.0.0.1"), ("::1", "http://[::1]")]
)
def test_on_loopback_the_banner_gives_the_consent_page_and_credentials(
    host: str, base: str
) -> None:
    assert banner_lines(host, 8024, SandboxSettings()) == [
        f"cafe24 sandbox on {base}:8024 (mall 'demo'); Ctrl-C stops it",
        f"  consent page: {base}:8024{CONSENT}",
        *CREDENTIALS,
    ]


@pytest.mark.parametrize(
    ("host", "reach", "local"),
    [
        ("0.0.0.0", "all interfaces (0.0.0.0)", "http://127.0.0.1:8024"),
        ("::", "all interfaces (::)", "http://[::1]:8024"),
        ("192.168.1.5", "192.168.1.5", "http://192.168.1.5:8024"),
        ("fd00::5", "fd00::5", "http://[fd00::5]:8024"),
    ],
)
def test_off_loopback_the_banner_says_where_it_listens_and_warns(
    host: str, reach: str, local: str
) -> None:
    lines = banner_lines(host, 8024, SandboxSettings())
    assert lines[0] == (
        f"cafe24 sandbox listening on {reach}, port 8024 (from this machine: {local}; "
        "mall 'demo'); Ctrl-C stops it"
    )
    assert lines[1] == (
        "warning: the sandbox is open to the network: anyone who reaches port 8024 can log in "
        "with the well-known password and client secret below and get tokens for its mall. "
        "Use --host 127.0.0.1 unless other machines must reach it."
    )
    assert lines[2:] == [f"  consent page: {local}{CONSENT}", *CREDENTIALS]


def test_secrets_the_user_set_are_named_not_shown() -> None:
    settings = SandboxSettings(
        password="my-own-pass-7", client_secret="my-own-secret-9", user="tester"
    )
    lines = banner_lines("0.0.0.0", 9000, settings)
    text = "\n".join(lines)
    assert "my-own-pass-7" not in text and "my-own-secret-9" not in text
    assert "  login: user tester, password (set by HTTPRUN_SANDBOX_PASSWORD, not shown)" in lines
    assert (
        "  app: client_id sandbox-client-id, "
        "client_secret (set by HTTPRUN_SANDBOX_CLIENT_SECRET, not shown)"
    ) in lines
    assert "log in with the password and client secret below" in lines[1]


def test_the_consent_page_url_opens_the_consent_page() -> None:
    settings = SandboxSettings(mall="bannered", scopes=("mall.read_order",))
    with Sandbox(settings) as sandbox:
        page = httpx.get(consent_page_url(sandbox.start(), settings))
    assert page.status_code == 200
    assert "Authorize an app for mall <code>bannered</code>" in page.text


def test_the_sandbox_command_prints_the_banner_and_stops_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "runner", "sandbox", "--port", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    stdout = StreamLines(process.stdout)
    try:
        banner = [line.rstrip("\n") for line in stdout.wait_for(lambda seen: len(seen) >= 5)]
        headline = banner[0].removeprefix("cafe24 sandbox on ")
        base_url = headline.partition(" ")[0]
        assert base_url.startswith("http://127.0.0.1:") and base_url != "http://127.0.0.1:0"
        assert banner == [
            f"cafe24 sandbox on {base_url} (mall 'demo'); Ctrl-C stops it",
            f"  consent page: {base_url}{CONSENT}",
            *CREDENTIALS,
        ]
        page = httpx.get(banner[1].removeprefix("  consent page: "))
        assert "Authorize an app for mall <code>demo</code>" in page.text
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130
    assert process.stderr is not None and process.stderr.read() == "sandbox stopped\n"
    assert stdout.rest() == []  # nothing after the banner


USER_SET = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FFF, exclude_characters=":"),
    min_size=4,
    max_size=40,
).filter(lambda text: text == text.strip())  # what the settings accept


@settings(max_examples=30, deadline=None)
@given(password=USER_SET, secret=USER_SET, host=st.sampled_from(["127.0.0.1", "0.0.0.0", "::"]))
def test_a_password_or_secret_the_user_set_never_reaches_the_banner(
    password: str, secret: str, host: str
) -> None:
    defaults = "\n".join(banner_lines(host, 8024, SandboxSettings()))
    assume(password != "sandbox" and secret != "sandbox-client-secret")
    assume(password not in defaults and secret not in defaults)  # else found for other reasons
    settings_ = SandboxSettings(password=password, client_secret=secret)
    text = "\n".join(banner_lines(host, 8024, settings_))
    assert password not in text and secret not in text
    assert "(set by HTTPRUN_SANDBOX_PASSWORD, not shown)" in text
    assert "(set by HTTPRUN_SANDBOX_CLIENT_SECRET, not shown)" in text


@pytest.mark.parametrize("host", ["", "  "])
def test_an_empty_host_is_refused_rather_than_read_as_every_interface(host: str) -> None:
    with pytest.raises(UsageError, match="--host is empty") as caught, Sandbox() as sandbox:
        sandbox.start(host=host)
    assert caught.value.exit_code == 2
