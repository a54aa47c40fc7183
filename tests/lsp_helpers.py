"""Driving ``httprun lsp`` with a real LSP client (pytest-lsp) over stdio."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from lsprotocol import types
from pytest_lsp import LanguageClient

SERVER_COMMAND = [sys.executable, "-m", "runner", "lsp"]
T = TypeVar("T")


async def initialize(
    client: LanguageClient,
    root: Path,
    options: dict[str, object] | None = None,
    capabilities: types.ClientCapabilities | None = None,
) -> None:
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities or types.ClientCapabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=options or {},
        )
    )


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="http", version=version, text=text
            )
        )
    )
    return uri


def change_document(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def eventually(read: Callable[[], T | None], timeout: float = 10.0) -> T:
    """Poll ``read`` until it gives a value (not None), with a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing arrived within {timeout} s")
        await asyncio.sleep(0.02)


async def diagnostics_for(
    client: LanguageClient, uri: str, version: int, timeout: float = 10.0
) -> list[types.Diagnostic]:
    """The diagnostics the server publishes for ``uri`` at ``version`` (waits for them).
    Call it right after the change, before the server can have answered."""

    async def wait() -> list[types.Diagnostic]:
        while True:
            params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)

    return await asyncio.wait_for(wait(), timeout)
