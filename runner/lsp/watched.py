"""Request files changed outside the editor (another program, a ``git checkout``): the open
documents that import files are checked again, since what they import may have changed, or
appeared. The server asks a client that can for ``workspace/didChangeWatchedFiles`` on
``*.http`` files; without it, an imported file is read again on the importer's next change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from .server import HttprunServer

WATCHED = "**/*.http"


async def watch_request_files(ls: HttprunServer) -> None:
    """Ask the client to tell of changes to request files, if it takes such a registration."""
    workspace = ls.client_capabilities.workspace
    watching = workspace.did_change_watched_files if workspace is not None else None
    if watching is None or not watching.dynamic_registration:
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[types.FileSystemWatcher(glob_pattern=WATCHED)]
    )
    registration = types.Registration(
        id="httprun-request-files",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=options,
    )
    try:
        await ls.client_register_capability_async(types.RegistrationParams([registration]))
    except Exception as error:  # a client that refuses: imports are read on the next change
        ls.log(f"cannot watch the request files: {error}", types.MessageType.Warning)


def register(server: HttprunServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(params: types.DidChangeWatchedFilesParams) -> None:
        for uri in server.reread_imports():
            server.publish_later(uri)
