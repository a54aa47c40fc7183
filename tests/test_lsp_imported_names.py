"""The language server's features over a document that imports another, as pure functions
(over stdio: test_lsp_imports.py): whatever the imported file holds, diagnostics, completion,
hover, navigation, links and lenses answer without a traceback, and every name the import
provides is found in that file."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from pygls.workspace import PositionCodec

from runner.lsp.analysis import Analysis
from runner.lsp.completion import Sources, complete
from runner.lsp.hover import Context, hover_text
from runner.lsp.imported import ImportedFiles
from runner.lsp.lenses import code_lenses
from runner.lsp.links import directive_targets
from runner.lsp.navigation import definitions, symbol_at
from tests.test_lsp_editing import TEXTS

IMPORTER = """\
# @import ./b.http
# @data ./rows.csv

### Use
GET http://127.0.0.1:9/<<host>>/<<first>>?n=<<products.body.count>>&q=<<%query>>
X-A: <<token>> <<
"""
CONTEXT = Context(env={}, env_spans={}, last_result=lambda path, line: None, mask=lambda t: t)


@settings(max_examples=60)  # each example writes and parses a file
@given(imported=TEXTS)
@example(imported="# @name 0products\nGET http://127.0.0.1:9/\n")  # no name: an error of its own
def test_any_imported_text_is_answered_without_a_traceback(imported: str) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        (folder / "envs").mkdir()  # the project folder
        (folder / "b.http").write_text(imported, encoding="utf-8")
        path = str(folder / "a.http")
        analysis = Analysis(path, IMPORTER, frozenset(), ImportedFiles(lambda key: None))

        for diagnostic in analysis.diagnostics:
            assert diagnostic.span is not None and diagnostic.span.path == path
        code_lenses(
            analysis.http_file, "file:///a.http", analysis.lines, PositionCodec(), analysis.graph
        )
        directive_targets(analysis.http_file, path, analysis.lines)
        sources = Sources({}, lambda name: {"count": 1}, analysis.visible, temporary)
        for line, text in enumerate(analysis.lines):
            for column in range(len(text) + 1):
                complete(analysis.lines, analysis.http_file, line, column, sources)
                hover_text(analysis, line, column, CONTEXT)
                symbol_at(analysis, line, column)
        for name, (_, provided) in analysis.visible.items():
            (found,) = definitions(analysis, name, {})
            assert found.imported and found.span.path == provided.file.path
            assert found.span.line == provided.span.line


def test_an_unsaved_buffer_says_its_imports_wait_for_a_save() -> None:
    analysis = Analysis("untitled:Untitled-1", IMPORTER, frozenset(), ImportedFiles(lambda k: None))
    assert analysis.graph is None
    first, *_ = analysis.diagnostics
    assert first.severity == "warning" and first.span is not None and first.span.line == 1
    assert first.message == "this import is followed once the file is saved"
