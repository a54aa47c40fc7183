"""The little JavaScript the importers read: string literals, and property paths
(``.a["b-c"][0]``) as JMESPath, shared by the Postman and the ``.http`` dialect script
converters."""

from __future__ import annotations

import json
import re

from .names import is_identifier

STRING = r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\""""
_STEP = re.compile(rf"\.([A-Za-z_$][\w$]*)|\[\s*(\d+)\s*\]|\[\s*({STRING})\s*\]")


def js_string(literal: str) -> str | None:
    """The value of a JavaScript string literal ``'...'`` or ``"..."`` (JSON's escapes), or
    None when ``literal`` is none."""
    if len(literal) < 2 or literal[0] not in "'\"" or literal[-1] != literal[0]:
        return None
    inner = literal[1:-1]
    if literal[0] == "'":
        inner = inner.replace("\\'", "'").replace('"', '\\"')
    try:
        value = json.loads(f'"{inner}"')
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def jmespath_key(key: str) -> str:
    """``key`` as a JMESPath identifier, quoted when it is not a plain name."""
    return key if is_identifier(key) else json.dumps(key, ensure_ascii=False)


def jmespath_steps(steps: str) -> str | None:
    """A JavaScript property path (``.a["b-c"][0]``) as JMESPath steps (``.a."b-c"[0]``), or
    None for anything else (calls, computed keys...)."""
    out: list[str] = []
    position = 0
    while position < len(steps):
        step = _STEP.match(steps, position)
        if step is None:
            return None
        name, index, quoted = step.groups()
        if name is not None:
            out.append(f".{jmespath_key(name)}")
        elif index is not None:
            out.append(f"[{index}]")
        else:
            key = js_string(quoted)
            if key is None:
                return None
            out.append(f".{jmespath_key(key)}")
        position = step.end()
    return "".join(out)
