"""Hand-built runs for the report tests (JUnit, JSON, HTML), without the parser or the network.

``sample_run()`` has every case a report must show: a passed request with captures (one of them
secret), a failed one with two failed checks, an errored one (refused connection), a skipped
one, a file that did not parse, and secrets hidden in headers, URLs, bodies, captures, check
values and error messages. ``SECRETS`` lists every secret value; no report may contain one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runner.errors import CheckFailed, Diagnostic, HttprunError, ParseError, TransportError
from runner.masking import Masker
from runner.nodes import Block, Directive, Request, Template, Text
from runner.results import (
    CheckResult,
    Exchange,
    FileResult,
    Outcome,
    RequestResult,
    ResolvedRequest,
    RunResult,
)
from runner.source import Span, remember_source

PRODUCTS = "requests/report-sample/products.http"
BROKEN = "requests/report-sample/broken.http"
RUN_START = 1_700_000_000.0

ENV_TOKEN = "env-access-token-5f3a9c"  # an env variable named access_token: the run knows it
CAPTURED_REFRESH = "captured-refresh-77e1d0"  # captured as refresh_token
UNCAPTURED_TOKEN = "body-token-a81f2e"  # only inside a token response nobody captured
COOKIE_VALUE = "session-cookie-c0ffee"  # only in a Set-Cookie response header
FORM_SECRET = "form-secret-9d9d9d"  # only in a form body: client_secret=...
SECRETS = (ENV_TOKEN, CAPTURED_REFRESH, UNCAPTURED_TOKEN, COOKIE_VALUE, FORM_SECRET)

# A name that would run script if a report forgot to escape it.
EVIL_TITLE = "List <b>products</b> & <script>window.pwned = 1</script>"
EVIL_BODY = '</pre><img src="https://tracker.example.test/pixel.png"><pre>'

PRODUCTS_TEXT = f"""\
@api = https://demo.example.test/api/v2

### {EVIL_TITLE}
# @name products
GET <<api>>/admin/products?limit=5
Authorization: Bearer <<access_token>>

?? status == 200
>> first = body.products[0].product_no
>> refresh_token = body.refresh_token

### Read one product
GET <<api>>/admin/products/<<first>>

?? body.product.price == "1100.00"
?? body.product.product_name exists

### Refused
POST http://127.0.0.1:9/oauth/token?access_token=<<access_token>>
Content-Type: application/x-www-form-urlencoded

grant_type=client_credentials&client_secret={FORM_SECRET}

