"""Collecting ``.http`` files: which files, and one item per request block."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .items import HttpRequestItem, _FileProgress
from .options import _STATE_KEY, _SUFFIX, _state

# Nothing from httprun is imported here at module level: the plugin loads in every pytest run
# of every project that installs httprun, so lark, httpx, jmespath and rich are imported inside
# the hooks that need them (a test pins this).
if TYPE_CHECKING:
    from ..datarows import DataRow
    from ..errors import InvalidFile
    from ..file_run import FileRun
    from ..masking import Masker
    from ..nodes import Block, HttpFile
    from ..session import RunSession
    from ..source import Span
    from .options import _PluginState


# -- collection --------------------------------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    state = parent.config.stash.get(_STATE_KEY, None)
    if state is None:
        return None
    if not state.wants(file_path, parent.session):
        if file_path.suffix == _SUFFIX:
            state.passed_over.add(file_path)
        return None
    state.collected += 1
    collector: HttpFileCollector = HttpFileCollector.from_parent(parent, path=file_path)
    return collector


def pytest_terminal_summary(
    terminalreporter: Any, exitstatus: int | pytest.ExitCode, config: pytest.Config
) -> None:
    state = config.stash.get(_STATE_KEY, None)
    # Only when the run found nothing at all to run: in other runs the .http files left out
    # are test data or not asked for, and a note each time would be noise.
    if exitstatus != pytest.ExitCode.NO_TESTS_COLLECTED or state is None:
        return
    if state.collected or state.patterns or not state.passed_over:
        return
    # pytest also offers the files beside the folders on the way to the paths it was given.
    given = [config.invocation_params.dir / arg.split("::")[0] for arg in config.args]
    count = sum(1 for path in state.passed_over if any(path.is_relative_to(g) for g in given))
    if not count:
        return
    terminalreporter.write_line(
        f"httprun: {count} .http file{'s were' if count != 1 else ' was'} not collected; "
        "name them on the command line, pass --http-collect, or list them in the "
        "httprun_files ini option"
    )


class HttpFileCollector(pytest.File):
    """One ``.http`` file: parses it and yields one item per request block, once, or once per
    data row (``create[row 3]``, ``create[shirt]``: the row as pytest shows a parameter)."""

    http_file: HttpFile | None = None

    def collect(self) -> Iterator[HttpRequestItem]:
        from ..errors import HttprunError
        from ..static import parse_for_run

        state = _state(self.config)
        try:
            http_file = parse_for_run(state.display_path(self.path))
            rows = _prepared_rows(state, http_file)
        except HttprunError as error:
            # Rendered like every other httprun error: the file, line, column and a caret.
            raise self.CollectError(state.render(error)) from None
        self.http_file = http_file
        if rows is None:
            yield from _request_items(self, FileRunSlot(self, http_file, None), "")
            return
        for row, name in zip(rows, row_names(rows, state.masker), strict=True):
            yield from _request_items(self, FileRunSlot(self, http_file, row), f"[{name}]")


class FileRunSlot:
    """One run of a file's items (the file once, or for one data row): one FileRun, one scope,
    created when its first item runs. Its items are those whose ``slot`` it is."""

    def __init__(
        self, collector: HttpFileCollector, http_file: HttpFile, row: DataRow | None
    ) -> None:
        self.collector = collector
        self.http_file = http_file
        self.row = row
        self._progress: _FileProgress | None = None
        self._refused: InvalidFile | None = None

    def progress(self) -> _FileProgress:
        """The run of this slot's items, in file order.

        Raises the file's InvalidFile (errors ``httprun check`` finds, imports that cannot be
        followed) for every item, from one static pass."""
        if self._refused is not None:
            raise self._refused
        if self._progress is None:
            from ..errors import InvalidFile

            session = _state(self.collector.config).session()
            http_file, row = self.http_file, self.row
            selected = [
                item.index
                for item in self.collector.session.items
                if isinstance(item, HttpRequestItem) and item.slot is self
            ]
            try:
                self._progress = _FileProgress(
                    http_file,
                    lambda: _open_run(session, http_file, row),
                    selected,
                    session.masker.mask,
                )
            except InvalidFile as refused:
                self._refused = refused
                raise
        return self._progress


def _prepared_rows(state: _PluginState, http_file: HttpFile) -> list[DataRow] | None:
    """The data rows ``http_file`` runs for (None: it runs once), read before anything is sent,
    with the files it imports marked as shared by the session (one run of an imported request
    for every file that needs it, and for the imported file's own items). Raises the rows'
    HttprunError."""
    from ..errors import HttprunError

    try:
        session = state.session()
    except HttprunError:
        return None  # broken env files: every item fails with their error, rows or not
    return session.prepare_file(http_file)


def row_names(rows: Sequence[DataRow], masker: Masker) -> list[str]:
    """How item names show each row (``create[row 3]``, ``create[shirt]``): its label, masked
    (ids are printed before anything runs, so the rows' secret-named values are learnt here).
    When masking makes two labels alike, every row is named by its number instead, as the
    reader does when labels do not tell the rows apart: a node id must pick one row."""
    for row in rows:
        for name, value in row.values.items():
            masker.add_variable(name, value)
    names = [_node_name(masker.mask(row.label)) for row in rows]
    if len(set(names)) < len(names):
        names = [f"row {row.number}" for row in rows]
    return names


def _request_items(
    collector: HttpFileCollector, slot: FileRunSlot, suffix: str
) -> Iterator[HttpRequestItem]:
    masker = _state(collector.config).masker
    used: set[str] = set()
    for index, block in enumerate(slot.http_file.blocks):
        request = block.request
        if request is None:
            continue
        name = _masked_name(_item_name(block), request.span, masker)
        if name in used:
            name = f"{name} (line {request.span.line})"
        used.add(name)
        item: HttpRequestItem = HttpRequestItem.from_parent(
            collector, name=name + suffix, index=index, block=block, slot=slot
        )
        # ``# @skip`` is left to the run (a SKIPPED result), so that the skip is reported
        # with the request's line like every other skip of this plugin.
        yield item


def _open_run(session: RunSession, http_file: HttpFile, row: DataRow | None) -> FileRun:
    """A fresh run of ``http_file`` (for ``row``); through the session's shared state of the
    file when other files import it, so that its requests are sent once in the session."""
    from ..file_run import FileRun

    return FileRun(session, http_file, row=row, shared=session.imports.sharing(http_file, row))


def _masked_name(name: str, span: Span, masker: Masker) -> str:
    """An item's name (a title) as every output shows it: masked by what the run has learnt,
    and the values the file gives secret-named things (pytest prints ids before any runs)."""
    from ..errors import masking_for
    from ..masking import mask_named_values

    def mask(text: str) -> str:
        return masker.mask(mask_named_values(text))

    return masking_for(span, mask)(name)


def _item_name(block: Block) -> str:
    request = block.request
    assert request is not None
    return _node_name(block.label or f"line {request.span.line}")


def _node_name(name: str) -> str:
    # "::" separates the parts of a pytest node id; keep it out of the name (":::" would keep
    # one after a single pass).
    while "::" in name:
        name = name.replace("::", ": :")
    return name
