"""``# @import`` in the language server, over stdio with a real LSP client (pytest-lsp):
diagnostics that follow imports as ``httprun check`` does (and change when an imported buffer
does), completion, hover, definition and document links of imported names and paths, and a
run from the editor that runs the imported requests it needs first. Requests go to the local
fixture server only."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from runner.lsp.semantic_tokens import TOKEN_TYPES
from tests.lsp_helpers import (
    SERVER_COMMAND,
    change_document,
    diagnostics_for,
    eventually,
    initialize,
    open_document,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
REGISTRATIONS: list[types.Registration] = []  # what the server asked the client to register

CAPABILITIES = types.ClientCapabilities(
    workspace=types.WorkspaceClientCapabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
            dynamic_registration=True
        )
    ),
    text_document=types.TextDocumentClientCapabilities(
        document_link=types.DocumentLinkClientCapabilities(tooltip_support=True)
    ),
    window=types.WindowClientCapabilities(
        work_done_progress=True,
        show_document=types.ShowDocumentClientCapabilities(support=True),
    ),
)
LOGIN = """\
@client_secret = s3cret-value-123
@greeting = hello
@copied = s3cret-value-123

### Log in
# @name login
GET <<base>>/json

?? status == 200
>> token = body.products[0].product_name
"""
PRODUCTS = """\
# @import ./login.http
# @data ./rows.csv

### Products
GET <<base>>/headers?count=<<login.body.count>>&g=<<greeting>>&s=<<client_secret>>
Authorization: Bearer <<token>>

?? status == 200
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, local_server: str) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "envs").mkdir()
    (root / "envs" / "dev.env").write_text(f"base={local_server}\n", encoding="utf-8")
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(project: Path) -> AsyncIterator[LanguageClient]:
    """A server whose user cache folder and token store are in the project folder."""
    environment = {
        **os.environ,
        "XDG_CACHE_HOME": str(project / "cache"),
        "HTTPRUN_TOKEN_STORE": str(project / "store" / "tokens.json"),
    }
    config = ClientServerConfig(server_command=SERVER_COMMAND, server_env=environment)
    lsp_client = await config.start()
    assert isinstance(lsp_client, LanguageClient)

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        REGISTRATIONS.extend(params.registrations)

    await initialize(lsp_client, project, {"env": ["envs/dev.env"]}, CAPABILITIES)
    yield lsp_client
    await lsp_client.shutdown_session()
    await lsp_client.stop()


@pytest.fixture
def folder(project: Path, request: pytest.FixtureRequest) -> Path:
    """A folder of the project with login.http, products.http and rows.csv on disk."""
    path = project / request.node.name
    path.mkdir()
    (path / "login.http").write_text(LOGIN, encoding="utf-8")
    (path / "products.http").write_text(PRODUCTS, encoding="utf-8")
    (path / "rows.csv").write_text("name\nfirst\n", encoding="utf-8")
    return path


async def opened(
    client: LanguageClient, path: Path, text: str
) -> tuple[str, list[types.Diagnostic]]:
    """Open ``text`` as ``path`` and wait for its first diagnostics."""
    uri = open_document(client, path, text)
    return uri, await diagnostics_for(client, uri, 1)


def document(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def position_after(text: str, marker: str) -> types.Position:
    offset = text.index(marker) + len(marker)
    return types.Position(text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1))


def described(found: list[types.Diagnostic]) -> list[tuple[int, str, str]]:
    """(0-based line, severity, message without its label and help) of each diagnostic."""
    return [
        (
            d.range.start.line,
            "error" if d.severity == types.DiagnosticSeverity.Error else "warning",
            d.message.split("\n")[0].rsplit(" (", 1)[0],
        )
        for d in found
    ]


# -- diagnostics --


async def test_imported_names_count_as_defined(client: LanguageClient, folder: Path) -> None:
    _, found = await opened(client, folder / "products.http", PRODUCTS)
    assert found == []
    # Without the import, the same names are undefined.
    _, found = await opened(client, folder / "alone.http", PRODUCTS.split("\n", 1)[1])
    undefined = {message for _, _, message in described(found)}
    assert undefined == {
        f"undefined variable '{name}'" for name in ("login", "greeting", "client_secret", "token")
    }


