"""Progress display for the layer walk: a rich bar on a terminal, nothing otherwise."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from mamoru.model.artifact import Layer


class RichProgress:
    """Shows one bar per layer on stderr while it is read."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._progress.stop()

    def start_layer(self, layer: Layer, total_bytes: int) -> None:
        label = f"layer {layer.index} {layer.short_id}" if layer.digest or layer.diff_id else "filesystem"
        self._task = self._progress.add_task(label, total=total_bytes or None)

    def advance(self, bytes_read: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=bytes_read)

    def end_layer(self) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None
