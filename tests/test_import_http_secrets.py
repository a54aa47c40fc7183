"""``httprun import http``: secrets written in request files (file_secrets.py) and the JSON of
environment files (dialect_envs.py), as properties."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.errors import EnvError
from runner.importers.dialect_envs import read_environments, read_json, without_comments
from runner.importers.file_secrets import MovedSecrets, move_literal_secrets
from runner.importers.names import Renamer
from runner.masking import mask_named_values

_VALUE = st.from_regex(r"[A-Za-z0-9._~-]{4,16}", fullmatch=True)
_SHAPES = [
    "Authorization: Bearer {v}",
    "X-Api-Key: {v}",
    "GET http://x/a?api_key={v}&page=2",
    "POST http://user:{v}@x/a",
    '{{"password": "{v}", "name": "n"}}',
    "grant_type=refresh_token&refresh_token={v}",
    "# client_secret: {v}",
]


@settings(max_examples=50)
@given(st.lists(st.tuples(st.sampled_from(_SHAPES), _VALUE), min_size=1, max_size=6))
def test_literal_secrets_leave_the_text_and_come_back_as_variables(
    lines: list[tuple[str, str]],
) -> None:
    text = "\n".join(shape.format(v=value) for shape, value in lines)
    secrets = MovedSecrets({})
    moved, names = move_literal_secrets(text, secrets)
    assert all(mask_named_values(line) == line for line in moved.split("\n"))
    assert set(names) <= set(secrets.moved)
    # <<name>> inserts exactly the text it replaced: the same request is sent.
    restored = re.sub(r"<<(\w+)>>", lambda m: secrets.moved[m.group(1)], moved)
    assert restored == text


def test_a_secret_named_file_variable_moves_to_the_env_files() -> None:
    secrets = MovedSecrets({"api_key": "from-the-env-file"})
    moved, _ = move_literal_secrets("@api_key = abcd1234\n@token = tok-1234\nGET /a\n", secrets)
    assert moved == "@api_key = <<api_key_2>>\nGET /a\n"
    assert secrets.moved == {"api_key_2": "abcd1234", "token": "tok-1234"}


def test_a_value_the_env_files_hold_keeps_their_name() -> None:
    secrets = MovedSecrets({"api_token": "tok-1234"})
    moved, _ = move_literal_secrets("X-Token: tok-1234\n", secrets)
    assert moved == "X-Token: <<api_token>>\n"
    assert secrets.moved == {}


# ---- JSON with comments ----------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)


@settings(max_examples=50)
@given(_JSON, st.booleans())
def test_json_without_comments_is_unchanged(document: object, indent: bool) -> None:
    text = json.dumps(document, indent=2 if indent else None)
    assert without_comments(text) == text


@settings(max_examples=50)
@given(st.text(max_size=60))
def test_any_text_is_json_or_an_env_error(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("env") / "http-client.env.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        read_json(path, comments=True)
    except EnvError as error:
        assert error.span is None or error.span.path == str(path)


@settings(max_examples=50)
@given(_JSON)
def test_any_environments_document_is_read_or_reported(
    tmp_path_factory: pytest.TempPathFactory, document: object
) -> None:
    path = tmp_path_factory.mktemp("env") / "http-client.env.json"
    path.write_text(json.dumps({"dev": document, "$shared": document}))
    environments = read_environments([path], Renamer())
    for table in environments.values.values():
        assert all(isinstance(value.value, str) for value in table.values())


def test_a_trailing_comma_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{\n  // x\n  "a": {"b": 1,},  /* y */\n}\n')
    assert read_json(path, comments=True) == {"a": {"b": 1}}