async def test_imports_that_cannot_be_followed_are_errors_at_their_lines(
    client: LanguageClient, project: Path, folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "other.http"
    outside.write_text("GET http://127.0.0.1:9/\n", encoding="utf-8")
    text = (
        "# @import ./login.http\n"
        "# @import ./missing.http\n"
        f"# @import {os.path.relpath(outside, folder)}\n"
        "GET <<base>>/x?t=<<token>>\n"
    )
    _, found = await opened(client, folder / "a.http", text)
    assert [(line, severity) for line, severity, _ in described(found)] == [
        (1, "error"),
        (2, "error"),
    ]
    assert found[0].message.startswith(f"cannot import '{folder / 'missing.http'}': no such file")
    assert "is outside the project folder" in found[1].message
    assert found[0].range.end == types.Position(1, 24)  # the whole @import line


async def test_an_import_cycle_is_a_diagnostic_not_a_crash(
    client: LanguageClient, folder: Path
) -> None:
    (folder / "b.http").write_text("# @import ./a.http\n@y = 2\n", encoding="utf-8")
    text = "# @import ./b.http\n@x = 1\nGET <<base>>/?y=<<y>>\n"
    (folder / "a.http").write_text(text, encoding="utf-8")
    uri, found = await opened(client, folder / "a.http", text)
    (cycle,) = described(found)
    assert cycle[:2] == (0, "error")
    assert "import cycle: " in cycle[2] and "a.http -> " in cycle[2]
    hover = await client.text_document_hover_async(
        types.HoverParams(document(uri), position_after(text, "<<y"))
    )
    assert hover is not None and "b.http:2 (imported)" in str(hover.contents)


async def test_a_local_name_hiding_an_imported_one_is_a_warning_at_the_local_one(
    client: LanguageClient, folder: Path
) -> None:
    text = "# @import ./login.http\n@greeting = local\nGET <<base>>/?g=<<greeting>>\n"
    _, found = await opened(client, folder / "a.http", text)
    assert described(found) == [
        (1, "warning", f"'greeting' is defined here and imported from {folder / 'login.http'}:2")
    ]


async def test_an_imported_file_with_errors_is_summed_up_at_the_import_line(
    client: LanguageClient, folder: Path
) -> None:
    broken = "@a = 1\n\n### one\nGET http://127.0.0.1:9/x y\n\n### two\nGET <<base>>/<<nope>>\n"
    broken_path = folder / "broken.http"
    broken_path.write_text(broken, encoding="utf-8")
    text = "# @import ./broken.http\nGET <<base>>/?a=<<a>>\n"
    uri, found = await opened(client, folder / "a.http", text)
    assert described(found) == [
        (0, "error", f"{broken_path} has 2 errors; the first: 4:25 white space in a URL"),
    ]
    # Opened, the imported file shows its own errors; edited, its importer is checked again
    # with the buffer's text (not the file on disk).
    broken_uri, own = await opened(client, broken_path, broken)
    assert [(line, severity) for line, severity, _ in described(own)] == [
        (3, "error"),
        (6, "error"),
    ]
    fixed = broken.replace("x y", "x").replace("<<nope>>", "ok")
    change_document(client, broken_uri, fixed, 2)
    await eventually(lambda: True if not client.diagnostics[broken_uri] else None)
    await eventually(lambda: True if not client.diagnostics[uri] else None)


async def test_an_open_imported_file_is_read_from_its_buffer_until_it_closes(
    client: LanguageClient, folder: Path
) -> None:
    text = "# @import ./login.http\nGET <<base>>/?e=<<extra>>\n"
    uri, found = await opened(client, folder / "a.http", text)
    assert [message for _, _, message in described(found)] == ["undefined variable 'extra'"]
    login = folder / "login.http"
    open_document(client, login, "@extra = unsaved\n" + LOGIN)  # not saved to disk

    def messages() -> list[str]:
        return [message for _, _, message in described(list(client.diagnostics[uri]))]

    await eventually(lambda: True if messages() == [] else None)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(login.as_uri()))
    )
    await eventually(lambda: True if messages() == ["undefined variable 'extra'"] else None)


