"""The HTML report's inline style sheet and script.

Kept apart from the markup code so each reads on its own. Both are inlined into the report (the
page's Content-Security-Policy forbids fetching anything); neither may hold user data, which
``html.py`` alone writes, escaped.
"""

from __future__ import annotations

CSS = """
:root {
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --panel: #f6f8fa;
  --passed: #1a7f37; --failed: #cf222e; --error: #bc4c00; --skipped: #8c959f;
  --interrupted: #9a6700; --code: #f6f8fa; --bar-track: #eef1f4;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #30363d; --panel: #151b23;
    --passed: #3fb950; --failed: #f85149; --error: #db6d28; --skipped: #6e7681;
    --interrupted: #d29922; --code: #151b23; --bar-track: #1c232c;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
main { max-width: 1200px; margin: 0 auto; padding: 0 20px 48px; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 17px; margin: 28px 0 10px; }
h3 { font-size: 13px; margin: 16px 0 6px; text-transform: uppercase; letter-spacing: .04em;
     color: var(--muted); }

/* -- summary ------------------------------------------------------------------------------ */
.summary { border-bottom: 4px solid var(--verdict); padding: 20px 0 16px; margin-bottom: 8px; }
.summary.v-passed { --verdict: var(--passed); }
.summary.v-failed { --verdict: var(--failed); }
.summary.v-interrupted { --verdict: var(--interrupted); }
.headline { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
.verdict {
  background: var(--verdict); color: #fff; font-weight: 700; border-radius: 6px;
  padding: 4px 12px; letter-spacing: .03em;
}
.meta { color: var(--muted); margin: 6px 0 12px; }
.counts { display: flex; gap: 10px; flex-wrap: wrap; list-style: none; padding: 0; margin: 0; }
.counts li {
  border: 1px solid var(--line); border-left: 5px solid var(--c); border-radius: 6px;
  padding: 6px 14px; min-width: 96px; background: var(--panel);
}
.counts b { display: block; font-size: 22px; line-height: 1.1; }
.counts li.zero { opacity: .55; }
.c-total { --c: var(--fg); } .c-passed { --c: var(--passed); } .c-failed { --c: var(--failed); }
.c-error { --c: var(--error); } .c-skipped { --c: var(--skipped); }
.c-files { --c: var(--error); }
.banner {
  margin: 14px 0 0; padding: 8px 12px; border-radius: 6px; background: var(--panel);
  border: 1px solid var(--interrupted);
}

/* -- toolbar ------------------------------------------------------------------------------ */
.toolbar { display: flex; gap: 6px; flex-wrap: wrap; margin: 16px 0 0; align-items: center; }
.toolbar button {
  font: inherit; color: inherit; background: var(--panel); border: 1px solid var(--line);
  border-radius: 6px; padding: 3px 10px; cursor: pointer;
}
.toolbar button[aria-pressed="true"] { border-color: var(--fg); font-weight: 600; }
.toolbar .spacer { flex: 1; }

/* -- timeline ----------------------------------------------------------------------------- */
.timeline { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px 12px; }
.lanes { list-style: none; margin: 0; padding: 0; }
.lane, .axis {
  display: grid; grid-template-columns: minmax(160px, 32%) 1fr 72px; gap: 10px;
  align-items: center;
}
.lane { min-height: 22px; border-top: 1px solid transparent; }
.lane:hover { background: var(--panel); }
.lane-label {
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: inherit;
  text-decoration: none; font-size: 12.5px;
}
.lane-label:hover { text-decoration: underline; }
.lane-label .mark { font-weight: 700; color: var(--o); }
.track {
  position: relative; height: 14px; background: var(--bar-track); border-radius: 3px;
  background-image: repeating-linear-gradient(90deg, transparent 0 calc(25% - 1px),
    var(--line) calc(25% - 1px) 25%);
}
.bar {
  position: absolute; top: 1px; bottom: 1px; min-width: 3px; border-radius: 2px;
  background: var(--o);
}
.not-sent { position: absolute; left: 4px; top: -1px; font-size: 11px; color: var(--muted); }
.lane-time { text-align: right; font-size: 12px; color: var(--muted); }
.axis { font-size: 11px; color: var(--muted); margin-bottom: 4px; }
.ticks { position: relative; height: 14px; }
.ticks span { position: absolute; transform: translateX(-50%); white-space: nowrap; }
.ticks span:first-child { transform: none; }
.ticks span:last-child { transform: translateX(-100%); }
.o-passed { --o: var(--passed); } .o-failed { --o: var(--failed); }
.o-error { --o: var(--error); } .o-skipped { --o: var(--skipped); }

/* -- files and requests ------------------------------------------------------------------- */
.file-head { display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
.file-head .path { font-weight: 700; }
.file-head .row { font-weight: 600; }
.file-head .tally { color: var(--muted); font-size: 13px; font-weight: 400; }
details.request {
  border: 1px solid var(--line); border-left: 5px solid var(--o); border-radius: 6px;
  margin: 8px 0; background: var(--bg);
}
details.request > summary {
  cursor: pointer; padding: 7px 12px; display: flex; gap: 10px; align-items: baseline;
  flex-wrap: wrap; list-style-position: inside;
}
details.request[open] > summary { border-bottom: 1px solid var(--line); background: var(--panel); }
.badge {
  font-size: 11px; font-weight: 700; color: #fff; background: var(--o); border-radius: 4px;
  padding: 1px 6px; letter-spacing: .04em;
}
.method { font-weight: 700; }
.url { word-break: break-all; }
.status { font-weight: 600; }
.s-ok { color: var(--passed); } .s-redirect { color: var(--interrupted); }
.s-bad { color: var(--failed); }
.name { color: var(--muted); }
.where { color: var(--muted); font-size: 12px; margin-left: auto; }
.content { padding: 4px 14px 14px; }
pre {
  background: var(--code); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px;
  overflow: auto; max-height: 480px; margin: 0; white-space: pre-wrap; word-break: break-word;
  font-size: 12.5px;
}
pre.error { border-color: var(--failed); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
td, th { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.ok { color: var(--passed); font-weight: 700; width: 1.5em; }
td.ko { color: var(--failed); font-weight: 700; width: 1.5em; }
td.ln { color: var(--muted); width: 3.5em; }
tr.fail td.msg { color: var(--failed); }
table.captures td:first-child { width: 30%; }
.kind { color: var(--muted); font-size: 11px; margin-left: 6px; }
.exchange { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
@media (max-width: 900px) { .exchange { grid-template-columns: 1fr; } }
.empty { color: var(--muted); font-style: italic; }
[hidden] { display: none !important; }
"""

