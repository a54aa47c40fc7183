"""Collecting ``.http`` files: which files, and one item per request block."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .items import HttpRequestItem, _FileProgress
from .options import _STATE_KEY, _SUFFIX, _state

# Nothing from httprun is imported here at module level: the plugin loads in every pytest run
# of every project that installs httprun, so lark, httpx, jmespath and rich are imported inside
# the hooks that need them (a test pins this).
if TYPE_CHECKING:
    from ..errors import InvalidFile
    from ..masking import Masker
    from ..nodes import Block, HttpFile
    from ..source import Span


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
    """One ``.http`` file: parses it and yields one item per request block.

    Holds the file's run (one scope for all its items), created when its first item runs.
    """

    http_file: HttpFile | None = None
    _progress: _FileProgress | None = None
    _refused: InvalidFile | None = None

    def collect(self) -> Iterator[HttpRequestItem]:
        from ..errors import HttprunError
        from ..static import parse_for_run

        state = _state(self.config)
        try:
            http_file = parse_for_run(state.display_path(self.path))
        except HttprunError as error:
            # Rendered like every other httprun error: the file, line, column and a caret.
            raise self.CollectError(state.render(error)) from None
        self.http_file = http_file
        used: set[str] = set()
        for index, block in enumerate(http_file.blocks):
            request = block.request
            if request is None:
                continue
            name = _masked_name(_item_name(block), request.span, state.masker)
            if name in used:
                name = f"{name} (line {request.span.line})"
            used.add(name)
            item: HttpRequestItem = HttpRequestItem.from_parent(
                self, name=name, index=index, block=block
            )
            # ``# @skip`` is left to the run (a SKIPPED result), so that the skip is reported
            # with the request's line like every other skip of this plugin.
            yield item

    def progress(self) -> _FileProgress:
        """The file's run, created on first use: one RunSession scope shared by its items.

        Raises the file's InvalidFile (errors ``httprun check`` finds) for every item, from
        one static pass."""
        if self._refused is not None:
            raise self._refused
        if self._progress is None:
            from ..errors import InvalidFile
            from ..run import FileRun

            session = _state(self.config).session()
            http_file = self.http_file
            assert http_file is not None  # set by collect(), which ran before any item
            selected = [
                item.index
                for item in self.session.items
                if isinstance(item, HttpRequestItem) and item.parent is self
            ]
            try:
                self._progress = _FileProgress(
                    http_file, lambda: FileRun(session, http_file), selected, session.masker.mask
                )
            except InvalidFile as refused:
                self._refused = refused
                raise
        return self._progress


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
    name = block.label or f"line {request.span.line}"
    # "::" separates the parts of a pytest node id; keep it out of the name.
    return name.replace("::", ": :")
