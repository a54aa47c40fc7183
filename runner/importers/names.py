"""Names of other tools (``base-url``, ``Catalog.API_HostAddress``, ``my var``) as httprun
identifiers, renamed the same way in request files and env files."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NOT_NAME_CHARACTER = re.compile(r"[^A-Za-z0-9_]+")


def is_identifier(name: str) -> bool:
    return _IDENTIFIER.fullmatch(name) is not None


def as_identifier(name: str) -> str:
    """``name`` with each run of other characters turned into one ``_`` (``base-url`` ->
    ``base_url``), ``_`` put before a leading digit; ``_`` for a name with nothing left."""
    if is_identifier(name):
        return name
    words = _NOT_NAME_CHARACTER.sub("_", name.strip()).strip("_") or "_"
    return f"_{words}" if words[0].isdigit() else words


class Renamer:
    """Gives each foreign name one identifier, the same every time it is asked, and never the
    same identifier to two names (``a-b`` and ``a_b`` become ``a_b`` and ``a_b_2``)."""

    def __init__(self, known: Iterable[str] = (), fixed: Mapping[str, str] | None = None) -> None:
        """``known``: every name the import will meet, when they are known up front; those that
        are identifiers keep their name even when a renamed one is asked for first. ``fixed``:
        names whose httprun name is decided (cafe24's Postman ``version`` is ``api_version``)."""
        self._names: dict[str, str] = dict(fixed or {})
        self._taken: set[str] = set(self._names.values())
        for name in known:
            if is_identifier(name):
                self(name)

    def __call__(self, name: str) -> str:
        known = self._names.get(name)
        if known is not None:
            return known
        chosen = self.fresh(name)
        self._names[name] = chosen
        return chosen

    def fresh(self, name: str) -> str:
        """A new identifier for ``name``, even when it was asked for before (two requests of a
        file with the same name get ``same`` and ``same_2`` as their ``@name``)."""
        wanted = name if is_identifier(name) else as_identifier(name)
        chosen, counter = wanted, 1
        while chosen in self._taken:
            counter += 1
            chosen = f"{wanted}_{counter}"
        self._taken.add(chosen)
        return chosen

    def renamed(self) -> dict[str, str]:
        """The names that changed, original to identifier (for the report)."""
        return {old: new for old, new in self._names.items() if old != new}
