"""Secrets in other tools' request files, moved out before a request file is written.

Two kinds: a value of the env files written literally in the file (``Bearer jb-token``), and a
literal value the file gives a secret-named thing (``@api_key = ...``,
``Authorization: Bearer ...``, ``?api_key=...``, ``"password": "..."``, ``http://u:pw@host``:
what :func:`runner.masking.mask_named_values` masks). Each becomes ``<<name>>``, which inserts
exactly the text it replaces, so the request sends the same bytes; a literal value goes to the
``NAME.local.env`` files with that name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..masking import Masker, named_value_spans
from .names import as_identifier

_VARIABLE = re.compile(r"[ \t]*@([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)")
_HEADER = re.compile(r"([!#$%&'*+.^_`|~0-9A-Za-z-]+):")
_NAMED = re.compile(r"""([A-Za-z_][\w.-]*)["']?\s*[:=]\s*["']?$""")
_URL_PASSWORD = re.compile(r"://[^/?#@\s]*:$")


@dataclass
class MovedSecrets:
    """Literal secrets taken out of request files: name → value, for the local env files.
    ``taken`` holds the env files' values by name, so no name gets two values."""

    taken: dict[str, str]
    moved: dict[str, str] = field(default_factory=dict)

    def name_for(self, base: str, value: str) -> str:
        """The variable that holds ``value``: one that does already, else a new one named
        after ``base`` (``authorization``, ``api_key_2``)."""
        for name, known in self.taken.items():
            if known == value:
                return name
        wanted = as_identifier(base).lower()
        chosen, counter = wanted, 1
        while chosen in self.taken and self.taken[chosen] != value:
            counter += 1
            chosen = f"{wanted}_{counter}"
        if chosen not in self.taken:
            self.taken[chosen] = value
            self.moved[chosen] = value
        return chosen


def replace_env_secrets(text: str, secrets: dict[str, str], masker: Masker) -> tuple[str, int]:
    """``text`` with each of ``secrets`` (value → name) written as ``<<name>>``, longest
    first; a form the masker still finds (an encoded one) is masked. Returns the text and the
    number of lines changed."""
    if masker.mask(text) == text:
        return text, 0
    ordered = sorted(secrets.items(), key=lambda item: -len(item[0]))
    lines = text.split("\n")
    changed = 0
    for index, line in enumerate(lines):
        if masker.mask(line) == line:
            continue
        line = _raw_value_as_template(line)
        for value, name in ordered:
            line = line.replace(value, f"<<{name}>>")
        lines[index] = masker.mask(line)  # an encoded form no variable can stand for
        changed += 1
    return "\n".join(lines), changed


_RAW_VALUE = re.compile(r"(\?\?.*?[ \t])'((?:[^'\\]|\\.)*)'[ \t]*")


def _raw_value_as_template(line: str) -> str:
    """A check's ``'...'`` value written as text, where ``<<name>>`` is interpolated (in a raw
    string it would not be)."""
    match = _RAW_VALUE.fullmatch(line)
    if match is None or "<<" in match.group(2):
        return line
    return match.group(1) + match.group(2).replace("\\'", "'")


def move_literal_secrets(text: str, secrets: MovedSecrets) -> tuple[str, list[str]]:
    """``text`` with each literal value of a secret-named thing written as ``<<name>>``;
    returns the text and the names used."""
    names: list[str] = []
    lines: list[str] = []
    for line in text.split("\n"):
        spans = named_value_spans(line)
        moved = _moved_line(line, spans, secrets, names) if spans else line
        if moved is not None:
            lines.append(moved)
    return "\n".join(lines), names


def _moved_line(
    line: str, spans: list[tuple[int, int]], secrets: MovedSecrets, names: list[str]
) -> str | None:
    """The line with its secrets as ``<<name>>``; None for a file variable that the env files
    now give under its own name."""
    variable = _VARIABLE.fullmatch(line)
    if variable is not None and variable.group(2).strip():
        name, value = variable.group(1), variable.group(2).strip()
        chosen = secrets.name_for(name, value)
        names.append(chosen)
        return None if chosen == name else f"@{name} = <<{chosen}>>"
    out: list[str] = []
    position = 0
    for start, end in spans:
        if start < position:
            continue  # overlaps the value before it
        value = line[start:end]
        chosen = secrets.name_for(_base_name(line, start), value)
        names.append(chosen)
        out += [line[position:start], f"<<{chosen}>>"]
        position = end
    out.append(line[position:])
    return "".join(out)


def _base_name(line: str, start: int) -> str:
    prefix = line[:start]
    if _URL_PASSWORD.search(prefix):
        return "password"
    header = _HEADER.match(line)
    if header is not None and ":" not in prefix[header.end() :].split(" ", 1)[0]:
        return header.group(1)
    named = _NAMED.search(prefix)
    return named.group(1) if named is not None else "secret"
