"""The JUnit XML report, in the Ant/Jenkins dialect that GitLab, Jenkins and the GitHub
test-report actions all read.

::

    <testsuites name="httprun" tests= failures= errors= time=>
      <testsuite name=PATH tests= failures= errors= skipped= time= timestamp= hostname= file=>
        <testcase name=DISPLAY_NAME classname=DOTTED_PATH file=PATH line= time=>
          <failure type="CheckFailed" message=FIRST_FAILED_CHECK>rendered errors</failure>
          | <error type=ERROR_CLASS message=...>rendered error</error>
          | <skipped message=REASON/>
          <system-out>the request line and the response status</system-out>

One ``testsuite`` per file (per file and data row: ``requests/products.http [row 3]``), one
``testcase`` per request; a file that could not be read, parsed or set up gets a ``testcase``
named after the file holding its ``error``. Test case names are unique within their classname
(CI pages merge cases of one name): a data row's cases carry the row (``Create [row 3]``), and a
name that still repeats gets its line (``GET /x (line 7)``). ``file`` and ``line``
on a testcase are the extension pytest writes and GitLab and the GitHub actions use to link a
failure to its source. The content comes from the masked report document, so nothing here can
show a secret. ``tests/data/junit.xsd`` is the schema a test validates against.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath

from ..results import RunResult
from .atomic import write_atomically
from .report_document import CheckDoc, FileDoc, PreparedReport, RequestDoc, prepare_report

# XML 1.0 cannot hold most control characters, not even escaped; a response body can.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_REQUEST_FILE_SUFFIXES = (".http", ".rest")


def render_junit(run: RunResult, prepared: PreparedReport | None = None) -> str:
    """The JUnit XML text of ``run``."""
    report = (prepared or prepare_report(run)).document
    hostname = _safe(socket.gethostname())
    counts = report["counts"]
    root = ET.Element(
        "testsuites",
        {
            "name": "httprun",
            "tests": str(counts["requests"] + counts["file_errors"]),
            "failures": str(counts["failed"]),
            "errors": str(counts["error"] + counts["file_errors"]),
            "time": _seconds(report["duration_ms"]),
        },
    )
    names = _UniqueNames()
    for file_doc in report["files"]:
        root.append(_testsuite(file_doc, report["started_at"], hostname, names))
    if report["interrupted"]:
        root.append(_interruption(report["started_at"], hostname))
        root.set("tests", str(int(root.get("tests", "0")) + 1))
        root.set("errors", str(int(root.get("errors", "0")) + 1))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def write_junit(run: RunResult, path: Path, prepared: PreparedReport | None = None) -> None:
    """Write the JUnit XML report of ``run`` to ``path`` atomically, creating its folder."""
    write_atomically(Path(path), render_junit(run, prepared), kind="JUnit report")


def classname_for(path: str) -> str:
    """``requests/cafe24/products.http`` → ``requests.cafe24.products``: Jenkins and GitLab
    group test cases by the dotted prefix, as they do Java packages."""
    posix = PurePosixPath(path.replace("\\", "/"))
    parts = [part for part in posix.parts if part not in ("/", ".", "..") and part]
    if parts and parts[-1].lower().endswith(_REQUEST_FILE_SUFFIXES):
        parts[-1] = parts[-1].rsplit(".", 1)[0]
    if parts and parts[0].endswith(":"):  # a Windows drive, "C:"
        parts = parts[1:]
    return ".".join(parts) or "httprun"


def _interruption(started_at: str, hostname: str) -> ET.Element:
    """A suite of one errored case, so a run cut short by Ctrl-C never looks green in CI."""
    attributes = {"tests": "1", "failures": "0", "errors": "1", "skipped": "0", "time": "0"}
    suite = ET.Element(
        "testsuite",
        {"name": "httprun", **attributes, "timestamp": started_at, "hostname": hostname},
    )
    case = ET.SubElement(suite, "testcase", {"name": "run", "classname": "httprun", "time": "0"})
    message = "the run was interrupted (Ctrl-C): the requests after this point did not run"
    ET.SubElement(case, "error", {"type": "Interrupted", "message": message}).text = message
    return suite


class _UniqueNames:
    """Test case names, made unique per classname in the order they are given."""

    def __init__(self) -> None:
        self._taken: set[tuple[str, str]] = set()

    def claim(self, classname: str, name: str, line: int) -> str:
        """``name``, else ``name (line N)``, else ``name (line N, 2)``, ``(line N, 3)`` ..."""
        candidate, repeats = name, 0
        while (classname, candidate) in self._taken:
            repeats += 1
            candidate = f"{name} (line {line}" + (f", {repeats})" if repeats > 1 else ")")
        self._taken.add((classname, candidate))
        return candidate


def _testsuite(
    file_doc: FileDoc, run_started_at: str, hostname: str, names: _UniqueNames
) -> ET.Element:
    path = file_doc["path"]
    row = f" [{file_doc['row']}]" if file_doc["row"] is not None else ""
    counts = file_doc["counts"]
    file_error = file_doc["error"]
    requests = file_doc["requests"]
    starts = [r["timings"]["started_at"] for r in requests if r["timings"]["started_at"]]
    suite = ET.Element(
        "testsuite",
        {
            "name": _safe(path + row),
            "tests": str(counts["requests"] + (1 if file_error is not None else 0)),
            "failures": str(counts["failed"]),
            "errors": str(counts["error"] + (1 if file_error is not None else 0)),
            "skipped": str(counts["skipped"]),
            "time": _seconds(_wall_ms(requests)),
            "timestamp": min(starts) if starts else run_started_at,
            "hostname": hostname,
            "file": _safe(path),
        },
    )
    classname = _safe(classname_for(path))
    if file_error is not None:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "name": _safe(names.claim(classname, path + row, file_error["line"] or 1)),
                "classname": classname,
                "file": _safe(path),
                "line": str(file_error["line"] or 1),
                "time": "0.000",
            },
        )
        _child(case, "error", file_error["rendered"], file_error["message"], file_error["type"])
    for request in requests:
        name = names.claim(classname, request["name"] + row, request["line"])
        suite.append(_testcase(request, name, path, classname))
    return suite


def _testcase(request: RequestDoc, name: str, path: str, classname: str) -> ET.Element:
    elapsed = request["timings"]["elapsed_ms"]
    case = ET.Element(
        "testcase",
        {
            "name": _safe(name),
            "classname": classname,
            "file": _safe(path),
            "line": str(request["line"]),
            "time": _seconds(elapsed or 0.0),
        },
    )
    error = request["error"]
    outcome = request["outcome"]
    if outcome == "failed":
        failed = [check for check in request["checks"] if not check["passed"]]
        message = _failure_message(failed) if failed else (error["message"] if error else "")
        rendered = error["rendered"] if error is not None else message
        _child(case, "failure", rendered, message, error["type"] if error else "CheckFailed")
    elif outcome == "error":
        if error is not None:
            _child(case, "error", error["rendered"], error["message"], error["type"])
        else:
            _child(case, "error", "", "the request could not be completed", "HttprunError")
    elif outcome == "skipped":
        skipped = ET.SubElement(case, "skipped")
        if request["skip_reason"]:
            skipped.set("message", _safe(request["skip_reason"]))
    output = _exchange_summary(request)
    if output:
        ET.SubElement(case, "system-out").text = _safe(output)
    return case


def _failure_message(failed: list[CheckDoc]) -> str:
    first = failed[0]
    message = f"{first['text']}: {first['message']}" if first["message"] else first["text"]
    if first["kind"] == "capture":
        message = "capture " + message
    if len(failed) > 1:
        more = len(failed) - 1
        message += f" (and {more} more failed check{'s' if more != 1 else ''})"
    return message


def _exchange_summary(request: RequestDoc) -> str:
    """What was sent and what came back, for the CI page that shows ``system-out``."""
    sent = request["request"]
    if sent is None:
        return ""
    lines = [f"{sent['method']} {sent['url']}"]
    status = request["status"]
    if status is not None:
        reason = f" {request['reason']}" if request["reason"] else ""
        elapsed = request["timings"]["elapsed_ms"]
        took = f" in {elapsed:.0f} ms" if elapsed is not None else ""
        lines.append(f"-> {status}{reason}{took}")
    if request["attempts"] > 1:
        lines.append(f"after {request['attempts']} attempts")
    return "\n".join(lines)


def _child(parent: ET.Element, tag: str, text: str, message: str, kind: str) -> None:
    element = ET.SubElement(parent, tag, {"message": _safe(message), "type": _safe(kind)})
    element.text = _safe(text)


def _wall_ms(requests: list[RequestDoc]) -> float:
    """From the first request's start to the last one's end (0 when none was sent)."""
    spans = [
        (timings["offset_ms"], timings["offset_ms"] + (timings["elapsed_ms"] or 0.0))
        for timings in (r["timings"] for r in requests)
        if timings["offset_ms"] is not None
    ]
    if not spans:
        return 0.0
    return max(end for _, end in spans) - min(start for start, _ in spans)


def _seconds(milliseconds: float) -> str:
    # Surefire's time format: digits and a dot, never negative, never an exponent.
    return f"{max(0.0, milliseconds) / 1000.0:.3f}"


def _safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
