"""Importers: turn advisory feeds in their native formats into :class:`~mamoru.vulndb.model.Advisory` records.

One module per format: ``osv`` (OSV JSON and YAML: GHSA, PYSEC, Go, RustSec, Debian, Alpine, Ubuntu,
AlmaLinux, Rocky …), ``alpine_secdb`` (secdb JSON and YAML), ``debian_tracker`` (the security
tracker's JSON), ``csaf`` (Red Hat CSAF advisories). This module finds the documents in a path — a
file, a directory tree or a zip archive such as OSV's per-ecosystem ``all.zip`` — recognises each
document's format from its content, and hands it to the right importer.

Everything is read in memory with bounds (file size, zip members and their uncompressed size, YAML
without aliases); nothing is extracted. What cannot be used is counted in a :class:`SkipCounter`
by reason, with examples, and the import goes on.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mamoru.vulndb.model import Record, SkipCounter

MAX_DOCUMENT = 512 << 20  # one advisory document (the Debian tracker's JSON is the big one)
MAX_YAML = 8 << 20
MAX_ZIP_MEMBERS = 500_000
MAX_ZIP_TOTAL = 8 << 30  # uncompressed bytes read from one zip
MAX_FILES = 2_000_000
ADVISORY_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(slots=True)
class ImportStats:
    """What an import read: records and advisories per source, documents, and what it skipped."""

    documents: int = 0
    records: dict[str, int] = field(default_factory=dict)
    advisories: dict[str, int] = field(default_factory=dict)
    skipped: SkipCounter = field(default_factory=SkipCounter)

    def count(self, record: Record) -> None:
        self.records[record.source] = self.records.get(record.source, 0) + 1
        self.advisories[record.source] = self.advisories.get(record.source, 0) + len(record.advisories)


def read_records(path: Path, stats: ImportStats, progress: Callable[[str], None] | None = None) -> Iterator[Record]:
    """Every advisory record found under ``path`` (a file, a directory or a zip archive)."""
    for name, data in _documents(path, stats.skipped):
        stats.documents += 1
        if progress is not None:
            progress(name)
        yield from parse_document(name, data, stats.skipped)


def parse_document(name: str, data: bytes, skipped: SkipCounter) -> Iterator[Record]:
    """The records of one document, whatever its format."""
    from mamoru.vulndb.importers import alpine_secdb, csaf, debian_tracker, osv

    document = load_document(name, data, skipped)
    if document is _FAILED:
        return
    if osv.is_osv(document):
        yield from osv.records(document, skipped)
    elif alpine_secdb.is_secdb(document):
        yield from alpine_secdb.records(document, name, skipped)
    elif csaf.is_csaf(document):
        yield from csaf.records(document, skipped)
    elif debian_tracker.is_tracker(document):
        yield from debian_tracker.records(document, skipped)
    else:
        skipped.add("not an advisory document of a known format", name)


_FAILED: Any = object()


def load_document(name: str, data: bytes, skipped: SkipCounter) -> Any:
    """Parsed JSON or YAML (``_FAILED``, counted, when it does not parse)."""
    try:
        if name.endswith(".json"):
            return json.loads(data)
        return load_yaml(data)
    except (ValueError, UnicodeDecodeError) as exc:
        skipped.add("malformed document", f"{name}: {str(exc)[:120]}")
    except RecursionError:
        skipped.add("malformed document", f"{name}: nested too deeply")
    return _FAILED


def load_yaml(data: bytes) -> Any:
    """YAML with the safe loader, refusing anchors and aliases (no billion laughs) and large documents."""
    import yaml

    if len(data) > MAX_YAML:
        raise ValueError(f"YAML document larger than {MAX_YAML >> 20} MiB")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for event in yaml.parse(data, Loader=loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise ValueError("YAML anchors and aliases are not accepted in advisories")
        return yaml.load(data, Loader=loader)  # noqa: S506 - the safe loader (C or Python)
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid YAML: {str(exc)[:200]}") from None


def _documents(path: Path, skipped: SkipCounter) -> Iterator[tuple[str, bytes]]:
    try:
        info = path.lstat()
    except OSError as exc:
        from mamoru.vulndb.store import DatabaseError

        raise DatabaseError(f"cannot read {path}: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        yield from _directory(path, skipped)
    elif stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
        yield from _file(path, path.name, skipped)
    else:
        skipped.add("not a regular file", str(path))


def _directory(root: Path, skipped: SkipCounter) -> Iterator[tuple[str, bytes]]:
    seen = 0
    for directory, dirs, files in os.walk(root):  # does not follow symlinked directories
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            seen += 1
            if seen > MAX_FILES:
                skipped.add("too many files", str(root))
                return
            path = Path(directory) / name
            yield from _file(path, str(path.relative_to(root)), skipped)


def _file(path: Path, name: str, skipped: SkipCounter) -> Iterator[tuple[str, bytes]]:
    lower = name.lower()
    if lower.endswith(".zip"):
        yield from _zip(path, name, skipped)
        return
    if not lower.endswith(ADVISORY_SUFFIXES):
        skipped.add("not a JSON or YAML file", name)
        return
    try:
        with open(path, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                skipped.add("not a regular file", name)
                return
            data = handle.read(MAX_DOCUMENT + 1)
    except OSError as exc:
        skipped.add("unreadable file", f"{name}: {exc.strerror}")
        return
    if len(data) > MAX_DOCUMENT:
        skipped.add("document too large", name)
        return
    yield name, data


def _zip(path: Path, name: str, skipped: SkipCounter) -> Iterator[tuple[str, bytes]]:
    """JSON/YAML members of a zip archive, each read in memory within the bounds (a zip bomb stops early)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        skipped.add("malformed zip archive", f"{name}: {exc}")
        return
    total = 0
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            skipped.add("zip archive with too many members", name)
            return
        for member in members:
            if member.is_dir():
                continue
            member_name = f"{name}!{member.filename}"
            if not member.filename.lower().endswith(ADVISORY_SUFFIXES):
                skipped.add("not a JSON or YAML file", member_name)
                continue
            if member.file_size > MAX_DOCUMENT or total + member.file_size > MAX_ZIP_TOTAL:
                skipped.add("document too large", member_name)
                continue
            try:
                with archive.open(member) as handle:
                    data = handle.read(MAX_DOCUMENT + 1)  # the header's size may lie: read at most the bound
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                skipped.add("malformed zip member", f"{member_name}: {exc}")
                continue
            total += len(data)
            if len(data) > MAX_DOCUMENT or total > MAX_ZIP_TOTAL:
                skipped.add("document too large", member_name)
                continue
            yield member_name, data
