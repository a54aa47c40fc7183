"""``httprun auth login|refresh|status|logout``: the typer sub-app (``app.add_typer(auth_app)``).

Each command loads the env files and ``--var`` pins as a run does, builds the profile and the
token manager (``auth.factory``, as a run does), and calls the matching function of
``auth.commands``. The login URL, notes and prompts go to stderr, results to stdout; Ctrl-C
exits 130. The bundled sandbox (``HTTPRUN_SANDBOX`` in an env file) is refused: runs log in to
it by themselves, and its throw-away tokens do not belong in the per-user store.

This module is the command line's, beside ``cli``: ``auth/`` does not import the run's wiring.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .cli_options import EnvOpt, TracebackOpt, VarOpt, check_env_files, parse_vars
from .errors import EXIT_INTERRUPTED, HttprunError, UsageError

if TYPE_CHECKING:
    from .auth.manager import TokenManager
    from .auth.profiles import Profile

auth_app = typer.Typer(
    name="auth",
    help="Log in to cafe24 (or any OAuth2 provider) and manage the stored tokens.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ProfileOpt = Annotated[
    str, typer.Option("--profile", "-p", help="The auth profile: cafe24 or oauth2.")
]


@auth_app.command("login")
def login_command(
    env: EnvOpt = None,
    var: VarOpt = None,
    profile: ProfileOpt = "cafe24",
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the login URL; do not open a browser.")
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout", help="Seconds to wait for the login (1 to 86400).", min=1, max=86_400
        ),
    ] = 300.0,
    traceback: TracebackOpt = False,
) -> None:
    """Log in with the browser (authorization code) and store the token."""
    from .auth import commands

    if math.isnan(timeout):  # click's range check lets NaN through
        raise typer.BadParameter("is not a number of seconds", param_hint="'--timeout'")
    _run(env, var, profile, commands.login, open_browser=not no_browser, login_timeout=timeout)


@auth_app.command("refresh")
def refresh_command(
    env: EnvOpt = None,
    var: VarOpt = None,
    profile: ProfileOpt = "cafe24",
    traceback: TracebackOpt = False,
) -> None:
    """Refresh the stored token now (cafe24 hands out a new refresh token too)."""
    from .auth import commands

    # Never a browser here: a refresh that cannot be done says so and points at `auth login`.
    _run(env, var, profile, commands.refresh, interactive=False)


@auth_app.command("status")
def status_command(
    env: EnvOpt = None,
    var: VarOpt = None,
    profile: ProfileOpt = "cafe24",
    as_json: Annotated[bool, typer.Option("--json", help="Print the facts as JSON.")] = False,
    traceback: TracebackOpt = False,
) -> None:
    """Show the stored token's mall, scopes and expiry times (never the token)."""
    from .auth import commands

    def show(profile: Profile, manager: TokenManager) -> str:
        facts = commands.status(profile, manager)
        if as_json:
            return json.dumps(facts, indent=2)
        return "\n".join(commands.describe_status(facts))

    # Status only reads the store: no client_secret needed (logout's revoke does need it).
    _run(env, var, profile, show, interactive=False, require_secret=False)


@auth_app.command("logout")
def logout_command(
    env: EnvOpt = None,
    var: VarOpt = None,
    profile: ProfileOpt = "cafe24",
    traceback: TracebackOpt = False,
) -> None:
    """Revoke the stored token at the provider and delete it."""
    from .auth import commands

    _run(env, var, profile, commands.logout, interactive=False)


def _run(
    env_files: list[str] | None,
    pins: list[str] | None,
    profile_name: str,
    action: Callable[[Profile, TokenManager], str],
    *,
    interactive: bool | None = None,
    open_browser: bool = True,
    login_timeout: float = 300.0,
    require_secret: bool = True,
) -> None:
    from .auth.factory import make_token_manager
    from .auth.profiles import profile_from_variables
    from .connect import SANDBOX_SETTING, NetworkTransport
    from .env import load_env_files
    from .errors import render_error
    from .executor import build_client
    from .masking import Masker

    masker = Masker()

    def note(text: str) -> None:
        typer.echo(_shown(f"note: {masker.mask(text)}"), err=True)

    try:
        _check_profile_name(profile_name)
        check_env_files(env_files)
        environment = load_env_files(env_files or [])
        if environment.settings.get(SANDBOX_SETTING, "").strip():
            raise UsageError(
                "these env files run against the bundled sandbox (HTTPRUN_SANDBOX): runs log in "
                "there by themselves, so there is no token to manage",
                hint="`httprun auth` manages tokens for a real mall, e.g. --env envs/dev.env",
            )
        variables: dict[str, Any] = {**environment.values, **parse_vars(pins)}
        for name, value in variables.items():
            masker.add_variable(name, value)
        profile = profile_from_variables(
            profile_name, variables.get, None, require_secret=require_secret
        )
        # A run's client (its User-Agent, the environment's proxies), without pacing.
        with build_client(transport=NetworkTransport(insecure=False), timeout=30.0) as client:
            manager = make_token_manager(
                client,
                settings=environment.settings,
                notify=note,
                masker=masker,
                interactive=interactive,
                open_browser=open_browser,
                login_timeout=login_timeout,
                login_command=_login_command(env_files or [], profile_name),
            )
            output = action(profile, manager)
    except HttprunError as error:
        from .reporters.console import wants_colour

        # Masked with what was learnt (client_secret, tokens), should a provider echo one; the
        # colours are added around the shown text, so they survive _shown.
        rendered = render_error(
            error, mask=lambda text: _shown(masker.mask(text)), color=wants_colour(sys.stderr)
        )
        typer.echo(rendered, err=True)
        raise typer.Exit(error.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("\ncancelled (Ctrl-C)", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    typer.echo(_shown(masker.mask(output)))


def _shown(text: str) -> str:
    """``text`` fit for a terminal: what a provider wrote (an error description, a user id)
    may carry escape sequences that would recolour or retitle it. Applied after masking."""
    from .reporters.exchange_text import printable

    return "\n".join(printable(line) for line in text.split("\n"))


def _check_profile_name(name: str) -> None:
    """An unknown ``--profile`` is a bad command line (exit 2), not a failed login."""
    from .auth.profiles import PROFILE_NAMES
    from .directives import did_you_mean

    if name not in PROFILE_NAMES:
        raise UsageError(
            f"unknown auth profile '{name}'",
            label=f"the profiles are {' and '.join(PROFILE_NAMES)}"
            f"{did_you_mean(name, PROFILE_NAMES)}",
            hint="pass --profile cafe24 (the default) or --profile oauth2",
        )


def _login_command(env_files: list[str], profile_name: str) -> str:
    parts = ["httprun auth login", *(f"--env {path}" for path in env_files)]
    if profile_name != "cafe24":
        parts.append(f"--profile {profile_name}")
    return " ".join(parts) if env_files else "httprun auth login --env ENVFILE"
