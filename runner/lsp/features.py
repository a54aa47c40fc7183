"""The LSP features, registered on the server: document life cycle and configuration,
document symbols and folding ranges. Each handler is small and goes through the analysis."""

from __future__ import annotations

from lsprotocol import types

from . import (
    actions,
    completion,
    formatting,
    hover,
    links,
    navigation,
    runs,
    semantic_tokens,
    watched,
)
from .lenses import block_label
from .positions import span_range
from .server import HttprunServer, Settings


def register(server: HttprunServer) -> None:
    ls = server
    runs.register(server)  # code lenses: Run, Dry run
    actions.register(server)  # code actions: {{x}} -> <<x>>, add ?? status == 200
    # The editing features, each in its own module.
    semantic_tokens.register(server)
    completion.register(server)
    hover.register(server)
    navigation.register(server)
    links.register(server)
    formatting.register(server)
    watched.register(server)  # request files changed on disk: importers checked again

    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        ls.root = ls.workspace.root_path
        ls.configure(Settings.from_client(params.initialization_options))

    @server.feature(types.INITIALIZED)
    async def initialized(params: types.InitializedParams) -> None:
        await pull_configuration()
        await watched.watch_request_files(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and "httprun" in settings:
            ls.configure(Settings.from_client(settings["httprun"]))
            republish()
        elif can_pull():  # the pull model: the notification only says "ask again"
            await pull_configuration()
        else:
            ls.configure(Settings.from_client(settings))
            republish()

    def can_pull() -> bool:
        workspace = ls.client_capabilities.workspace
        return workspace is not None and bool(workspace.configuration)

    async def pull_configuration() -> None:
        """Ask a client that offers ``workspace/configuration`` for its ``httprun`` section;
        its ``env`` replaces the initialization options' (absent, they stay)."""
        if not can_pull():
            return
        try:
            answer = await ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="httprun")])
            )
        except Exception as error:  # a client that fails the request: keep what we have
            ls.log_failure("workspace/configuration", error)
            return
        section = answer[0] if answer else None
        if isinstance(section, dict) and "env" in section:
            ls.configure(Settings.from_client(section))
            republish()

    def republish() -> None:
        for uri in list(ls.workspace.text_documents):
            ls.publish_later(uri)

    # A document's text is what the documents importing it read: they are checked again too
    # (when it opens, changes, or closes and the file on disk stands for it again).
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        for uri in [params.text_document.uri, *ls.importers_of(params.text_document.uri)]:
            ls.publish_later(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        for uri in [params.text_document.uri, *ls.importers_of(params.text_document.uri)]:
            ls.publish_later(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        importers = ls.importers_of(params.text_document.uri)
        ls.forget(params.text_document.uri)
        for uri in importers:
            ls.publish_later(uri)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbols(params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        uri = params.text_document.uri
        lines = ls.analysis(uri).lines
        codec = ls.workspace.position_codec
        symbols = []
        for block in ls.analysis(uri).http_file.requests:
            assert block.request is not None
            symbols.append(
                types.DocumentSymbol(
                    name=block_label(block),
                    detail=f"{block.request.method} {block.request.url.source}",
                    kind=types.SymbolKind.Function,
                    range=span_range(block.span, lines, codec),
                    selection_range=span_range(block.request.span, lines, codec),
                )
            )
        return symbols

    @server.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)
    def folding_ranges(params: types.FoldingRangeParams) -> list[types.FoldingRange]:
        blocks = ls.analysis(params.text_document.uri).http_file.blocks
        return [
            types.FoldingRange(start_line=block.span.line - 1, end_line=block.span.end_line - 1)
            for block in blocks
            if block.span.end_line > block.span.line
        ]
