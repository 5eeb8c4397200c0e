"""The analyzer interface: a cheap ``required`` gate and an ``analyze`` on the file's bytes."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, ClassVar, Protocol

from mamoru.cache import scratch_file
from mamoru.model.artifact import Layer
from mamoru.model.finding import Finding
from mamoru.model.inventory import Note
from mamoru.model.package import Package


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
    """A file's bytes, read once by the walker and shared by every analyzer that asked for it.

    Small files live in memory; larger ones were spooled to a private file under the cache.
    ``truncated`` is True when the file was larger than the read bound and only its head is here.
    """

    def __init__(
        self, info: FileInfo, data: bytes | None = None, spool: Path | None = None, truncated: bool = False
    ) -> None:
        self.info = info
        self._data = data
        self._spool = spool
        self.truncated = truncated

    def read(self) -> bytes:
        """The whole content (for files the walker kept in memory, i.e. all but very large ones)."""
        if self._data is not None:
            return self._data
        assert self._spool is not None
        return self._spool.read_bytes()

    def open(self) -> IO[bytes]:
        """A seekable binary handle on the content."""
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
        if self._spool is not None:
            yield self._spool
            return
        with scratch_file() as (handle, path):
            with self.open() as source:
                shutil.copyfileobj(source, handle)
            handle.flush()
            yield path


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


class AnalyzerParseError(Exception):
    """A file an analyzer wanted is malformed; the walker records it as an unknown and goes on."""


class Analyzer(Protocol):
    """A file-pattern keyed parser (the pattern of Syft's catalogers and Trivy's analyzers)."""

    name: ClassVar[str]
    # Analyzers that report findings set ``kind`` (class attribute, e.g. FindingKind.SECRET) and run only
    # when that scanner is chosen; inventory analyzers (packages, OS) leave it out and always run.
    # A regular expression (re.search) that every path this analyzer may want matches; the walker
    # checks all analyzers' patterns with one combined regex and calls ``required`` only on a match.
    path_pattern: ClassVar[str]

    def required(self, path: str, mode: int, size: int) -> bool:
        """Whether this analyzer wants the file (called for paths matching ``path_pattern``)."""
        ...

    def analyze(self, content: FileContent) -> AnalysisResult:
        """Parse the file; raise :class:`AnalyzerParseError` (or any error) for a malformed one."""
        ...
