"""Analyzers whose work releases the GIL (YARA) run on a second thread while the walk goes on.

The walker reads a file's bytes from the layer stream (only it can: the stream moves on) and hands
them over with :meth:`BackgroundAnalyses.submit`; one worker thread runs the analyzer. At most
``max_bytes`` of handed-over content wait at a time: beyond that the walker waits for the oldest
analysis, so memory stays bounded whatever the image. Results are collected in the order the files
were handed over, so a walk's result never depends on timing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mamoru.analyzers.base import AnalysisResult, Analyzer, FileContent
from mamoru.model.inventory import FileRecord

if TYPE_CHECKING:  # concurrent.futures is imported when a first file is handed over (most scans never do)
    from concurrent.futures import Future, ThreadPoolExecutor

MAX_WAITING_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class _Waiting:
    analyzer: Analyzer
    record: FileRecord
    size: int
    future: Future[AnalysisResult]


# what the walker does with a finished analysis: (analyzer, record, result or error)
Collect = Callable[[Analyzer, FileRecord, "AnalysisResult | Exception"], None]


class BackgroundAnalyses:
    """One worker thread for the analyzers marked ``background = True``, with bounded waiting bytes."""

    def __init__(self, collect: Collect, max_bytes: int = MAX_WAITING_BYTES) -> None:
        self._collect = collect
        self._max_bytes = max_bytes
        self._waiting: deque[_Waiting] = deque()
        self._bytes = 0
        self._executor: ThreadPoolExecutor | None = None

    def submit(self, analyzer: Analyzer, content: FileContent, record: FileRecord) -> None:
        """Read the content now (the layer stream moves on) and analyze it on the worker thread."""
        try:
            data = content.read()
        except Exception as exc:  # noqa: BLE001 - reported like any analyzer failure
            self._collect(analyzer, record, exc)
            return
        detached = FileContent(content.info, data=data)
        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mamoru-analyzer")
        future = self._executor.submit(analyzer.analyze, detached)
        self._waiting.append(_Waiting(analyzer, record, len(data), future))
        self._bytes += len(data)
        while self._bytes > self._max_bytes and self._waiting:
            self._collect_oldest()

    def finish(self) -> None:
        """Wait for every analysis handed over and collect the results, in order."""
        while self._waiting:
            self._collect_oldest()
        self.close()

    def close(self) -> None:
        """Stop the worker (analyses not started are dropped: the walk failed)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._waiting.clear()
        self._bytes = 0

    def _collect_oldest(self) -> None:
        waiting = self._waiting.popleft()
        self._bytes -= waiting.size
        try:
            outcome: AnalysisResult | Exception = waiting.future.result()
        except Exception as exc:  # noqa: BLE001 - a hostile file must not stop the scan
            outcome = exc
        self._collect(waiting.analyzer, waiting.record, outcome)
