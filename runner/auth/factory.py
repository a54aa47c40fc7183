"""The one place a :class:`TokenManager` is put together, for a run (``connect``) and for
``httprun auth`` alike: which store, whether a person can be asked, and what people are told.

The caller brings the client and ``notify``, its way of showing people one line (a run's
``note:``, the auth command's stderr); nothing here imports the run's wiring.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, urlsplit

import httpx

from ..masking import Masker
from .authorize import DEFAULT_LOGIN_TIMEOUT
from .listener import loopback_target
from .manager import DEFAULT_LOGIN_COMMAND, TokenManager
from .store import TokenStore


def make_token_manager(
    client: httpx.Client,
    *,
    settings: Mapping[str, str],
    notify: Callable[[str], None],
    masker: Masker | None = None,
    interactive: bool | None = None,
    open_browser: bool = True,
    store: TokenStore | None = None,
    consent: Callable[[str], str] | None = None,
    login_timeout: float = DEFAULT_LOGIN_TIMEOUT,
    login_command: str = DEFAULT_LOGIN_COMMAND,
) -> TokenManager:
    """A token manager over ``client``.

    - ``interactive=None``: a person is there when stdin is a terminal; only then is one asked
      to paste a redirect URL.
    - ``store=None``: the store ``settings`` name (``HTTPRUN_TOKEN_STORE``, else the per-user
      one); permissions it fixes are told to ``notify``.
    - ``consent``: approves the consent page without a person (the bundled sandbox's).
    """
    if interactive is None:
        interactive = stdin_is_terminal()
    if store is None:
        store = TokenStore.from_settings(settings, notice=notify)
    return TokenManager(
        store=store,
        client=client,
        interactive=interactive,
        open_browser=open_browser,
        notify=login_announcer(
            notify, open_browser=open_browser, timeout=login_timeout, by_hook=consent is not None
        ),
        prompt=ask_at_terminal if interactive else None,
        consent=consent,
        masker=masker,
        login_timeout=login_timeout,
        login_command=login_command,
    )


def login_announcer(
    notify: Callable[[str], None], *, open_browser: bool, timeout: float, by_hook: bool
) -> Callable[[str], None]:
    """What people are told when a login starts: the authorize URL, how long httprun waits for
    the browser to come back, and that Ctrl-C cancels."""

    def announce(url: str) -> None:
        if by_hook:
            notify(f"logging in on the sandbox's consent page: {url}")
            return
        how = "the browser opens it" if open_browser else "open it in a browser"
        notify(f"log in to authorize httprun ({how}): {url}")
        # The URL is authorize.build_authorize_url's: it always carries the redirect_uri.
        redirect = parse_qs(urlsplit(url).query).get("redirect_uri", [""])[-1]
        target = loopback_target(redirect)
        if target is None:
            notify("then paste the URL the browser is sent to when asked; Ctrl-C cancels")
            return
        if target.scheme == "https":
            notify(
                f"the browser will warn about the certificate of {redirect}: httprun made it just "
                "now for this login; accept the warning to let the login finish"
            )
        notify(
            f"waiting up to {describe_seconds(timeout)} for the browser to come back to "
            f"{redirect}; Ctrl-C cancels"
        )

    return announce


def describe_seconds(seconds: float) -> str:
    """``300`` → ``5 min``, ``90`` → ``90 s``: how long, in the unit people count it in."""
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # a closed stdin
        return False


def ask_at_terminal(question: str) -> str:
    """Ask on stderr (stdout may be piped) and read the answer from stdin."""
    sys.stderr.write(f"{question}: ")
    sys.stderr.flush()
    return sys.stdin.readline().strip()
