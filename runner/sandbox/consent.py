"""The login-and-consent page a mall admin sees at ``/api/v2/oauth/authorize``.

A real page, usable in a browser: it lists the scopes asked for, takes the admin's user id and
password, and posts back with Approve or Deny. Everything echoed into it is HTML-escaped.
``approve.py`` drives the same form without a browser.
"""

from __future__ import annotations

from html import escape

from .scopes import describe_scope

# Field names shared with approve.py's form filler.
USER_FIELD = "user_id"
PASSWORD_FIELD = "password"
DECISION_FIELD = "decision"
APPROVE = "approve"
DENY = "deny"

_STYLE = """
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;color:#1d2129}
main{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;
box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.3rem;margin-top:0}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;
border:1px solid #c4c8cf;border-radius:4px}
.buttons{margin-top:1.4rem;display:flex;gap:.6rem}
button{padding:.55rem 1.2rem;border-radius:4px;border:1px solid #c4c8cf;background:#fff;
cursor:pointer}
button.primary{background:#2f5bea;border-color:#2f5bea;color:#fff}
.error{color:#b3261e;font-weight:600}
.note{color:#5f6673;font-size:.9rem}
code{background:#f0f1f3;padding:0 .2rem;border-radius:3px}
"""


def render_consent_page(
    *,
    mall_id: str,
    client_id: str,
    scopes: tuple[str, ...],
    hidden: dict[str, str],
    user_id: str = "",
    error: str = "",
    login_hint: str = "",
) -> str:
    """The page; ``hidden`` carries the authorization request through the form post."""
    scope_items = "\n".join(
        f"<li><code>{escape(scope)}</code> {escape(describe_scope(scope))}</li>" for scope in scopes
    )
    hidden_inputs = "\n".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in hidden.items()
    )
    error_block = f'<p class="error" id="error" role="alert">{escape(error)}</p>' if error else ""
    hint_block = f'<p class="note" id="login-hint">{escape(login_hint)}</p>' if login_hint else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorize {escape(client_id)} for {escape(mall_id)} (cafe24 sandbox)</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>Authorize an app for mall <code>{escape(mall_id)}</code></h1>
<p>The app <code id="client-id">{escape(client_id)}</code> asks for these permissions:</p>
<ul id="scopes">
{scope_items}
</ul>
{error_block}
<form method="post" action="/api/v2/oauth/authorize" id="consent">
{hidden_inputs}
<label for="{USER_FIELD}">Admin user id</label>
<input type="text" id="{USER_FIELD}" name="{USER_FIELD}" value="{escape(user_id)}"
 autocomplete="username" required autofocus>
<label for="{PASSWORD_FIELD}">Password</label>
<input type="password" id="{PASSWORD_FIELD}" name="{PASSWORD_FIELD}"
 autocomplete="current-password" required>
<div class="buttons">
<button type="submit" class="primary" id="approve"
 name="{DECISION_FIELD}" value="{APPROVE}">Approve</button>
<button type="submit" id="deny"
 name="{DECISION_FIELD}" value="{DENY}" formnovalidate>Deny</button>
</div>
</form>
{hint_block}
<p class="note">This is httprun's offline cafe24 sandbox: no real mall is touched.</p>
</main>
</body>
</html>
"""
