"""The env files a client names through ``workspace/configuration`` (section ``httprun``, key
``env``), pulled by the server after ``initialized`` and again on
``workspace/didChangeConfiguration``."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp_helpers import SERVER_COMMAND, change_document, diagnostics_for, open_document

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("configured")
    (root / "envs").mkdir()
    (root / "envs" / "dev.env").write_text("host=http://127.0.0.1:9\n")
    (root / "envs" / "other.env").write_text("base=http://127.0.0.1:9\n")
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND), scope="module")
async def client(lsp_client: LanguageClient, project: Path):  # type: ignore[no-untyped-def]
    lsp_client.set_configuration({"env": ["envs/dev.env"]}, section="httprun")
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(
                workspace=types.WorkspaceClientCapabilities(configuration=True)
            ),
            root_uri=project.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="configured")],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_the_env_files_come_from_workspace_configuration(
    client: LanguageClient, project: Path
) -> None:
    uri = open_document(client, project / "a.http", "GET <<hots>>/x\n")
    (undefined,) = await diagnostics_for(client, uri, 1)
    assert "did you mean 'host'" in undefined.message

    # A pull-model client says only "changed"; the server asks again.
    client.set_configuration({"env": ["envs/other.env"]}, section="httprun")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    change_document(client, uri, "GET <<bsae>>/x\n", 2)
    (undefined,) = await diagnostics_for(client, uri, 2)
    assert "did you mean 'base'" in undefined.message
