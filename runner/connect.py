"""How a run reaches servers: the transport chain, the one client, the sandbox, and tokens.

::

    httpx.Client ── PacingTransport ── [SandboxTransport] ── HTTPTransport (or a test's transport)
                    (X-Api-Call-Limit,   (HTTPRUN_SANDBOX=cafe24:
                     429 resends)         *.cafe24api.com → the bundled sandbox)

Everything here is built once per run and shared by all its files.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import EnvError

if TYPE_CHECKING:
    import httpx

    from .auth.httpx_auth import BearerAuth
    from .auth.manager import TokenManager
    from .auth.profiles import Profile
    from .env import Environment
    from .masking import Masker
    from .run import RunOptions
    from .sandbox import Sandbox

SANDBOX_SETTING = "HTTPRUN_SANDBOX"
SANDBOX_KINDS = ("cafe24",)


@dataclass
class Connection:
    """The client of a run and what goes with it; close it when the run ends."""

    client: httpx.Client
    tokens: TokenManager
    sandbox: Sandbox | None = None
    _token_dir: tempfile.TemporaryDirectory[str] | None = None
    _auths: dict[str, BearerAuth] = field(default_factory=dict)

    def bearer_for(self, profile: Profile) -> BearerAuth:
        """One ``httpx.Auth`` per profile, so its 401 handling is shared by the run."""
        from .auth.httpx_auth import BearerAuth

        auth = self._auths.get(profile.store_key)
        if auth is None:
            auth = self._auths[profile.store_key] = BearerAuth(profile, self.tokens)
        return auth

    def close(self) -> None:
        self.client.close()
        if self.sandbox is not None:
            self.sandbox.stop()
        if self._token_dir is not None:
            self._token_dir.cleanup()


def open_connection(
    options: RunOptions,
    environment: Environment,
    masker: Masker,
    notify: Callable[[str], None],
    transport: httpx.BaseTransport | None = None,
) -> Connection:
    """Build the run's client (and start the sandbox when the env files ask for it)."""
    import httpx

    from .auth.manager import TokenManager
    from .auth.store import TokenStore
    from .executor import build_client
    from .ratelimit import PacingTransport

    sandbox = _start_sandbox(environment)
    inner = transport or httpx.HTTPTransport(verify=not options.insecure)
    token_dir = None
    if sandbox is not None:
        from .sandbox import SandboxTransport

        inner = SandboxTransport(sandbox.base_url, inner=inner)
        notify(
            "sandbox: https://*.cafe24api.com requests go to the bundled cafe24 sandbox at "
            + sandbox.base_url
        )
        # Sandbox tokens die with the sandbox: keep them out of the user's store.
        token_dir = tempfile.TemporaryDirectory(prefix="httprun-sandbox-")
        store = TokenStore(Path(token_dir.name) / "tokens.json")
    else:
        store = TokenStore.from_settings(environment.settings)
    # The pacer models the bucket's drain: the sandbox's is HTTPRUN_SANDBOX_BUCKET_RATE, not
    # cafe24's 2 calls a second, or pacing would run into 429s (slower rates) or wait too long.
    drain = sandbox.settings.bucket_rate if sandbox is not None else 2.0
    paced = PacingTransport(
        inner, max_retries=options.max_retries, notify=notify, drain_per_second=drain
    )
    client = build_client(insecure=options.insecure, timeout=options.timeout, transport=paced)
    interactive = stdin_is_terminal() if options.interactive is None else options.interactive
    tokens = TokenManager(
        store=store,
        client=client,
        interactive=interactive,
        open_browser=options.open_browser,
        notify=_announce_login(notify, sandbox is not None),
        prompt=_prompt if interactive else None,
        consent=_sandbox_consent(sandbox, client) if sandbox is not None else None,
        masker=masker,
    )
    return Connection(client, tokens, sandbox, token_dir)


def _announce_login(notify: Callable[[str], None], sandbox: bool) -> Callable[[str], None]:
    if sandbox:
        return lambda url: notify(f"logging in on the sandbox's consent page: {url}")
    return lambda url: notify(f"log in to authorize httprun (the browser opens it): {url}")


def _sandbox_consent(sandbox: Sandbox, client: httpx.Client) -> Callable[[str], str]:
    """Approve the sandbox's consent page as its user would: no person needed."""
    from .sandbox import approve_consent

    settings = sandbox.settings

    def consent(authorize_url: str) -> str:
        return approve_consent(
            client, authorize_url, user=settings.user, password=settings.password
        )

    return consent


def _start_sandbox(environment: Environment) -> Sandbox | None:
    kind = environment.settings.get(SANDBOX_SETTING, "").strip().lower()
    if not kind:
        return None
    if kind not in SANDBOX_KINDS:
        raise EnvError(
            f"{SANDBOX_SETTING}={kind!r} is not a sandbox httprun has",
            hint=f"use {SANDBOX_SETTING}=cafe24, or remove the line to use the real servers",
        )
    from .sandbox import Sandbox, SandboxSettings

    sandbox = Sandbox(SandboxSettings.from_mapping(environment.settings))
    sandbox.start()
    return sandbox


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # a closed stdin
        return False


def _prompt(message: str) -> str:
    sys.stderr.write(message)
    sys.stderr.flush()
    return sys.stdin.readline().strip()
