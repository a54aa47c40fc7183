"""Runs from the editor (``httprun lsp``'s code lenses and their commands) and code actions,
driven over stdio by a real LSP client (pytest-lsp), against the bundled sandbox and local
servers only."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from hostile_server import never_answer, serve_raw
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import ClientServerConfig, LanguageClient

import runner
from tests.lsp_helpers import (
    SERVER_COMMAND,
    diagnostics_for,
    eventually,
    initialize,
    open_document,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

REPO = Path(runner.__file__).resolve().parent.parent
CAPABILITIES = types.ClientCapabilities(
    window=types.WindowClientCapabilities(
        work_done_progress=True,
        show_document=types.ShowDocumentClientCapabilities(support=True),
    )
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "envs").mkdir()
    shutil.copy(REPO / "envs" / "sandbox.env", root / "envs" / "sandbox.env")
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
    await initialize(lsp_client, project, {"env": ["envs/sandbox.env"]}, CAPABILITIES)
    yield lsp_client
    await lsp_client.shutdown_session()
    await lsp_client.stop()


@pytest.fixture
def folder(project: Path, request: pytest.FixtureRequest) -> Path:
    path = project / request.node.name
    path.mkdir()
    return path


PRODUCTS = """\
@api = https://<<mallid>>.cafe24api.com/api/v2
# @auth cafe24

### List products
# @name products
GET <<api>>/admin/products?limit=5
X-Cafe24-Api-Version: <<api_version>>

?? status == 200
>> first = body.products[0].product_no

### Read the first
GET <<api>>/admin/products/<<first>>
X-Cafe24-Api-Version: <<api_version>>