# Filters, expand/collapse, and opening a request when the timeline links to it. Plain DOM, no
# framework: it must run from file:// under a CSP that allows inline script and nothing else.
JS = """
(function () {
  "use strict";
  var requests = Array.prototype.slice.call(document.querySelectorAll("details.request"));
  var lanes = Array.prototype.slice.call(document.querySelectorAll(".lane"));
  var buttons = Array.prototype.slice.call(document.querySelectorAll("[data-filter]"));

  function show(filter) {
    function visible(el) {
      var outcome = el.getAttribute("data-outcome");
      if (filter === "all") return true;
      if (filter === "failed") return outcome === "failed" || outcome === "error";
      return outcome === filter;
    }
    requests.forEach(function (el) { el.hidden = !visible(el); });
    lanes.forEach(function (el) { el.hidden = !visible(el); });
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-filter") === filter));
    });
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () { show(b.getAttribute("data-filter")); });
  });

  function setAll(open) { requests.forEach(function (el) { if (!el.hidden) el.open = open; }); }
  var expand = document.getElementById("expand-all");
  var collapse = document.getElementById("collapse-all");
  if (expand) expand.addEventListener("click", function () { setAll(true); });
  if (collapse) collapse.addEventListener("click", function () { setAll(false); });

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") { el.hidden = false; el.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
"""
