"""Do what a person does on the sandbox's consent page, so sandbox runs need nobody at a browser:
open the page, fill in the login, press Approve, and read where the browser would be sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

from ..errors import AuthError, TransportError
from ..jsonvalues import decode_json
from .consent import APPROVE


@dataclass(slots=True)
class _Form:
    action: str = ""
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)
    user_field: str | None = None
    password_field: str | None = None
    approve: tuple[str, str] | None = None  # the Approve button's name and value


# The client may carry httprun's own OAuth flow, which must not run on the consent page itself.
_NO_AUTH = httpx.Auth()


class _FormReader(HTMLParser):
    """The first form of a page, and the text of its ``#error`` element."""

    def __init__(self) -> None:
        super().__init__()
        self.form: _Form | None = None
        self.error = ""
        self._in_form = False
        self._in_error = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if attributes.get("id") == "error":
            self._in_error = True
        if tag == "form" and self.form is None:
            self.form = _Form(attributes.get("action", ""), attributes.get("method", "get").lower())
            self._in_form = True
            return
        form = self.form
        if not self._in_form or form is None:
            return
        name = attributes.get("name", "")
        kind = attributes.get("type", "text" if tag == "input" else "submit").lower()
        if tag == "input" and name:
            if kind == "hidden":
                form.fields[name] = attributes.get("value", "")
            elif kind == "password":
                form.password_field = form.password_field or name
            elif kind in ("text", "email") and form.user_field is None:
                form.user_field = name
        elif tag == "button" and kind == "submit" and attributes.get("value") == APPROVE:
            form.approve = (name, APPROVE)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        if tag == "p":
            self._in_error = False

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.error += data


def approve_consent(client: httpx.Client, authorize_url: str, *, user: str, password: str) -> str:
    """Log in as ``user`` and approve; return the URL the browser would then be sent to:
    ``{redirect_uri}?code=...&state=...``, or with ``error=...`` when the request is refused
    (an unknown scope, say). The final redirect is not followed.

    Raises :class:`AuthError` when the page cannot be used (a redirect_uri the app does not have,
    a wrong login) and :class:`TransportError` when the sandbox cannot be reached.
    """
    try:
        page = client.get(authorize_url, follow_redirects=False, auth=_NO_AUTH)
        if page.is_redirect:
            return _location(page)
        if page.status_code != 200:
            raise AuthError(f"the authorize page answered {_describe(page)}")
        reader = _FormReader()
        reader.feed(page.text)
        form = reader.form
        if form is None or form.user_field is None or form.password_field is None:
            raise AuthError("the authorize page has no login form (is this the httprun sandbox?)")
        data = dict(form.fields)
        data[form.user_field] = user
        data[form.password_field] = password
        if form.approve is not None:
            data[form.approve[0]] = form.approve[1]
        target = urljoin(str(page.url), form.action)
        if form.method == "post":
            answer = client.post(target, data=data, follow_redirects=False, auth=_NO_AUTH)
        else:
            answer = client.get(target, params=data, follow_redirects=False, auth=_NO_AUTH)
    except httpx.HTTPError as failed:
        raise TransportError(f"cannot reach the sandbox's consent page: {failed}") from None
    if answer.is_redirect:
        return _location(answer)
    refused = _FormReader()
    refused.feed(answer.text)
    reason = refused.error.strip() or _describe(answer)
    raise AuthError(
        f"the sandbox consent page did not approve: {reason}",
        hint="check the sandbox login (HTTPRUN_SANDBOX_USER / HTTPRUN_SANDBOX_PASSWORD)",
    )


def _location(response: httpx.Response) -> str:
    return urljoin(str(response.url), str(response.headers.get("location", "")))


def _describe(response: httpx.Response) -> str:
    """``400 invalid_request: ...`` for an OAuth error body, else the status alone."""
    try:
        body = decode_json(response.text)
    except ValueError:
        body = None
    if isinstance(body, dict) and "error" in body:
        error = body["error"]
        if isinstance(error, dict):
            return f"{response.status_code} {error.get('message', '')}".strip()
        return f"{response.status_code} {error}: {body.get('error_description', '')}".strip()
    return f"{response.status_code} {response.reason_phrase}"
