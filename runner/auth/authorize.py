"""The OAuth2 authorization-code flow (RFC 6749 §4.1), as FORMAT.md's Auth step 3 runs it.

1. A random ``state`` and the authorize URL (``response_type=code``, ``client_id``, ``state``,
   ``redirect_uri``, ``scope`` passed through as the user wrote it, URL-encoded).
2. The URL always goes to ``notify`` (the CLI prints it); the browser opens it (``webbrowser``,
   so ``$BROWSER`` is honoured) unless told not to.
3. The redirect comes back through the one-shot loopback listener when ``redirect_uri`` is
   127.0.0.1 / ::1 / localhost, else the person pastes it at ``prompt`` (also when the listener
   cannot bind its port: the browser then shows an error page whose address still holds the
   code). A ``consent`` hook, when
   given, replaces browser and listener: it takes the authorize URL and returns the redirect URL
   (httprun's sandbox mode approves consent that way).
4. ``state`` is checked, ``error=`` becomes an :class:`AuthError` with the provider's words, and
   the code is exchanged at once: cafe24's codes live one minute.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx

from ..errors import AuthError
from .endpoints import exchange_code
from .listener import ListenerUnavailable, LoopbackListener, loopback_target
from .profiles import Profile
from .tokens import Token, utc_now

DEFAULT_LOGIN_TIMEOUT = 300.0
PASTE_PROMPT = "Paste the URL your browser was sent to after you approved (from its address bar)"


def new_state() -> str:
    return secrets.token_urlsafe(24)


def build_authorize_url(profile: Profile, state: str) -> str:
    """The provider's authorize URL for ``profile`` with ``state``."""
    profile.check_can_log_in()
    assert profile.authorize_url is not None and profile.redirect_uri is not None
    params = [
        ("response_type", "code"),
        ("client_id", profile.client_id),
        ("state", state),
        ("redirect_uri", profile.redirect_uri),
    ]
    if profile.scope:
        params.append(("scope", profile.scope))
    separator = "&" if urlsplit(profile.authorize_url).query else "?"
    # quote, not quote_plus: "%20" is read as a space by every provider, "+" not by all.
    return profile.authorize_url + separator + urlencode(params, quote_via=quote)


def read_redirect(url: str, *, state: str, profile: Profile) -> str:
    """The code in the redirect URL ``url``, after checking ``state`` and ``error``.

    ``url`` may be the whole URL or only its query (``code=...&state=...``).
    """
    text = url.strip()
    query = urlsplit(text).query if "?" in text else text
    values = {key: items[-1] for key, items in parse_qs(query, keep_blank_values=True).items()}
    if "error" in values:
        description = values.get("error_description", "")
        detail = f"{values['error']}: {description}" if description else values["error"]
        hint = "check scope against the scopes the app has" if "scope" in detail else ""
        raise AuthError(
            f"{profile.label} refused the authorization: {detail}", profile.span, hint=hint
        )
    got = values.get("state")
    if got is None:
        raise AuthError(
            "the redirect URL has no 'state'",
            profile.span,
            hint="paste the whole URL the browser was sent to, including ?code=...&state=...",
        )
    if not secrets.compare_digest(got.encode(), state.encode()):
        raise AuthError(
            "the redirect's state does not match this login (an old browser tab, or a request "
            "httprun did not start); nothing was exchanged",
            profile.span,
            hint="log in again and approve in the tab that login opens",
        )
    code = values.get("code")
    if not code:
        raise AuthError(
            "the redirect URL has no 'code'",
            profile.span,
            hint="paste the whole URL the browser was sent to, including ?code=...&state=...",
        )
    return code


def run_authorization_code_flow(
    profile: Profile,
    *,
    client: httpx.Client,
    notify: Callable[[str], None],
    prompt: Callable[[str], str] | None = None,
    consent: Callable[[str], str] | None = None,
    open_browser: bool = True,
    timeout: float = DEFAULT_LOGIN_TIMEOUT,
    clock: Callable[[], datetime] = utc_now,
) -> Token:
    """Log in with the authorization-code flow and return the new token (not stored here).

    Raises :class:`AuthError` when variables are missing, the person refuses, ``state`` does not
    match, nobody answers within ``timeout`` seconds, or the code exchange fails.
    """
    state = new_state()
    url = build_authorize_url(profile, state)
    deadline = time.monotonic() + timeout

    def read(redirect: str) -> str:
        return read_redirect(redirect, state=state, profile=profile)

    if consent is not None:
        notify(url)
        code = read(consent(url))
    else:
        code = _code_from_browser(
            profile,
            url,
            read,
            notify=notify,
            prompt=prompt,
            open_browser=open_browser,
            deadline=deadline,
        )
    return exchange_code(client, profile, code, now=clock())


def _code_from_browser(
    profile: Profile,
    url: str,
    read: Callable[[str], str],
    *,
    notify: Callable[[str], None],
    prompt: Callable[[str], str] | None,
    open_browser: bool,
    deadline: float,
) -> str:
    """The code, through the loopback listener when redirect_uri allows one, else pasted."""
    assert profile.redirect_uri is not None
    question = PASTE_PROMPT
    with contextlib.ExitStack() as stack:
        listener: LoopbackListener | None = None
        target = loopback_target(profile.redirect_uri)
        if target is not None:
            try:
                # Bind before the browser opens, so the redirect never meets a closed port.
                listener = stack.enter_context(LoopbackListener(target, read, span=profile.span))
            except ListenerUnavailable as unavailable:
                if prompt is None:
                    raise
                # The browser will show "cannot connect", but its address bar holds the code.
                question = f"{unavailable.message}.\n{PASTE_PROMPT}"
        elif prompt is None:
            raise AuthError(
                f"redirect_uri {profile.redirect_uri} is not a loopback address, and there is "
                "no terminal to paste the redirect into",
                profile.span,
                hint="run `httprun auth login` in a terminal, or use a loopback redirect_uri "
                "such as https://127.0.0.1:8765/callback",
            )
        notify(url)
        if open_browser:
            open_in_browser(url)
        if listener is not None:
            return listener.wait(deadline)
        assert prompt is not None
        code = read(prompt(question))
        if time.monotonic() > deadline:
            raise AuthError(
                "the login took too long",
                profile.span,
                hint="log in again and paste the URL sooner (the code lives one minute)",
            )
        return code


def open_in_browser(url: str) -> None:
    """Open ``url`` without waiting: ``webbrowser`` runs a ``$BROWSER`` command to completion,
    and a browser that stays open would otherwise block the listener."""
    import webbrowser

    def run() -> None:
        with contextlib.suppress(webbrowser.Error, OSError):
            webbrowser.open(url)

    threading.Thread(target=run, name="httprun-browser", daemon=True).start()
