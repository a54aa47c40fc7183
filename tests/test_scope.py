"""The scope: precedence, lazy file variables, cycles, copies, and what the masker learns."""

from __future__ import annotations

import pytest
from template_helpers import variable

from runner.env import Environment
from runner.errors import ResolveError, UndefinedVariable
from runner.masking import MASK, Masker
from runner.scope import Scope


def env(
    values: dict[str, str] | None = None, sources: tuple[str, ...] = ("envs/dev.env",)
) -> Environment:
    return Environment(dict(values or {}), {}, sources)


def test_env_values_are_visible() -> None:
    scope = Scope(env({"mallid": "demo"}))
    assert scope.get("mallid") == "demo"
    assert scope.get("nothing") is None


def test_a_variable_defined_anew_is_evaluated_anew_within_a_request() -> None:
    # The per-request cache once keyed values by id() alone: a variable replaced by a capture
    # could be freed and its id reused by the next one, which then read the old value.
    for round_ in range(2000):
        scope = Scope(env())
        scope.define(variable("a", "old"))
        assert scope.get("a") == "old"
        scope.assign("a", "captured")
        scope.define(variable("a", f"new {round_}", line=9))
        assert scope.get("a") == f"new {round_}"


def test_precedence_env_then_run_order_then_pins() -> None:
    scope = Scope(env({"a": "env", "b": "env", "c": "env"}), {"c": "pinned"})
    assert scope.get("a") == "env"
    scope.define(variable("a", "file"))
    assert scope.get("a") == "file"
    scope.assign("a", "captured")  # a capture after the variable wins
    assert scope.get("a") == "captured"
    scope.define(variable("a", "again", line=9))  # a variable reached later wins again
    assert scope.get("a") == "again"
    scope.assign("b", 42)
    assert scope.get("b") == 42
    scope.define(variable("c", "file"))
    scope.assign("c", "captured")
    assert scope.get("c") == "pinned"  # --var over everything


def test_file_variable_is_lazy_and_sees_later_captures() -> None:
    scope = Scope(env())
    scope.define(variable("token", "<<login.body.access_token>>"))
    with pytest.raises(UndefinedVariable) as caught:
        scope.get("token")
    assert caught.value.name == "login"
    scope.assign("login", {"body": {"access_token": "first-token"}})
    assert scope.get("token") == "first-token"
    scope.assign("login", {"body": {"access_token": "second-token"}})
    scope.begin_request()
    assert scope.get("token") == "second-token"  # evaluated again for each request


def test_a_file_variable_has_one_value_per_request() -> None:
    scope = Scope(env())
    scope.define(variable("id", "<<$uuid>>"))
    first = scope.get("id")
    assert scope.get("id") == first  # the URL, the body and the checks see the same id
    scope.begin_request()
    assert scope.get("id") != first


def test_file_variable_sees_variables_defined_after_it() -> None:
    scope = Scope(env({"mallid": "demo"}))
    scope.define(variable("api", "https://<<mallid>>.cafe24api.com/<<version>>"))
    scope.define(variable("version", "api/v2"))
    assert scope.get("api") == "https://demo.cafe24api.com/api/v2"


def test_single_expression_variable_keeps_its_type() -> None:
    scope = Scope(env())
    scope.assign("login", {"body": {"user": {"id": 7}, "count": 3}})
    scope.define(variable("user", "<<login.body.user>>"))
    scope.define(variable("count", "<<login.body.count>>"))
    scope.define(variable("label", "n=<<login.body.count>>"))
    assert scope.get("user") == {"id": 7}
    assert scope.get("count") == 3
    assert scope.get("label") == "n=3"


def test_cycle_is_an_error_at_the_variable() -> None:
    scope = Scope(env())
    first = variable("a", "<<b>>", line=3)
    scope.define(first)
    scope.define(variable("b", "x<<a>>", line=4))
    with pytest.raises(ResolveError) as caught:
        scope.get("a")
    assert caught.value.span == first.span
    assert "a -> b -> a" in caught.value.message
    # The scope still works afterwards: the failed evaluation left no state behind.
    scope.define(variable("b", "fixed", line=5))
    assert scope.get("a") == "fixed"


def test_self_reference_is_a_cycle() -> None:
    scope = Scope(env({"base": "https://x"}))
    scope.define(variable("base", "<<base>>/v2"))
    with pytest.raises(ResolveError, match="base -> base"):
        scope.get("base")


def test_names() -> None:
    scope = Scope(env({"b": "1"}), {"c": "2"})
    scope.define(variable("a", "x"))
    assert scope.names() == ["a", "b", "c"]
    scope.assign("e", 2)
    assert scope.names() == ["a", "b", "c", "e"]


def test_looked_in_lists_env_files_then_the_rest() -> None:
    scope = Scope(env(sources=("envs/dev.env", "envs/dev.local.env")))
    assert scope.looked_in() == (
        "envs/dev.env",
        "envs/dev.local.env",
        "file variables",
        "captures",
        "--var",
    )


def test_masker_learns_secret_named_values_everywhere() -> None:
    masker = Masker()
    environment = Environment(
        {"client_secret": "env-secret-value", "mallid": "publicmall"},
        {"HTTPRUN_API_KEY": "setting-key-value"},
        (),
    )
    scope = Scope(environment, {"password": "pinned-password"}, masker)
    scope.assign("access_token", "captured-token")
    scope.assign("login", {"body": {"refresh_token": "nested-token", "shop": "publicshop"}})
    scope.assign("tokens", ["listed-token-1"])
    scope.define(variable("api_key", "key-<<mallid>>"))
    assert scope.get("api_key") == "key-publicmall"
    text = (
        "env-secret-value setting-key-value pinned-password captured-token nested-token "
        "listed-token-1 key-publicmall publicmall publicshop"
    )
    assert masker.mask(text) == " ".join([MASK] * 7 + ["publicmall", "publicshop"])


def test_scope_without_masker_works() -> None:
    scope = Scope(env({"client_secret": "s3cr3t-value"}))
    scope.assign("token", "t0k3n-value")
    assert scope.masker is None
    assert scope.get("token") == "t0k3n-value"
