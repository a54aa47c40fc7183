"""``httprun lsp`` driven over stdio by a real LSP client (pytest-lsp)."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp_helpers import (
    SERVER_COMMAND,
    change_document,
    diagnostics_for,
    initialize,
    open_document,
)

# One server for the module (starting one takes a second or more); each test opens its own
# documents, in its own folder of the one project.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "envs").mkdir()
    (root / "envs" / "dev.env").write_text("host=http://127.0.0.1:9\ntoken=s3cret-token\n")
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND), scope="module")
async def client(lsp_client: LanguageClient, project: Path):  # type: ignore[no-untyped-def]
    await initialize(lsp_client, project, {"env": ["envs/dev.env"]})
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def tmp_path(project: Path, request: pytest.FixtureRequest) -> Path:
    """A folder of the project for this test's documents."""
    folder = project / request.node.name
    folder.mkdir()
    return folder


GOOD = """\
### List products
# @name products
GET <<host>>/products
Authorization: Bearer <<token>>

?? status == 200

### Read one
GET <<host>>/products/<<products.body.products[0].id>>
"""


async def test_a_clean_file_has_no_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "a.http", GOOD)
    assert await diagnostics_for(client, uri, 1) == []


async def test_errors_and_warnings_have_exact_ranges(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = "GET <<host>>/x\n\n?? status ==\n"
    uri = open_document(client, tmp_path / "a.http", GOOD)
    await diagnostics_for(client, uri, 1)
    change_document(client, uri, text, 2)
    found = await diagnostics_for(client, uri, 2)
    assert len(found) == 1
    assert found[0].severity == types.DiagnosticSeverity.Error
    assert found[0].range.start.line == 2
    assert found[0].source == "httprun"

    change_document(client, uri, "GET <<hots>>/x\n", 3)
    (undefined,) = await diagnostics_for(client, uri, 3)
    assert "did you mean 'host'" in undefined.message
    assert undefined.range == types.Range(types.Position(0, 4), types.Position(0, 12))

    change_document(client, uri, "GET <<host>>/x\nX-Id: {{id}}\n", 4)
    (warning,) = await diagnostics_for(client, uri, 4)
    assert warning.severity == types.DiagnosticSeverity.Warning


async def test_columns_are_utf16_units(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "a.http", "GET http://x/😀/<<nope>>\n")
    (warning,) = await diagnostics_for(client, uri, 1)
    # "GET http://x/" is 13 code units, the emoji 2, "/" 1: <<nope>> starts at 16.
    assert warning.range.start.character == 16


async def test_symbols_and_folding(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_document(client, tmp_path / "a.http", GOOD)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert symbols is not None
    names = [symbol.name for symbol in symbols if isinstance(symbol, types.DocumentSymbol)]
    assert names == ["products", "Read one"]
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert folds is not None
    assert [(fold.start_line, fold.end_line) for fold in folds] == [(0, 5), (7, 8)]


async def test_a_secret_of_the_env_never_reaches_a_message(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_document(client, tmp_path / "a.http", "GET http://x/s3cret-token/<<nope>>\n")
    (warning,) = await diagnostics_for(client, uri, 1)
    assert "s3cret-token" not in warning.message


async def test_every_block_s_syntax_error_and_the_blocks_that_parse(
    client: LanguageClient, tmp_path: Path
) -> None:
    """The parser goes on at the next ###: every broken block has its error, and the blocks
    that parse keep their symbols."""
    text = (
        "### one\nGET <<host>>/a\nnot a header\n"
        "### two\nGRAPHQL <<host>>/graphql\n"
        "### three\n# @name three\nGET <<host>>/c\n"
    )
    uri = open_document(client, tmp_path / "a.http", text)
    found = await diagnostics_for(client, uri, 1)
    assert [(d.severity, d.range.start.line) for d in found] == [
        (types.DiagnosticSeverity.Error, 2),
        (types.DiagnosticSeverity.Error, 4),
    ]
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert symbols is not None
    assert [s.name for s in symbols if isinstance(s, types.DocumentSymbol)] == ["three"]


async def test_lines_are_counted_as_the_parser_counts_them(
    client: LanguageClient, tmp_path: Path
) -> None:
    """U+2028 in a body is no line break for httprun (nor for most editors' LSP clients): the
    diagnostic after it and the request's symbol stay on their lines."""
    text = "POST <<host>>/x\n\na\u2028b\n\n###\nGET <<nope>>/y\n"
    uri = open_document(client, tmp_path / "a.http", text)
    (undefined,) = await diagnostics_for(client, uri, 1)
    assert undefined.range.start == types.Position(5, 4)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert symbols is not None
    lines = [
        symbol.selection_range.start.line
        for symbol in symbols
        if isinstance(symbol, types.DocumentSymbol)
    ]
    assert lines == [0, 5]
