"""What ``httprun auth login|refresh|status|logout`` do, as plain functions that return text.

They take a :class:`Profile` and a :class:`TokenManager` and print nothing; the CLI shows what
they return. No token ever appears in what they return.
"""

from __future__ import annotations

from typing import Any

from .manager import TokenManager
from .profiles import Profile
from .tokens import Token, format_time


def login(profile: Profile, manager: TokenManager) -> str:
    """Run the authorization-code flow and store the new token."""
    token = manager.login(profile)
    return f"logged in to {profile.label}: {_describe(token)}"


def refresh(profile: Profile, manager: TokenManager) -> str:
    """Refresh the stored token now, whatever time it has left."""
    token = manager.refresh(profile)
    return f"refreshed the token for {profile.label}: {_describe(token)}"


def status(profile: Profile, manager: TokenManager) -> dict[str, Any]:
    """The stored token's facts (see :meth:`TokenManager.status`)."""
    return manager.status(profile)


def describe_status(facts: dict[str, Any]) -> list[str]:
    """``status()``'s facts as lines for people."""
    lines = [f"{facts['label']}: client {facts['client_id']}, store {facts['store']}"]
    if not facts["stored"]:
        lines.append("  no token stored: run `httprun auth login --env FILE`")
        return lines
    access = "valid" if facts["access_token_valid"] else "expired"
    refresh_state = "valid" if facts["refresh_token_valid"] else "expired"
    lines.append(f"  access token:  {access}, expires {facts['expires_at'] or 'unknown'}")
    lines.append(
        f"  refresh token: {refresh_state}, expires {facts['refresh_expires_at'] or 'unknown'}"
    )
    lines.append(f"  scopes: {' '.join(facts['scopes']) or '(none reported)'}")
    if facts.get("user_id"):
        lines.append(f"  user: {facts['user_id']}")
    return lines


def logout(profile: Profile, manager: TokenManager) -> str:
    """Revoke the stored token at the provider and forget it."""
    if not manager.logout(profile):
        return f"no token was stored for {profile.label}"
    revoked = "revoked and deleted" if profile.revoke_url else "deleted (no revoke_url to call)"
    return f"logged out of {profile.label}: token {revoked}"


def _describe(token: Token) -> str:
    scopes = " ".join(token.scopes) or "(none reported)"
    expires = format_time(token.expires_at) or "unknown"
    refresh_expires = format_time(token.refresh_expires_at) or "unknown"
    return f"scopes {scopes}; access token until {expires}, refresh token until {refresh_expires}"
