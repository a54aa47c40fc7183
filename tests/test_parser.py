"""``runner.parser``: every construct of FORMAT.md into nodes with exact spans, and every
syntax error as a ParseError with its line, column, message and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from parser_examples import COMPLETE_EXAMPLE

from runner import parser
from runner.errors import ParseError, render_error
from runner.nodes import (
    Block,
    Body,
    BodyInclude,
    BodyText,
    Capture,
    Check,
    CheckValue,
    CheckValueKind,
    Directive,
    Header,
    HttpFile,
    Interp,
    InterpKind,
    Request,
    Template,
    Text,
    Variable,
)
from runner.parser import parse_file, parse_text
from runner.source import Span

PATH = "t.http"


def sp(line: int, column: int, end_column: int, end_line: int | None = None) -> Span:
    return Span(PATH, line, column, end_line if end_line is not None else line, end_column)


def lit(text: str, span: Span) -> Template:
    return Template((Text(text),) if text else (), span)


def expr(name: str, span: Span, kind: InterpKind = InterpKind.EXPR) -> Interp:
    return Interp(name, kind, span)


def parse(text: str) -> HttpFile:
    return parse_text(text, PATH)


def only_block(text: str) -> Block:
    [block] = parse(text).blocks
    return block


def only_request(text: str) -> Request:
    request = only_block(text).request
    assert request is not None
    return request


def fails(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(text)
    return caught.value


# ---- The complete example of FORMAT.md -------------------------------------------------------


def version_header(line: int) -> Header:
    return Header(
        "X-Cafe24-Api-Version",
        Template((expr("api_version", sp(line, 23, 38)),), sp(line, 23, 38)),
        sp(line, 1, 38),
    )


def json_check(line: int, query: str, op: str, value: object, text: str) -> Check:
    query_end = 4 + len(query)
    value_start = len("?? ") + len(query) + len(f" {op} ") + 1
    return Check(
        query,
        sp(line, 4, query_end),
        op,
        False,
        CheckValue(CheckValueKind.JSON, value, None, sp(line, value_start, len(text) + 1)),
        text[3:],
        sp(line, 1, len(text) + 1),
    )


EXPECTED_BLOCKS = (
    Block(
        None,
        (Directive("auth", "cafe24", sp(3, 1, 15)),),
        (
            Variable(
                "api",
                Template(
                    (
                        Text("https://"),
                        expr("mallid", sp(2, 16, 26)),
                        Text(".cafe24api.com/api/v2"),
                    ),
                    sp(2, 8, 47),
                ),
                sp(2, 1, 47),
            ),
        ),
        None,
        (),
        (),
        sp(1, 1, 15, end_line=3),
    ),
    Block(
        "List the first page of products",
        (Directive("name", "products", sp(6, 1, 17)),),
        (),
        Request(
            "GET",
            Template(
                (
                    expr("api", sp(7, 5, 12)),
                    Text("/admin/products?limit=5&fields=product_no,product_name,price"),
                ),
                Span(PATH, 7, 5, 8, 42),
            ),
            None,
            (
                Header("Accept", lit("application/json", sp(9, 9, 25)), sp(9, 1, 25)),
                version_header(10),
            ),
            None,
            sp(7, 1, 35),
        ),
        (
            json_check(12, "status", "==", 200, "?? status == 200"),
            json_check(13, "length(body.products)", "<=", 5, "?? length(body.products) <= 5"),
            Check(
                'headers."x-api-call-limit"',
                sp(14, 4, 30),
                "exists",
                False,
                None,
                'headers."x-api-call-limit" exists',
                sp(14, 1, 37),
            ),
        ),
        (Capture("first", "body.products[0].product_no", sp(15, 12, 39), sp(15, 1, 39)),),
        sp(5, 1, 39, end_line=15),
    ),
    Block(
        "Read one product",
        (),
        (),
        Request(
            "GET",
            Template(
                (
                    expr("api", sp(18, 5, 12)),
                    Text("/admin/products/"),
                    expr("first", sp(18, 28, 37)),
                ),
                sp(18, 5, 37),
            ),
            None,
            (version_header(19),),
            None,
            sp(18, 1, 37),
        ),
        (
            Check(
                "body.product.product_no",
                sp(21, 4, 27),
                "==",
                False,
                CheckValue(
                    CheckValueKind.TEMPLATE,
                    None,
                    Template((expr("first", sp(21, 31, 40)),), sp(21, 31, 40)),
                    sp(21, 31, 40),
                ),
                "body.product.product_no == <<first>>",
                sp(21, 1, 40),
            ),
            Check(
                "body.product.price",
                sp(22, 4, 22),
                "matches",
                False,
                CheckValue(CheckValueKind.RAW, "^[0-9]+\\.[0-9]{2}$", None, sp(22, 31, 51)),
                "body.product.price matches '^[0-9]+\\.[0-9]{2}$'",
                sp(22, 1, 51),
            ),
        ),
        (),
        sp(17, 1, 51, end_line=22),
    ),
    Block(
        "Create a product",
        (Directive("name", "created", sp(25, 1, 16)),),
        (),
        Request(
            "POST",
            Template(
                (expr("api", sp(26, 6, 13)), Text("/admin/products")),
                sp(26, 6, 28),
            ),
            None,
            (
                Header("Content-Type", lit("application/json", sp(27, 15, 31)), sp(27, 1, 31)),
                version_header(28),
            ),
            Body(
                (
                    BodyText(
                        Template(
                            (
                                Text('{"shop_no": 1, "request": {"product_name": "demo '),
                                expr("uuid", sp(30, 50, 59), InterpKind.DYNAMIC),
                                Text('", "price": "1000.00"}}'),
                            ),
                            sp(30, 1, 82),
                        )
                    ),
                ),
                sp(30, 1, 82),
            ),
            sp(26, 1, 28),
        ),
        (json_check(32, "status", "==", 201, "?? status == 201"),),
        (),
        sp(24, 1, 17, end_line=32),
    ),
)


def test_the_complete_example_of_format_md() -> None:
    parsed = parse(COMPLETE_EXAMPLE)
    assert parsed.path == PATH
    assert parsed.blocks == EXPECTED_BLOCKS
    assert parsed.requests == EXPECTED_BLOCKS[1:]
    assert [block.name for block in parsed.requests] == ["products", None, "created"]


def test_crlf_and_lf_files_give_identical_trees() -> None:
    assert parse(COMPLETE_EXAMPLE.replace("\n", "\r\n")) == parse(COMPLETE_EXAMPLE)


def test_a_missing_final_newline_changes_nothing() -> None:
    assert parse(COMPLETE_EXAMPLE.rstrip("\n")) == parse(COMPLETE_EXAMPLE)


def test_a_byte_order_mark_is_dropped() -> None:
    assert parse("\ufeff" + COMPLETE_EXAMPLE) == parse(COMPLETE_EXAMPLE)


# ---- Blocks ------------------------------------------------------------------------------------


def test_empty_and_blank_files_have_no_blocks() -> None:
    assert parse("").blocks == ()
    assert parse("\n  \n\t\n").blocks == ()


def test_a_file_starting_with_a_separator_has_no_untitled_block() -> None:
    parsed = parse("### one\nGET http://a\n### two\n")
    assert [block.title for block in parsed.blocks] == ["one", "two"]


def test_text_before_the_first_separator_is_a_block() -> None:
    parsed = parse("# a comment\n\n### one\n")
    assert [block.title for block in parsed.blocks] == [None, "one"]
    assert parsed.blocks[0].span == sp(1, 1, 12)


def test_a_request_before_the_first_separator() -> None:
    block = only_block("GET http://a\n")
    assert block.title is None
    assert block.request is not None
    assert block.request.url == lit("http://a", sp(1, 5, 13))


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("### Create a product", "Create a product"),
        ("###Create   ", "Create"),
        ("###", ""),
        ("#### Four", "Four"),
        ("##########", ""),
        ("### #1: first", "#1: first"),
    ],
)
def test_titles(line: str, title: str) -> None:
    assert only_block(line + "\n").title == title


def test_block_span_runs_to_its_last_line_that_is_not_blank() -> None:
    parsed = parse("### a\nGET http://a\n\n\n### b  \n\n")
    assert parsed.blocks[0].span == sp(1, 1, 13, end_line=2)
    assert parsed.blocks[1].span == sp(5, 1, 6)


def test_a_request_less_block_holds_directives_and_variables() -> None:
    block = only_block("### defaults\n# @auth cafe24\n@x = 1\n")
    assert block.request is None
    assert block.directives == (Directive("auth", "cafe24", sp(2, 1, 15)),)
    assert block.variables == (Variable("x", lit("1", sp(3, 6, 7)), sp(3, 1, 7)),)


# ---- Comments, directives, variables -----------------------------------------------------------


def test_comments_are_ignored() -> None:
    block = only_block("# one\n// two\n  # indented\n#\n")
    assert block.directives == ()
    assert block.variables == ()
    assert block.request is None


@pytest.mark.parametrize(
    ("line", "key", "value", "column"),
    [
        ("# @name products", "name", "products", 1),
        ("// @name products", "name", "products", 1),
        ("#@name products", "name", "products", 1),
        ("# @name = products", "name", "products", 1),
        ("# @name=products", "name", "products", 1),
        ("# @no-redirect", "no-redirect", "", 1),
        ("# @skip the sandbox has no orders  ", "skip", "the sandbox has no orders", 1),
        ("  # @timeout 30s", "timeout", "30s", 3),
        ("# @retry 5 2s", "retry", "5 2s", 1),
    ],
)
def test_directives(line: str, key: str, value: str, column: int) -> None:
    block = only_block(line + "\nGET http://a\n")
    assert block.directives == (Directive(key, value, sp(1, column, len(line.rstrip()) + 1)),)


def test_a_comment_with_an_at_sign_that_is_no_directive() -> None:
    assert only_block("# @ not a key\n# mail me@example.com\n").directives == ()


def test_the_last_directive_of_a_key_is_the_one_read() -> None:
    block = only_block("# @name a\n# @name b\nGET http://x\n")
    assert block.name == "b"
    assert len(block.directives) == 2


@pytest.mark.parametrize(
    ("line", "name", "value", "value_column"),
    [
        ("@api = https://x", "api", "https://x", 8),
        ("@api=https://x", "api", "https://x", 6),
        ("@api   =   https://x   ", "api", "https://x", 12),
        ("  @_a1 = 1", "_a1", "1", 10),
        ("@empty =", "empty", "", 9),
        ("@note = a # not a comment", "note", "a # not a comment", 9),
    ],
)
def test_file_variables(line: str, name: str, value: str, value_column: int) -> None:
    [variable] = only_block(line + "\n").variables
    assert variable.name == name
    assert variable.value == lit(value, sp(1, value_column, value_column + len(value)))
    indent = len(line) - len(line.lstrip())
    assert variable.span == sp(1, indent + 1, len(line.rstrip()) + 1)


def test_file_variable_values_are_templates() -> None:
    [variable] = only_block("@token = <<login.body.access_token>>\n").variables
    assert variable.value.parts == (expr("login.body.access_token", sp(1, 10, 37)),)


# ---- Request line ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "method", "url", "url_column", "version"),
    [
        ("GET https://x/a", "GET", "https://x/a", 5, None),
        ("POST https://x/a HTTP/1.1", "POST", "https://x/a", 6, "HTTP/1.1"),
        ("DELETE   https://x/a   HTTP/2  ", "DELETE", "https://x/a", 10, "HTTP/2"),
        ("PATCH https://x/a HTTP/2.0", "PATCH", "https://x/a", 7, "HTTP/2"),
        ("https://x/a", "GET", "https://x/a", 1, None),
        ("https://x/a HTTP/1.1", "GET", "https://x/a", 1, "HTTP/1.1"),
        ("M-SEARCH http://x/", "M-SEARCH", "http://x/", 10, None),
        ("PROPFIND /relative", "PROPFIND", "/relative", 10, None),
        ("  GET http://x", "GET", "http://x", 7, None),
        ("localhost:8080/api", "GET", "localhost:8080/api", 1, None),
    ],
)
def test_request_lines(
    line: str, method: str, url: str, url_column: int, version: str | None
) -> None:
    request = only_request(line + "\n")
    assert request.method == method
    assert request.url == lit(url, sp(1, url_column, url_column + len(url)))
    assert request.http_version == version
    indent = len(line) - len(line.lstrip())
    assert request.span == sp(1, indent + 1, len(line.rstrip()) + 1)
    assert request.headers == ()
    assert request.body is None


def test_interpolations_in_the_url_may_hold_spaces() -> None:
    request = only_request("GET http://x/?at=<<$datetime '%Y %m' -1d>> HTTP/1.1\n")
    assert request.url.parts == (
        Text("http://x/?at="),
        expr("datetime '%Y %m' -1d", sp(1, 18, 43), InterpKind.DYNAMIC),
    )
    assert request.http_version == "HTTP/1.1"


def test_url_continuation_lines_are_joined_without_their_white_space() -> None:
    request = only_request(
        "GET <<api>>/orders?start=<<from>>\n"
        "    &end=<<$datetime '%Y-%m-%d'>>\n"
        "\t&limit=10  \n"
        "  ?x=1\n"
        "Accept: */*\n"
    )
    assert request.url == Template(
        (
            expr("api", sp(1, 5, 12)),
            Text("/orders?start="),
            expr("from", sp(1, 26, 34)),
            Text("&end="),
            expr("datetime '%Y-%m-%d'", sp(2, 10, 34), InterpKind.DYNAMIC),
            Text("&limit=10?x=1"),
        ),
        Span(PATH, 1, 5, 4, 7),
    )
    assert request.url.source == (
        "<<api>>/orders?start=<<from>>&end=<<$datetime '%Y-%m-%d'>>&limit=10?x=1"
    )
    assert [header.name for header in request.headers] == ["Accept"]


# ---- Headers -----------------------------------------------------------------------------------


def test_headers() -> None:
    request = only_request(
        "GET http://x\n"
        "Accept: application/json\n"
        "X-Empty:\n"
        "Authorization:   Basic <<client_id>>:<<client_secret>>   \n"
        "# a comment between headers\n"
        "X-Odd!#$%&'*+.^_`|~: yes\n"
    )
    assert request.headers == (
        Header("Accept", lit("application/json", sp(2, 9, 25)), sp(2, 1, 25)),
        Header("X-Empty", lit("", sp(3, 9, 9)), sp(3, 1, 9)),
        Header(
            "Authorization",
            Template(
                (
                    Text("Basic "),
                    expr("client_id", sp(4, 24, 37)),
                    Text(":"),
                    expr("client_secret", sp(4, 38, 55)),
                ),
                sp(4, 18, 55),
            ),
            sp(4, 1, 55),
        ),
        Header("X-Odd!#$%&'*+.^_`|~", lit("yes", sp(6, 22, 25)), sp(6, 1, 25)),
    )


def test_a_colon_in_a_header_value_stays() -> None:
    [header] = only_request("GET http://x\nHost: example.com:8080\n").headers
    assert header.value.parts == (Text("example.com:8080"),)


# ---- Bodies ------------------------------------------------------------------------------------


def body_texts(request: Request) -> list[str]:
    assert request.body is not None
    return [
        part.template.source if isinstance(part, BodyText) else f"<{part.path.source}>"
        for part in request.body.parts
    ]


def test_body_lines_are_joined_with_newlines_and_trailing_blank_lines_dropped() -> None:
    request = only_request(
        'POST http://x\nContent-Type: application/json\n\n{\n  "a": 1\n}\n\n  \n'
    )
    assert request.body == Body(
        (BodyText(lit('{\n  "a": 1\n}', sp(4, 1, 2, end_line=6))),), sp(4, 1, 2, end_line=6)
    )


def test_a_body_keeps_its_leading_and_inner_blank_lines() -> None:
    request = only_request("POST http://x\n\n\nline one\n\nline two\n")
    assert body_texts(request) == ["\nline one\n\nline two"]
    assert request.body is not None
    assert request.body.span == sp(3, 1, 9, end_line=6)


def test_a_body_of_blank_lines_is_no_body() -> None:
    assert only_request("POST http://x\n\n\n   \n").body is None
    assert only_request("POST http://x\n\n").body is None


def test_a_body_without_headers() -> None:
    request = only_request("POST http://x\n\ngrant_type=refresh_token&t=<<%token>>\n")
    assert request.headers == ()
    assert request.body is not None
    [part] = request.body.parts
    assert isinstance(part, BodyText)
    assert part.template.parts == (
        Text("grant_type=refresh_token&t="),
        expr("token", sp(3, 28, 38), InterpKind.PERCENT),
    )


@pytest.mark.parametrize(
    "end",
    [
        "### next",
        "?? status == 200",
        ">> id = body.id",
        "<> 2024-01-01T120000.200.json",
    ],
)
def test_a_body_ends_at_a_column_one_separator_check_capture_or_response_link(end: str) -> None:
    parsed = parse(f"POST http://x\n\nline\n# comment is body\n  ?? indented is body\n{end}\n")
    request = parsed.blocks[0].request
    assert request is not None
    assert body_texts(request) == ["line\n# comment is body\n  ?? indented is body"]


def test_body_includes() -> None:
    request = only_request(
        "POST http://x\n"
        "Content-Type: multipart/form-data; boundary=b\n"
        "\n"
        "--b\n"
        'Content-Disposition: form-data; name="file"; filename="a.png"\n'
        "\n"
        "< ./a.png\n"
        "--b\n"
        "<@   ./data/<<name>>.json   \n"
        "--b--\n"
    )
    assert request.body is not None
    assert request.body.parts == (
        BodyText(
            lit(
                '--b\nContent-Disposition: form-data; name="file"; filename="a.png"\n',
                sp(4, 1, 1, end_line=6),
            )
        ),
        BodyInclude(lit("./a.png", sp(7, 3, 10)), False, sp(7, 1, 10)),
        BodyText(lit("--b", sp(8, 1, 4))),
        BodyInclude(
            Template(
                (Text("./data/"), expr("name", sp(9, 13, 21)), Text(".json")),
                sp(9, 6, 26),
            ),
            True,
            sp(9, 1, 26),
        ),
        BodyText(lit("--b--", sp(10, 1, 6))),
    )
    assert request.body.span == sp(4, 1, 6, end_line=10)


def test_a_body_that_is_only_an_include() -> None:
    request = only_request("POST http://x\n\n< ./body.json\n\n")
    assert request.body == Body(
        (BodyInclude(lit("./body.json", sp(3, 3, 14)), False, sp(3, 1, 14)),), sp(3, 1, 14)
    )


def test_lines_that_only_look_like_includes_are_body_text() -> None:
    request = only_request("POST http://x\n\n<root>\n<./no-space\n<\n")
    assert body_texts(request) == ["<root>\n<./no-space\n<"]


def test_escaped_markers_in_a_body() -> None:
    request = only_request("POST http://x\n\ncat \\<<EOF\n")
    assert body_texts(request) == ["cat \\<<EOF"]
    assert request.body is not None
    [part] = request.body.parts
    assert isinstance(part, BodyText)
    assert part.template.parts == (Text("cat <<EOF"),)


# ---- Checks ------------------------------------------------------------------------------------


def check_of(line: str) -> Check:
    [check] = only_block(f"GET http://x\n\n{line}\n").checks
    return check


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">=", "contains", "in", "matches"])
def test_every_operator(op: str) -> None:
    check = check_of(f"?? body.x {op} 1")
    assert (check.query, check.op, check.negated) == ("body.x", op, False)
    assert check.query_span == sp(3, 4, 10)
    assert check.value == CheckValue(
        CheckValueKind.JSON, 1, None, sp(3, 12 + len(op), 13 + len(op))
    )
    assert check.text == f"body.x {op} 1"
    assert check.span == sp(3, 1, 13 + len(op))


def test_operators_need_no_spaces() -> None:
    check = check_of("??status!=404")
    assert (check.query, check.op, check.query_span) == ("status", "!=", sp(3, 3, 9))
    assert check.value is not None
    assert check.value.json == 404
    assert check.value.span == sp(3, 11, 14)


def test_a_check_without_operator_is_a_truthy_test() -> None:
    check = check_of("?? body.products[?price > '100'] ")
    assert check == Check(
        "body.products[?price > '100']",
        sp(3, 4, 33),
        None,
        False,
        None,
        "body.products[?price > '100']",
        sp(3, 1, 33),
    )


def test_exists_and_not_exists() -> None:
    assert check_of("?? body.error exists").op == "exists"
    check = check_of("?? body.error not exists")
    assert (check.query, check.op, check.negated, check.value) == (
        "body.error",
        "exists",
        True,
        None,
    )
    assert check.query_span == sp(3, 4, 14)


def test_not_negates_any_operator_right_after_it() -> None:
    check = check_of("?? body.tags not contains 'draft'")
    assert (check.query, check.op, check.negated) == ("body.tags", "contains", True)
    assert check.value == CheckValue(CheckValueKind.RAW, "draft", None, sp(3, 27, 34))


@pytest.mark.parametrize(
    ("line", "query", "op"),
    [
        (
            "?? length(body.products[?price > '100']) > 0",
            "length(body.products[?price > '100'])",
            ">",
        ),
        ('?? headers."a == b" == "x"', 'headers."a == b"', "=="),
        ("?? body[?name == `x`] | length(@) >= 1", "body[?name == `x`] | length(@)", ">="),
        ("?? {a: body.a, b: (body.b)} != null", "{a: body.a, b: (body.b)}", "!="),
        ("?? contains(body.tags, 'a')", "contains(body.tags, 'a')", None),
        ("?? body.in == 1", "body.in", "=="),
        ("?? body.contains", "body.contains", None),
        ("?? body.exists_flag == true", "body.exists_flag", "=="),
        ("?? body.knot == 1", "body.knot", "=="),
        ("?? a == b == c", "a == b", "=="),
        ("?? body.x == '<=' ", "body.x", "=="),
    ],
)
def test_the_operator_is_the_last_one_outside_brackets_and_quotes(
    line: str, query: str, op: str | None
) -> None:
    check = check_of(line)
    assert (check.query, check.op) == (query, op)
    assert check.query_span == sp(3, 4, 4 + len(query))


@pytest.mark.parametrize(
    ("value", "kind", "json"),
    [
        ("200", CheckValueKind.JSON, 200),
        ("-1.5", CheckValueKind.JSON, -1.5),
        ('"1100.00"', CheckValueKind.JSON, "1100.00"),
        ("true", CheckValueKind.JSON, True),
        ("null", CheckValueKind.JSON, None),
        ("[1, 2]", CheckValueKind.JSON, [1, 2]),
        ('{"a": [1]}', CheckValueKind.JSON, {"a": [1]}),
        ("'^T|F$'", CheckValueKind.RAW, "^T|F$"),
        ("'it\\'s'", CheckValueKind.RAW, "it's"),
        ("'a\\d'", CheckValueKind.RAW, "a\\d"),
        ("''", CheckValueKind.RAW, ""),
        ("'<<not interpolated>>'", CheckValueKind.RAW, "<<not interpolated>>"),
    ],
)
def test_literal_values(value: str, kind: CheckValueKind, json: object) -> None:
    check = check_of(f"?? body.x == {value}")
    assert check.value == CheckValue(kind, json, None, sp(3, 14, 14 + len(value)))


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("hello", (Text("hello"),)),
        ("hello world", (Text("hello world"),)),
        ("NaN", (Text("NaN"),)),
        ("01", (Text("01"),)),
        ("[1, 2", (Text("[1, 2"),)),
        ("<<first>>", (expr("first", sp(3, 14, 23)),)),
        (
            '"demo <<$uuid>>"',
            (Text('"demo '), expr("uuid", sp(3, 20, 29), InterpKind.DYNAMIC), Text('"')),
        ),
        ("\\<<x", (Text("<<x"),)),
    ],
)
def test_template_values(value: str, parts: tuple[Text | Interp, ...]) -> None:
    check = check_of(f"?? body.x == {value}")
    span = sp(3, 14, 14 + len(value))
    assert check.value == CheckValue(
        CheckValueKind.TEMPLATE,
        None,
        Template(parts, span),
        span,
    )


def test_checks_may_follow_the_headers_without_a_blank_line() -> None:
    block = only_block("GET http://x\nAccept: */*\n?? status == 200\n>> a = body.a\n")
    assert block.request is not None
    assert block.request.body is None
    assert [check.text for check in block.checks] == ["status == 200"]
    assert [capture.name for capture in block.captures] == ["a"]


def test_comments_blank_lines_and_response_links_between_checks() -> None:
    block = only_block(
        "POST http://x\n\nbody\n?? status == 201\n\n# why\n// how\n<> 2024.json\n>> id = body.id\n"
    )
    assert [check.span.line for check in block.checks] == [4]
    assert [capture.span.line for capture in block.captures] == [9]
    assert block.span == sp(1, 1, 16, end_line=9)


# ---- Captures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "query", "query_column"),
    [
        (">> first = body.products[0].product_no", "first", "body.products[0].product_no", 12),
        (">>id=body.id", "id", "body.id", 6),
        ('>>   _x1   =   headers."x-a"   ', "_x1", 'headers."x-a"', 16),
        (">> both = [body.a, body.b]", "both", "[body.a, body.b]", 11),
    ],
)
def test_captures(line: str, name: str, query: str, query_column: int) -> None:
    [capture] = only_block(f"GET http://x\n\n{line}\n").captures
    assert capture == Capture(
        name,
        query,
        sp(3, query_column, query_column + len(query)),
        sp(3, 1, len(line.rstrip()) + 1),
    )


# ---- Errors ------------------------------------------------------------------------------------

ERRORS = [
    # (text, message, (line, column, end_column), label)
    (
        "GET http://a\n  ?? status == 200\n",
        "indented '??' check",
        (2, 3, 19),
        "checks start at column 1",
    ),
    (
        "GET http://a\nAccept: x\n  ?? status == 200\n",
        "indented '??' check",
        (3, 3, 19),
        "checks start at column 1",
    ),
    (
        "GET http://a\n\n?? status == 200\n\t>> a = b\n",
        "indented '>>' capture",
        (4, 2, 10),
        "captures start at column 1",
    ),
    (
        "GET http://a\nPOST http://b\n",
        "a second request line in one block",
        (2, 1, 14),
        "a block holds at most one request",
    ),
    (
        "GET http://a\nhttp://b\n",
        "a second request line in one block",
        (2, 1, 9),
        "a block holds at most one request",
    ),
    (
        "GET http://a\nAccept: x\nGET <<api>>/b\n",
        "a second request line in one block",
        (3, 1, 14),
        "a block holds at most one request",
    ),
    (
        'POST http://a\n{"a": 1}\n',
        "expected a header 'Name: value' or a blank line",
        (2, 1, 9),
        "not a header",
    ),
    (
        "GET http://a\nAccept: x\n    &b=1\n",
        "URL continuation line after a header",
        (3, 5, 9),
        "lines that continue the URL come right after the request line",
    ),
    (
        "GET http://a\n  Accept: x\n",
        "indented header line",
        (2, 3, 12),
        "header lines start at column 1",
    ),
    (
        "GET http://a\nAccept : x\n",
        "white space before the ':' of a header",
        (2, 1, 11),
        "expected 'Name: value'",
    ),
    (
        "GET http://a\n@x = 1\n",
        "file variable after the request line",
        (2, 1, 7),
        "'@name = value' lines go before the request line",
    ),
    (
        "GET http://a\n# @name x\n",
        "directive '@name' after the request line",
        (2, 1, 10),
        "directives go before the request line",
    ),
    (
        "GET http://a\n\n?? status == 200\nAccept: x\n",
        "header after the checks",
        (4, 1, 10),
        "headers go right after the request line",
    ),
    (
        "GET http://a\n\n?? status == 200\nsome body\n",
        "expected a '??' check, a '>> name = query' capture or a comment",
        (4, 1, 10),
        "not allowed after the checks",
    ),
    (
        "GET http://a\n\n?? status == 200\nGET http://b\n",
        "a second request line in one block",
        (4, 1, 13),
        "a block holds at most one request",
    ),
    (
        "GET http://a\n\n?? status == 200\n@x = 1\n",
        "file variable after the checks",
        (4, 1, 7),
        "'@name = value' lines go before a request line",
    ),
    (
        "GET http://a\n\n?? status == 200\n# @name x\n",
        "directive '@name' after the request",
        (4, 1, 10),
        "directives go before the request line",
    ),
    (
        "GET http://a\n\n> {%\n  client.test('x', () => {})\n%}\n",
        "JavaScript response handlers ('> {% ... %}') are not supported by httprun",
        (3, 1, 5),
        "httprun runs no JavaScript",
    ),
    (
        "GET http://a\n\nbody\n> {% client.log(1) %}\n",
        "JavaScript response handlers ('> {% ... %}') are not supported by httprun",
        (4, 1, 22),
        "httprun runs no JavaScript",
    ),
    (
        "GET http://a\n\n> ./check.js\n",
        "response handler scripts ('> file') are not supported by httprun",
        (3, 1, 13),
        "httprun runs no JavaScript",
    ),
    (
        "GET http://a\n\n?? status == 200\n> ./check.js\n",
        "response handler scripts ('> file') are not supported by httprun",
        (4, 1, 13),
        "httprun runs no JavaScript",
    ),
    (
        "< {%\n  request.variables.set('a', 1)\n%}\nGET http://a\n",
        "JavaScript pre-request scripts ('< {% ... %}') are not supported by httprun",
        (1, 1, 5),
        "httprun runs no JavaScript",
    ),
    (
        "< ./pre.js\nGET http://a\n",
        "pre-request script files ('< script.js') are not supported by httprun",
        (1, 1, 11),
        "httprun runs no JavaScript",
    ),
    (
        "< ./body.json\nGET http://a\n",
        "body include before the request line",
        (1, 1, 14),
        "'< file' lines belong to a request's body",
    ),
    (
        "POST http://a\n\n< {% request.x %}\n",
        "JavaScript pre-request scripts ('< {% ... %}') are not supported by httprun",
        (3, 1, 18),
        "httprun runs no JavaScript",
    ),
    (
        "?? status == 200\nGET http://a\n",
        "check before the request line",
        (1, 1, 17),
        "a '??' check belongs after the request it reads",
    ),
    (
        "### only checks\n>> a = b\n",
        "capture in a block without a request",
        (2, 1, 9),
        "a '>>' capture belongs after the request it reads",
    ),
    (
        "GET http://a\n\n>> 1x = body\n",
        "invalid capture name '1x'",
        (3, 4, 6),
        "use letters, digits and '_', not starting with a digit",
    ),
    (
        "GET http://a\n\n>> body.id\n",
        "invalid capture name 'body.id'",
        (3, 4, 11),
        "use letters, digits and '_', not starting with a digit",
    ),
    (
        "GET http://a\n\n>> id body.id\n",
        "expected '=' after '>> id'",
        (3, 4, 6),
        "a capture is '>> name = query'",
    ),
    (
        "GET http://a\n\n>> id =  \n",
        "capture 'id' has no query",
        (3, 8, 9),
        "expected a JMESPath query after '='",
    ),
    (
        "GET http://a\n\n>> id == body.id\n",
        "'==' in a capture",
        (3, 6, 9),
        "a capture takes one '='",
    ),
    (
        "GET http://a\n\n>> ./out.json\n",
        "saving a response to a file ('>> file') is not supported by httprun",
        (3, 1, 14),
        "expected '>> name = query'",
    ),
    (
        "GET http://a\n\n>>! out.json\n",
        "saving a response to a file ('>> file') is not supported by httprun",
        (3, 1, 13),
        "expected '>> name = query'",
    ),
    (
        "GET http://a\n\n>> out.json\n",
        "saving a response to a file ('>> file') is not supported by httprun",
        (3, 1, 12),
        "expected '>> name = query'",
    ),
    ("GET http://a\n\n??\n", "empty check", (3, 1, 3), "expected a JMESPath query after '??'"),
    (
        "GET http://a\n\n?? status ==\n",
        "'==' needs a value",
        (3, 11, 13),
        "expected a value after the operator",
    ),
    (
        "GET http://a\n\n?? body.tags contains  \n",
        "'contains' needs a value",
        (3, 14, 22),
        "expected a value after the operator",
    ),
    (
        "GET http://a\n\n?? == 200\n",
        "missing query before '=='",
        (3, 4, 6),
        "expected a JMESPath query before the operator",
    ),
    (
        "GET http://a\n\n?? not exists\n",
        "missing query before 'exists'",
        (3, 8, 14),
        "expected a JMESPath query before the operator",
    ),
    (
        "GET http://a\n\n?? body.x exists 1\n",
        "'exists' takes no value",
        (3, 18, 19),
        "nothing may follow 'exists'",
    ),
    ("GET http://a\n\n?? status = 200\n", "'=' in a check", (3, 11, 12), "not an operator"),
    (
        "GET http://a\n\n?? body.x not\n",
        "'not' without an operator",
        (3, 11, 14),
        "'not' negates the operator after it",
    ),
    (
        'GET http://a\n\n?? body.x == "abc\n',
        "invalid JSON string",
        (3, 14, 18),
        "a string in double quotes must be valid JSON",
    ),
    (
        'GET http://a\n\n?? body.x == "a\\q"\n',
        "invalid JSON string",
        (3, 14, 19),
        "a string in double quotes must be valid JSON",
    ),
    (
        "GET http://a\n\n?? body.x == 'abc\n",
        "unterminated raw string",
        (3, 14, 18),
        "a raw string is '...'",
    ),
    (
        "GET http://a\n\n?? body.x == 'abc\\'\n",
        "unterminated raw string",
        (3, 14, 20),
        "a raw string is '...'",
    ),
    ("get http://a\n", "method 'get' is not upper case", (1, 1, 4), "methods are upper case"),
    ("Post http://a\n", "method 'Post' is not upper case", (1, 1, 5), "methods are upper case"),
    ("POST\n", "'POST' without a URL", (1, 1, 5), "expected 'METHOD URL'"),
    (
        "GET http://a HTTP/3\n",
        "unsupported HTTP version 'HTTP/3'",
        (1, 14, 20),
        "expected HTTP/1.1 or HTTP/2",
    ),
    (
        "GET http://a HTTP/1.0\n",
        "unsupported HTTP version 'HTTP/1.0'",
        (1, 14, 22),
        "expected HTTP/1.1 or HTTP/2",
    ),
    ("GET http://a/b c\n", "white space in a URL", (1, 15, 16), "a URL cannot contain white space"),
    (
        "GET http://a\n    &b=c d\n",
        "white space in a URL",
        (2, 9, 10),
        "a URL cannot contain white space",
    ),
    (
        "some prose without a comment sign\n",
        "white space in a URL",
        (1, 5, 6),
        "a URL cannot contain white space",
    ),
    (
        "Content-Type: application/json\n",
        "expected a request line before the headers",
        (1, 1, 31),
        "this looks like a header, but no request line comes before it",
    ),
    (
        "@1x = 3\n",
        "invalid variable name '1x'",
        (1, 2, 4),
        "use letters, digits and '_', not starting with a digit",
    ),
    ("@x 3\n", "expected '=' after '@x'", (1, 2, 3), "a file variable is '@name = value'"),
    ("@ = 3\n", "file variable without a name", (1, 1, 2), "expected a name after '@'"),
    ("GET http://a/<<x\n", "unterminated '<<'", (1, 14, 16), "no '>>' after this on the same line"),
    (
        "GET http://a/<< >>\n",
        "empty interpolation '<< >>'",
        (1, 14, 19),
        "nothing between '<<' and '>>'",
    ),
    ("@a = <<$>>\n", "'<<$>>' names nothing", (1, 6, 11), "expected a dynamic value after '$'"),
    (
        "GET http://a\nX: <<y\n",
        "unterminated '<<'",
        (2, 4, 6),
        "no '>>' after this on the same line",
    ),
    (
        "POST http://a\n\nline 1\nx <<y\nz>>\n",
        "unterminated '<<'",
        (4, 3, 5),
        "no '>>' after this on the same line",
    ),
    (
        "POST http://a\n\n<@ ./<<x\n",
        "unterminated '<<'",
        (3, 6, 8),
        "no '>>' after this on the same line",
    ),
    (
        "GET http://a\n\n?? body.x == <<y\n",
        "unterminated '<<'",
        (3, 14, 16),
        "no '>>' after this on the same line",
    ),
]


@pytest.mark.parametrize(("text", "message", "where", "label"), ERRORS)
def test_errors(text: str, message: str, where: tuple[int, int, int], label: str) -> None:
    error = fails(text)
    assert error.message == message
    line, column, end_column = where
    assert error.span == sp(line, column, end_column)
    assert error.label == label
    assert error.hint  # every error says how to fix it


def test_errors_name_the_fix() -> None:
    assert fails("GET http://a\nGET http://b\n").hint == "start the next request with a '###' line"
    assert "blank line" in fails("POST http://a\n{}\n").hint
    assert "'?? QUERY OP VALUE'" in fails("GET http://a\n\n> {% %}\n").hint
    assert "'>> name = query'" in fails("GET http://a\n\n> {% %}\n").hint
    assert fails("get http://a\n").hint == "write 'GET'"


def test_errors_render_with_the_source_line() -> None:
    rendered = render_error(fails("### x\nGET http://a\n  Accept: x\n"))
    assert rendered == (
        "error: indented header line\n"
        " --> t.http:3:3\n"
        "  |\n"
        "3 |   Accept: x\n"
        "  |   ^^^^^^^^^ header lines start at column 1\n"
        "  = help: remove the white space before the header name"
    )


def test_errors_of_crlf_files_point_at_the_same_columns() -> None:
    error = fails("GET http://a\r\n\r\n?? status ==\r\n")
    assert error.span == sp(3, 11, 13)
    assert "?? status ==" in render_error(error)


def test_the_first_error_of_a_block_is_reported() -> None:
    error = fails("### a\n@1 = x\nGET http://a b\n")
    assert error.span == sp(2, 2, 3)


def test_odd_line_breaks_do_not_shift_rendered_lines() -> None:
    # str.splitlines() breaks at "\x0c"; request files break at "\n" only.
    error = fails("# page\x0cbreak\nGET http://a b\n")
    assert error.span == sp(2, 13, 14)
    assert "2 | GET http://a b" in render_error(error)


# ---- Files -------------------------------------------------------------------------------------


def test_parse_file_reads_utf8_and_keeps_the_path_as_given(tmp_path: Path) -> None:
    path = tmp_path / "products.http"
    path.write_bytes(("\ufeff" + COMPLETE_EXAMPLE).replace("\n", "\r\n").encode("utf-8"))
    parsed = parse_file(path)
    assert parsed.path == str(path)
    assert len(parsed.requests) == 3
    assert parsed.blocks[1].span.path == str(path)
    assert parse_file(str(path)).blocks[1:] != ()


def test_parse_file_reports_invalid_utf8_at_its_position(tmp_path: Path) -> None:
    path = tmp_path / "latin1.http"
    path.write_bytes(b"GET http://a\nX-Name: Jos\xe9\n")
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert caught.value.message == f"request file '{path}' is not valid UTF-8"
    assert caught.value.span == Span(str(path), 2, 12, 2, 13)
    assert caught.value.hint == "save the file as UTF-8"


def test_parse_file_reports_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.http"
    with pytest.raises(ParseError) as caught:
        parse_file(missing)
    assert (
        caught.value.message == f"cannot read request file '{missing}': No such file or directory"
    )
    assert caught.value.span is None


def test_parse_file_reports_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ParseError) as caught:
        parse_file(tmp_path)
    assert caught.value.message.startswith(f"cannot read request file '{tmp_path}'")


def test_invalid_utf8_renders_the_current_line_not_the_last_valid_one(tmp_path: Path) -> None:
    # Regression (--watch): the source was only registered when parsing succeeded, so after
    # the file became invalid UTF-8 the error showed the line as it was before the edit.
    path = tmp_path / "watched.http"
    path.write_text("GET http://a\nX-Name: Jose\n", encoding="utf-8")
    parse_file(path)
    path.write_bytes(b"GET http://a\nX-Name: Jos\xe9 Garcia\n")
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    rendered = render_error(caught.value)
    assert "2 | X-Name: Jos\ufffd Garcia" in rendered
    assert "X-Name: Jose\n" not in rendered
    assert " " * 11 + "^ byte 0xe9 cannot start or continue a UTF-8 character" in rendered


def test_invalid_utf8_after_a_byte_order_mark_renders_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bom.http"
    path.write_bytes(b"\xef\xbb\xbfGET http://a/\xff\n")
    with pytest.raises(ParseError) as caught:
        parse_file(path)
    assert caught.value.span == Span(str(path), 1, 14, 1, 15)
    assert "1 | GET http://a/\ufffd" in render_error(caught.value)


def test_parse_file_reports_a_nul_byte_in_the_path() -> None:
    with pytest.raises(ParseError) as caught:
        parse_file("bad\x00name.http")
    assert caught.value.message == (
        "cannot read request file 'bad\\x00name.http': embedded null byte"
    )


def test_the_grammar_comes_from_the_repository_root_in_a_checkout() -> None:
    root_grammar = Path(parser.__file__).parent.parent / "grammar.lark"
    assert parser._grammar_text() == root_grammar.read_text(encoding="utf-8")


def test_the_lark_parser_is_built_once() -> None:
    assert parser._lark() is parser._lark()


def test_the_garbage_collector_is_left_as_it_was() -> None:
    import gc

    assert gc.isenabled()
    parse(COMPLETE_EXAMPLE)
    assert gc.isenabled()
    gc.disable()
    try:
        parse(COMPLETE_EXAMPLE)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_many_requests_parse() -> None:
    blocks = "".join(
        f"### r{i}\nPOST http://x/<<a>>\nContent-Type: application/json\n\n"
        f'{{"n": {i}}}\n\n?? status == 201\n?? body.n == {i}\n>> id{i} = body.id\n\n'
        for i in range(500)
    )
    parsed = parse(blocks)
    assert len(parsed.requests) == 500
    last = parsed.blocks[-1]
    assert last.title == "r499"
    assert last.captures[0].span.line == 500 * 10 - 1


def test_a_request_line_without_a_method_may_start_with_an_interpolation() -> None:
    parsed = parse_text("@host = http://x\n### list\n<<host>>/products\n", "m.http")
    (block,) = parsed.requests
    assert block.request is not None
    assert block.request.method == "GET"
    assert block.request.url.source == "<<host>>/products"


def test_an_include_before_the_request_line_is_still_an_error() -> None:
    with pytest.raises(ParseError, match="before the request line"):
        parse_text("### x\n< ./body.json\nGET http://x/\n", "m.http")


@pytest.mark.parametrize(("line", "fix"), [("?? body.count === 1", "=="), ("?? x.y !== 1", "!=")])
def test_triple_equals_is_refused_with_a_fix(line: str, fix: str) -> None:
    with pytest.raises(ParseError, match="is not an operator") as caught:
        parse_text(f"GET http://x/\n\n{line}\n", "eq.http")
    assert caught.value.span is not None
    assert line[caught.value.span.column - 1 :].startswith(fix + "=")
    assert caught.value.hint.startswith(f"write '{fix}'")


def test_text_after_a_raw_string_is_named_as_such() -> None:
    with pytest.raises(ParseError, match="text after the raw string") as caught:
        parse_text("GET http://x/\n\n?? body.x == 'a == b' || true\n", "raw.http")
    assert "'a == b'" in caught.value.label


def test_exists_without_a_query_gets_a_hint_without_a_value() -> None:
    with pytest.raises(ParseError, match="missing query before 'exists'") as caught:
        parse_text("GET http://x/\n\n?? not exists\n", "ne.http")
    assert caught.value.hint == "write '?? QUERY exists'"
