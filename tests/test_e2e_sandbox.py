"""The cafe24 story end to end: request files run by the CLI (or ``run_files``) against the
bundled sandbox, never the network.

Two ways to reach the sandbox:

- sandbox mode (``HTTPRUN_SANDBOX=cafe24`` in the env file): the run starts its own sandbox,
  approves the consent page itself and keeps tokens in a throw-away store;
- a shared sandbox the test starts, reached through ``SandboxTransport``, with an env file for a
  "real" mall and the token store in ``tmp_path``: the test can then look at the tokens after the
  run (a rotated refresh token must be dead).
"""

from __future__ import annotations

import base64
import functools
import io
import re
import secrets
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)

import runner
from runner.auth.endpoints import TokenRefused, refresh_access_token
from runner.auth.manager import TokenManager
from runner.auth.profiles import Profile, profile_from_variables
from runner.auth.store import TokenStore
from runner.auth.tokens import Token, utc_now
from runner.masking import Masker
from runner.reporters.console import ConsoleReporter
from runner.results import Outcome, RequestResult, RunResult
from runner.run import RunOptions, run_files
from runner.sandbox import Sandbox, SandboxSettings, SandboxTransport, approve_consent

REPO = Path(runner.__file__).resolve().parent.parent
REQUESTS = REPO / "requests"
SANDBOX_ENV = REPO / "envs" / "sandbox.env"
E2E = Path(__file__).resolve().parent / "e2e"
API_VERSION = "2025-12-01"
PRODUCTS_COUNT = "https://demo.cafe24api.com/api/v2/admin/products/count"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A token store in tmp_path: the user's own store is never touched."""
    store = tmp_path / "store" / "tokens.json"
    monkeypatch.setenv("HTTPRUN_TOKEN_STORE", str(store))
    return store


# -- helpers -----------------------------------------------------------------------------------


def sandbox_env(folder: Path, **settings: str) -> Path:
    """envs/sandbox.env plus ``HTTPRUN_SANDBOX_<KEY>=value`` lines (and plain variables for
    lower-case keys)."""
    lines = [SANDBOX_ENV.read_text(encoding="utf-8").rstrip("\n")]
    for key, value in settings.items():
        lines.append(f"{key}={value}" if key.islower() else f"HTTPRUN_SANDBOX_{key}={value}")
    path = folder / "sandbox-e2e.env"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def mall_env(folder: Path, client_secret: str, **variables: str) -> Path:
    """An env file for a "real" mall: no HTTPRUN_SANDBOX, so the run uses the real servers (the
    test's transport) and the token store HTTPRUN_TOKEN_STORE names."""
    values = {
        "mallid": "demo",
        "client_id": "sandbox-client-id",
        "client_secret": client_secret,
        "redirect_uri": "https://localhost/oauth/callback",
        "scope": "mall.read_product,mall.write_product,mall.read_order",
        "api_version": API_VERSION,
        **variables,
    }
    path = folder / "mall.env"
    path.write_text("".join(f"{key}={value}\n" for key, value in values.items()), "utf-8")
    return path


def requests_of(result: RunResult) -> list[RequestResult]:
    return [request for file in result.files for request in file.requests]


def outcomes(result: RunResult) -> list[Outcome]:
    return [request.outcome for request in requests_of(result)]


def sent_header(request: RequestResult, name: str) -> str | None:
    assert request.exchange is not None, request.error
    values = [v for k, v in request.exchange.sent_headers if k.lower() == name.lower()]
    return values[-1] if values else None


def bearer_sent(request: RequestResult) -> str:
    value = sent_header(request, "authorization")
    assert value is not None and value.startswith("Bearer ")
    return value.removeprefix("Bearer ")


def profile_for(client_secret: str) -> Profile:
    variables = {
        "mallid": "demo",
        "client_id": "sandbox-client-id",
        "client_secret": client_secret,
        "redirect_uri": "https://localhost/oauth/callback",
        "scope": "mall.read_product,mall.write_product,mall.read_order",
    }
    return profile_from_variables("cafe24", variables.get)


