"""The HTML report: one self-contained page a person can read a run from.

A coloured summary (verdict, counts, duration), a timeline that draws every request as a bar
from its start and duration relative to the run's start, then every file and request with its
request line, headers and body, the response and every check, each request folded in a
``<details>`` (failures and errors open).

The page fetches nothing: style and script are inline, and a Content-Security-Policy meta says
so to the browser, so the report works from disk, from a CI artifact, or as an e-mail
attachment, and cannot leak anything by loading a URL. Everything shown comes from the masked
report document (``report_document``) and is escaped here.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from typing import Any

from ..jsonvalues import decode_json
from ..masking import mask_and_clip
from ..results import RunResult
from .atomic import write_atomically
from .html_assets import CSS, JS
from .redact import ReportMasker
from .report_document import FileDoc, PreparedReport, ReportDoc, RequestDoc, prepare_report

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
# A browser slows down on megabytes of <pre>; the JSON report keeps whole bodies.
_MAX_BODY_CHARS = 100_000
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TICKS = 4
_BADGES = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIP"}
_VERDICTS = {"passed": "PASSED", "failed": "FAILED", "interrupted": "INTERRUPTED"}


def render_html(run: RunResult, prepared: PreparedReport | None = None) -> str:
    """The HTML report of ``run`` as one string."""
    prepared = prepared or prepare_report(run)
    report, masker = prepared.document, prepared.masker
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(_title(report))}</title>",
            f"<style>{CSS}</style>",
            "</head>",
            "<body>",
            "<main>",
            _summary(report),
            _toolbar(report),
            _timeline(report),
            *(_file(file_doc, masker) for file_doc in report["files"]),
            "</main>",
            f"<script>{JS}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


def write_html(run: RunResult, path: Path, prepared: PreparedReport | None = None) -> None:
    """Write the HTML report of ``run`` to ``path`` atomically, creating its folder."""
    write_atomically(Path(path), render_html(run, prepared), kind="HTML report")


# -- summary ----------------------------------------------------------------------------------


def _title(report: ReportDoc) -> str:
    counts = report["counts"]
    failed = counts["failed"] + counts["error"] + counts["file_errors"]
    title = f"httprun: {counts['passed']} passed, {failed} failed"
    if counts["skipped"]:
        title += f", {counts['skipped']} skipped"
    if report["interrupted"]:
        title += " (interrupted)"
    return title


def _summary(report: ReportDoc) -> str:
    counts = report["counts"]
    outcome = report["outcome"]
    tiles = [
        ("total", counts["requests"], "requests"),
        ("passed", counts["passed"], "passed"),
        ("failed", counts["failed"], "failed"),
        ("error", counts["error"], "errors"),
        ("skipped", counts["skipped"], "skipped"),
    ]
    if counts["file_errors"]:
        tiles.append(("files", counts["file_errors"], "broken files"))
    items = "".join(
        f'<li class="c-{kind}{" zero" if value == 0 else ""}" data-count="{kind}">'
        f"<b>{value}</b>{_e(label)}</li>"
        for kind, value, label in tiles
    )
    files = counts["files"]
    meta = (
        f"started {_e(_clock(report['started_at']))} · took {_e(_duration(report['duration_ms']))}"
        f" · {files} file{'s' if files != 1 else ''} · httprun {_e(report['tool']['version'])}"
    )
    banner = ""
    if report["interrupted"]:
        banner = (
            '<p class="banner" role="status">The run was interrupted: requests after the last '
            "one shown were not sent.</p>"
        )
    return (
        f'<header class="summary v-{outcome}">'
        '<div class="headline">'
        f'<span class="verdict" id="verdict">{_VERDICTS[outcome]} · exit {report["exit_code"]}'
        "</span>"
        "<h1>httprun report</h1>"
        "</div>"
        f'<p class="meta">{meta}</p>'
        f'<ul class="counts">{items}</ul>'
        f"{banner}"
        "</header>"
    )


def _toolbar(report: ReportDoc) -> str:
    counts = report["counts"]
    filters = [
        ("all", "All", counts["requests"]),
        ("failed", "Failed", counts["failed"] + counts["error"]),
        ("passed", "Passed", counts["passed"]),
        ("skipped", "Skipped", counts["skipped"]),
    ]
    buttons = "".join(
        f'<button type="button" data-filter="{key}" aria-pressed="{str(key == "all").lower()}">'
        f"{label} ({count})</button>"
        for key, label, count in filters
    )
    return (
        f'<nav class="toolbar" aria-label="Filter requests">{buttons}'
        '<span class="spacer"></span>'
        '<button type="button" id="expand-all">Expand all</button>'
        '<button type="button" id="collapse-all">Collapse all</button>'
        "</nav>"
    )


# -- timeline ---------------------------------------------------------------------------------


def _timeline(report: ReportDoc) -> str:
    requests = [request for file_doc in report["files"] for request in file_doc["requests"]]
    rows = [file_doc["row"] for file_doc in report["files"] for _ in file_doc["requests"]]
    if not requests:
        return (
            '<section class="timeline-section"><h2>Timeline</h2>'
            '<p class="empty">No request was run.</p></section>'
        )
    # The scale covers the run and any request that (by clock skew) ends after it.
    scale_ms = max(
        [report["duration_ms"], 1.0]
        + [
            (r["timings"]["offset_ms"] or 0.0) + (r["timings"]["elapsed_ms"] or 0.0)
            for r in requests
        ]
    )
    ticks = "".join(
        f'<span style="left:{100.0 * i / _TICKS:.3f}%">'
        f"{_e(_duration(scale_ms * i / _TICKS))}</span>"
        for i in range(_TICKS + 1)
    )
    lanes = "".join(
        _lane(request, row, scale_ms) for request, row in zip(requests, rows, strict=True)
    )
    return (
        '<section class="timeline-section">'
        "<h2>Timeline</h2>"
        '<div class="timeline">'
        f'<div class="axis" aria-hidden="true"><span></span><div class="ticks">{ticks}</div>'
        "<span></span></div>"
        f'<ol class="lanes">{lanes}</ol>'
        "</div>"
        "</section>"
    )


def _lane(request: RequestDoc, row: str | None, scale_ms: float) -> str:
    outcome = request["outcome"]
    offset = request["timings"]["offset_ms"]
    elapsed = request["timings"]["elapsed_ms"]
    name = request["name"] if row is None else f"{request['name']} [{row}]"  # rows' lanes apart
    label = f'<span class="mark">{_BADGES[outcome]}</span> {_e(request["method"])} {_e(name)}'
    if offset is not None:
        left = min(100.0, 100.0 * offset / scale_ms)
        width = min(100.0 - left, 100.0 * (elapsed or 0.0) / scale_ms)
        tip = f"{name}: started at +{_duration(offset)}, took {_duration(elapsed or 0)}"
        track = (
            f'<span class="bar" style="left:{left:.3f}%;width:{width:.3f}%" title="{_e(tip)}"'
            f' data-offset-ms="{offset}" data-elapsed-ms="{elapsed or 0.0}"></span>'
        )
        took = _duration(elapsed) if elapsed is not None else ""
    else:
        reason = request["skip_reason"] or "not sent"
        track = f'<span class="not-sent">{_e(reason)}</span>'
        took = "—"
    return (
        f'<li class="lane o-{outcome}" data-outcome="{outcome}">'
        f'<a class="lane-label" href="#req-{request["index"]}" title="{_e(name)}">'
        f"{label}</a>"
        f'<div class="track">{track}</div>'
        f'<span class="lane-time">{_e(took)}</span>'
        "</li>"
    )


# -- files and requests -----------------------------------------------------------------------


def _file(file_doc: FileDoc, masker: ReportMasker) -> str:
    counts = file_doc["counts"]
    tally = [f"{counts['requests']} request{'s' if counts['requests'] != 1 else ''}"]
    outcomes = [
        ("passed", counts["passed"]),
        ("failed", counts["failed"]),
        ("error", counts["error"]),
        ("skipped", counts["skipped"]),
    ]
    tally += [f"{count} {outcome}" for outcome, count in outcomes if count]
    parts = [
        '<section class="file">',
        f'<h2 class="file-head"><span class="path">{_e(file_doc["path"])}</span>{_row(file_doc)}'
        f'<span class="tally">{_e(" · ".join(tally))}</span></h2>',
    ]
    error = file_doc["error"]
    if error is not None:
        parts.append(f'<pre class="error" data-kind="file-error">{_e(error["rendered"])}</pre>')
    if not file_doc["requests"] and error is None:
        parts.append('<p class="empty">This file has no request.</p>')
    parts += [_request(request, masker) for request in file_doc["requests"]]
    parts.append("</section>")
    return "\n".join(parts)


def _row(file_doc: FileDoc) -> str:
    """The data row this run of the file was for, beside its path (nothing without rows)."""
    row = file_doc["row"]
    return "" if row is None else f'<span class="row">[{_e(row)}]</span>'


def _request(request: RequestDoc, masker: ReportMasker) -> str:
    outcome = request["outcome"]
    opened = " open" if outcome in ("failed", "error") else ""
    summary = [
        f'<span class="badge">{_BADGES[outcome]}</span>',
        f'<span class="method">{_e(request["method"])}</span>',
        f'<span class="url mono">{_e(request["url"])}</span>',
    ]
    if request["status"] is not None:
        status = request["status"]
        kind = "s-ok" if status < 300 else "s-redirect" if status < 400 else "s-bad"
        reason = f" {request['reason']}" if request["reason"] else ""
        summary.append(f'<span class="status {kind}">{status}{_e(reason)}</span>')
    if request["timings"]["elapsed_ms"] is not None:
        summary.append(f'<span class="ms">{_e(_duration(request["timings"]["elapsed_ms"]))}</span>')
    if request["attempts"] > 1:
        summary.append(f'<span class="attempts">after {request["attempts"]} attempts</span>')
    if request["title"]:
        summary.append(f'<span class="name">{_e(request["title"])}</span>')
    if request["id"]:
        summary.append(f'<span class="name mono">@{_e(request["id"])}</span>')
    if outcome == "skipped" and request["skip_reason"]:
        summary.append(f'<span class="name">({_e(request["skip_reason"])})</span>')
    summary.append(f'<span class="where">line {request["line"]}</span>')

    content: list[str] = []
    if request["error"] is not None:
        content.append(f'<pre class="error">{_e(request["error"]["rendered"])}</pre>')
    if request["checks"]:
        content.append("<h3>Checks</h3>" + _checks(request))
    if request["captures"]:
        content.append("<h3>Captures</h3>" + _captures(request["captures"]))
    exchange = [_sent(request, masker), _received(request, masker)]
    if any(exchange):
        content.append('<div class="exchange">' + "".join(exchange) + "</div>")
    if not content:
        content.append('<p class="empty">Nothing was sent.</p>')
    return (
        f'<details class="request o-{outcome}" id="req-{request["index"]}" '
        f'data-outcome="{outcome}"{opened}>'
        f"<summary>{' '.join(summary)}</summary>"
        f'<div class="content">{"".join(content)}</div>'
        "</details>"
    )


def _checks(request: RequestDoc) -> str:
    rows = []
    for check in request["checks"]:
        passed = check["passed"]
        kind = {"status": "implicit status rule", "capture": "capture"}.get(check["kind"], "")
        kind_html = f'<span class="kind">{_e(kind)}</span>' if kind else ""
        line = str(check["line"]) if check["line"] is not None else ""
        rows.append(
            f'<tr class="{"pass" if passed else "fail"}">'
            f'<td class="{"ok" if passed else "ko"}">{"✓" if passed else "✗"}</td>'
            f'<td class="ln">{_e(line)}</td>'
            f"<td><code>{_e(check['text'])}</code>{kind_html}</td>"
            f'<td class="msg">{_e(check["message"])}</td>'
            "</tr>"
        )
    return (
        '<table class="checks"><thead><tr><th></th><th>line</th><th>check</th>'
        f"<th>message</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _captures(captures: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{_e(name)}</code></td><td><code>{_e(_compact(value))}</code></td></tr>"
        for name, value in captures.items()
    )
    return f'<table class="captures"><tbody>{rows}</tbody></table>'


def _sent(request: RequestDoc, masker: ReportMasker) -> str:
    sent = request["request"]
    if sent is None:
        return ""
    version = f" {sent['http_version']}" if sent["http_version"] else ""
    lines = [f"{sent['method']} {sent['url']}{version}"]
    lines += [f"{header['name']}: {header['value']}" for header in sent["headers"]]
    if sent["body"]:
        # Decoding JSON turns escapes ("\\u0061") into text a secret may match: _clip masks
        # the whole section again.
        lines += ["", _pretty_text(sent["body"])]
    return (
        f'<section class="sent"><h3>Request</h3><pre>{_e(_clip(chr(10).join(lines), masker))}</pre>'
        "</section>"
    )


def _received(request: RequestDoc, masker: ReportMasker) -> str:
    response = request["response"]
    if response is None:
        return ""
    version = response.get("http_version") or "HTTP/1.1"
    lines = [f"{version} {response.get('status', '')} {response.get('reason') or ''}".rstrip()]
    headers = response.get("headers")
    if isinstance(headers, dict):
        lines += [f"{name}: {value}" for name, value in headers.items()]
    body = response.get("body")
    if isinstance(body, str):  # the text: not JSON, or too large to keep whole
        lines += ["", body] if body else []
    elif body is not None:  # parsed JSON
        lines += ["", json.dumps(body, indent=2, ensure_ascii=False)]
    if response.get("body_truncated"):
        lines.append(f"… (cut: the body has {response.get('body_bytes', 0):,} bytes in all)")
    return (
        '<section class="received"><h3>Response</h3>'
        f"<pre>{_e(_clip(chr(10).join(lines), masker))}</pre></section>"
    )


# -- small helpers ----------------------------------------------------------------------------


def _e(text: str) -> str:
    # Control characters are not allowed in HTML text (a binary body has plenty).
    return escape(_CONTROL.sub("\ufffd", text), quote=True)


def _compact(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _pretty_text(text: str) -> str:
    """A JSON body indented, anything else as it is."""
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            return json.dumps(decode_json(stripped), indent=2, ensure_ascii=False)
        except ValueError:  # not JSON, or nested too deeply to walk: shown as it came
            pass
    return text


def _clip(text: str, masker: ReportMasker) -> str:
    # Masked again before the cut: the lines were joined and a body decoded since the
    # document was masked, and a secret cut in two would no longer be recognised.
    marker = "\n… ({more} more characters: see the JSON report)"
    return mask_and_clip(text, masker.text, _MAX_BODY_CHARS, marker=marker)


def _duration(milliseconds: float) -> str:
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    seconds = milliseconds / 1000.0
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes:.0f} min {rest:.0f} s"


def _clock(iso: str) -> str:
    """``2024-05-01T12:00:00.123+00:00`` → ``2024-05-01 12:00:00 UTC``."""
    day, _, time_part = iso.partition("T")
    return f"{day} {time_part[:8]} UTC"