async def test_request_files_changed_on_disk_are_read_again_when_the_client_says_so(
    client: LanguageClient, folder: Path
) -> None:
    (registration,) = await eventually(lambda: REGISTRATIONS or None)
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    text = "# @import ./login.http\n# @import ./later.http\nGET <<base>>/?e=<<extra>>\n"
    uri, found = await opened(client, folder / "a.http", text)
    # While an import cannot be followed, nothing it might give is called undefined.
    assert [(line, message.split(":")[0]) for line, _, message in described(found)] == [
        (1, f"cannot import '{folder / 'later.http'}'"),
    ]
    (folder / "login.http").write_text("@extra = 1\n" + LOGIN, encoding="utf-8")
    (folder / "later.http").write_text("@late = 2\n", encoding="utf-8")
    changes = [
        types.FileEvent((folder / name).as_uri(), kind)
        for name, kind in (
            ("login.http", types.FileChangeType.Changed),
            ("later.http", types.FileChangeType.Created),
        )
    ]
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes))
    await eventually(lambda: True if not client.diagnostics[uri] else None)


# -- completion, hover, definition, links --


async def test_an_imported_request_name_is_a_request_token(
    client: LanguageClient, folder: Path
) -> None:
    uri, _ = await opened(client, folder / "products.http", PRODUCTS)
    found = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=document(uri))
    )
    assert found is not None
    line = column = 0
    kinds = {}  # (line, start) of each token → its type
    for index in range(0, len(found.data), 5):
        delta_line, delta_start, _, kind = found.data[index : index + 4]
        line, column = line + delta_line, (column if delta_line == 0 else 0) + delta_start
        kinds[(line, column)] = TOKEN_TYPES[kind]
    at = position_after(PRODUCTS, "count=")  # <<login.body.count>>: as a local request's
    assert kinds[(at.line, at.character)] == "function"
    at = position_after(PRODUCTS, "g=")  # <<greeting>>
    assert kinds[(at.line, at.character)] == "variable"


async def test_completion_offers_imported_names_and_their_response_fields(
    client: LanguageClient, folder: Path
) -> None:
    text = PRODUCTS.replace("Authorization: Bearer <<token>>", "X-A: <<\nX-B: <<login.")
    uri = open_document(client, folder / "products.http", text)
    found = await client.text_document_completion_async(
        types.CompletionParams(document(uri), position_after(text, "X-A: <<"))
    )
    items = {item.label: item for item in found.items} if found is not None else {}
    assert items["login"].detail == "request from login.http"
    assert items["token"].detail == "capture from login.http"
    assert items["greeting"].detail == "file variable from login.http"
    assert items["greeting"].documentation == "@greeting = hello"
    assert items["client_secret"].documentation == "@client_secret = ****"
    assert items["copied"].documentation == "@copied = ****"  # a secret's value, elsewhere
    assert items["base"].detail == "env"
    found = await client.text_document_completion_async(
        types.CompletionParams(document(uri), position_after(text, "X-B: <<login."))
    )
    labels = [item.label for item in found.items] if found is not None else []
    assert {"status", "body", "headers"} <= set(labels)


async def test_hover_says_where_an_imported_name_is_defined(
    client: LanguageClient, folder: Path
) -> None:
    uri, _ = await opened(client, folder / "products.http", PRODUCTS)

    async def hover(marker: str) -> str:
        found = await client.text_document_hover_async(
            types.HoverParams(document(uri), position_after(PRODUCTS, marker))
        )
        assert found is not None and isinstance(found.contents, types.MarkupContent)
        return found.contents.value

    assert "- request at login.http:6 (imported)" in await hover("<<log")
    assert "- capture at login.http:10 (imported)" in await hover("<<tok")
    greeting = await hover("<<greet")
    assert "- file variable at login.http:2 (imported)" in greeting
    assert "`@greeting = hello`" in greeting
    secret = await hover("<<client_s")
    assert "`@client_secret = ****`" in secret and "s3cret" not in secret


async def test_definition_goes_to_the_imported_file(client: LanguageClient, folder: Path) -> None:
    uri, _ = await opened(client, folder / "products.http", PRODUCTS)
    login_uri = (folder / "login.http").resolve().as_uri()
    for marker, line, column in (("<<log", 5, 8), ("<<tok", 9, 3), ("<<greet", 1, 1)):
        found = await client.text_document_definition_async(
            types.DefinitionParams(document(uri), position_after(PRODUCTS, marker))
        )
        assert isinstance(found, list)
        (location,) = found
        assert location.uri == login_uri
        assert location.range.start == types.Position(line, column)
    # A rename here would leave the other files that import it behind: refused, with why.
    with pytest.raises(JsonRpcException, match="rename it there"):
        await client.text_document_rename_async(
            types.RenameParams(document(uri), position_after(PRODUCTS, "<<tok"), "other")
        )


