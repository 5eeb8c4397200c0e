"""dpkg: ``var/lib/dpkg/status`` and distroless ``var/lib/dpkg/status.d/*``, with source packages.

The file lists (``var/lib/dpkg/info/*.list``, distroless ``status.d/*.md5sums``) say which files
dpkg installed, so language packages inside them are recognised as part of the Debian package.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.model.package import Package, PackageKind

STATUS = "var/lib/dpkg/status"
STATUS_D = "var/lib/dpkg/status.d/"
INFO = "var/lib/dpkg/info/"
MAX_FILE_LIST = 64 * 1024 * 1024
MAX_STATUS_FILE = 256 * 1024 * 1024
_SOURCE = re.compile(r"^(?P<name>[^\s(]+)(?:\s*\((?P<version>[^)]+)\))?\s*$")
_NOT_PRESENT = frozenset({"not-installed", "config-files"})


class DpkgAnalyzer:
    """Installed Debian packages (Debian, Ubuntu and distroless images)."""

    name: ClassVar[str] = "dpkg"
    path_pattern: ClassVar[str] = r"^var/lib/dpkg/(?:status|info/[^/]+\.list$)"

    def required(self, path: str, mode: int, size: int) -> bool:
        if size > MAX_STATUS_FILE:
            return False
        if path == STATUS:
            return True
        if path.startswith(INFO):
            return size <= MAX_FILE_LIST
        # distroless keeps one paragraph per file, next to "<name>.md5sums" files
        return path.startswith(STATUS_D) and "/" not in path[len(STATUS_D) :]

    def analyze(self, content: FileContent) -> AnalysisResult:
        path = content.info.path
        if path.startswith(INFO) or path.endswith(".md5sums"):
            return AnalysisResult(owned_files=owned_files(content.read(), md5sums=path.endswith(".md5sums")))
        try:
            text = content.read().decode("utf-8")
        except UnicodeError as exc:
            raise AnalyzerParseError(f"malformed dpkg database: {exc}") from None
        return AnalysisResult(packages=list(packages_from_paragraphs(status_paragraphs(text))))


def status_paragraphs(text: str) -> Iterator[dict[str, str]]:
    """The paragraphs of a dpkg status file, as ``{Field: value}`` (continuation lines joined by newlines).

    dpkg writes this file itself in the plain deb822 form: ``Field: value`` lines, continuation
    lines that start with a space or tab, blank lines between paragraphs, no comments and no PGP
    armour. Parsed here rather than with python-debian's ``Deb822`` because importing that module
    loads charset detection, email and changelog modules (about 25 ms, a tenth of an SBOM run) and
    its parser is several times slower; ``tests/analyzers/os/test_dpkg.py`` checks the two agree.
    """
    paragraph: dict[str, str] = {}
    field = ""
    for line in text.splitlines():
        if not line.strip():
            if paragraph:
                yield paragraph
            paragraph, field = {}, ""
        elif line[0] in " \t":
            if field:
                value = paragraph[field]
                paragraph[field] = f"{value}\n{line.strip()}" if value else line.strip()
        elif ":" in line:
            field, _, value = line.partition(":")
            field = field.strip()
            paragraph[field] = value.strip()
        # any other line is not deb822; like Deb822, skip it
    if paragraph:
        yield paragraph


def owned_files(data: bytes, md5sums: bool = False) -> set[str]:
    """Regular files of a dpkg file list (``/usr/bin/x`` lines) or of an ``md5sums`` file (``<md5>  path``)."""
    files = set()
    for raw in data.decode("utf-8", "surrogateescape").splitlines():
        line = raw.split(None, 1)[1] if md5sums and " " in raw.strip() else raw
        path = line.strip().strip("/")
        if path and path != ".":
            files.add(path)
    return files


def packages_from_paragraphs(paragraphs: Iterable[Mapping[str, str]]) -> Iterable[Package]:
    """Turn dpkg status paragraphs into packages, skipping removed and config-only ones."""
    for paragraph in paragraphs:
        name = paragraph.get("Package", "").strip()
        version = paragraph.get("Version", "").strip()
        if not name or not version:
            continue
        status = paragraph.get("Status", "install ok installed").split()
        if len(status) == 3 and status[2] in _NOT_PRESENT:  # removed, or only its conffiles left
            continue
        source_name, source_version = name, version
        source = paragraph.get("Source", "").strip()
        if source:
            match = _SOURCE.match(source)
            if match:
                source_name = match.group("name")
                source_version = (match.group("version") or version).strip()
        epoch, _, _ = version.rpartition(":") if ":" in version else ("", "", "")
        yield Package(
            name=name,
            version=version,
            kind=PackageKind.DEB,
            arch=paragraph.get("Architecture", "").strip(),
            epoch=int(epoch) if epoch.isdigit() else None,
            source_name=source_name,
            source_version=source_version,
            maintainer=paragraph.get("Maintainer", "").strip(),
            description=paragraph.get("Description", "").split("\n", 1)[0].strip(),
            found_by=DpkgAnalyzer.name,
        )