### Not yet
# @skip waiting for the sandbox
DELETE <<api>>/admin/products/1
"""

BROKEN_TEXT = """\
### A script handler
GET https://demo.example.test/
> {% client.global.set("x", 1) %}
"""


def _span(line: int, column: int = 1, width: int = 1, path: str = PRODUCTS) -> Span:
    return Span.point(path, line, column, width)


def _block(
    title: str | None,
    method: str,
    url: str,
    line: int,
    *,
    name: str | None = None,
    skip: str | None = None,
) -> Block:
    directives: list[Directive] = []
    if name is not None:
        directives.append(Directive("name", name, _span(line - 1, 3, 5)))
    if skip is not None:
        directives.append(Directive("skip", skip, _span(line - 1, 3, 5)))
    request_span = _span(line, 1, len(method) + 1 + len(url))
    request = Request(method, Template((Text(url),), request_span), None, (), None, request_span)
    start = line - 1 - len(directives)
    block_span = Span(PRODUCTS, start, 1, line + 3, 1)
    return Block(title, tuple(directives), (), request, (), (), block_span)


def _response(
    status: int, reason: str, body: Any, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    text = json.dumps(body) if not isinstance(body, str) else body
    return {
        "status": status,
        "reason": reason,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": body,
        "text": text,
        "elapsed_ms": 0.0,
        "url": "",
    }


def sample_run(*, interrupted: bool = False) -> RunResult:
    remember_source(PRODUCTS, PRODUCTS_TEXT)
    remember_source(BROKEN, BROKEN_TEXT)
    masker = Masker()
    masker.add_variable("access_token", ENV_TOKEN)
    api = "https://demo.example.test/api/v2"

    # 1. Passed, with captures; the response is a token response with an uncaptured token.
    list_url = f"{api}/admin/products?limit=5"
    list_block = _block(EVIL_TITLE, "GET", "<<api>>/admin/products?limit=5", 5, name="products")
    list_request = ResolvedRequest(
        "GET",
        list_url,
        (("Authorization", f"Bearer {ENV_TOKEN}"), ("Accept", "application/json")),
        None,
        list_block.request.span if list_block.request else _span(5),
    )
    list_body = {
        "products": [{"product_no": 101, "product_name": EVIL_BODY, "price": "1100.00"}],
        "access_token": UNCAPTURED_TOKEN,
        "refresh_token": CAPTURED_REFRESH,
        "keyword": "shoes",
    }
    list_exchange = Exchange(
        list_request,
        (*list_request.headers, ("User-Agent", "httprun/0.1.0")),
        _response(200, "OK", list_body, {"set-cookie": f"sid={COOKIE_VALUE}; Path=/; HttpOnly"}),
        RUN_START + 0.010,
        120.0,
    )
    passed = RequestResult(
        PRODUCTS,
        list_block,
        Outcome.PASSED,
        "GET",
        list_url,
        status=200,
        elapsed_ms=120.0,
        started_at=RUN_START + 0.010,
        checks=(
            CheckResult("check", "status == 200", True, _span(8, 4, 13), "", 200, 200),
            CheckResult(
                "capture",
                "first = body.products[0].product_no",
                True,
                _span(9, 4, 35),
                "",
                None,
                101,
            ),
            CheckResult(
                "capture",
                "refresh_token = body.refresh_token",
                True,
                _span(10, 4, 34),
                "",
                None,
                CAPTURED_REFRESH,
            ),
        ),
        captures={"first": 101, "refresh_token": CAPTURED_REFRESH},
        request=list_request,
        exchange=list_exchange,
        attempts=1,
    )

    # 2. Failed: two checks, one message quoting the env token.
    read_url = f"{api}/admin/products/101"
    read_block = _block("Read one product", "GET", "<<api>>/admin/products/<<first>>", 13)
    read_request = ResolvedRequest("GET", read_url, (), None, _span(13, 1, 36))
    read_body = {"product": {"product_no": 101, "price": 1100, "note": f"token {ENV_TOKEN}"}}
    read_checks = (
        CheckResult(
            "check",
            'body.product.price == "1100.00"',
            False,
            _span(15, 4, 31),
            'expected "1100.00" (string), got 1100 (number)',
            "1100.00",
            1100,
        ),
        CheckResult(
            "check",
            "body.product.product_name exists",
            False,
            _span(16, 4, 32),
            f"expected a value, got null (token was {ENV_TOKEN})",
            None,
            None,
        ),
    )
    read_error = CheckFailed(
        [
            Diagnostic("error", f"check failed: {c.text}", c.span, label=c.message)
            for c in read_checks
        ]
    )
    failed = RequestResult(
        PRODUCTS,
        read_block,
        Outcome.FAILED,
        "GET",
        read_url,
        status=200,
        elapsed_ms=80.0,
        started_at=RUN_START + 0.140,
        checks=(
            CheckResult("status", "status < 400", True, _span(13, 1, 36), "", "< 400", 200),
            *read_checks,
        ),
        error=read_error,
        request=read_request,
        exchange=Exchange(
            read_request, (), _response(200, "OK", read_body), RUN_START + 0.140, 80.0
        ),
        attempts=3,
    )

    # 3. Error: the connection was refused; the URL carries the token, the body a form secret.
    token_url = f"http://127.0.0.1:9/oauth/token?access_token={ENV_TOKEN}"
    refused_block = _block("Refused", "POST", "http://127.0.0.1:9/oauth/token", 19)
    refused_request = ResolvedRequest(
        "POST",
        token_url,
        (("Content-Type", "application/x-www-form-urlencoded"),),
        f"grant_type=client_credentials&client_secret={FORM_SECRET}".encode(),
        _span(19, 1, 30),
    )
    errored = RequestResult(
        PRODUCTS,
        refused_block,
        Outcome.ERROR,
        "POST",
        token_url,
        elapsed_ms=30.0,
        started_at=RUN_START + 0.230,
        error=TransportError(
            f"cannot connect to {token_url}: connection refused",
            _span(19, 6, 25),
            hint="is the server running?",
        ),
        request=refused_request,
        attempts=1,
    )

    # 4. Skipped.
    skipped_block = _block(
        "Not yet", "DELETE", "<<api>>/admin/products/1", 26, skip="waiting for the sandbox"
    )
    skipped = RequestResult(
        PRODUCTS,
        skipped_block,
        Outcome.SKIPPED,
        "DELETE",
        f"{api}/admin/products/1",
        skip_reason="waiting for the sandbox",
    )

    broken_error: HttprunError = ParseError(
        "JavaScript response handlers are not supported",
        Span(BROKEN, 3, 1, 3, 34),
        label="httprun does not run scripts",
        hint="use '>> NAME = QUERY' to capture and '?? QUERY' to check",
    )
    for result in (passed, failed, errored, skipped):
        learn_as_a_run_does(masker, result)
    return RunResult(
        (
            FileResult(PRODUCTS, (passed, failed, errored, skipped)),
            FileResult(BROKEN, (), error=broken_error),
        ),
        RUN_START,
        0.300,
        masker,
        interrupted,
    )


def learn_as_a_run_does(masker: Masker, result: RequestResult) -> None:
    """Teach ``masker`` what ``runner.run`` teaches the run's masker as ``result`` happens: the
    request's and the response's credentials, and its captures."""
    if result.request is not None:
        masker.add_request(result.request.url, result.request.headers, result.request.body)
    if result.exchange is not None:
        masker.add_request(result.exchange.request.url, result.exchange.sent_headers)
        masker.add_response(result.exchange.response)
    for name, value in result.captures.items():
        masker.add_variable(name, value)


def empty_run() -> RunResult:
    """A run that met no file at all (every report must still be written)."""
    return RunResult((), RUN_START, 0.001)


REAL_TOKEN = "real-env-token-31415926"
REAL_REFRESH = "real-refresh-27182818"
REAL_HTTP = """\
### Log in
# @name login
POST https://api.example.test/token
Authorization: Bearer <<access_token>>
Content-Type: application/json

{"grant_type": "refresh_token"}

?? status == 200
>> refresh_token = body.refresh_token

### Read one item
GET https://api.example.test/items/1

?? body.price == "1100.00"
?? body.name exists

### Skipped
# @skip not today
GET https://api.example.test/never
"""


def real_run(folder: Path) -> RunResult:
    """A run of the real pipeline (parser, resolver, executor, checks) over a MockTransport:
    one request passes (capturing a secret), one fails two checks, one is skipped."""
    import httpx

    from runner.run import RunOptions, run_files

    env = folder / "dev.env"
    env.write_text(f"access_token={REAL_TOKEN}\n", encoding="utf-8")
    http_file = folder / "real.http"
    http_file.write_text(REAL_HTTP, encoding="utf-8")

    def respond(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            return httpx.Response(200, json={"refresh_token": REAL_REFRESH})
        return httpx.Response(200, json={"price": 1100, "echo": REAL_TOKEN})

    options = RunOptions(env_files=(str(env),), interactive=False, open_browser=False)
    return run_files([str(http_file)], options, transport=httpx.MockTransport(respond))