async def test_references_of_a_name_include_its_uses_in_open_importers(
    client: LanguageClient, folder: Path
) -> None:
    products_uri, _ = await opened(client, folder / "products.http", PRODUCTS)
    login_uri, _ = await opened(client, folder / "login.http", LOGIN)
    found = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=document(login_uri),
            position=position_after(LOGIN, ">> tok"),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    assert found is not None
    line = PRODUCTS.splitlines().index("Authorization: Bearer <<token>>")
    assert [(location.uri, location.range.start) for location in found] == [
        (products_uri, types.Position(line, len("Authorization: Bearer <<")))
    ]


async def test_import_and_data_paths_are_document_links(
    client: LanguageClient, folder: Path
) -> None:
    text = PRODUCTS.replace("./login.http", "'./login.http'")
    uri, _ = await opened(client, folder / "products.http", text)
    links = await client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=document(uri))
    )
    assert links is not None
    found = [(link.range.start, link.range.end, link.target) for link in links]
    assert found == [
        (
            types.Position(0, 11),
            types.Position(0, 23),
            (folder / "login.http").resolve().as_uri(),
        ),
        (types.Position(1, 8), types.Position(1, 18), (folder / "rows.csv").resolve().as_uri()),
    ]


# -- runs --


async def test_a_run_from_the_editor_runs_the_imported_requests_it_needs_first(
    client: LanguageClient, folder: Path
) -> None:
    text = PRODUCTS.replace("# @data ./rows.csv\n", "")  # one run, not one per row
    uri, _ = await opened(client, folder / "products.http", text)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(document(uri)))
    run_lens = (lenses or [])[0]
    assert run_lens.command is not None
    assert run_lens.command.title == "Run after login (login.http)"
    before = set(client.progress_reports)

    summary = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(run_lens.command.command, run_lens.command.arguments)
    )

    assert summary["outcome"] == "passed"
    (token,) = set(client.progress_reports) - before
    reports = client.progress_reports[token]
    messages = [r.message for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    assert [message.split(":")[0] for message in messages if message] == ["login", "Products"]
    percentages = [r.percentage for r in reports if isinstance(r, types.WorkDoneProgressReport)]
    assert percentages == [50, 100]
    # The response shown is this file's request's, which read what login captured.
    document_path = Path(summary["response"])
    assert document_path.name == "products-4.json"
    response = document_path.read_text(encoding="utf-8")
    assert "count=1&g=hello&s=****" in response and "s3cret" not in response
    # The imported result is this session's last run of login: hovers and completion see it.
    hover = await client.text_document_hover_async(
        types.HoverParams(document(uri), position_after(text, "<<log"))
    )
    assert hover is not None and "last run: passed, 200" in str(hover.contents)
    edited = text.replace("count=<<login.body.count>>", "count=<<login.body.")
    change_document(client, uri, edited, 2)
    found = await client.text_document_completion_async(
        types.CompletionParams(document(uri), position_after(edited, "<<login.body."))
    )
    assert found is not None and {"products", "count"} <= {item.label for item in found.items}


async def test_a_run_from_the_editor_runs_once_per_data_row(
    client: LanguageClient, folder: Path
) -> None:
    (folder / "rows.csv").write_text("name\nfirst\nsecond\n", encoding="utf-8")
    text = PRODUCTS.replace("?? status == 200", "?? status == 200\n?? body.n[0] == 'first'")
    text = text.replace("/headers?", "/headers?n=<<name>>&")
    uri, _ = await opened(client, folder / "products.http", text)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(document(uri)))
    command = (lenses or [])[0].command
    assert command is not None
    before = set(client.progress_reports)

    summary = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command.command, command.arguments)
    )

    assert summary["outcome"] == "failed"  # the second row's check
    (token,) = set(client.progress_reports) - before
    reports = [
        r for r in client.progress_reports[token] if isinstance(r, types.WorkDoneProgressReport)
    ]
    messages = [r.message.split(":")[0] for r in reports if r.message]
    assert messages == ["login", "Products [first]", "Products [second]"]  # one login
    assert [r.percentage for r in reports] == [33, 66, 100]
    failed = await eventually(
        lambda: [d for d in client.diagnostics[uri] if d.source == "httprun run"] or None
    )
    assert [d.message.rsplit(" ", 1)[-1] for d in failed] == ["[second]"]
