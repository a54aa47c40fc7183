"""``httprun lsp`` reads ``[tool.httprun] env`` of each document's project when the client
names no env files: the table of tests/settings_cases.py, as the command line and pytest do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from settings_cases import CASES, REQUEST, SettingsCase, write_project

from tests.lsp_helpers import (
    SERVER_COMMAND,
    change_document,
    diagnostics_for,
    eventually,
    initialize,
    open_document,
)

# One server for the module; each test has its own projects.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workspace")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND), scope="module")
async def client(lsp_client: LanguageClient, workspace: Path):  # type: ignore[no-untyped-def]
    await initialize(lsp_client, workspace)  # no httprun.env: the projects' settings count
    yield
    await lsp_client.shutdown_session()


def undefined_names(diagnostics: list[types.Diagnostic]) -> set[str]:
    return {
        name
        for diagnostic in diagnostics
        for name in re.findall(r"undefined variable '(\w+)'", diagnostic.message)
    }


def new_project(workspace: Path, name: str, case: SettingsCase) -> Path:
    return write_project(workspace / re.sub(r"\W", "_", name), case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
async def test_the_server_reads_the_env_of_the_settings(
    client: LanguageClient, workspace: Path, case: SettingsCase
) -> None:
    project = new_project(workspace, case.id, case)
    uri = open_document(client, project / "api" / "deep" / "two.http", REQUEST)
    assert undefined_names(await diagnostics_for(client, uri, 1)) == {"a", "b"} - case.defined


async def test_bad_settings_are_logged_and_the_server_goes_on(
    client: LanguageClient, workspace: Path
) -> None:
    case = SettingsCase("", '[tool.httprun]\nenv = ["envs/a.env"]\njbos = 2\n')
    project = new_project(workspace, "bad", case)
    uri = open_document(client, project / "api" / "one.http", REQUEST)
    assert undefined_names(await diagnostics_for(client, uri, 1)) == {"a", "b"}

    def logged() -> types.LogMessageParams | None:
        return next((m for m in client.log_messages if "unknown key 'jbos'" in m.message), None)

    message = await eventually(logged)
    assert message.type == types.MessageType.Warning
    assert "pyproject.toml:3:1" in message.message

    (project / "pyproject.toml").write_text('[tool.httprun]\nenv = ["envs/a.env"]\n')
    change_document(client, uri, REQUEST + "\n", 2)
    assert undefined_names(await diagnostics_for(client, uri, 2)) == {"b"}


async def test_values_of_the_settings_env_are_masked(
    client: LanguageClient, workspace: Path
) -> None:
    case = SettingsCase("", '[tool.httprun]\nenv = ["envs/a.env"]\n')
    project = new_project(workspace, "masked", case)
    (project / "envs" / "a.env").write_text("api_token=s3cret-from-settings\n")
    uri = open_document(
        client, project / "a.http", "GET http://x/\nX-Id: {{s3cret-from-settings}}\n"
    )
    (warning,) = await diagnostics_for(client, uri, 1)
    assert "'{{****}}' is plain text in httprun" in warning.message


# Last: a configuration change publishes every document the server has open.
async def test_the_client_env_wins_and_settings_are_read_again_when_they_change(
    client: LanguageClient, workspace: Path
) -> None:
    case = SettingsCase("", '[tool.httprun]\nenv = ["envs/a.env"]\n', env=("envs/a.env",))
    project = new_project(workspace, "changes", case)
    uri = open_document(client, project / "api" / "one.http", REQUEST)
    assert undefined_names(await diagnostics_for(client, uri, 1)) == {"b"}

    (project / "pyproject.toml").write_text('[tool.httprun]\nenv = ["envs/a.env", "envs/b.env"]\n')
    change_document(client, uri, REQUEST + "\n", 2)
    assert undefined_names(await diagnostics_for(client, uri, 2)) == set()

    # The client's httprun.env (relative to the workspace) replaces the project's list. A
    # configuration change publishes every open document at once: the client's latest
    # diagnostics of this one are watched (each step changes them).
    async def published(expected: set[str]) -> None:
        def now() -> bool | None:
            return undefined_names(client.diagnostics.get(uri, [])) == expected or None

        await eventually(now)

    client_env = {"httprun": {"env": ["changes/envs/b.env"]}}
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(client_env))
    await published({"a"})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams({"httprun": {}}))
    await published(set())


async def test_completion_hover_and_definition_read_the_settings_env_files(
    client: LanguageClient, workspace: Path
) -> None:
    project = workspace / "editing"
    (project / "envs").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[tool.httprun]\nenv = ["envs/a.env"]\n')
    (project / "envs" / "a.env").write_text("host=http://127.0.0.1:9\napi_key=k3y-s3cret\n")
    text = "GET <<host>>/x\nX-Key: <<api_key>>\n"
    uri = open_document(client, project / "one.http", text)
    assert await diagnostics_for(client, uri, 1) == []
    at_key = types.Position(1, 11)  # in <<api_key>>
    found = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 6)
        )
    )
    assert isinstance(found, types.CompletionList)
    items = {item.label: item for item in found.items}
    assert {"host", "api_key"} <= set(items)
    assert "k3y-s3cret" not in str(items["api_key"].documentation)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at_key)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "a.env:2" in hover.contents.value and "k3y-s3cret" not in hover.contents.value
    definition = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at_key)
    )
    assert isinstance(definition, list)
    (location,) = definition
    assert isinstance(location, types.Location)
    assert location.uri == (project / "envs" / "a.env").resolve().as_uri()
