"""The credentials of a curl command, taken out of the request text it becomes.

Each value (an ``Authorization``, ``Cookie`` or API-key header's, ``-u``'s password, a
secret-named query, form or JSON value) becomes a ``<<variable>>`` whose value the report says to
put in an env file; the value itself is never written or printed. Values are kept as written
(a query value still percent-encoded), so the request sends the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import unquote

from ..errors import UsageError
from ..masking import Masker, is_secret_name
from .names import as_identifier
from .report import ImportReport

_ENV_FILE = "envs/NAME.local.env"
_TOKEN_SCHEMES = ("bearer", "token")


class Credentials:
    """The credentials taken out of one command: ``hidden`` maps each value to its variable."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.hidden: dict[str, str] = {}
        self.reserved: set[str] = set()  # variables for values the command does not hold

    def by_variable(self) -> dict[str, str]:
        return {variable: value for value, variable in self.hidden.items()}

    def refuse_leaks(self, text: str) -> None:
        """A credential still in ``text`` (it also stood where no rule reads, such as a URL
        path) is refused rather than written."""
        if Masker(self.hidden).mask(text) != text:
            raise UsageError(
                "a credential of the curl command also appears where the import cannot replace "
                "it (the URL's path, another value)",
                hint="replace it there with a <<variable>> in the command, then import it again",
            )

    def hide(self, value: str, name: str, where: str) -> str:
        """``<<variable>>`` for ``value`` (the same one each time it is met), reported.
        ``value`` is as written in the request text (``\\<<`` for ``<<``)."""
        value = value.replace("\\<<", "<<")
        variable = self.hidden.get(value)
        if variable is None:
            variable = self._new_variable(name)
            self.hidden[value] = variable
            self.report.attention(
                where,
                f"the credential is written as <<{variable}>>: put {variable}=... (its value "
                f"from the command) in an env file such as {_ENV_FILE}",
            )
        return f"<<{variable}>>"

    def reserve(self, name: str) -> str:
        """A variable for a value the command does not hold (curl would ask for it)."""
        variable = self._new_variable(name)
        self.reserved.add(variable)
        return variable

    def _new_variable(self, name: str) -> str:
        wanted = as_identifier(name)
        taken = {*self.hidden.values(), *self.reserved}
        chosen, counter = wanted, 1
        while chosen in taken:
            counter += 1
            chosen = f"{wanted}_{counter}"
        return chosen

    def pairs(self, query: str, where: str) -> str:
        """A query or form text with secret-named values as variables (``<<name>>``, the value
        as written, so the bytes sent stay the same)."""
        pairs = []
        for pair in query.split("&"):
            name, equals, value = pair.partition("=")
            if equals and value and is_secret_name(unquote(name)):
                value = self.hide(value, unquote(name), f"{where} parameter {unquote(name)!r}")
            pairs.append(f"{name}{equals}{value}")
        return "&".join(pairs)

    def header_value(self, name: str, value: str) -> str:
        """A sensitive header's value with the credential as a variable; the scheme of an
        Authorization value stays (``Bearer <<token>>``), Basic credentials become
        ``user:<<password>>``, which httprun encodes again."""
        where = f"-H {name}"
        scheme, space, rest = value.partition(" ")
        if space and rest.strip() and name.lower() in ("authorization", "proxy-authorization"):
            rest = rest.strip()
            if scheme.lower() == "basic":
                decoded = _basic_pair(rest)
                if decoded is not None:
                    user, password = decoded
                    return f"Basic {self.basic_pair(user, password, where)}"
            variable = "token" if scheme.lower() in _TOKEN_SCHEMES else f"{as_identifier(name)}_key"
            return f"{scheme} {self.hide(rest, variable, where)}"
        variable = "cookie" if name.lower() == "cookie" else as_identifier(name).lower()
        if not is_secret_name(variable) and variable != "cookie":
            variable += "_key"
        return self.hide(value, variable, where)

    def basic(self, user: str) -> str | None:
        name, colon, password = user.partition(":")
        if not colon:
            if any(char.isspace() for char in name):
                # "Basic a b:<<password>>" reads as user "a"; without the password the header
                # cannot be written encoded either (a line break would even end the header).
                raise UsageError(
                    "-u: a user name with white space and no password",
                    hint="give the password too ('-u \"user name:password\"'), or write the "
                    "Authorization header yourself",
                )
            variable = self.reserve("password")
            self.report.attention(
                "-u", f"no password: curl asks for it; put it in an env file as {variable}"
            )
            return f"Basic {_literal(name)}:<<{variable}>>"
        if not name and not password:
            return None
        return f"Basic {self.basic_pair(name, password, '-u')}"

    def basic_pair(self, user: str, password: str, where: str) -> str:
        """``user:<<password>>`` for a Basic header, which httprun encodes."""
        if any(char.isspace() for char in user):
            # httprun reads "Basic a b:c" as user "a", password "b:c": send it encoded.
            encoded = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            self.report.attention(
                where,
                "a user name with white space: the header is written encoded, as "
                "<<basic_credentials>>, whose value is the base64 of user:password",
            )
            return self.hide(encoded, "basic_credentials", where)
        if not password:  # an API key given as the user name, as Stripe's documentation does
            return f"{self.hide(user, 'api_key', where)}:"
        return f"{_literal(user)}:{self.hide(password, 'password', where)}"

    def json_fields(self, text: str) -> str:
        """Secret-named string values of a JSON body as variables (``"<<password>>"``)."""
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            return text
        for name, value in _secret_strings(document):
            escaped = _literal(json.dumps(value, ensure_ascii=False)[1:-1])
            if escaped and escaped in text:
                text = text.replace(escaped, self.hide(value, name, f"JSON field {name!r}"))
        return text


def _literal(text: str) -> str:
    return text.replace("<<", "\\<<")


def _basic_pair(encoded: str) -> tuple[str, str] | None:
    try:
        text = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, colon, password = text.partition(":")
    return (user, password) if colon and "\n" not in text else None


def _secret_strings(document: object) -> list[tuple[str, str]]:
    """(name, value) of every string under a secret-named key of a JSON document."""
    found: list[tuple[str, str]] = []
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, str) and item and is_secret_name(str(key)):
                    found.append((str(key), item))
                elif isinstance(item, dict | list):
                    pending.append(item)
        elif isinstance(value, list):
            pending.extend(value)
    return found
