"""The JSON report: the whole run as the versioned document of ``report_document``.

Its schema is ``docs/report-schema.json`` (JSON Schema draft 2020-12); ``"schema":
"httprun-report/2"`` names the version, so tools that read reports can check what they got.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..results import RunResult
from .atomic import write_atomically
from .report_document import PreparedReport, prepare_report


def render_json(run: RunResult, prepared: PreparedReport | None = None) -> str:
    """The JSON report's text: indented, UTF-8 kept as is, ending with a newline."""
    # The report document already holds plain, masked JSON values.
    document = (prepared or prepare_report(run)).document
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_json(run: RunResult, path: Path, prepared: PreparedReport | None = None) -> None:
    """Write the JSON report of ``run`` to ``path`` atomically, creating its folder."""
    write_atomically(Path(path), render_json(run, prepared), kind="JSON report")
