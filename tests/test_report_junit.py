"""The JUnit XML report: valid against the Jenkins/Ant schema (tests/data/junit.xsd), one suite
per file, one case per request, failures/errors/skips as CI servers read them, nothing secret."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from report_samples import (
    BROKEN,
    PRODUCTS,
    REAL_REFRESH,
    REAL_TOKEN,
    RUN_START,
    SECRETS,
    empty_run,
    real_run,
    sample_run,
)

from runner.masking import Masker
from runner.nodes import Block, Request, Template, Text
from runner.reporters.junit import classname_for, render_junit, write_junit
from runner.results import Exchange, FileResult, Outcome, RequestResult, ResolvedRequest, RunResult
from runner.source import Span

XSD = Path(__file__).resolve().parent / "data" / "junit.xsd"


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def written(run: RunResult, tmp_path: Path) -> Path:
    path = tmp_path / "reports" / "junit.xml"
    write_junit(run, path)
    return path


def suites(path: Path) -> list[ET.Element]:
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    return list(root)


@pytest.mark.parametrize(
    "run",
    [sample_run(), sample_run(interrupted=True), empty_run()],
    ids=["sample", "interrupted", "empty"],
)
def test_valid_against_the_junit_schema(
    run: RunResult, tmp_path: Path, schema: xmlschema.XMLSchema
) -> None:
    path = written(run, tmp_path)
    schema.validate(str(path))  # raises with the reason when invalid


def test_the_schema_catches_a_malformed_report(schema: xmlschema.XMLSchema) -> None:
    assert not schema.is_valid("<testsuites><testsuite name='x'/></testsuites>")  # no counts
    assert not schema.is_valid("<testsuites><testcase name='x'/></testsuites>")


def test_totals_on_the_root(tmp_path: Path) -> None:
    root = ET.parse(written(sample_run(), tmp_path)).getroot()
    assert root.get("name") == "httprun"
    # 4 requests + the broken file's case; 1 failed; 1 error + the broken file.
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "2")
    assert root.get("time") == "0.300"


def test_one_suite_per_file_with_counts(tmp_path: Path) -> None:
    products, broken = suites(written(sample_run(), tmp_path))
    assert products.get("name") == PRODUCTS
    assert products.get("file") == PRODUCTS
    counts = {key: products.get(key) for key in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": "4", "failures": "1", "errors": "1", "skipped": "1"}
    # From the first request's start (+10 ms) to the last one's end (+230 + 30 ms).
    assert products.get("time") == "0.250"
    assert products.get("timestamp") == "2023-11-14T22:13:20.010+00:00"
    assert products.get("hostname")
    assert broken.get("name") == BROKEN
    counts = {key: broken.get(key) for key in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": "1", "failures": "0", "errors": "1", "skipped": "0"}
    assert broken.get("timestamp") == "2023-11-14T22:13:20.000+00:00"  # the run's start


def test_one_case_per_request(tmp_path: Path) -> None:
    products, _ = suites(written(sample_run(), tmp_path))
    cases = products.findall("testcase")
    assert [case.get("name") for case in cases] == [
        "products",
        "Read one product",
        "Refused",
        "Not yet",
    ]
    assert {case.get("classname") for case in cases} == {"requests.report-sample.products"}
    assert {case.get("file") for case in cases} == {PRODUCTS}
    assert [case.get("line") for case in cases] == ["5", "13", "19", "26"]
    assert [case.get("time") for case in cases] == ["0.120", "0.080", "0.030", "0.000"]
    passed = cases[0]
    assert [child.tag for child in passed] == ["system-out"]
    assert passed.findtext("system-out") == (
        "GET https://demo.example.test/api/v2/admin/products?limit=5\n-> 200 OK in 120 ms"
    )


def test_failure_names_the_first_failed_check_and_holds_every_rendered_error(
    tmp_path: Path,
) -> None:
    products, _ = suites(written(sample_run(), tmp_path))
    failed = products.findall("testcase")[1]
    failure = failed.find("failure")
    assert failure is not None
    assert failure.get("type") == "CheckFailed"
    assert failure.get("message") == (
        'body.product.price == "1100.00": expected "1100.00" (string), got 1100 (number)'
        " (and 1 more failed check)"
    )
    text = failure.text or ""
    assert "--> requests/report-sample/products.http:15:4" in text
    assert "--> requests/report-sample/products.http:16:4" in text
    assert "^^^" in text and "\x1b[" not in text
    assert "after 3 attempts" in (failed.findtext("system-out") or "")


def test_error_and_skipped(tmp_path: Path) -> None:
    products, _ = suites(written(sample_run(), tmp_path))
    errored, skipped = products.findall("testcase")[2:]
    error = errored.find("error")
    assert error is not None
    assert error.get("type") == "TransportError"
    assert error.get("message") == (
        "cannot connect to http://127.0.0.1:9/oauth/token?access_token=****: connection refused"
    )
    assert "= help: is the server running?" in (error.text or "")
    skip = skipped.find("skipped")
    assert skip is not None and skip.get("message") == "waiting for the sandbox"
    assert skipped.find("system-out") is None  # nothing was sent


def test_a_file_that_did_not_parse_is_an_error_case(tmp_path: Path) -> None:
    _, broken = suites(written(sample_run(), tmp_path))
    (case,) = broken.findall("testcase")
    assert case.get("name") == BROKEN
    assert case.get("classname") == "requests.report-sample.broken"
    assert case.get("line") == "3"
    error = case.find("error")
    assert error is not None
    assert error.get("type") == "ParseError"
    assert error.get("message") == "JavaScript response handlers are not supported"
    assert "3 | > {% client.global.set" in (error.text or "")


def test_no_secret_in_the_xml(tmp_path: Path) -> None:
    text = written(sample_run(), tmp_path).read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text


def test_characters_xml_cannot_hold_are_replaced(
    tmp_path: Path, schema: xmlschema.XMLSchema
) -> None:
    span = Span.point("ctl.http", 1)
    request = Request("GET", Template((Text("x"),), span), None, (), None, span)
    block = Block("bell \x07 and \x1b[31m", (), (), request, (), (), span)
    resolved = ResolvedRequest("GET", "https://x.test/\x00", (), None, span)
    document = {"status": 200, "reason": "OK\x0b", "headers": {}, "body": "", "text": ""}
    result = RequestResult(
        "ctl.http",
        block,
        Outcome.PASSED,
        "GET",
        resolved.url,
        status=200,
        elapsed_ms=1.0,
        started_at=RUN_START,
        request=resolved,
        exchange=Exchange(resolved, (), document, RUN_START, 1.0),
        attempts=1,
    )
    run = RunResult((FileResult("ctl.http", (result,)),), RUN_START, 0.01, Masker())
    path = written(run, tmp_path)
    schema.validate(str(path))
    case = suites(path)[0].find("testcase")
    assert case is not None
    assert case.get("name") == "bell \ufffd and \ufffd[31m"
    assert "https://x.test/\ufffd" in (case.findtext("system-out") or "")


def test_render_matches_the_written_file(tmp_path: Path) -> None:
    run = empty_run()
    path = written(run, tmp_path)
    assert path.read_text(encoding="utf-8") == render_junit(run)
    assert path.read_text(encoding="utf-8").startswith('<?xml version="1.0" encoding="UTF-8"?>')


@pytest.mark.parametrize(
    ("path", "classname"),
    [
        ("requests/products.http", "requests.products"),
        ("./requests/cafe24/orders.rest", "requests.cafe24.orders"),
        ("/abs/dir/x.http", "abs.dir.x"),
        ("C:\\work\\api.http", "work.api"),
        ("../up/notes.txt", "up.notes.txt"),
        ("only.http", "only"),
        ("", "httprun"),
    ],
)
def test_classname_is_the_dotted_path(path: str, classname: str) -> None:
    assert classname_for(path) == classname


def test_report_of_a_real_run(tmp_path: Path, schema: xmlschema.XMLSchema) -> None:
    path = written(real_run(tmp_path), tmp_path)
    schema.validate(str(path))
    text = path.read_text(encoding="utf-8")
    assert REAL_TOKEN not in text and REAL_REFRESH not in text
    (suite,) = suites(path)
    counts = {key: suite.get(key) for key in ("tests", "failures", "errors", "skipped")}
    assert counts == {"tests": "3", "failures": "1", "errors": "0", "skipped": "1"}
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == ["login", "Read one item", "Skipped"]
    assert [case.get("line") for case in cases] == ["3", "13", "20"]
    failure = cases[1].find("failure")
    assert failure is not None
    assert (failure.get("message") or "").startswith('body.price == "1100.00": ')


def test_an_interrupted_run_never_looks_green(tmp_path: Path) -> None:
    root = ET.parse(written(sample_run(interrupted=True), tmp_path)).getroot()
    assert (root.get("tests"), root.get("errors")) == ("6", "3")
    last = list(root)[-1]
    assert last.get("name") == "httprun"
    error = last.find("testcase/error")
    assert error is not None and error.get("type") == "Interrupted"
