"""``TokenManager``: one per run; gives each request a usable token (FORMAT.md, Auth steps 1-4).

1. the access token in memory or in the store while it has more than 60 s left;
2. else a refresh with the stored (or seeded) refresh token; the new pair goes to the store
   before anything else happens, because cafe24 has already killed the old refresh token;
3. else, when a person is at the terminal (or a consent hook stands in for one), the
   authorization-code flow;
4. else an :class:`AuthError` that says how to log in or seed a refresh token.

Steps 1-2 run under two locks: a per-profile thread lock (threads of one run) and the store's
file lock (other httprun processes). Whoever waits re-reads the store afterwards and takes the
token the first one stored, so one refresh token is never used twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from ..errors import AuthError
from ..masking import Masker
from .authorize import DEFAULT_LOGIN_TIMEOUT, run_authorization_code_flow
from .endpoints import TokenRefused, refresh_access_token, revoke_token
from .profiles import Profile
from .store import TokenStore
from .tokens import Token, format_time, utc_now

DEFAULT_LOGIN_COMMAND = "httprun auth login --env ENVFILE"
# The provider's word for "this refresh token (or code) is expired, used or revoked".
_DEAD_GRANT = "invalid_grant"
# Revoking a token the provider already forgot is not a failure of logging out.
_ALREADY_DEAD = frozenset({"invalid_grant", "invalid_token"})


class TokenManager:
    """Tokens for the profiles of one run; safe to share between threads."""

    def __init__(
        self,
        *,
        store: TokenStore,
        client: httpx.Client,
        interactive: bool,
        open_browser: bool = True,
        notify: Callable[[str], None],
        prompt: Callable[[str], str] | None = None,
        consent: Callable[[str], str] | None = None,
        masker: Masker | None = None,
        login_timeout: float = DEFAULT_LOGIN_TIMEOUT,
        login_command: str = DEFAULT_LOGIN_COMMAND,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """``client`` talks to the token endpoints (give it no auth of its own);
        ``login_command`` is what errors tell people to run (the CLI passes the real ``--env``)."""
        self.store = store
        self._client = client
        self._interactive = interactive
        self._open_browser = open_browser
        self._notify = notify
        self._prompt = prompt
        self._consent = consent
        self._masker = masker
        self._login_timeout = login_timeout
        self._login_command = login_command
        self._clock = clock
        self._guard = threading.Lock()
        self._profile_locks: dict[str, threading.RLock] = {}
        self._cache: dict[str, Token] = {}

    def token_for(self, profile: Profile) -> Token:
        """A token with more than 60 s left (or of unknown lifetime) for ``profile``."""
        with self._profile_lock(profile):
            cached = self._cache.get(profile.store_key)
            if cached is not None and cached.is_fresh(self._clock()):
                return cached
            return self._obtain(profile, refused=lambda token: False)

    def refresh(self, profile: Profile, stale: Token | None = None) -> Token:
        """A token other than ``stale`` (which the API refused with 401).

        When another thread or process has already stored a newer token, that one is returned
        without a second refresh. ``stale=None`` forces a refresh of whatever is stored.
        """
        with self._profile_lock(profile):
            if stale is None:
                return self._obtain(profile, refused=lambda token: True)
            return self._obtain(
                profile, refused=lambda token: token.access_token == stale.access_token
            )

    def login(self, profile: Profile) -> Token:
        """Always the authorization-code flow; the new token replaces the stored one."""
        with self._profile_lock(profile):
            self._learn_client(profile)
            token = run_authorization_code_flow(
                profile,
                client=self._client,
                notify=self._notify,
                prompt=self._prompt,
                consent=self._consent,
                open_browser=self._open_browser,
                timeout=self._login_timeout,
                clock=self._clock,
            )
            with self.store.lock():
                self.store.put(profile, token)
            self._keep(profile, token)
            return token

    def logout(self, profile: Profile) -> bool:
        """Revoke the stored tokens at the provider (when it has a revoke endpoint) and delete
        the entry. Returns False when nothing was stored.

        The entry is deleted even when revoking fails; the :class:`AuthError` then says so.
        """
        with self._profile_lock(profile), self.store.lock():
            self._cache.pop(profile.store_key, None)
            stored = self.store.get(profile)
            if stored is None:
                return False
            self._learn(stored)
            failure = self._revoke(profile, stored)
            self.store.delete(profile)
        if failure is not None:
            raise AuthError(
                f"deleted the stored token for {profile.label}, but revoking it failed: "
                f"{failure.message}",
                profile.span,
                hint="it expires by itself; or revoke the app's access in the mall's admin",
            )
        return True

    def status(self, profile: Profile) -> dict[str, Any]:
        """What is stored for ``profile``: who, which scopes, until when. Never a token."""
        stored = self.store.get(profile)
        now = self._clock()
        status: dict[str, Any] = {
            "profile": profile.name,
            "label": profile.label,
            "mall_id": profile.mall_id,
            "client_id": profile.client_id,
            "token_url": profile.token_url,
            "store": str(self.store.path),
            "stored": stored is not None,
        }
        if stored is not None:
            self._learn(stored)
            status.update(
                scopes=list(stored.scopes),
                user_id=stored.user_id,
                shop_no=stored.shop_no,
                expires_at=format_time(stored.expires_at),
                refresh_expires_at=format_time(stored.refresh_expires_at),
                access_token_valid=stored.is_fresh(now),
                refresh_token_valid=stored.can_refresh(now),
            )
        return status

    # -- the steps -------------------------------------------------------------------------

    def _obtain(self, profile: Profile, refused: Callable[[Token], bool]) -> Token:
        """Steps 1-4 from the store on. ``refused(token)`` marks a token the API turned down."""
        problem = ""
        self._learn_client(profile)
        with self.store.lock():
            stored = self.store.get(profile)
            if stored is None:
                stored = self._seed(profile)
            # At most two tries: the stored refresh token, then a different seeded one.
            while stored is not None:
                self._learn(stored)
                now = self._clock()
                if stored.is_fresh(now) and not refused(stored):
                    self._keep(profile, stored)
                    return stored
                if not stored.can_refresh(now):
                    if stored.refresh_token:
                        expired = format_time(stored.refresh_expires_at)
                        problem = f"the stored refresh token expired at {expired}"
                    else:
                        problem = (
                            "the access token is no longer usable and there is no refresh token"
                        )
                    break
                try:
                    fresh = refresh_access_token(self._client, profile, stored, now=now)
                except TokenRefused as refusal:
                    if refusal.error_code != _DEAD_GRANT or refusal.blames_client:
                        raise  # e.g. a wrong client_secret: the refresh token itself may be fine
                    # That refresh token is dead for good: keep no entry that pretends otherwise.
                    self.store.delete(profile)
                    problem = f"the stored refresh token was refused: {refusal.detail}"
                    retry = self._seed(profile)
                    dead = stored.refresh_token
                    stored = retry if retry is not None and retry.refresh_token != dead else None
                    continue
                # Rotation: the old refresh token is dead now, so store the new pair first.
                self.store.put(profile, fresh)
                self._keep(profile, fresh)
                return fresh
        if self._interactive or self._consent is not None:
            return self.login(profile)
        raise AuthError(
            f"no token for {profile.label}: run `{self._login_command}`, "
            "or set a refresh_token variable (e.g. in CI secrets)",
            profile.span,
            label=problem or "nothing is stored",
            hint="a refresh_token variable seeds an empty token store; "
            "cafe24 refresh tokens live two weeks and change with every refresh",
        )

    def _seed(self, profile: Profile) -> Token | None:
        """Fill an empty entry from the ``refresh_token`` / ``access_token`` variables."""
        seed = profile.seed
        if seed is None:
            return None
        token = Token(
            access_token=seed.access_token,
            refresh_token=seed.refresh_token,
            scopes=profile.requested_scopes,
            mall_id=profile.mall_id,
        )
        self.store.put(profile, token)
        return token

    def _revoke(self, profile: Profile, stored: Token) -> AuthError | None:
        if profile.revoke_url is None:
            return None
        now = self._clock()
        pairs = []
        if stored.access_token and stored.is_fresh(now, margin=timedelta(0)):
            pairs.append((stored.access_token, "access_token"))
        if stored.can_refresh(now):
            assert stored.refresh_token is not None
            pairs.append((stored.refresh_token, "refresh_token"))
        for value, hint in pairs:
            try:
                revoke_token(self._client, profile, value, hint)
            except TokenRefused as refusal:
                if refusal.error_code not in _ALREADY_DEAD or refusal.blames_client:
                    return refusal
            except AuthError as error:
                return error
        return None

    # -- bookkeeping -----------------------------------------------------------------------

    def _profile_lock(self, profile: Profile) -> threading.RLock:
        with self._guard:
            lock = self._profile_locks.get(profile.store_key)
            if lock is None:
                lock = self._profile_locks[profile.store_key] = threading.RLock()
            return lock

    def _keep(self, profile: Profile, token: Token) -> None:
        self._learn(token)
        self._cache[profile.store_key] = token

    def _learn(self, token: Token) -> None:
        if self._masker is None:
            return
        for value in (token.access_token, token.refresh_token):
            if value:
                self._masker.add(value)

    def _learn_client(self, profile: Profile) -> None:
        if self._masker is not None:
            self._masker.add_basic_credentials(profile.client_id, profile.client_secret)
