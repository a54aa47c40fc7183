"""Interpolation over arbitrary text: it renders, or fails with httprun's own error and a
position inside the text; never a Python exception of its own."""

from __future__ import annotations

import jmespath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.env import Environment
from runner.errors import HttprunError
from runner.interpolate import evaluate, render_template
from runner.nodes import Interp, Variable
from runner.scope import Scope
from runner.source import Span
from runner.template import parse_template

PATH = "interp.http"
PIECES = [
    "<<",
    ">>",
    "\\<<",
    "$",
    "%",
    " ",
    "mallid",
    "malid",
    "items",
    "items[0]",
    ".id",
    "[?id > `1`]",
    "length(items)",
    "'raw'",
    '"quoted"',
    "`3`",
    "$uuid",
    "$randomInt 1 9",
    "$randomInt 9",
    "$datetime iso8601 -1d",
    "$datetime '%Y' +2h",
    "$env HOME",
    "$nope",
    "self",
    "||",
    "|",
    "{a: mallid}",
    "@",
    "x",
]


def scope() -> Scope:
    environment = Environment({"mallid": "demo"}, {}, ("test.env",))
    the_scope = Scope(environment, {"pinned": "1"})
    the_scope.assign("items", [{"id": 1}, {"id": 2}])
    span = Span(PATH, 1, 1, 1, 2)
    the_scope.define(Variable("self", parse_template("<<self>>", span), span))  # a cycle
    return the_scope


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
def test_rendering_arbitrary_templates_fails_only_with_positioned_errors(text: str) -> None:
    span = Span(PATH, 3, 5, 3, 5 + len(text))
    try:
        template = parse_template(text, span)
        rendered = render_template(template, scope())
    except HttprunError as error:
        assert error.span is not None
        assert error.span.path == PATH
        assert error.span.line >= 1 and error.span.column >= 1
        return
    assert isinstance(rendered, str)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=8,
)
NAMES = st.sampled_from(["true", "false", "null", "not_null", "_", "a1"]) | st.from_regex(
    r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True
)


@settings(max_examples=300, deadline=None)
@given(NAMES, JSON_VALUES)
def test_a_bare_name_gives_what_jmespath_gives(name: str, value: object) -> None:
    # <<name>> skips JMESPath (it is the commonest form, on the hot path): it must still give
    # exactly what JMESPath gives, and fail where JMESPath finds nothing.
    the_scope = Scope(Environment({}, {}, ("test.env",)))
    the_scope.assign(name, value)
    interp = parse_template(f"<<{name}>>", Span(PATH, 1, 1, 1, 2)).parts[0]
    assert isinstance(interp, Interp)
    expected = jmespath.search(name, {name: value})
    if expected is None:
        with pytest.raises(HttprunError):
            evaluate(interp, the_scope)
    else:
        assert evaluate(interp, the_scope) is expected
