"""Walk some of an image's layers in a forked worker process while this process walks the others.

Layers are read and analysed independently (only the squashed view, applied afterwards in layer
order, joins them), so two layers can be walked at once. Threads cannot do it: tar parsing and
most analyzers are Python code that holds the GIL. The worker is forked, so it starts with the
opened source, the analyzers and every imported module, and nothing is set up twice.

The worker sends pickled messages up a pipe: its layers' progress, then each layer's
:class:`~mamoru.walk.walker.LayerWalk`, or the error that stopped it. The pipe joins two copies of
this same program, never the image, so pickle is safe here. A thread of this process reads the
pipe while this process walks its own layers, and passes the progress on to the display.

A bad image (digest mismatch, a bound exceeded) fails the scan exactly as in one process. Any
other failure of the worker (a result that cannot be pickled, the worker killed) is logged and its
missing layers are walked here instead, so the scan result never depends on the worker.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import resource
import threading
import traceback
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from mamoru.errors import MamoruError
from mamoru.model.artifact import Layer
from mamoru.processes import can_fork_helpers, fork_helper, picklable, stop_child

if TYPE_CHECKING:
    from mamoru.walk.walker import LayerWalk, Progress

# Below this many layer bytes for the worker, forking (a few ms, plus copy-on-write faults) costs
# about what walking them here would.
MIN_WORKER_BYTES = 4 * 1024 * 1024

WalkLayer = Callable[[Layer, "Progress"], "LayerWalk"]

_log = logging.getLogger(__name__)


def split_layers(layers: Sequence[Layer]) -> tuple[list[Layer], list[Layer]] | None:
    """Layers for this process and for the worker, or None when one process should walk them all.

    Layers are shared out largest first, each to the lighter share, by their blob size. This
    process takes the largest layer: the worker's results are pickled and sent back, so it gets the
    smaller share to send. Each share is walked in layer order.
    """
    if len(layers) < 2 or not can_fork_helpers():
        return None
    here: list[Layer] = []
    there: list[Layer] = []
    here_bytes = there_bytes = 0
    for layer in sorted(layers, key=lambda layer: (-layer.size, layer.index)):
        if here_bytes <= there_bytes:
            here.append(layer)
            here_bytes += layer.size
        else:
            there.append(layer)
            there_bytes += layer.size
    if there_bytes < MIN_WORKER_BYTES:
        return None
    return sorted(here, key=lambda layer: layer.index), sorted(there, key=lambda layer: layer.index)


class LayerWorker:
    """A forked process walking ``layers`` with ``walk``; :meth:`results` collects their walks.

    Use as a context manager: leaving it early (an error here) stops the worker.
    """

    def __init__(self, walk: WalkLayer, layers: Sequence[Layer], all_layers: Sequence[Layer], progress: Progress):
        self._walk = walk
        self._layers = list(layers)
        self._all_layers = tuple(all_layers)
        self._progress = progress
        self._pid = 0
        self._reader: threading.Thread | None = None
        self._walks: dict[int, LayerWalk] = {}
        self._error: tuple[int, BaseException, str] | None = None
        self._worker_rss_kib = 0

    def __enter__(self) -> LayerWorker:
        read_fd, write_fd = os.pipe()

        def work() -> None:
            os.close(read_fd)
            self._work(write_fd)

        self._pid = fork_helper(work)
        os.close(write_fd)
        self._reader = threading.Thread(target=self._receive, args=(read_fd,), name="mamoru-layer-worker", daemon=True)
        self._reader.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._pid:
            if kind is not None:  # stop the worker: it unwinds, removing its spill files
                stop_child(self._pid)
                self._pid = 0
            self._reap()

    def results(self) -> dict[int, LayerWalk]:
        """Wait for the worker; its layers' walks by layer index (missing ones walked here)."""
        status = self._reap()
        if self._error is not None:
            index, error, trace = self._error
            if isinstance(error, MamoruError | KeyboardInterrupt):
                raise error
            _log.debug("layer worker failed on layer %d, walking its layers here:\n%s", index, trace)
        elif status != 0 or len(self._walks) < len(self._layers):
            _log.debug("layer worker ended with status %d, walking its missing layers here", status)
        _log.debug("layer worker walked layers %s, peak RSS %d KiB", sorted(self._walks), self._worker_rss_kib)
        for layer in self._layers:
            if layer.index not in self._walks:
                self._progress.end_layer(layer)  # the worker's bar, if it started one
                self._walks[layer.index] = self._walk(layer, self._progress)
        return self._walks

    def _reap(self) -> int:
        """Wait for the reader thread and the worker; the worker's exit status (-N for signal N)."""
        if self._reader is not None:
            self._reader.join()
            self._reader = None
        if not self._pid:
            return 0
        _, wait_status = os.waitpid(self._pid, 0)
        self._pid = 0
        return os.waitstatus_to_exitcode(wait_status)

    # ------------------------------------------------------------------ this process: the reader thread

    def _receive(self, read_fd: int) -> None:
        with open(read_fd, "rb") as pipe:
            while True:
                try:  # one unpickler per message, as each was pickled with a fresh memo
                    message = _LayerUnpickler(pipe, self._all_layers).load()
                except EOFError:
                    return  # the worker is gone (done, or killed)
                except Exception as exc:  # noqa: BLE001 - a truncated message: the worker died mid-write
                    _log.debug("unreadable message from the layer worker: %s", exc)
                    return
                try:
                    self._handle(message)
                except Exception as exc:  # noqa: BLE001 - e.g. the display failed: keep reading the results
                    _log.debug("layer worker message %r not handled: %s", message[0], exc)

    def _handle(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "advance":
            self._progress.advance(self._all_layers[message[1]], message[2])
        elif kind == "start":
            self._progress.start_layer(self._all_layers[message[1]], message[2])
        elif kind == "end":
            self._progress.end_layer(self._all_layers[message[1]])
        elif kind == "layer":
            self._walks[message[1]] = message[2]
        elif kind == "error":
            self._error = (message[1], message[2], message[3])
        elif kind == "done":
            self._worker_rss_kib = message[1]

    # ------------------------------------------------------------------ the worker process

    def _work(self, write_fd: int) -> None:
        """Walk this worker's layers and send the results up the pipe (if it stops early, the parent
        walks whatever did not arrive)."""
        with open(write_fd, "wb") as pipe:
            sender = _Sender(pipe, self._all_layers)
            progress = _PipeProgress(sender)
            for layer in self._layers:
                try:
                    walked = self._walk(layer, progress)
                except BaseException as exc:  # noqa: BLE001 - handed to the parent, which decides
                    sender.send(("error", layer.index, picklable(exc), traceback.format_exc()))
                    break
                sender.send(("layer", layer.index, walked))
            sender.send(("done", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


class _Sender:
    """Pickles each message whole, then writes it to the pipe; :class:`Layer` objects travel as their index."""

    def __init__(self, pipe: io.BufferedWriter, layers: Sequence[Layer]) -> None:
        self._pipe = pipe
        self._layers = {id(layer): layer.index for layer in layers}

    def send(self, message: tuple[Any, ...]) -> None:
        try:
            data = self._dumps(message)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:  # e.g. a plugin's unpicklable result
            data = self._dumps(("error", message[1], RuntimeError(f"cannot send the result: {exc}"), ""))
        self._pipe.write(data)
        self._pipe.flush()

    def _dumps(self, message: tuple[Any, ...]) -> bytes:
        buffer = io.BytesIO()
        _LayerPickler(buffer, self._layers).dump(message)
        return buffer.getvalue()


class _PipeProgress:
    """The worker's progress, sent to the parent's display."""

    def __init__(self, sender: _Sender) -> None:
        self._sender = sender

    def start_layer(self, layer: Layer, total_bytes: int) -> None:
        self._sender.send(("start", layer.index, total_bytes))

    def advance(self, layer: Layer, bytes_read: int) -> None:
        self._sender.send(("advance", layer.index, bytes_read))

    def end_layer(self, layer: Layer) -> None:
        self._sender.send(("end", layer.index))


class _LayerPickler(pickle.Pickler):
    def __init__(self, buffer: io.BytesIO, layers: dict[int, int]) -> None:
        super().__init__(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        self._layers = layers  # id(layer) -> index

    def persistent_id(self, obj: Any) -> int | None:
        return self._layers.get(id(obj)) if type(obj) is Layer else None


class _LayerUnpickler(pickle.Unpickler):
    def __init__(self, pipe: io.BufferedReader, layers: Sequence[Layer]) -> None:
        super().__init__(pipe)
        self._layers = layers

    def persistent_load(self, pid: Any) -> Layer:
        return self._layers[int(pid)]