class SharedSandbox:
    """A sandbox the test runs, with a random client secret, and a client routed to it."""

    def __init__(self, sandbox: Sandbox, client: httpx.Client) -> None:
        self.sandbox = sandbox
        self.client = client
        self.secret = sandbox.settings.client_secret
        self.profile = profile_for(self.secret)

    def transport(self) -> SandboxTransport:
        return SandboxTransport(self.sandbox.base_url)

    def log_in(self, store: Path) -> Token:
        """Log in on the consent page (as a person would) and store the token at ``store``."""
        settings = self.sandbox.settings
        manager = TokenManager(
            store=TokenStore(store),
            client=self.client,
            interactive=False,
            notify=lambda url: None,
            consent=functools.partial(
                approve_consent, self.client, user=settings.user, password=settings.password
            ),
        )
        return manager.login(self.profile)

    def refresh_refused(self, token: Token) -> str:
        """The provider's error code when ``token``'s refresh token is used again."""
        with pytest.raises(TokenRefused) as refused:
            refresh_access_token(self.client, self.profile, token, now=utc_now())
        return refused.value.error_code

    def api_status(self, access_token: str) -> int:
        headers = {"Authorization": f"Bearer {access_token}", "X-Cafe24-Api-Version": API_VERSION}
        return self.client.get(PRODUCTS_COUNT, headers=headers).status_code


def shared_sandbox_for(settings: SandboxSettings) -> Iterator[SharedSandbox]:
    with Sandbox(settings) as sandbox:
        sandbox.start()
        with httpx.Client(transport=SandboxTransport(sandbox.base_url)) as client:
            yield SharedSandbox(sandbox, client)


@pytest.fixture
def shared() -> Iterator[SharedSandbox]:
    yield from shared_sandbox_for(SandboxSettings(client_secret=secrets.token_urlsafe(16)))


# -- the README's `make demo` ------------------------------------------------------------------


def test_the_demo_passes_completely(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(REQUESTS / "products.http"), str(REQUESTS / "orders.http")]
    code, out, err = run_cli([*files, "--env", str(SANDBOX_ENV)], capsys)
    assert code == 0, out + err
    results = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    assert len(results) == 13  # 8 requests in products.http, 5 in orders.http
    assert all(line.startswith("PASS ") for line in results), out
    assert out.splitlines()[-1] == "13 passed, 0 failed"
    assert "bundled cafe24 sandbox at http://127.0.0.1:" in err
    assert "logging in on the sandbox's consent page" in err


# -- requests/auth.http: the Postman guide by hand ---------------------------------------------
# Its refresh request carries `# @auth cafe24` for <<auth.refresh_token>>: with a seeded
# refresh_token variable, the token manager refreshes once (rotating the seed), then the file
# refreshes by hand from the manager's new pair.


def test_auth_http_refreshes_calls_and_revokes_by_hand(
    shared: SharedSandbox, tmp_path: Path
) -> None:
    seeded = shared.log_in(tmp_path / "login.json")
    assert seeded.refresh_token is not None
    env = mall_env(tmp_path, shared.secret, refresh_token=seeded.refresh_token)
    result = run_files(
        [str(REQUESTS / "auth.http")],
        RunOptions(env_files=(str(env),), interactive=False),
        transport=shared.transport(),
    )
    refresh, call, revoke = requests_of(result)
    assert outcomes(result) == [Outcome.PASSED] * 3, [r.error for r in requests_of(result)]
    assert result.exit_code == 0
    # httprun base64-encoded the Basic credentials written as `client_id:client_secret`.
    basic = base64.b64encode(f"sandbox-client-id:{shared.secret}".encode()).decode()
    assert sent_header(refresh, "authorization") == f"Basic {basic}"
    assert sent_header(revoke, "authorization") == f"Basic {basic}"
    new_access = refresh.captures["access_token"]
    new_refresh = refresh.captures["refresh_token"]
    assert new_access != seeded.access_token and new_refresh != seeded.refresh_token
    assert sent_header(call, "authorization") == f"Bearer {new_access}"
    # Rotation killed the refresh token the file started from; the revoke killed the new one.
    assert shared.refresh_refused(seeded) == "invalid_grant"
    assert shared.api_status(new_access) == 401


def test_auth_http_starts_from_the_stored_token_and_rotates_it(
    shared: SharedSandbox, tmp_path: Path, _isolated: Path
) -> None:
    """What the file's header warns about: against a mall, the refresh by hand uses (and so
    kills) the refresh token `httprun auth login` stored; the stored access token lives on."""
    stored = shared.log_in(_isolated)  # the store the run reads (HTTPRUN_TOKEN_STORE)
    env = mall_env(tmp_path, shared.secret)  # no refresh_token variable: the store has it
    result = run_files(
        [str(REQUESTS / "auth.http")],
        RunOptions(env_files=(str(env),), interactive=False),
        transport=shared.transport(),
    )
    assert outcomes(result) == [Outcome.PASSED] * 3, [r.error for r in requests_of(result)]
    assert shared.refresh_refused(stored) == "invalid_grant"
    assert shared.api_status(stored.access_token) == 200


