"""The pygls server behind ``httprun lsp`` and the features it registers.

Documents are analysed lazily, once per version (``analysis.Analysis``); diagnostics are
published a moment after the last change (typing must not re-check on every key). A feature that
fails answers its request with an LSP error and logs the failure to the client: the server never
dies of one document.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from .. import __version__
from ..errors import Diagnostic, HttprunError, masking_for
from ..masking import Masker
from ..source import Span
from .analysis import Analysis
from .imported import ImportedFiles
from .positions import span_range
from .project_env import ProjectEnvironments
from .session import SessionResults

DIAGNOSTICS_DELAY = 0.15  # seconds after the last change before a document is checked
SOURCE = "httprun"


@dataclass
class Settings:
    """What the client configures (``initializationOptions`` or ``workspace/configuration``
    key ``httprun``): the env files whose names count as defined. When it names none, each
    document's project settings (``[tool.httprun] env``) do."""

    env: list[str] = field(default_factory=list)

    @classmethod
    def from_client(cls, options: Any) -> Settings:
        env = options.get("env") if isinstance(options, dict) else None
        if isinstance(env, str):
            env = [env]
        if not isinstance(env, list) or not all(isinstance(item, str) for item in env):
            return cls()
        return cls(env=list(env))


class HttprunServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("httprun", __version__)
        self.settings = Settings()
        self.root: str | None = None
        self.defined: frozenset[str] = frozenset()
        self.env_values: dict[str, str] = {}  # the env files' variables (mask before showing)
        self.env_spans: dict[str, Span] = {}  # where the env files set each variable
        self.masker = Masker()
        self.projects = ProjectEnvironments(
            lambda name, value: self.masker.add_variable(name, value),
            lambda problem: self.log(problem, types.MessageType.Warning),
        )
        self.session = SessionResults()  # the last result of each request run from the editor
        # The diagnostics of each document's last run (its failed checks), published with the
        # static ones and replaced by the document's next run.
        self._run_diagnostics: dict[str, list[types.Diagnostic]] = {}
        self.cache_folder = Path(platformdirs.user_cache_dir("httprun", appauthor=False))
        self._analyses: dict[str, tuple[int | None, Analysis]] = {}
        self._keys: dict[str, Path | None] = {}  # each open document's resolved path
        # The files documents import, from the editor's buffers or the disk.
        self.imported = ImportedFiles(self.open_analysis)
        self._last_parsed: dict[str, Analysis] = {}  # each document's last text that parsed
        self._pending: dict[str, asyncio.TimerHandle] = {}

    # -- settings and environment --

    def configure(self, settings: Settings) -> None:
        """Use ``settings``: load its env files (relative to the workspace root) for the names
        they define and the secrets to mask; a file that cannot be read is logged."""
        from ..env import load_env_files

        self.settings = settings
        paths = self.env_paths()
        masker = Masker()
        try:
            environment = load_env_files(paths)
        except HttprunError as error:
            self.log(
                f"cannot load the env files {settings.env}: {error}", types.MessageType.Warning
            )
            self.defined = frozenset()
            self.env_values, self.env_spans = {}, {}
        else:
            self.defined = frozenset(environment.values)
            self.env_values = dict(environment.values)
            self.env_spans = {name: environment.spans[name] for name in environment.values}
            for name, value in {**environment.settings, **environment.values}.items():
                masker.add_variable(name, value)
        self.masker = masker
        self.projects.clear()  # learnt again, by the new masker
        self._analyses.clear()

    def env_paths(self) -> list[str]:
        """The configured env files, relative to the workspace root."""
        return [os.path.join(self.root or os.getcwd(), path) for path in self.settings.env]

    # -- documents --

    def analysis(self, uri: str) -> Analysis:
        """The analysis of the document's current text (made once per version, and again
        when a file it imports changed)."""
        analysis = self.parsed(uri)
        if analysis.imports_current():
            return analysis
        again = analysis.reread_imports()
        self._analyses[uri] = (self._analyses[uri][0], again)
        return again

    def parsed(self, uri: str) -> Analysis:
        """The analysis of the document's current text, whose imports may have changed since
        it was made: for its syntax tree (an importer reads it, whatever the document
        itself imports)."""
        document = self.workspace.get_text_document(uri)
        path = document_path(document)
        defined = self.defined_for(path)  # the same set until an env file changes
        cached = self._analyses.get(uri)
        if (
            cached is not None
            and cached[0] == document.version
            and cached[1].text == document.source
            and cached[1].defined is defined
        ):
            return cached[1]
        analysis = Analysis(path, document.source, defined, self.imported)
        self._analyses[uri] = (document.version, analysis)
        return analysis

    def open_analysis(self, key: Path) -> Analysis | None:
        """The analysis of the open document at the resolved path ``key``, if one is open:
        what the documents importing it read (its text as it is in the editor)."""
        uri = self.open_uri(key)
        return self.parsed(uri) if uri is not None else None

    def open_uri(self, key: Path) -> str | None:
        """The URI of the open document at the resolved path ``key``, if one is open."""
        uris: list[str] = list(self.workspace.text_documents)
        return next((uri for uri in uris if self.key_of(uri) == key), None)

    def key_of(self, uri: str) -> Path | None:
        """The resolved file system path of the document ``uri`` (None: it has none)."""
        if uri not in self._keys:
            path = to_fs_path(uri)
            try:
                self._keys[uri] = Path(path).resolve() if path else None
            except (OSError, RuntimeError, ValueError):  # a symbolic link loop, a NUL byte
                self._keys[uri] = None
        return self._keys[uri]

    def importers_of(self, uri: str) -> list[str]:
        """The other open documents whose last analysis read ``uri``'s file as an import."""
        key = self.key_of(uri)
        if key is None:
            return []
        return [
            other
            for other, (_, analysis) in list(self._analyses.items())
            if other != uri and analysis.imports_file(key)
        ]

    def reread_imports(self) -> list[str]:
        """The open documents that import files, each analysed again with its imports read
        again (a file they import changed, or appeared, on disk)."""
        found = []
        for uri, (version, analysis) in list(self._analyses.items()):
            if analysis.imports_anything:
                self._analyses[uri] = (version, analysis.reread_imports())
                found.append(uri)
        return found

    def defined_for(self, path: str) -> frozenset[str]:
        """The names the env files define for the document at ``path``: the client's
        ``httprun.env``, else those of the document's project settings."""
        if self.settings.env or not os.path.isabs(path):  # an unsaved buffer has no project
            return self.defined
        return self.projects.names_for(Path(path))

    def variables_for(self, path: str) -> tuple[dict[str, str], dict[str, Span]]:
        """The env files' variables for the document at ``path`` (mask before showing) and
        where each is set: the client's ``httprun.env``, else the project settings' files."""
        if self.settings.env or not os.path.isabs(path):
            return self.env_values, self.env_spans
        return self.projects.variables_for(Path(path))

    def last_parsed(self, uri: str) -> Analysis:
        """The analysis of the document's current text when it parses, else of its last
        version that did (for the names completion offers while a line is being typed),
        else of the current text."""
        current = self.analysis(uri)
        if current.parses:
            self._last_parsed[uri] = current
            return current
        return self._last_parsed.get(uri, current)

    def forget(self, uri: str) -> None:
        key = self.key_of(uri)
        if key is not None:  # read from disk again when imported (its buffer was remembered)
            self.imported.forget(key)
        self._analyses.pop(uri, None)
        self._keys.pop(uri, None)
        self._run_diagnostics.pop(uri, None)
        self._last_parsed.pop(uri, None)
        handle = self._pending.pop(uri, None)
        if handle is not None:
            handle.cancel()

    def publish_later(self, uri: str) -> None:
        """Publish the document's diagnostics once it has not changed for a moment."""
        handle = self._pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()
        self._pending[uri] = loop.call_later(DIAGNOSTICS_DELAY, self.publish, uri)

    def publish(self, uri: str) -> None:
        self._pending.pop(uri, None)
        try:
            document = self.workspace.get_text_document(uri)
            self.last_parsed(uri)  # a text that parses is kept for completion's names
            analysis = self.analysis(uri)
            found = [self.lsp_diagnostic(d, analysis.lines) for d in analysis.diagnostics]
            found += self._run_diagnostics.get(uri, [])
        except Exception as error:  # a bug must not kill the server: say it, go on
            self.log_failure("diagnostics", error)
            return
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=document.version)
        )

    def set_run_diagnostics(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        """Show ``diagnostics`` (of a run of ``uri``) in place of its last run's; nothing
        when the document was closed while it ran."""
        if uri in self.workspace.text_documents:
            self._run_diagnostics[uri] = diagnostics
            self.publish(uri)

    def lsp_diagnostic(self, diagnostic: Diagnostic, lines: Sequence[str]) -> types.Diagnostic:
        shown = masking_for(diagnostic.span, self.masker.mask)
        message = shown(diagnostic.message)
        if diagnostic.label:
            message += f" ({shown(diagnostic.label)})"
        if diagnostic.hint:
            message += f"\nhelp: {shown(diagnostic.hint)}"
        whole_document = types.Range(types.Position(0, 0), types.Position(0, 0))
        codec = self.workspace.position_codec
        return types.Diagnostic(
            range=span_range(diagnostic.span, lines, codec) if diagnostic.span else whole_document,
            message=message,
            severity=types.DiagnosticSeverity.Error
            if diagnostic.severity == "error"
            else types.DiagnosticSeverity.Warning,
            source=SOURCE,
        )

    # -- messages to the client --

    def show(self, message: str, *, error: bool = False) -> None:
        """A message the user should see now (``window/showMessage``), masked."""
        kind = types.MessageType.Error if error else types.MessageType.Info
        self.window_show_message(
            types.ShowMessageParams(type=kind, message=self.masker.mask(message))
        )

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_log_message(
            types.LogMessageParams(type=kind, message=self.masker.mask(message))
        )

    def log_failure(self, feature: str, error: BaseException) -> None:
        self.log(
            f"httprun {feature} failed: {type(error).__name__}: {error} (a bug in httprun; "
            "please report it)",
            types.MessageType.Error,
        )

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls calls this for a failure of a feature (after answering its request with an
        LSP error): log it rather than pop up. A request the server refuses on purpose (the
        client's mistake, a new name that is no name, a file it cannot format) is no failure."""
        if isinstance(error, JsonRpcInvalidParams):  # the client's mistake, answered already
            self.log(f"invalid request: {error}", types.MessageType.Warning)
            return
        if isinstance(error, JsonRpcException) and not isinstance(error, JsonRpcInternalError):
            return
        self.log_failure("server", error)


def document_path(document: TextDocument) -> str:
    """The file system path of a ``file:`` document (what spans and messages show), else its
    URI (an unsaved buffer)."""
    return to_fs_path(document.uri) or document.uri


def build_server() -> HttprunServer:
    from . import features

    server = HttprunServer()
    features.register(server)
    return server


def serve_stdio() -> None:
    build_server().start_io()