?? status == 200
?? body.product.price == 'not a price'
"""


async def lenses_of(client: LanguageClient, uri: str) -> list[types.CodeLens]:
    found = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return list(found or [])


async def execute(client: LanguageClient, command: types.Command) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )


def run_diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.source == "httprun run"]


async def test_lenses_name_what_a_request_runs_first(client: LanguageClient, folder: Path) -> None:
    uri = open_document(client, folder / "products.http", PRODUCTS)
    lenses = await lenses_of(client, uri)
    titles = [(lens.range.start.line, lens.command.title) for lens in lenses if lens.command]
    assert titles == [
        (5, "Run"),
        (5, "Dry run"),
        (12, "Run after products"),
        (12, "Dry run"),
    ]
    arguments = [list(lens.command.arguments or []) for lens in lenses if lens.command]
    assert arguments == [[uri, 6], [uri, 6], [uri, 13], [uri, 13]]


async def test_a_run_against_the_sandbox_shows_its_outcome(
    client: LanguageClient, project: Path, folder: Path
) -> None:
    uri = open_document(client, folder / "products.http", PRODUCTS)
    run_lens = (await lenses_of(client, uri))[2]
    assert run_lens.command is not None
    before = set(client.progress_reports)

    summary = await execute(client, run_lens.command)

    assert summary["outcome"] == "failed"
    # $/progress: begin, a report per request run (the dependency first), end.
    (token,) = set(client.progress_reports) - before
    kinds = [report.kind for report in client.progress_reports[token]]
    assert kinds == ["begin", "report", "report", "end"]
    first_report = client.progress_reports[token][1]
    assert isinstance(first_report, types.WorkDoneProgressReport)
    assert first_report.message is not None and first_report.message.startswith("products: 200")
    # The failing check is a diagnostic on its line (0-based 16), apart from the static ones.
    (failed,) = await eventually(lambda: run_diagnostics(client, uri) or None)
    assert failed.range.start.line == 16
    assert "not a price" in failed.message
    # The response file, shown by the client, is the request's report document, masked.
    shown = client.shown_documents[-1]
    path = Path(summary["response"])
    assert shown.uri == path.as_uri()
    assert path.is_relative_to(project / "cache" / "httprun" / "responses")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["line"] == 13
    assert document["status"] == 200
    assert document["response"]["body"]["product"]["product_no"] > 0
    headers = {h["name"].lower(): h["value"] for h in document["request"]["headers"]}
    assert headers["authorization"] == "Bearer ****"
    seen = [path.read_text(encoding="utf-8"), failed.message]
    seen += [str(report) for report in client.progress_reports[token]]
    assert not any("sandbox-client-secret" in text for text in seen)
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


async def test_the_next_run_replaces_the_last_runs_diagnostics(
    client: LanguageClient, folder: Path
) -> None:
    text = PRODUCTS.replace("'not a price'", "'not a price'\n?? body.product.product_no == 0")
    uri = open_document(client, folder / "products.http", text)
    run_lens = (await lenses_of(client, uri))[2]
    assert run_lens.command is not None
    await execute(client, run_lens.command)
    assert len(await eventually(lambda: run_diagnostics(client, uri) or None)) == 2
    first_lens = (await lenses_of(client, uri))[0]
    assert first_lens.command is not None
    assert (await execute(client, first_lens.command))["outcome"] == "passed"
    await eventually(lambda: run_diagnostics(client, uri) == [] or None)


async def test_a_dry_run_shows_the_resolved_request(client: LanguageClient, folder: Path) -> None:
    text = "GET https://<<mallid>>.cafe24api.com/x\nX-Secret: <<client_secret>>\n"
    uri = open_document(client, folder / "dry.http", text)
    dry_lens = (await lenses_of(client, uri))[1]
    assert dry_lens.command is not None and dry_lens.command.title == "Dry run"

    summary = await execute(client, dry_lens.command)

    assert summary["outcome"] == "skipped"
    path = Path(summary["response"])
    assert path.name == "dry-1.dry-run.json"
    assert client.shown_documents[-1].uri == path.as_uri()
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["request"]["url"] == "https://demo.cafe24api.com/x"
    assert document["request"]["headers"] == [{"name": "X-Secret", "value": "****"}]
    assert document["response"] is None
    assert "sandbox-client-secret" not in path.read_text(encoding="utf-8")


async def test_a_file_with_errors_sends_nothing_and_says_why(
    client: LanguageClient, folder: Path
) -> None:
    text = "GET http://127.0.0.1:9/x\n\n?? nosuch(status) == 1\n"
    uri = open_document(client, folder / "bad.http", text)
    run_lens = (await lenses_of(client, uri))[0]
    assert run_lens.command is not None
    summary = await execute(client, run_lens.command)
    assert summary == {"outcome": "error", "response": None}
    message = client.messages[-1]
    assert message.type == types.MessageType.Error
    assert "bad.http:3" in message.message


async def test_a_line_without_a_request_is_said_not_raised(
    client: LanguageClient, folder: Path
) -> None:
    uri = open_document(client, folder / "a.http", "GET http://127.0.0.1:9/x\n")
    command = types.Command("Run", "httprun.run", arguments=[uri, 7])
    assert await execute(client, command) is None
    assert "no request starts at line 7" in client.messages[-1].message


async def test_bad_arguments_are_an_lsp_error(client: LanguageClient) -> None:
    with pytest.raises(Exception, match="document URI, request line"):
        await execute(client, types.Command("Run", "httprun.run", arguments=["x"]))


async def test_cancelling_the_progress_aborts_the_request_in_flight(
    client: LanguageClient, folder: Path
) -> None:
    with serve_raw(never_answer) as server:
        uri = open_document(client, folder / "held.http", f"GET {server.url}/held\n")
        run_lens = (await lenses_of(client, uri))[0]
        assert run_lens.command is not None
        before = set(client.progress_reports)
        running = asyncio.ensure_future(execute(client, run_lens.command))
        await asyncio.to_thread(server.wait_for_requests, 1)
        (token,) = set(client.progress_reports) - before
        client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
        summary = await asyncio.wait_for(running, 5)
    # Nothing is recorded of a request aborted by the cancel, as after Ctrl-C.
    assert summary == {"outcome": "cancelled", "response": None}
    reports = client.progress_reports[token]
    assert [report.kind for report in reports] == ["begin", "end"]
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert reports[-1].message == "cancelled"


async def test_cancelling_the_command_request_aborts_the_run(
    client: LanguageClient, folder: Path
) -> None:
    with serve_raw(never_answer) as server:
        uri = open_document(client, folder / "held.http", f"GET {server.url}/held\n")
        run_lens = (await lenses_of(client, uri))[0]
        assert run_lens.command is not None
        before = set(client.progress_reports)
        params = types.ExecuteCommandParams(
            command=run_lens.command.command, arguments=run_lens.command.arguments
        )
        running = asyncio.ensure_future(
            client.protocol.send_request_async(
                types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="held-run"
            )
        )
        await asyncio.to_thread(server.wait_for_requests, 1)
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="held-run"))
        with pytest.raises(JsonRpcRequestCancelled):
            await asyncio.wait_for(running, 5)
        (token,) = set(client.progress_reports) - before
        # The run itself ends too: its progress ends, cancelled, well before any timeout.
        reports = client.progress_reports[token]
        await eventually(lambda: reports[-1].kind == "end" or None, timeout=5)
    assert [report.kind for report in reports] == ["begin", "end"]
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert reports[-1].message == "cancelled"


async def test_code_actions_over_stdio(client: LanguageClient, folder: Path) -> None:
    uri = open_document(client, folder / "a.http", "GET http://x/\nX-Id: {{id}}\n")
    (warning,) = await diagnostics_for(client, uri, 1)
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=warning.range,
            context=types.CodeActionContext(diagnostics=[warning]),
        )
    )
    assert found is not None
    titles = {action.title: action for action in found if isinstance(action, types.CodeAction)}
    assert set(titles) == {"Write <<id>>", "Add `?? status == 200`"}
    fix = titles["Write <<id>>"]
    assert fix.edit is not None and fix.edit.changes is not None
    (edit,) = fix.edit.changes[uri]
    assert (edit.range, edit.new_text) == (warning.range, "<<id>>")
    only_fixes = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=warning.range,
            context=types.CodeActionContext(
                diagnostics=[warning], only=[types.CodeActionKind.QuickFix]
            ),
        )
    )
    assert [action.title for action in only_fixes or []] == ["Write <<id>>"]


async def test_without_client_env_files_a_run_uses_the_project_settings(
    client: LanguageClient, folder: Path, local_server: str
) -> None:
    (folder / "pyproject.toml").write_text('[tool.httprun]\nenv = ["dev.env"]\n')
    (folder / "dev.env").write_text(f"host={local_server}\n")
    uri = open_document(client, folder / "a.http", "GET <<host>>/json\n\n?? body.count == 1\n")
    run_lens = (await lenses_of(client, uri))[0]
    assert run_lens.command is not None
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"httprun": {"env": []}})
    )
    try:
        assert (await execute(client, run_lens.command))["outcome"] == "passed"
        (folder / "pyproject.toml").write_text('[tool.httprun]\nenv = ["missing.env"]\n')
        assert (await execute(client, run_lens.command))["outcome"] == "error"
        assert "missing.env' does not exist" in client.messages[-1].message
    finally:
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"httprun": {"env": ["envs/sandbox.env"]}})
        )
