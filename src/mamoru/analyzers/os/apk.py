"""apk: ``lib/apk/db/installed`` (Alpine, Wolfi, Chainguard), with origin and license.

The installed database is a simple ``X:value`` line format with blank-line separated records;
no maintained Python library reads it, so it is parsed here (about twenty lines).
"""

from __future__ import annotations

from typing import ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.model.package import Package, PackageKind

INSTALLED = "lib/apk/db/installed"
MAX_DB = 256 * 1024 * 1024


class ApkAnalyzer:
    """Installed apk packages."""

    name: ClassVar[str] = "apk"
    path_pattern: ClassVar[str] = r"^lib/apk/db/installed$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return path == INSTALLED and size <= MAX_DB

    def analyze(self, content: FileContent) -> AnalysisResult:
        text = content.read().decode("utf-8", "replace")
        packages = [p for p in (_package(record) for record in _records(text)) if p is not None]
        if text.strip() and not packages:
            raise AnalyzerParseError("apk database holds no package records")
        return AnalysisResult(packages=packages, owned_files=_owned_files(text))


def _owned_files(text: str) -> set[str]:
    """The files apk installed: each ``R:`` (file) line under the ``F:`` (directory) line before it."""
    files: set[str] = set()
    directory = ""
    for line in text.splitlines():
        if line.startswith("F:"):
            directory = line[2:].strip().strip("/")
        elif line.startswith("R:"):
            name = line[2:].strip()
            if name:
                files.add(f"{directory}/{name}" if directory else name)
        elif not line.strip():
            directory = ""
    return files


def _records(text: str) -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                records.append(current)
                current = {}
            continue
        key, sep, value = line.partition(":")
        if sep and len(key) == 1 and key not in current:  # file lists repeat F:/R:; keep the header fields
            current[key] = value
    if current:
        records.append(current)
    return records


def _package(record: dict[str, str]) -> Package | None:
    name, version = record.get("P", "").strip(), record.get("V", "").strip()
    if not name or not version:
        return None
    license_text = record.get("L", "").strip()
    return Package(
        name=name,
        version=version,
        kind=PackageKind.APK,
        arch=record.get("A", "").strip(),
        source_name=record.get("o", "").strip() or name,
        source_version=version,
        licenses=(license_text,) if license_text else (),
        maintainer=record.get("m", "").strip(),
        description=record.get("T", "").strip(),
        found_by=ApkAnalyzer.name,
    )
