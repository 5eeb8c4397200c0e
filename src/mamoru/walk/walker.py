"""The layer walk: stream each layer once, keep the squashed view, feed files to analyzers."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from mamoru.analyzers.base import AnalysisResult, Analyzer, FileContent, FileInfo
from mamoru.model.artifact import Layer
from mamoru.model.inventory import Deletion, FileKind, FileRecord, Note, NoteKind
from mamoru.targets.source import ImageSource
from mamoru.walk.background import BackgroundAnalyses
from mamoru.walk.entries import LayerEntry
from mamoru.walk.limits import Limits
from mamoru.walk.path_gate import compile_path_gate
from mamoru.walk.squash import SquashedIndex

WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"
PROGRESS_EVERY = 512
SWITCH_INTERVAL = 0.0005  # seconds; see Walker.walk
# smaller files are analysed in the walk's thread even by background analyzers: handing one over
# costs more than scanning it
BACKGROUND_MIN_BYTES = 64 * 1024


class Progress(Protocol):
    """Receives progress of the walk (the CLI draws it; tests and pipes pass :class:`NoProgress`)."""

    def start_layer(self, layer: Layer, total_bytes: int) -> None: ...

    def advance(self, layer: Layer, bytes_read: int) -> None: ...

    def end_layer(self, layer: Layer) -> None: ...


class NoProgress:
    """Progress that shows nothing."""

    def start_layer(self, layer: Layer, total_bytes: int) -> None:
        pass

    def advance(self, layer: Layer, bytes_read: int) -> None:
        pass

    def end_layer(self, layer: Layer) -> None:
        pass


@dataclass(slots=True)
class AnalyzedFile:
    """One analyzer's result for one version of one file."""

    analyzer: str
    record: FileRecord
    layer: Layer
    result: AnalysisResult
    previous: FileRecord | None = None  # the record of the same path this one directly replaced


@dataclass(slots=True)
class WalkResult:
    """Everything the walk produced; :mod:`mamoru.scan.resolve` turns it into an inventory."""

    files: list[FileRecord] = field(default_factory=list)
    analyzed: list[AnalyzedFile] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    layer_file_counts: dict[int, int] = field(default_factory=dict)
    files_truncated: bool = False


@dataclass(slots=True)
class LayerWalk:
    """What reading one layer produced, on its own; :meth:`Walker.walk` merges the layers in order.

    ``events`` keeps the layer's entries in tar order: a file record with whether an analyzer
    wanted it (those are kept whatever ``max_files`` says), or a whiteout as a :class:`Deletion`.
    """

    layer: Layer
    events: list[tuple[FileRecord, bool] | Deletion] = field(default_factory=list)
    analyzed: list[AnalyzedFile] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    entries: int = 0
    truncated: bool = False  # records of unwanted files were dropped past ``max_files``


