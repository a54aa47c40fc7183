"""The JSON report: its content, its schema (docs/report-schema.json), masking, atomic writes."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from report_samples import (
    BROKEN,
    CAPTURED_REFRESH,
    ENV_TOKEN,
    EVIL_TITLE,
    PRODUCTS,
    REAL_REFRESH,
    REAL_TOKEN,
    RUN_START,
    SECRETS,
    empty_run,
    learn_as_a_run_does,
    real_run,
    sample_run,
)

from runner.errors import UsageError
from runner.masking import Masker
from runner.nodes import Block, Request, Template, Text
from runner.reporters.json_report import render_json, write_json
from runner.reporters.report_document import SCHEMA
from runner.results import (
    CheckResult,
    Exchange,
    FileResult,
    Outcome,
    RequestResult,
    ResolvedRequest,
    RunResult,
)
from runner.source import Span

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "report-schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def written(run: RunResult, tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "out" / "report.json"
    write_json(run, path)
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_schema_file_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema"]["const"] == SCHEMA == "httprun-report/2"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    "run",
    [sample_run(), sample_run(interrupted=True), empty_run()],
    ids=["sample", "interrupted", "empty"],
)
def test_reports_validate_against_the_schema(
    run: RunResult, tmp_path: Path, validator: jsonschema.protocols.Validator
) -> None:
    document = written(run, tmp_path)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_rejects_what_it_does_not_document(
    tmp_path: Path, validator: jsonschema.protocols.Validator
) -> None:
    # additionalProperties: false keeps the schema and the writer in step.
    document = written(sample_run(), tmp_path)
    document["files"][0]["requests"][0]["surprise"] = 1
    assert not validator.is_valid(document)


def test_run_header_counts_and_exit_code(tmp_path: Path) -> None:
    document = written(sample_run(), tmp_path)
    assert document["schema"] == "httprun-report/2"
    assert document["tool"]["name"] == "httprun"
    assert document["started_at"] == "2023-11-14T22:13:20.000+00:00"
    assert document["duration_ms"] == 300.0
    assert document["exit_code"] == 3  # the broken file wins over the failed check
    assert document["outcome"] == "failed"
    assert document["interrupted"] is False
    assert document["counts"] == {
        "files": 2,
        "file_errors": 1,
        "requests": 4,
        "passed": 1,
        "failed": 1,
        "error": 1,
        "skipped": 1,
    }
    assert [f["path"] for f in document["files"]] == [PRODUCTS, BROKEN]


def test_interrupted_run(tmp_path: Path) -> None:
    document = written(sample_run(interrupted=True), tmp_path)
    assert document["interrupted"] is True
    assert document["outcome"] == "interrupted"
    assert document["exit_code"] == 130


def test_requests_in_detail(tmp_path: Path) -> None:
    passed, failed, errored, skipped = written(sample_run(), tmp_path)["files"][0]["requests"]

    assert passed["index"] == 0
    assert passed["name"] == passed["id"] == "products"
    assert passed["title"] == EVIL_TITLE  # JSON holds text as is; the HTML escapes it
    assert passed["line"] == 5
    assert (passed["method"], passed["outcome"], passed["status"]) == ("GET", "passed", 200)
    assert passed["url"] == "https://demo.example.test/api/v2/admin/products?limit=5"
    assert passed["timings"] == {
        "started_at": "2023-11-14T22:13:20.010+00:00",
        "offset_ms": 10.0,
        "elapsed_ms": 120.0,
    }
    assert passed["captures"] == {"first": 101, "refresh_token": "****"}
    assert passed["request"]["headers"] == [
        {"name": "Authorization", "value": "Bearer ****"},
        {"name": "Accept", "value": "application/json"},
        {"name": "User-Agent", "value": "httprun/0.1.0"},
    ]
    response = passed["response"]
    assert response["status"] == 200
    assert response["headers"]["set-cookie"] == "****"
    assert response["body"]["products"][0]["product_no"] == 101
    assert response["body"]["access_token"] == "****"
    assert response["body"]["keyword"] == "shoes"  # data, not a credential
    assert response["http_version"] == "HTTP/1.1"

    assert failed["name"] == "Read one product"
    assert failed["attempts"] == 3
    assert [(c["kind"], c["passed"], c["line"]) for c in failed["checks"]] == [
        ("status", True, 13),
        ("check", False, 15),
        ("check", False, 16),
    ]
    price = failed["checks"][1]
    assert price["text"] == 'body.product.price == "1100.00"'
    assert price["message"] == 'expected "1100.00" (string), got 1100 (number)'
    assert (price["expected"], price["actual"]) == ("1100.00", 1100)
    assert failed["error"]["type"] == "CheckFailed"
    assert failed["error"]["exit_code"] == 1
    rendered = failed["error"]["rendered"]
    assert "--> requests/report-sample/products.http:15:4" in rendered
    assert '15 | ?? body.product.price == "1100.00"' in rendered
    assert "\x1b[" not in rendered

    assert errored["outcome"] == "error"
    assert errored["status"] is None and errored["response"] is None
    assert errored["error"]["type"] == "TransportError"
    assert errored["error"]["location"] == f"{PRODUCTS}:19:6"
    assert errored["request"]["body"] == "grant_type=client_credentials&client_secret=****"
    assert errored["request"]["body_bytes"] == 62
    assert errored["url"] == "http://127.0.0.1:9/oauth/token?access_token=****"

    assert skipped["outcome"] == "skipped"
    assert skipped["skip_reason"] == "waiting for the sandbox"
    assert skipped["timings"] == {"started_at": None, "offset_ms": None, "elapsed_ms": None}
    assert skipped["request"] is None and skipped["attempts"] == 0


def test_a_file_that_did_not_parse(tmp_path: Path) -> None:
    broken = written(sample_run(), tmp_path)["files"][1]
    assert broken["passed"] is False
    assert broken["requests"] == []
    error = broken["error"]
    assert error["type"] == "ParseError"
    assert error["line"] == 3
    assert error["exit_code"] == 3
    assert "httprun does not run scripts" in error["rendered"]
    assert "= help: use '>> NAME = QUERY'" in error["rendered"]


def test_no_secret_anywhere_in_the_report(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    write_json(sample_run(), path)
    text = path.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text
    assert "****" in text


def test_secret_hidden_by_json_escapes_is_masked() -> None:
    # The raw body holds the token with a JSON escape; the parsed body holds it in clear.
    escaped = "\\u0065" + ENV_TOKEN[1:]
    run = _one_exchange_run(
        body={"note": ENV_TOKEN},
        text='{"note": "' + escaped + '"}',
        masker=Masker({ENV_TOKEN}),
    )
    document = json.loads(render_json(run))
    response = document["files"][0]["requests"][0]["response"]
    assert response["body"] == {"note": "****"}
    assert ENV_TOKEN not in json.dumps(document, ensure_ascii=False)


def test_values_json_cannot_hold_are_still_written(
    tmp_path: Path, validator: jsonschema.protocols.Validator
) -> None:
    run = _one_exchange_run(
        body={"ratio": float("nan"), "big": float("inf"), "when": object()},
        text="{}",
        request_body=b"\xff\xfe binary",
    )
    document = written(run, tmp_path)
    request = document["files"][0]["requests"][0]
    assert request["response"]["body"]["ratio"] == "nan"
    assert request["response"]["body"]["big"] == "inf"
    assert request["response"]["body"]["when"].startswith("<object object")
    assert request["request"]["body"] == "\ufffd\ufffd binary"
    assert request["request"]["body_bytes"] == 9
    assert validator.is_valid(document)


def test_written_atomically_into_a_new_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "report.json"
    write_json(sample_run(), path)
    write_json(empty_run(), path)  # replaces the old report whole
    assert json.loads(path.read_text(encoding="utf-8"))["counts"]["requests"] == 0
    assert os.listdir(path.parent) == ["report.json"]  # no temporary file left behind
    assert (path.stat().st_mode & 0o777) == 0o644


def test_an_unwritable_path_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        write_json(sample_run(), blocker / "report.json")
    assert "cannot write the JSON report" in str(caught.value)
    assert caught.value.exit_code == 2
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def _one_exchange_run(
    *,
    body: Any,
    text: str,
    masker: Masker | None = None,
    request_body: bytes | None = None,
) -> RunResult:
    span = Span.point("one.http", 1, 1, 20)
    block = Block(
        None,
        (),
        (),
        Request("POST", Template((Text("x"),), span), None, (), None, span),
        (),
        (),
        span,
    )
    request = ResolvedRequest("POST", "https://api.example.test/x", (), request_body, span)
    document = {
        "status": 200,
        "reason": "OK",
        "headers": {"content-type": "application/json"},
        "body": body,
        "text": text,
        "elapsed_ms": 5.0,
        "url": request.url,
    }
    result = RequestResult(
        "one.http",
        block,
        Outcome.PASSED,
        "POST",
        request.url,
        status=200,
        elapsed_ms=5.0,
        started_at=RUN_START,
        request=request,
        exchange=Exchange(request, (), document, RUN_START, 5.0),
        attempts=1,
    )
    masker = masker or Masker()
    learn_as_a_run_does(masker, result)
    return RunResult((FileResult("one.http", (result,)),), RUN_START, 0.01, masker)


def test_capture_of_secret_name_is_masked_whatever_its_value() -> None:
    run = sample_run()
    document = json.loads(render_json(run))
    assert document["files"][0]["requests"][0]["captures"]["refresh_token"] == "****"
    assert CAPTURED_REFRESH not in json.dumps(document)


def test_report_of_a_real_run(tmp_path: Path, validator: jsonschema.protocols.Validator) -> None:
    run = real_run(tmp_path)
    path = tmp_path / "report.json"
    write_json(run, path)
    text = path.read_text(encoding="utf-8")
    assert REAL_TOKEN not in text and REAL_REFRESH not in text
    document = json.loads(text)
    assert validator.is_valid(document), list(validator.iter_errors(document))[:3]
    assert document["exit_code"] == 1
    login, read, skipped = document["files"][0]["requests"]
    assert (login["outcome"], read["outcome"], skipped["outcome"]) == (
        "passed",
        "failed",
        "skipped",
    )
    assert login["captures"] == {"refresh_token": "****"}
    assert {"name": "Authorization", "value": "Bearer ****"} in login["request"]["headers"]
    assert read["timings"]["offset_ms"] >= login["timings"]["offset_ms"] >= 0
    assert [c["passed"] for c in read["checks"]] == [True, False, False]
    assert read["response"]["body"] == {"price": 1100, "echo": "****"}


def test_a_secret_capture_is_masked_in_its_check_too() -> None:
    run = sample_run()
    passed = run.files[0].requests[0]
    api_key = CheckResult("capture", "api_key = body.n", True, None, "", None, 12345678)
    changed = replace(passed, checks=(*passed.checks, api_key), captures={"api_key": 12345678})
    run = replace(run, files=(replace(run.files[0], requests=(changed,)),))
    request = json.loads(render_json(run))["files"][0]["requests"][0]
    assert request["captures"] == {"api_key": "****"}
    assert request["checks"][-1]["actual"] == "****"
    assert request["checks"][1]["actual"] == 101  # first = ...: not secret


def test_short_cookie_values_are_not_learnt_as_secrets() -> None:
    run = _one_exchange_run(body={"theme": "dark mode"}, text="{}")
    result = run.files[0].requests[0]
    assert result.exchange is not None
    result.exchange.response["headers"]["set-cookie"] = "theme=dark; sid=abcdef0123456789"
    result.exchange.response["body"] = {"theme": "dark mode", "echo": "abcdef0123456789"}
    learn_as_a_run_does(run.masker, result)
    body = json.loads(render_json(run))["files"][0]["requests"][0]["response"]["body"]
    assert body == {"theme": "dark mode", "echo": "****"}
