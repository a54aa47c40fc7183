"""Env files written by the importers: ``NAME.env`` for plain values, ``NAME.local.env`` (which
git should ignore, and which httprun loads on top) for secrets."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..masking import is_secret_name


@dataclass(frozen=True, slots=True)
class EnvValue:
    name: str  # an identifier (renamed by the importer)
    value: str
    secret: bool = False  # marked secret by the tool it comes from (Postman's type "secret")

    @property
    def is_secret(self) -> bool:
        return self.secret or is_secret_name(self.name)


def dotenv_line(name: str, value: str) -> str:
    """``name='value'``: single quotes, in which python-dotenv reads only ``\\\\`` and ``\\'``
    as escapes, so quotes, ``#``, blanks and line breaks come back as written."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"{name}='{escaped}'"


def expands(value: str) -> bool:
    """Whether python-dotenv would expand part of ``value`` (``${NAME}``), even in single
    quotes; such a value cannot be written literally, so the importer reports it."""
    return "${" in value


def env_texts(values: Iterable[EnvValue], source: str) -> tuple[str, str]:
    """The text of ``NAME.env`` and of ``NAME.local.env`` ("" when it has no value), each with a
    header naming ``source``."""
    plain: list[str] = []
    secret: list[str] = []
    for value in values:
        (secret if value.is_secret else plain).append(dotenv_line(value.name, value.value))
    header = f"# Imported by httprun from {source}.\n"
    local_header = f"# Imported by httprun from {source}. Secrets: keep this file out of git.\n"
    return (
        header + "".join(f"{line}\n" for line in plain),
        local_header + "".join(f"{line}\n" for line in secret) if secret else "",
    )