class Walker:
    """Walks the layers of an :class:`ImageSource`, each exactly once, into one squashed view.

    Each layer is read and analysed on its own; only the squashed view joins them, applied in layer
    order afterwards. So when the source can open layers independently, a forked worker process
    walks some layers while this process walks the others (see :mod:`mamoru.walk.layer_worker`):
    tar parsing and most analyzers hold the GIL, so a second core needs a second process.
    """

    def __init__(
        self, analyzers: Sequence[Analyzer], limits: Limits, progress: Progress | None = None, *, parallel: bool = True
    ) -> None:
        self._analyzers = tuple(analyzers)
        patterns = [(a, getattr(a, "path_pattern", "") or "") for a in self._analyzers]
        # analyzers that may want any path (content scanners, executables) are asked directly; the
        # others are gated by one combined expression, since most paths match none of them
        self._general = [a for a, p in patterns if not p]
        self._patterned = [(a, re.compile(p)) for a, p in patterns if p]
        self._may_match = compile_path_gate(p for _, p in patterns)
        self._limits = limits
        self._progress = progress or NoProgress()
        self._parallel = parallel

    def walk(self, source: ImageSource) -> WalkResult:
        result = WalkResult()
        index = SquashedIndex()
        layers = source.artifact.layers
        # The layer reader thread (see layer_stream.Prefetcher) needs the GIL only briefly, between
        # reading, inflating and hashing a chunk; with Python's default 5 ms switch interval it waits
        # that long for the parsing thread to let go, once per chunk, and parsing then starves.
        switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            split = None
            if self._parallel and len(layers) > 1 and getattr(source, "parallel_layers", False):
                from mamoru.walk.layer_worker import LayerWorker, split_layers  # pickle, logging: not for one layer

                split = split_layers(layers)
            if split is None:
                for layer in layers:
                    self._merge(self._walk_layer(source, layer, self._progress), index, result)
            else:
                here, there = split
                with LayerWorker(partial(self._walk_layer, source), there, layers, self._progress) as worker:
                    walks = {layer.index: self._walk_layer(source, layer, self._progress) for layer in here}
                    walks.update(worker.results())
                for layer in layers:
                    self._merge(walks.pop(layer.index), index, result)
        finally:
            sys.setswitchinterval(switch_interval)
        return result

    def _merge(self, walked: LayerWalk, index: SquashedIndex, result: WalkResult) -> None:
        """Apply one layer's walk to the squashed view and the result (layers in order)."""
        index.begin_layer(walked.layer.index)
        max_files = self._limits.max_files
        replaced: dict[int, FileRecord] = {}  # id(record) -> the record it replaced
        for event in walked.events:
            if isinstance(event, Deletion):
                if event.opaque:
                    index.opaque(event.path)
                else:
                    index.whiteout(event.path)
                result.deletions.append(event)
                continue
            record, wanted = event
            if not wanted and len(result.files) >= max_files:
                result.files_truncated = True
                continue
            previous = index.add(record)
            if previous is not None:
                replaced[id(record)] = previous
            result.files.append(record)
        for analyzed in walked.analyzed:
            analyzed.previous = replaced.get(id(analyzed.record))
        result.analyzed.extend(walked.analyzed)
        result.notes.extend(walked.notes)
        result.files_truncated = result.files_truncated or walked.truncated
        result.layer_file_counts[walked.layer.index] = walked.entries

    def _walk_layer(self, source: ImageSource, layer: Layer, progress: Progress) -> LayerWalk:
        walked = LayerWalk(layer)
        events = walked.events
        max_files = self._limits.max_files
        kept = 0
        count = 0
        read_here: dict[str, FileContent] = {}  # contents read in this layer, for hardlinks to them
        background = BackgroundAnalyses(partial(self._record_analysis, walked))
        progress.start_layer(layer, layer.size)
        try:
            with source.open_layer(layer) as opened:
                for count, entry in enumerate(opened.reader.entries(), start=1):
                    if count % PROGRESS_EVERY == 0:
                        progress.advance(layer, opened.bytes_read)
                    path = entry.path
                    if not path:
                        continue
                    parent, _, name = path.rpartition("/")
                    if name.startswith(WHITEOUT):
                        self._whiteout(walked, parent, name)
                        continue
                    wanted = self._wanted(entry)
                    if not wanted and kept >= max_files:
                        walked.truncated = True
                        continue
                    record = FileRecord(
                        path=path,
                        layer_index=layer.index,
                        kind=entry.kind,
                        mode=entry.mode,
                        uid=entry.uid,
                        gid=entry.gid,
                        size=entry.size,
                        linkname=entry.linkname,
                    )
                    kept += 1
                    events.append((record, bool(wanted)))
                    if wanted:
                        content = self._content(entry, layer, read_here, walked)
                        if content is not None:
                            self._analyze(wanted, content, record, walked, background)
                            self._keep_for_hardlinks(content, read_here)
                progress.advance(layer, opened.bytes_read)
                walked.notes.extend(opened.reader.notes)
            background.finish()
        finally:
            background.close()
            progress.end_layer(layer)
            for content in read_here.values():
                content.release()
        walked.entries = count
        return walked

    @staticmethod
    def _whiteout(walked: LayerWalk, parent: str, name: str) -> None:
        layer_index = walked.layer.index
        if name == OPAQUE:
            walked.events.append(Deletion(layer_index, parent, opaque=True))
        elif not name.startswith(OPAQUE[:8]):  # other ".wh..wh.*" names are aufs bookkeeping
            target = f"{parent}/{name[len(WHITEOUT) :]}" if parent else name[len(WHITEOUT) :]
            walked.events.append(Deletion(layer_index, target, opaque=False))

    def _wanted(self, entry: LayerEntry) -> list[Analyzer]:
        if entry.kind is not FileKind.FILE and entry.kind is not FileKind.HARDLINK:
            return []  # devices, FIFOs, sockets, directories and symlinks are never read
        path, mode, size = entry.path, entry.mode, entry.size
        wanted = [a for a in self._general if a.required(path, mode, size)]
        if self._may_match is not None and self._may_match(path):
            wanted.extend(a for a, pattern in self._patterned if pattern.search(path) and a.required(path, mode, size))
        return wanted

    def _content(
        self, entry: LayerEntry, layer: Layer, read_here: dict[str, FileContent], walked: LayerWalk
    ) -> FileContent | None:
        limits = self._limits
        if entry.kind is FileKind.HARDLINK:
            target = read_here.get(entry.linkname)
            if target is None:
                walked.notes.append(
                    Note(
                        kind=NoteKind.SKIPPED,
                        path=entry.path,
                        layer=layer,
                        message=f"hard link to /{entry.linkname}, whose content was not kept",
                    )
                )
                return None
            data = target.read()
            info = FileInfo(path=entry.path, layer=layer, mode=entry.mode, size=len(data), uid=entry.uid, gid=entry.gid)
            return FileContent(info, data=data)
        info = FileInfo(path=entry.path, layer=layer, mode=entry.mode, size=entry.size, uid=entry.uid, gid=entry.gid)
        content = FileContent(
            info, entry.open, memory_limit=limits.in_memory_file_bytes, read_limit=limits.max_file_read
        )
        if content.truncated:
            walked.notes.append(
                Note(
                    kind=NoteKind.SKIPPED,
                    path=entry.path,
                    layer=layer,
                    message=f"only the first {limits.max_file_read} of {entry.size} bytes were analysed",
                )
            )
        return content

    def _analyze(
        self,
        wanted: list[Analyzer],
        content: FileContent,
        record: FileRecord,
        walked: LayerWalk,
        background: BackgroundAnalyses,
    ) -> None:
        try:
            for analyzer in wanted:
                if content.info.size >= BACKGROUND_MIN_BYTES and getattr(analyzer, "background", False):
                    background.submit(analyzer, content, record)
                    continue
                try:
                    found: AnalysisResult | Exception = analyzer.analyze(content)
                except Exception as exc:  # noqa: BLE001 - a hostile file must not stop the scan
                    found = exc
                self._record_analysis(walked, analyzer, record, found)
        finally:
            if content.info.size > self._limits.in_memory_file_bytes:
                content.release()

    @staticmethod
    def _record_analysis(
        walked: LayerWalk, analyzer: Analyzer, record: FileRecord, found: AnalysisResult | Exception
    ) -> None:
        """Keep an analyzer's result for the resolver, or a note saying why the file could not be analysed."""
        if isinstance(found, Exception):
            _log_failure(analyzer.name, record.path, found)
            walked.notes.append(
                Note(
                    kind=NoteKind.UNKNOWN,
                    path=record.path,
                    layer=walked.layer,
                    source=analyzer.name,
                    message=f"{analyzer.name}: {found}",
                )
            )
            return
        walked.analyzed.append(AnalyzedFile(analyzer.name, record, walked.layer, found))

    def _keep_for_hardlinks(self, content: FileContent, read_here: dict[str, FileContent]) -> None:
        """Keep small contents that were read, for hard links to them later in the same layer."""
        if content.loaded and content.info.size <= self._limits.in_memory_file_bytes:
            previous = read_here.pop(content.info.path, None)
            if previous is not None:
                previous.release()
            read_here[content.info.path] = content


def _log_failure(analyzer: str, path: str, error: Exception) -> None:
    """Log an analyzer's exception with its traceback (shown with --debug); logging loads only if needed.

    The exception is passed, not taken from the current context: a background analyzer's failure is
    logged on the walk's thread, after the worker thread caught it.
    """
    import logging

    logging.getLogger(__name__).debug("analyzer %s failed on /%s", analyzer, path, exc_info=error)