def test_auth_http_verbose_output_masks_every_token(shared: SharedSandbox, tmp_path: Path) -> None:
    seeded = shared.log_in(tmp_path / "login.json")
    assert seeded.refresh_token is not None
    env = mall_env(tmp_path, shared.secret, refresh_token=seeded.refresh_token)
    out, err = io.StringIO(), io.StringIO()
    masker = Masker()
    reporter = ConsoleReporter(out, err, masker, verbosity=1, colour=False)
    result = run_files(
        [str(REQUESTS / "auth.http")],
        RunOptions(env_files=(str(env),), interactive=False),
        listener=reporter,
        transport=shared.transport(),
        masker=masker,
    )
    reporter.finish(result)
    assert result.exit_code == 0
    refresh = requests_of(result)[0]
    shown = out.getvalue() + err.getvalue()
    assert '"access_token": "****"' in shown  # the token response body is shown, masked
    secret_values = {
        "seeded refresh token": seeded.refresh_token,
        "new access token": refresh.captures["access_token"],
        "new refresh token": refresh.captures["refresh_token"],
        "client secret": shared.secret,
        "Basic credentials": base64.b64encode(
            f"sandbox-client-id:{shared.secret}".encode()
        ).decode(),
    }
    leaked = [what for what, value in secret_values.items() if value in shown]
    assert leaked == []


# -- tokens that expire during a run -----------------------------------------------------------


def test_a_run_whose_tokens_expire_refreshes_before_each_call(tmp_path: Path) -> None:
    # 30 s is under the 60 s margin: every token is already due, so each @auth request after
    # the login refreshes (and rotates) before it is sent.
    env = sandbox_env(tmp_path, ACCESS_TTL="30")
    result = run_files(
        [str(REQUESTS / "products.http")], RunOptions(env_files=(str(env),), interactive=False)
    )
    assert outcomes(result) == [Outcome.PASSED] * 8, [r.error for r in requests_of(result)]
    bearers = [bearer_sent(request) for request in requests_of(result)]
    assert len(set(bearers)) == 8


def test_rotation_in_a_run_kills_the_refresh_token_it_started_with(
    _isolated: Path, tmp_path: Path
) -> None:
    settings = SandboxSettings(client_secret=secrets.token_urlsafe(16), access_ttl=30)
    for shared in shared_sandbox_for(settings):
        before = shared.log_in(_isolated)  # the store the run uses (HTTPRUN_TOKEN_STORE)
        env = mall_env(tmp_path, shared.secret)
        result = run_files(
            [str(REQUESTS / "orders.http")],
            RunOptions(env_files=(str(env),), interactive=False),
            transport=shared.transport(),
        )
        assert outcomes(result) == [Outcome.PASSED] * 5, [r.error for r in requests_of(result)]
        after = TokenStore(_isolated).get(shared.profile)
        assert after is not None and after.refresh_token != before.refresh_token
        assert bearer_sent(requests_of(result)[-1]) == after.access_token
        assert shared.refresh_refused(before) == "invalid_grant"
        assert shared.api_status(str(after.access_token)) == 200


def test_a_token_revoked_mid_run_is_refreshed_on_its_401(tmp_path: Path) -> None:
    env = sandbox_env(tmp_path)
    result = run_files(
        [str(E2E / "revoked_mid_run.http")], RunOptions(env_files=(str(env),), interactive=False)
    )
    before, revoke, after = requests_of(result)
    assert outcomes(result) == [Outcome.PASSED] * 3, [r.error for r in requests_of(result)]
    assert revoke.request is not None and revoke.request.body is not None
    assert bearer_sent(before) in revoke.request.body.decode()  # the token that was revoked
    assert bearer_sent(after) != bearer_sent(before)  # what went out again after the 401


# -- rate limits -------------------------------------------------------------------------------


def test_a_small_bucket_is_paced_and_every_call_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 20 calls/s: a slot frees every 50 ms, so back-to-back calls fill the bucket of three even
    # on a loaded machine, and each wait stays short.
    env = sandbox_env(tmp_path, BUCKET_CAPACITY="3", BUCKET_RATE="20")
    code, out, err = run_cli([str(E2E / "many_calls.http"), "--env", str(env)], capsys)
    assert code == 0, out + err
    assert out.splitlines()[-1] == "8 passed, 0 failed"
    waits = [
        float(s) for s in re.findall(r"pacing demo\.cafe24api\.com: .*waiting ([0-9.]+) s", err)
    ]
    assert waits, err
    # Paced at the sandbox's own drain rate; at cafe24's 2 calls/s each wait would be 0.5 s.
    assert max(waits) <= 0.15, err
    assert "429" not in out


