"""Whatever the token store file holds (bytes, JSON of any shape, any depth), reading it gives a
token, nothing, or an AuthError that explains itself: `httprun auth status` and a run never crash
on it."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_auth_support import cafe24_profile, cafe24_variables
from typer.testing import CliRunner

from runner import RunOptions, run_files
from runner.auth.store import TokenStore
from runner.auth.tokens import Token
from runner.auth_cli import auth_app
from runner.errors import AuthError

PROFILE = cafe24_profile()
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
TOKEN_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        name: JSON_VALUES | st.just("2030-01-01T00:00:00Z") | st.just("0001-01-01T00:00:00+09:00")
        for name in (
            "access_token",
            "refresh_token",
            "expires_at",
            "refresh_expires_at",
            "scopes",
            "mall_id",
            "user_id",
            "shop_no",
        )
    },
)


def store_shaped(token: object) -> bytes:
    document = {"version": 1, "entries": {PROFILE.store_key: {"token": token}}}
    return json.dumps(document).encode()


def depth_bomb(depth: int, opener: str) -> bytes:
    closer = {"[": "]", "{": "}"}[opener]
    inner = '{"a":' if opener == "{" else "["
    return (inner * depth + "0" + closer * depth).encode()


STORE_CONTENTS = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    JSON_VALUES.map(store_shaped),
    TOKEN_FIELDS.map(store_shaped),
    st.builds(depth_bomb, st.integers(1, 120_000), st.sampled_from("[{")),
)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(content=STORE_CONTENTS)
def test_reading_any_store_gives_a_token_nothing_or_an_auth_error(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(content)
    store = TokenStore(path)
    try:
        found = store.get(PROFILE)
    except AuthError as error:
        assert error.hint
        assert str(path) in error.message
        return
    assert found is None or isinstance(found, Token)
    store.put(PROFILE, Token("after-garbage"))  # a store that reads is one that can be written
    assert TokenStore(path).get(PROFILE) == Token("after-garbage")


def write_env(tmp_path: Path) -> Path:
    values = {**cafe24_variables(), "HTTPRUN_TOKEN_STORE": str(tmp_path / "tokens.json")}
    env = tmp_path / "dev.env"
    env.write_text("".join(f"{key}={value}\n" for key, value in values.items()))
    return env


@SETTINGS
@given(content=STORE_CONTENTS)
def test_auth_status_never_crashes_on_the_store(tmp_path: Path, content: bytes) -> None:
    env = write_env(tmp_path)
    (tmp_path / "tokens.json").write_bytes(content)
    result = CliRunner().invoke(auth_app, ["status", "--env", str(env)])
    assert result.exit_code in (0, 4), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stderr


@SETTINGS
@given(content=STORE_CONTENTS)
def test_a_run_never_crashes_on_the_store(tmp_path: Path, content: bytes) -> None:
    env = write_env(tmp_path)
    (tmp_path / "tokens.json").write_bytes(content)
    http_file = tmp_path / "products.http"
    http_file.write_text(
        "# @auth cafe24\nGET https://<<mallid>>.cafe24api.com/api/v2/admin/products\n"
    )
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"products": []}))
    options = RunOptions(env_files=(str(env),), interactive=False, open_browser=False)
    result = run_files([str(http_file)], options, transport=transport)
    assert result.exit_code in (0, 4)
    (request,) = result.files[0].requests
    assert request.error is None or isinstance(request.error, AuthError)
