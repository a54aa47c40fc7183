"""A progress bar for long runs on a terminal: requests done / total, failures so far.

It is transient (gone when the run ends) and only ever shown on a terminal, so CI logs and
pipes never see it. Result lines are printed above it through :meth:`print`.
"""

from __future__ import annotations

from typing import TextIO


class ProgressBar:
    def __init__(self, stream: TextIO, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._console = Console(file=stream, highlight=False)
        self._failed = 0
        self._progress = Progress(
            TextColumn("[bold]requests"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}"),
            console=self._console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._task = self._progress.add_task("run", total=total, failed="")
        self._progress.start()

    def advance(self, failed: bool) -> None:
        if failed:
            self._failed += 1
        label = f"[red]{self._failed} failed" if self._failed else ""
        self._progress.update(self._task, advance=1, failed=label)
        self._progress.refresh()  # show the count with the line just printed, not later

    def print(self, line: str) -> None:
        from rich.text import Text

        self._console.print(Text.from_ansi(line), soft_wrap=True)

    def stop(self) -> None:
        self._progress.stop()
