"""Deep input never exhausts Python's stack: long chains of file variables work, JMESPath
nested too deeply is a positioned error (in runs and in ``httprun check``)."""

from __future__ import annotations

from pathlib import Path

import jmespath
import pytest
from cli_helpers import no_colour, run_cli  # noqa: F401 (no_colour: autouse, colour off)
from hypothesis import example, given, settings
from hypothesis import strategies as st
from template_helpers import variable
from test_auth_support import cafe24_profile

from runner.auth.store import TokenStore
from runner.env import Environment
from runner.errors import AuthError
from runner.jmes import MAX_NESTING, NestedTooDeeply, compile_query, explain_error
from runner.scope import Scope


def chain(count: int, first: str = "x") -> str:
    return "\n".join([f"@v1 = {first}", *(f"@v{i} = <<v{i - 1}>>" for i in range(2, count + 1))])


@pytest.mark.parametrize("count", [200, 3000])
def test_a_long_chain_of_file_variables_simply_works(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str], count: int
) -> None:
    path = tmp_path / "chain.http"
    path.write_text(
        f"{chain(count)}\n\nGET {local_server}/echo?v=<<v{count}>>\n\n"
        f'?? body.query.v[0] == "x"\n?? body.query.v[0] == <<v{count}>>\n'
    )
    result = run_cli([str(path)], capsys)
    assert (result.code, result.output.splitlines()[-1]) == (0, "1 passed, 0 failed")
    assert run_cli(["check", str(path)], capsys).code == 0


@pytest.mark.parametrize(
    ("first", "message", "line_column"),
    [
        pytest.param("<<nothing>>", "undefined variable 'nothing'", "1:7", id="ends-undefined"),
        pytest.param(
            "<<v2000>>",
            "file variable 'v2000' depends on itself: v2000 -> v1999 -> ",
            "2000:1",
            id="cycle",
        ),
    ],
)
def test_a_long_chain_that_breaks_is_a_positioned_error_that_says_which_name(
    tmp_path: Path,
    local_server: str,
    capsys: pytest.CaptureFixture[str],
    first: str,
    message: str,
    line_column: str,
) -> None:
    path = tmp_path / "chain.http"
    path.write_text(f"{chain(2000, first)}\n\nGET {local_server}/echo?v=<<v2000>>\n")
    result = run_cli([str(path)], capsys)
    assert result.code == 3
    assert message in result.output
    assert f"{path}:{line_column}" in result.output


def test_a_short_cycle_reads_as_before(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cycle.http"
    path.write_text("@a = <<b>>\n@b = <<a>>\n\nGET http://127.0.0.1:9/<<a>>\n")
    result = run_cli([str(path), "--dry-run"], capsys)
    assert result.code == 3
    assert "file variable 'a' depends on itself: a -> b -> a" in result.output


DEEP_QUERIES = {
    "parentheses": "(" * 800 + "body" + ")" * 800,
    "pipes": "body" + " | @" * 800,
    "literal": "contains(`" + "[" * 800 + "]" * 800 + "`, body)",
}


@pytest.mark.parametrize("query", DEEP_QUERIES.values(), ids=DEEP_QUERIES.keys())
def test_a_check_nested_too_deeply_fails_cleanly_in_a_run_and_in_check(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str], query: str
) -> None:
    path = tmp_path / "deep.http"
    path.write_text(f"GET {local_server}/json\n\n?? {query}\n")
    result = run_cli([str(path)], capsys)
    assert result.code == 3  # an error of `httprun check`: the file is refused before it sends
    assert "expression nested too deeply (more than 100 levels)" in result.output
    assert f"{path}:3:4" in result.output
    result = run_cli(["check", str(path)], capsys)
    assert result.code == 3
    assert "expression nested too deeply" in result.output
    assert f"{path}:3:4" in result.output


def test_an_interpolation_nested_too_deeply_is_a_positioned_error(
    tmp_path: Path, local_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.http"
    path.write_text(f"GET {local_server}/echo?v=<<" + "(" * 800 + "'a'" + ")" * 800 + ">>\n")
    result = run_cli([str(path)], capsys)
    assert result.code == 3
    assert "expression nested too deeply" in result.output
    assert f"{path}:1:" in result.output
    assert run_cli(["check", str(path)], capsys).code == 3


@given(st.integers(min_value=1, max_value=400), st.sampled_from(["(", "[", "{a:", "pipe"]))
def test_nesting_compiles_or_is_refused_never_a_recursion_error(depth: int, kind: str) -> None:
    if kind == "pipe":
        expression = "a" + " | a" * depth
    elif kind == "(":
        expression = "(" * depth + "a" + ")" * depth
    elif kind == "[":
        expression = "a" + "[0]" * depth
    else:
        expression = "{a:" * depth + "a" + "}" * depth
    try:
        compiled = compile_query(expression)
    except NestedTooDeeply as error:
        assert explain_error(error) == (
            f"expression nested too deeply (more than {MAX_NESTING} levels)"
        )
        return
    except jmespath.exceptions.JMESPathError:
        pytest.fail(f"{expression[:20]}... is valid JMESPath")
    compiled.search({"a": {"a": [1]}})  # what compiles, evaluates


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"[" * 100_000, "JSON nested deeper than 200 levels"),
        (b'{"entries": {"a": "\xff"}}', "not UTF-8 text"),
    ],
)
def test_a_token_store_of_nested_brackets_or_bytes_is_a_corrupt_store(
    tmp_path: Path, content: bytes, why: str
) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(AuthError, match=why) as caught:
        TokenStore(path).get(cafe24_profile())
    assert "delete the file" in caught.value.hint


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=1500))
@example([0] * 1500)  # the longest chain, always tried
@example([3, 1] * 700)
def test_any_web_of_file_variables_evaluates_without_recursion(back: list[int]) -> None:
    """Variable n reads variable n-1 and one further back (``back``): deep chains with fan-in,
    evaluated in any order, give what a direct computation gives."""
    scope = Scope(Environment({}, {}, ()))
    scope.define(variable("v0", "x"))
    lengths = [1]
    for number, step in enumerate(back, start=1):
        other = max(0, number - 1 - step)
        scope.define(variable(f"v{number}", f"<<length(v{number - 1})>>-<<v{other}>>"))
        lengths.append(len(f"{lengths[number - 1]}-") + lengths[other])
    scope.begin_request()
    last = len(back)
    assert len(scope.get(f"v{last}")) == lengths[last]