# -- the bearer stays on its host --------------------------------------------------------------


def test_the_bearer_never_reaches_another_host(tmp_path: Path, local_server: str) -> None:
    env = sandbox_env(tmp_path)
    result = run_files(
        [str(E2E / "other_host.http")],
        RunOptions(env_files=(str(env),), variables={"echo": local_server}, interactive=False),
    )
    api, other = requests_of(result)
    assert outcomes(result) == [Outcome.PASSED] * 2, [r.error for r in requests_of(result)]
    assert bearer_sent(api)
    assert sent_header(other, "authorization") is None
    assert other.exchange is not None
    echoed = other.exchange.response["body"]["headers"]
    assert "authorization" not in echoed
    assert echoed["host"] == local_server.removeprefix("http://")


# -- masking -----------------------------------------------------------------------------------


def test_verbose_sandbox_output_shows_no_token_and_no_client_secret(
    tmp_path: Path,
    local_server: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Every token the run obtains passes through its token store: keep a copy of each.
    stored: list[Token] = []
    original_put = TokenStore.put

    def recording_put(store: TokenStore, profile: Profile, token: Token) -> None:
        stored.append(token)
        original_put(store, profile, token)

    monkeypatch.setattr(TokenStore, "put", recording_put)
    secret = "e2e-" + secrets.token_urlsafe(18)
    env = sandbox_env(tmp_path, CLIENT_SECRET=secret, ACCESS_TTL="30", client_secret=secret)
    files = [str(REQUESTS / "products.http"), str(E2E / "echo_secrets.http")]
    args = [*files, "--env", str(env), "--var", f"echo={local_server}", "-v"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, out + err
    shown = out + err
    assert len(stored) >= 9  # the login, then a refresh before every later @auth request
    values = {
        secret,
        base64.b64encode(f"sandbox-client-id:{secret}".encode()).decode(),
        *(t.access_token for t in stored if t.access_token),
        *(t.refresh_token for t in stored if t.refresh_token),
    }
    assert len(values) == 2 + 2 * len(stored)
    assert [value for value in values if value in shown] == []
    assert "Authorization: Bearer ****" in out
    assert '"secret": "****"' in out  # the echo of the body that carried the secret


# -- CI: nobody to log in ----------------------------------------------------------------------


def test_ci_without_a_token_exits_4_and_says_how_to_log_in(
    tmp_path: Path,
    _isolated: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sent: list[str] = []

    def no_network(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        raise AssertionError(f"a CI run without a token sent {request.url}")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", no_network)
    monkeypatch.setattr(sys, "stdin", io.StringIO())  # not a terminal
    env = mall_env(tmp_path, "not-used-secret")
    code, out, err = run_cli([str(REQUESTS / "products.http"), "--env", str(env)], capsys)
    assert code == 4, out + err
    assert sent == []
    assert "no token for cafe24 (demo)" in out + err
    assert "httprun auth login" in out + err
    assert "refresh_token" in out + err
    assert not _isolated.exists()  # nothing was stored


def test_ci_without_a_token_sends_nothing_through_run_files(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        pytest.fail(f"a CI run without a token sent {request.url}")

    env = mall_env(tmp_path, "not-used-secret")
    result = run_files(
        [str(REQUESTS / "orders.http")],
        RunOptions(env_files=(str(env),), interactive=False),
        transport=httpx.MockTransport(refuse),
    )
    assert result.exit_code == 4
    first = requests_of(result)[0]
    assert first.outcome is Outcome.ERROR and first.error is not None
    assert "refresh_token" in first.error.message
    assert "not-used-secret" not in first.error.message


# -- httprun sandbox ---------------------------------------------------------------------------


def test_the_sandbox_command_serves_until_interrupted() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "runner", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert process.stdout is not None
        readable, _, _ = select.select([process.stdout], [], [], 20.0)
        assert readable, "httprun sandbox did not say where it listens within 20 s"
        ready = process.stdout.readline()
        found = re.search(r"cafe24 sandbox on (http://127\.0\.0\.1:\d+) \(mall 'demo'\)", ready)
        assert found, ready
        base_url = found.group(1)
        answer = httpx.get(f"{base_url}/api/v2/admin/products")
        assert answer.status_code == 401  # no token: cafe24's own answer
        assert answer.headers["x-api-call-limit"].endswith("/40")
        process.send_signal(signal.SIGINT)  # Ctrl-C
        _, stderr = process.communicate(timeout=10)
        assert process.returncode == 130
        assert "Traceback" not in stderr
        assert "sandbox stopped" in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
