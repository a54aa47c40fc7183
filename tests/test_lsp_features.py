"""The editing features of ``httprun lsp`` over stdio, driven by a real LSP client (pytest-lsp):
semantic tokens, completion, hover, definition, references, rename, document links, and a
request the server cannot serve answered with an error while the server goes on."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from runner.writer import format_text
from tests.lsp_helpers import (
    SERVER_COMMAND,
    change_document,
    diagnostics_for,
    eventually,
    open_document,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

ENV_TEXT = "host=http://127.0.0.1:9\nexport token=s3cret-token\n"
REQUESTS = """\
@page = 2
### List products
# @name products
GET <<host>>/products?page=<<page>>
Authorization: Bearer <<token>>

< ./payload.json

?? status == 200
>> first = body.products[0].id

### Read one
GET <<host>>/products/<<first>>
"""
INITIALIZED: dict[str, types.InitializeResult] = {}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "envs").mkdir()
    (root / "envs" / "dev.env").write_text(ENV_TEXT)
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND), scope="module")
async def client(lsp_client: LanguageClient, project: Path):  # type: ignore[no-untyped-def]
    INITIALIZED["result"] = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=project.as_uri(),
            initialization_options={"env": ["envs/dev.env"]},
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def tmp_path(project: Path, request: pytest.FixtureRequest) -> Path:
    folder = project / request.node.name
    folder.mkdir()
    return folder


async def opened(client: LanguageClient, path: Path, text: str = REQUESTS) -> str:
    """Open ``text`` and wait for its first diagnostics (the server has read it)."""
    uri = open_document(client, path, text)
    await diagnostics_for(client, uri, 1)
    return uri


def document(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def position_after(text: str, marker: str) -> types.Position:
    offset = text.index(marker) + len(marker)
    return types.Position(text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1))


async def test_semantic_tokens_full_and_range(client: LanguageClient, tmp_path: Path) -> None:
    capabilities = INITIALIZED["result"].capabilities
    provider = capabilities.semantic_tokens_provider
    assert isinstance(provider, types.SemanticTokensOptions)
    assert provider.full and provider.range
    legend = provider.legend.token_types
    uri = await opened(client, tmp_path / "a.http")
    full = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=document(uri))
    )
    assert full is not None and len(full.data) % 5 == 0
    # The first tokens: "@page" (a declaration) on line 0, then "=" and "2".
    assert list(full.data[:5]) == [0, 0, 5, legend.index("variable"), 1]
    in_range = await client.text_document_semantic_tokens_range_async(
        types.SemanticTokensRangeParams(
            text_document=document(uri),
            range=types.Range(types.Position(3, 0), types.Position(3, 40)),
        )
    )
    assert in_range is not None
    # Line 3: GET <<host>> /products?page= <<page>>, the first relative to the file start.
    assert list(in_range.data[:5]) == [3, 0, 3, legend.index("keyword"), 0]
    assert len(in_range.data) == 5 * 4


async def test_completion_in_an_interpolation(client: LanguageClient, tmp_path: Path) -> None:
    uri = await opened(client, tmp_path / "a.http")
    found = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=document(uri), position=position_after(REQUESTS, "/products/<<")
        )
    )
    assert isinstance(found, types.CompletionList)
    items = {item.label: item for item in found.items}
    assert {"host", "token", "page", "products", "first"} <= set(items)
    assert "s3cret-token" not in str(items["token"].documentation)
    edit = items["first"].text_edit
    assert isinstance(edit, types.TextEdit) and edit.new_text == "first"


async def test_completion_while_the_interpolation_is_not_closed_yet(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = await opened(client, tmp_path / "a.http")
    typing = REQUESTS + "\n###\nGET <<host>>/x?id=<<fi\n"  # does not parse: '<<' not closed
    change_document(client, uri, typing, 2)
    await diagnostics_for(client, uri, 2)
    found = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=document(uri), position=position_after(typing, "=<<fi")
        )
    )
    assert isinstance(found, types.CompletionList)
    # The names of the last text that parsed: file variables, captures, requests.
    assert {"page", "first", "products", "host"} <= {item.label for item in found.items}


async def test_hover_shows_a_masked_value_and_its_env_file(
    client: LanguageClient, tmp_path: Path, project: Path
) -> None:
    uri = await opened(client, tmp_path / "a.http")
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=document(uri), position=position_after(REQUESTS, "Bearer <<to")
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "s3cret-token" not in hover.contents.value
    assert "dev.env:2" in hover.contents.value


async def test_definition_into_the_env_file_and_references(
    client: LanguageClient, tmp_path: Path, project: Path
) -> None:
    uri = await opened(client, tmp_path / "a.http")
    at_token = position_after(REQUESTS, "Bearer <<to")
    found = await client.text_document_definition_async(
        types.DefinitionParams(text_document=document(uri), position=at_token)
    )
    assert isinstance(found, list)
    (env,) = found
    assert isinstance(env, types.Location)
    assert env.uri == (project / "envs" / "dev.env").resolve().as_uri()
    assert env.range == types.Range(types.Position(1, 7), types.Position(1, 12))  # after export
    used = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=document(uri),
            position=position_after(REQUESTS, "GET <<ho"),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    assert used is not None
    assert [location.range.start.line for location in used] == [3, 12]


async def test_rename_a_capture_and_refuse_a_non_name(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = await opened(client, tmp_path / "a.http")
    at_first = position_after(REQUESTS, ">> fir")
    renameable = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=document(uri), position=at_first)
    )
    assert renameable == types.Range(types.Position(9, 3), types.Position(9, 8))
    not_a_name = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=document(uri), position=types.Position(8, 4))
    )
    assert not_a_name is None  # on '?? status == 200'
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=document(uri), position=at_first, new_name="first_id")
    )
    assert edit is not None and edit.changes is not None
    assert [change.range.start.line for change in edit.changes[uri]] == [9, 12]
    with pytest.raises(JsonRpcException, match="not a name"):
        await client.text_document_rename_async(
            types.RenameParams(text_document=document(uri), position=at_first, new_name="a b")
        )


async def test_document_links_to_includes(client: LanguageClient, tmp_path: Path) -> None:
    uri = await opened(client, tmp_path / "a.http")
    links = await client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=document(uri))
    )
    assert links is not None
    (link,) = links
    assert link.target == (tmp_path / "payload.json").resolve().as_uri()
    assert link.range.start == types.Position(6, 2)


async def test_a_request_it_cannot_serve_is_an_error_and_the_server_goes_on(
    client: LanguageClient, tmp_path: Path
) -> None:
    missing = (tmp_path / "never-opened" / "x.http").as_uri()  # not open, not on disk
    with pytest.raises(JsonRpcException):
        await client.text_document_semantic_tokens_full_async(
            types.SemanticTokensParams(text_document=document(missing))
        )
    await eventually(
        lambda: next((m for m in client.log_messages if m.type == types.MessageType.Error), None)
    )
    uri = await opened(client, tmp_path / "a.http")
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=document(uri))
    )
    assert tokens is not None and tokens.data


async def test_formatting_writes_the_canonical_style_or_refuses_a_broken_file(
    client: LanguageClient, tmp_path: Path
) -> None:
    text = "GET  http://127.0.0.1:9/x\nAccept:application/json\n"
    uri = await opened(client, tmp_path / "a.http", text)
    options = types.FormattingOptions(tab_size=4, insert_spaces=True)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=document(uri), options=options)
    )
    assert edits is not None
    (edit,) = edits
    assert edit.new_text == format_text(text)
    assert edit.range == types.Range(types.Position(0, 0), types.Position(2, 0))

    canonical = format_text(text)
    change_document(client, uri, canonical, 2)
    await diagnostics_for(client, uri, 2)
    unchanged = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=document(uri), options=options)
    )
    assert unchanged is not None and list(unchanged) == []  # already canonical

    change_document(client, uri, "GET http://x/<<a\n", 3)
    await diagnostics_for(client, uri, 3)
    with pytest.raises(JsonRpcException, match="syntax error at line 1"):
        await client.text_document_formatting_async(
            types.DocumentFormattingParams(text_document=document(uri), options=options)
        )
