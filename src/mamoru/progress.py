"""Progress display for the layer walk: a rich bar on a terminal, nothing otherwise."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from mamoru.model.artifact import Layer


class RichProgress:
    """Shows one bar per layer on stderr while it is read (two at once when a layer worker runs)."""

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
        self._tasks: dict[int, TaskID] = {}  # by layer index

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._progress.stop()

    def start_layer(self, layer: Layer, total_bytes: int) -> None:
        label = f"layer {layer.index} {layer.short_id}" if layer.digest or layer.diff_id else "filesystem"
        self._tasks[layer.index] = self._progress.add_task(label, total=total_bytes or None)

    def advance(self, layer: Layer, bytes_read: int) -> None:
        task = self._tasks.get(layer.index)
        if task is not None:
            self._progress.update(task, completed=bytes_read)

    def end_layer(self, layer: Layer) -> None:
        task = self._tasks.pop(layer.index, None)
        if task is not None:
            self._progress.remove_task(task)
