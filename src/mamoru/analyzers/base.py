"""The analyzer interface: a cheap ``required`` gate and an ``analyze`` on the file's bytes."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, ClassVar, Protocol

from mamoru.cache import scratch_dir, scratch_file
from mamoru.model.artifact import Layer
from mamoru.model.finding import Finding
from mamoru.model.inventory import Note
from mamoru.model.package import Package
from mamoru.walk.entries import ContentReader


@dataclass(frozen=True, slots=True, kw_only=True)
class FileInfo:
    """Metadata of a file offered to analyzers."""

    path: str
    layer: Layer
    mode: int
    size: int
    uid: int = 0
    gid: int = 0


class FileContent:
    """A file's bytes, read on first use and shared by every analyzer that asked for the file.

    Nothing is read until an analyzer asks: ``head(n)`` reads just the first bytes (enough to tell a
    binary from text), ``read()``/``open()``/``as_path()`` read the whole file once — into memory when
    it is small, spooled to a private file under the cache otherwise. Content an analyzer never
    asked for is skipped in the layer stream without being copied. ``truncated`` is True when the
    file was larger than the read bound and only its head was read.
    """

    def __init__(
        self,
        info: FileInfo,
        opener: Callable[[], ContentReader] | None = None,
        *,
        data: bytes | None = None,
        memory_limit: int = 32 << 20,
        read_limit: int = 512 << 20,
    ) -> None:
        self.info = info
        self._opener = opener
        self._stream: ContentReader | None = None
        self._head = b""
        self._data = data
        self._spool: Path | None = None
        self._memory_limit = memory_limit
        self._read_limit = read_limit
        self.truncated = data is None and info.size > read_limit

    @property
    def loaded(self) -> bool:
        """Whether the whole content has been read."""
        return self._data is not None or self._spool is not None

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes, reading no more of the file than that."""
        if self._data is not None:
            return self._data[:size]
        if self._spool is not None:
            with self._spool.open("rb") as handle:
                return handle.read(size)
        if len(self._head) < size:
            want = min(size, self.info.size, self._read_limit) - len(self._head)
            if want > 0:
                self._head += self._reader().read(want)
        return self._head[:size]

    def read(self) -> bytes:
        """The whole content."""
        self._load()
        if self._data is not None:
            return self._data
        assert self._spool is not None
        return self._spool.read_bytes()

    def open(self) -> IO[bytes]:
        """A seekable binary handle on the content."""
        self._load()
        if self._data is not None:
            return io.BytesIO(self._data)
        assert self._spool is not None
        return self._spool.open("rb")

    def release(self) -> None:
        """Delete the spool file, if any (the walker calls this when no analyzer needs the bytes)."""
        if self._spool is not None:
            self._spool.unlink(missing_ok=True)

    @contextmanager
    def as_path(self) -> Iterator[Path]:
        """A real file holding the content (for libraries that need a path, like sqlite3)."""
        self._load()
        if self._spool is not None:
            yield self._spool
            return
        with scratch_file() as (handle, path):
            with self.open() as source:
                shutil.copyfileobj(source, handle)
            handle.flush()
            yield path

    def _reader(self) -> ContentReader:
        if self._stream is None:
            if self._opener is None:
                raise OSError(f"/{self.info.path} has no readable content")
            self._stream = self._opener()
        return self._stream

    def _load(self) -> None:
        if self.loaded:
            return
        total = min(self.info.size, self._read_limit)
        remaining = total - len(self._head)
        if total <= self._memory_limit:
            rest = self._reader().read(remaining) if remaining > 0 else b""
            self._data = self._head + rest
            self._head = b""
            return
        fd, name = tempfile.mkstemp(dir=scratch_dir(), prefix="spool-")
        self._spool = Path(name)
        with os.fdopen(fd, "wb") as out:
            out.write(self._head)
            while remaining > 0:
                chunk = self._reader().read(min(1 << 20, remaining))
                if not chunk:
                    break
                out.write(chunk)
                remaining -= len(chunk)
        self._head = b""


@dataclass(frozen=True, slots=True, kw_only=True)
class OSFact:
    """What one release file says about the OS; the resolver merges facts from several files."""

    family: str
    version: str = ""
    name: str = ""
    codename: str = ""
    id_like: tuple[str, ...] = ()
    source: str = ""  # which kind of file: os-release, alpine-release, debian_version …
    precision: int = 0  # higher wins for the version (debian_version 12.15 beats os-release 12)


@dataclass(slots=True)
class AnalysisResult:
    """What an analyzer found in one file."""

    packages: list[Package] = field(default_factory=list)
    os_facts: list[OSFact] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    # findings about this file (secrets, malware …); the resolver sets their location and visibility
    findings: list[Finding] = field(default_factory=list)
    # licenses found outside the package database, keyed by (package type, package name)
    package_licenses: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    # files an OS package manager installed (paths without the leading "/", as the package database
    # writes them): language packages recorded in these files belong to the OS package, not twice
    owned_files: set[str] = field(default_factory=set)
    # facts about the file for the analyzer's own ``post_analyze`` (a go.mod's ``go`` version)
    properties: dict[str, str] = field(default_factory=dict)


class AnalyzerParseError(Exception):
    """A file an analyzer wanted is malformed; the walker records it as an unknown and goes on."""


class Analyzer(Protocol):
    """A file-pattern keyed parser (the pattern of Syft's catalogers and Trivy's analyzers)."""

    name: ClassVar[str]
    # Analyzers that report findings set ``kind`` (class attribute, e.g. FindingKind.SECRET) and run only
    # when that scanner is chosen; inventory analyzers (packages, OS) leave it out and always run.
    # A regular expression (re.search) that every path this analyzer may want matches; the walker
    # checks all analyzers' patterns with one combined regex and calls ``required`` only on a match.
    # An empty pattern means "any path": ``required`` is then called for every regular file.
    # Analyzers whose work mostly runs outside the GIL (YARA) may set ``background = True``: the
    # walker then hands them the file's bytes and runs them on a second thread (walk/background.py).
    path_pattern: ClassVar[str]

    def required(self, path: str, mode: int, size: int) -> bool:
        """Whether this analyzer wants the file (called for paths matching ``path_pattern``)."""
        ...

    def analyze(self, content: FileContent) -> AnalysisResult:
        """Parse the file; raise :class:`AnalyzerParseError` (or any error) for a malformed one."""
        ...

    # An analyzer whose files only make sense together (a go.sum beside its go.mod) may also define
    # ``post_analyze(files: list[AnalyzedFile]) -> None``: called once after the walk with every file
    # it analysed (all layers, in layer order; ``record.visible`` marks what the image shows), it may
    # change their results before the inventory is resolved (Trivy's post-analyzers do the same).
