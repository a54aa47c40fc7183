"""``<<...>>``: JMESPath over the scope, text, percent-encoding, errors, dynamic values."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from template_helpers import remember_source_line, span, tpl, variable

from runner.dynamic import DynamicSources, evaluate_dynamic
from runner.env import Environment
from runner.errors import ResolveError, UndefinedVariable, render_error
from runner.interpolate import evaluate, render_template, to_text
from runner.masking import MASK, Masker
from runner.nodes import Interp, InterpKind
from runner.scope import Scope

NOW = datetime(2024, 5, 1, 12, 30, 45, 123456, tzinfo=UTC)
FIXED = DynamicSources(
    now=lambda: NOW,
    random_int=lambda low, high: low + (high - low) // 2,
    new_uuid=lambda: uuid.UUID("12345678-1234-5678-1234-567812345678"),
    environ={"HOME": "/home/me", "CLIENT_SECRET": "process-secret-value"},
)


def make_scope(values: dict[str, str] | None = None, **kwargs: object) -> Scope:
    environment = Environment(dict(values or {}), {}, ("envs/dev.env",))
    return Scope(environment, dynamic=FIXED, **kwargs)  # type: ignore[arg-type]


def render(text: str, scope: Scope) -> str:
    return render_template(tpl(text), scope)


# --- values as text ---------------------------------------------------------------------------


def test_strings_are_inserted_as_they_are() -> None:
    scope = make_scope({"mallid": "demo", "greeting": 'say "hi"'})
    assert render("https://<<mallid>>.cafe24api.com <<greeting>>", scope) == (
        'https://demo.cafe24api.com say "hi"'
    )


def test_other_values_are_compact_json() -> None:
    scope = make_scope()
    scope.assign("r", {"n": 5, "f": 1.5, "t": True, "f2": False, "o": {"a": [1, "é"]}, "l": []})
    assert render("<<r.n>> <<r.f>> <<r.t>> <<r.f2>> <<r.o>> <<r.l>>", scope) == (
        '5 1.5 true false {"a":[1,"é"]} []'
    )
    assert to_text(None) == "null"


def test_literal_text_and_escapes_stay() -> None:
    scope = make_scope()
    assert render("a \\<<b>> {{c}}", scope) == "a <<b>> {{c}}"


def test_jmespath_over_the_scope() -> None:
    scope = make_scope({"mallid": "demo"})
    scope.assign("products", {"body": {"products": [{"no": 7, "price": "10"}, {"no": 9}]}})
    assert render("<<products.body.products[0].no>>", scope) == "7"
    assert render("<<length(products.body.products)>>", scope) == "2"
    assert render("<<products.body.products[?no > `8`].no | [0]>>", scope) == "9"
    assert render("<<sort_by(products.body.products, &no)[-1].no>>", scope) == "9"
    assert render("<<missing || 'fallback'>>", scope) == "fallback"
    assert render("<<{m: mallid}>>", scope) == '{"m":"demo"}'
    assert render("<<'literal'>>", scope) == "literal"


def test_quoted_names_and_whitespace() -> None:
    scope = make_scope({"x-api-key": "k", "mallid": "demo"})
    assert render('<<"x-api-key">>/<< mallid >>', scope) == "k/demo"
    with pytest.raises(ResolveError) as caught:
        render("<<x-api-key>>", scope)
    assert "Unknown token '-' at column 2" in caught.value.message
    assert '<<"x-api-key">>' in caught.value.hint


def test_expressions_over_the_whole_scope() -> None:
    scope = make_scope({"b": "2"})
    scope.assign("a", 1)
    assert evaluate(Interp("keys(@)", InterpKind.EXPR, span()), scope) == ["a", "b"]
    assert evaluate(Interp("@", InterpKind.EXPR, span()), scope) == {"a": 1, "b": "2"}
    assert evaluate(Interp("length(@)", InterpKind.EXPR, span()), scope) == 2


def test_unrelated_broken_variable_does_not_matter() -> None:
    scope = make_scope({"mallid": "demo"})
    scope.define(variable("broken", "<<nowhere>>"))
    assert render("<<mallid>>", scope) == "demo"


def test_file_variables_are_visible_to_jmespath() -> None:
    scope = make_scope({"mallid": "demo"})
    scope.define(variable("user", "<<login.body.user>>"))
    scope.assign("login", {"body": {"user": {"id": 7, "name": "kim"}}})
    assert render("<<user.name>>/<<user.id>>", scope) == "kim/7"


# --- percent-encoding -------------------------------------------------------------------------


def test_percent_encoding() -> None:
    scope = make_scope({"q": "a b&c=d/é?", "n": "1"})
    scope.assign("o", {"k": "v"})
    assert render("?q=<<%q>>&n=<<%n>>&o=<<%o>>", scope) == (
        "?q=a%20b%26c%3Dd%2F%C3%A9%3F&n=1&o=%7B%22k%22%3A%22v%22%7D"
    )
    assert evaluate(Interp("q", InterpKind.PERCENT, span()), scope) == "a%20b%26c%3Dd%2F%C3%A9%3F"


def test_percent_encoding_of_a_dynamic_value() -> None:
    scope = make_scope()
    assert render('<<%$datetime "%Y-%m-%d %H:%M">>', scope) == "2024-05-01%2012%3A30"


# --- errors -----------------------------------------------------------------------------------


def test_undefined_variable_names_span_places_and_suggestions() -> None:
    remember_source_line(1, "GET https://<<malid>>.cafe24api.com/x")
    scope = make_scope({"mallid": "demo", "MALLID2": "x"})
    template = tpl("https://<<malid>>.cafe24api.com/x", column=5)
    with pytest.raises(UndefinedVariable) as caught:
        render_template(template, scope)
    error = caught.value
    assert error.name == "malid"
    assert error.span == template.parts[1].span  # type: ignore[union-attr]
    assert error.looked_in == ("envs/dev.env", "file variables", "captures", "--var")
    assert error.suggestions[0] == "mallid"
    rendered = render_error(error)
    assert "test.http:1:13" in rendered
    assert "^^^^^^^^^" in rendered
    assert "did you mean 'mallid'" in rendered


def test_suggestions_prefer_the_same_name_in_another_case() -> None:
    scope = make_scope({"Mallid": "demo", "mallie": "x"})
    with pytest.raises(UndefinedVariable) as caught:
        render("<<mallid>>", scope)
    assert caught.value.suggestions[0] == "Mallid"


def test_undefined_root_of_a_path_names_the_root_and_the_expression() -> None:
    scope = make_scope()
    with pytest.raises(UndefinedVariable) as caught:
        render("<<products.body.x>>", scope)
    assert caught.value.name == "products"
    assert caught.value.message == "undefined variable 'products.body.x'"
    assert caught.value.suggestions == ()


@pytest.mark.parametrize(
    ("expression", "label"),
    [
        ("products.body.x", "products.body has no 'x'"),
        ("products.body.prodcts", "products.body has no 'prodcts'; did you mean 'products'?"),
        ("products.body.products[5].no", "products.body.products has 1 item(s), so no [5]"),
        ("products.body.products[0].gone", "products.body.products[0].gone is null"),
        ("products.text.x", "products.text is a string, not an object"),
        ("products.body[0]", "products.body is an object, not an array"),
        ('products."odd-key".x', 'products."odd-key" is null'),
    ],
)
def test_path_without_value_says_where_it_stops(expression: str, label: str) -> None:
    scope = make_scope()
    scope.assign(
        "products",
        {
            "body": {"products": [{"no": 1, "gone": None}]},
            "text": "not json",
            "odd-key": None,
        },
    )
    with pytest.raises(ResolveError) as caught:
        render(f"<<{expression}>>", scope)
    error = caught.value
    assert not isinstance(error, UndefinedVariable)
    assert error.message == f"'{expression}' has no value"
    assert error.label == label
    assert "||" in error.hint


@pytest.mark.parametrize("source", ["row", "capture"])
def test_a_name_whose_value_is_null_has_no_value_rather_than_being_undefined(source: str) -> None:
    # A JSON data row's field or a capture may be null: the name is defined, with no value.
    scope = make_scope(row={"note": None}) if source == "row" else make_scope()
    if source == "capture":
        scope.assign("note", None)
    with pytest.raises(ResolveError) as caught:
        render("<<note>>", scope)
    error = caught.value
    assert not isinstance(error, UndefinedVariable)
    assert error.message == "'note' has no value"
    assert error.label == "note is null"


def test_other_expression_without_value() -> None:
    scope = make_scope()
    scope.assign("a", [1, 2])
    with pytest.raises(ResolveError) as caught:
        render("<<a[?@ > `5`] | [0]>>", scope)
    assert caught.value.label == "the expression gives null"


@pytest.mark.parametrize(
    ("expression", "explanation"),
    [
        ("a.", "expected a name or '[' or '{', found the end of the expression at column 3"),
        ("a[", "the expression ends too early"),
        ('"x', 'Unclosed " delimiter at column 1'),
        ("&&", "unexpected '&&' at column 1"),
        ("", None),
    ],
)
def test_syntax_errors_are_cleaned_up(expression: str, explanation: str | None) -> None:
    scope = make_scope({"a": "1"})
    interp = Interp(expression, InterpKind.EXPR, span(1, 5, 6))
    with pytest.raises(ResolveError) as caught:
        evaluate(interp, scope)
    error = caught.value
    assert error.span == interp.span
    if explanation is None:
        assert error.message == "empty <<>>"
    else:
        assert error.message == f"invalid expression '{expression}': {explanation}"
    assert "\n" not in error.message
    assert "JMESPath" in error.hint


def test_runtime_errors_do_not_show_values() -> None:
    scope = make_scope({"client_secret": "very-secret-value"})
    with pytest.raises(ResolveError) as caught:
        render("<<abs(client_secret)>>", scope)
    assert "very-secret-value" not in str(caught.value)
    assert "abs() takes number, not string" in caught.value.message
    with pytest.raises(ResolveError, match="unknown function nope"):
        render("<<nope(client_secret)>>", scope)
    with pytest.raises(ResolveError, match="Expected 1 argument"):
        render("<<length(client_secret, client_secret)>>", scope)


# --- dynamic values ---------------------------------------------------------------------------


def dyn(expr: str, sources: DynamicSources = FIXED, masker: Masker | None = None) -> object:
    return evaluate_dynamic(expr, span(), sources, masker)


def test_uuid() -> None:
    assert dyn("uuid") == "12345678-1234-5678-1234-567812345678"
    real = dyn("uuid", DynamicSources())
    assert isinstance(real, str) and uuid.UUID(real).version == 4
    assert real != dyn("uuid", DynamicSources())


def test_timestamps() -> None:
    assert dyn("timestamp") == int(NOW.timestamp())
    assert dyn("timestamp -1d") == int(NOW.timestamp()) - 86400
    assert dyn("isoTimestamp") == "2024-05-01T12:30:45Z"
    assert dyn("isoTimestamp +2h") == "2024-05-01T14:30:45Z"
    before = int(datetime.now(UTC).timestamp())
    real = dyn("timestamp", DynamicSources())
    assert isinstance(real, int) and before <= real <= before + 60


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("datetime iso8601", "2024-05-01T12:30:45Z"),
        ("datetime ISO8601 -1d", "2024-04-30T12:30:45Z"),
        ("datetime rfc1123", "Wed, 01 May 2024 12:30:45 GMT"),
        ("datetime rfc1123 +1w", "Wed, 08 May 2024 12:30:45 GMT"),
        ('datetime "%Y-%m-%d"', "2024-05-01"),
        ("datetime '%d/%m/%Y %H:%M' +30m", "01/05/2024 13:00"),
        ('datetime "%H:%M:%S" -10s', "12:30:35"),
        ('datetime "%H:%M:%S.%f" +500ms', "12:30:45.623456"),
        ('datetime "%Y" 2h', "2024"),
    ],
)
def test_datetime(expr: str, expected: str) -> None:
    assert dyn(expr) == expected


def test_datetime_converts_other_zones_and_naive_times_to_utc() -> None:
    seoul = timezone(timedelta(hours=9))
    aware = DynamicSources(now=lambda: datetime(2024, 5, 1, 21, 0, tzinfo=seoul))
    naive = DynamicSources(now=lambda: datetime(2024, 5, 1, 12, 0))
    assert dyn("datetime iso8601", aware) == "2024-05-01T12:00:00Z"
    assert dyn("datetime iso8601", naive) == "2024-05-01T12:00:00Z"


def test_random_int() -> None:
    calls: list[tuple[int, int]] = []

    def pick(low: int, high: int) -> int:
        calls.append((low, high))
        return low

    assert dyn("randomInt -5 10", DynamicSources(random_int=pick)) == -5
    assert calls == [(-5, 10)]
    values = {dyn("randomInt 1 4", DynamicSources()) for _ in range(200)}
    assert values == {1, 2, 3}  # MAX excluded, as in REST Client


def test_env_reads_the_process_environment_and_masks_secrets() -> None:
    masker = Masker()
    assert dyn("env HOME") == "/home/me"
    assert dyn("env CLIENT_SECRET", masker=masker) == "process-secret-value"
    assert masker.mask("process-secret-value") == MASK


def test_env_default_source_is_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPRUN_DYNAMIC_TEST", "yes")
    assert dyn("env HTTPRUN_DYNAMIC_TEST", DynamicSources()) == "yes"


def test_missing_env_variable() -> None:
    with pytest.raises(ResolveError) as caught:
        dyn("env HOMER")
    assert caught.value.message == "environment variable 'HOMER' is not set"
    assert "did you mean 'HOME'" in caught.value.label
    assert "export HOMER=" in caught.value.hint


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("uid", "unknown dynamic value '$uid'"),
        ("uuid 1", "wrong number of arguments for $uuid: got 1"),
        ("datetime", "wrong number of arguments for $datetime: got 0"),
        ("datetime iso8601 -1d extra", "wrong number of arguments for $datetime: got 3"),
        ("datetime yyyy-MM-dd", "unknown $datetime format 'yyyy-MM-dd'"),
        ("datetime iso8601 -1y", "invalid time offset '-1y'"),
        ("datetime iso8601 '-1d'", "invalid time offset '-1d'"),
        ('datetime "%Y', "unclosed quote"),
        ("randomInt 1", "wrong number of arguments for $randomInt: got 1"),
        ("randomInt a 3", "$randomInt needs whole numbers, got 'a'"),
        ("randomInt 5 5", "$randomInt needs MIN < MAX, got 5 and 5"),
        ("env", "wrong number of arguments for $env: got 0"),
    ],
)
def test_bad_dynamic_values(expr: str, message: str) -> None:
    with pytest.raises(ResolveError) as caught:
        dyn(expr)
    assert message in caught.value.message
    assert caught.value.span == span()
    assert caught.value.hint


def test_unknown_dynamic_value_lists_what_exists() -> None:
    with pytest.raises(ResolveError) as caught:
        dyn("uid")
    assert caught.value.label == "not a dynamic value of httprun; did you mean '$uuid'?"
    for name in ("$uuid", "$timestamp", "$isoTimestamp", "$datetime", "$randomInt", "$env"):
        assert name in caught.value.hint


def test_dynamic_values_inside_templates() -> None:
    scope = make_scope()
    assert render("demo <<$uuid>> <<$randomInt 1 3>> <<$timestamp>>", scope) == (
        f"demo 12345678-1234-5678-1234-567812345678 2 {int(NOW.timestamp())}"
    )


def test_fallback_covers_a_file_variable_that_cannot_be_evaluated_yet() -> None:
    scope = make_scope()
    token = variable("token", "<<login.body.access_token>>", line=4)
    scope.define(token)
    assert render("<<token || 'none'>>", scope) == "none"
    with pytest.raises(UndefinedVariable) as caught:
        render("<<token>>", scope)
    assert caught.value.name == "login"  # the variable's own error, at its own line
    assert caught.value.span is not None and caught.value.span.line == 4


# --- dynamic values out of range (regressions: OverflowError reached users) -------------------


@pytest.mark.parametrize(
    "expr",
    [
        "datetime '%Q' -99999999999d",
        "datetime iso8601 -99999999999d",
        "isoTimestamp +3000000d",
        "timestamp -3000000d",
        "timestamp +999999999w",
        "timestamp +9999999999999999999999999999ms",
        "timestamp -" + "9" * 5000 + "s",  # more digits than int() converts
    ],
)
def test_an_offset_out_of_range_is_a_positioned_error(expr: str) -> None:
    with pytest.raises(ResolveError) as caught:
        dyn(expr)
    assert "is out of range" in caught.value.message
    assert len(caught.value.message) < 120  # a runaway offset is shortened
    assert caught.value.span == span()
    assert "years 1 to 9999" in caught.value.label
    # What works, counted from the (fixed) current time of 2024-05-01.
    assert caught.value.hint == (
        "from the current time, offsets work from -739006d to +2913052d (a year is about 365d)"
    )


def test_the_offsets_the_hint_names_do_work() -> None:
    assert dyn("datetime iso8601 -739006d") == "0001-01-01T12:30:45Z"
    assert dyn("datetime rfc1123 +2913052d") == "Fri, 31 Dec 9999 12:30:45 GMT"
    assert dyn("timestamp -739006d") == -62135551755  # 0001-01-01T12:30:45.123456Z, floored
    with pytest.raises(ResolveError, match="out of range"):
        dyn("timestamp -739007d")


def test_an_out_of_range_offset_renders_under_the_interpolation() -> None:
    remember_source_line(
        1, "GET http://127.0.0.1:1/<<$datetime '%Q' -99999999999d>>", path="offset.http"
    )
    interp_span = span(1, 24, 32, path="offset.http")
    with pytest.raises(ResolveError) as caught:
        evaluate_dynamic("datetime '%Q' -99999999999d", interp_span, FIXED)
    assert caught.value.span == interp_span
    assert "^" * 32 + " the time it gives" in render_error(caught.value)


def test_a_strftime_failure_is_a_positioned_error() -> None:
    # A lone surrogate cannot reach strftime from a file, but other platforms' C libraries
    # raise the same ValueError for directives glibc copies as they are.
    with pytest.raises(ResolveError) as caught:
        dyn("datetime '%Y\ud800'")
    assert caught.value.message.startswith("cannot format the time with the pattern '%Y")
    assert caught.value.span == span()
    assert "strftime directives" in caught.value.hint
    assert dyn("datetime '%Q'") == "%Q"  # glibc: unknown directives are copied


def test_random_int_bounds_beyond_int_conversion_are_an_error() -> None:
    assert dyn("randomInt 0 99999999999999999999999999999") == 49999999999999999999999999999
    with pytest.raises(ResolveError) as caught:
        dyn("randomInt 1 " + "9" * 5000)
    assert "$randomInt bound '9999" in caught.value.message
    assert "is out of range" in caught.value.message
    assert len(caught.value.message) < 120
    assert caught.value.span == span()
    assert "digits" in caught.value.hint


def test_a_number_json_cannot_write_is_an_error_not_infinity() -> None:
    scope = make_scope()
    with pytest.raises(ResolveError, match="JSON cannot write") as caught:
        render_template(tpl("n=<<`[1e400]`>>"), scope)
    assert caught.value.span is not None and caught.value.span.column == 3
