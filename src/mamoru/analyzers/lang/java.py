"""Java archives (``.jar``, ``.war``, ``.ear``, ``.par``), with the archives nested inside them.

What each archive is, in order of trust: every ``META-INF/maven/<group>/<artifact>/pom.properties``
(Maven writes one for the artifact itself, and shaded/uber jars keep those of what they bundle),
then ``META-INF/MANIFEST.MF`` (``Implementation-*``/``Bundle-*`` fields), then the file name
(``name-1.2.3.jar``). Archives inside (``WEB-INF/lib``, ``BOOT-INF/lib``, ``lib/``) are read the same way.

The stdlib ``zipfile`` reads the archives, but it trusts what the archive says, so every read is
bounded here first: the end-of-central-directory record is checked (entry count, directory size)
before ``zipfile`` loads the directory, no member is read past its bound (a member that inflates
beyond what it declared is cut off), nesting depth, the number of nested archives and the total
bytes inflated per outer archive are limited. Problems inside become notes; the outer archive's
other packages are still reported.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from typing import IO, ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.analyzers.lang._common import MiB, lang_package, unique
from mamoru.analyzers.lang._zip import ArchiveBudget, ArchiveError, nested_archive, open_zip, read_member
from mamoru.model.inventory import Note, NoteKind
from mamoru.model.package import MEMBER_SEPARATOR, Location, Package, PackageKind

ARCHIVE_SUFFIXES = (".jar", ".war", ".ear", ".par")
MAX_METADATA_MEMBER = 1 * MiB  # pom.properties, MANIFEST.MF
MAX_NESTED_ARCHIVE = 128 * MiB  # one nested archive, inflated
MAX_INFLATED = 512 * MiB  # everything inflated for one outer archive
MAX_DEPTH = 4  # archive in archive in archive in archive
MAX_NESTED_ARCHIVES = 2_000
_FILE_NAME = re.compile(r"^(?P<artifact>[A-Za-z0-9_][\w.\-]*?)-(?P<version>\d[\w.\-+]*)\.(?:jar|war|ear|par)$", re.I)


class JavaArchiveAnalyzer:
    """Maven artifacts in Java archives, including nested, shaded and uber jars."""

    name: ClassVar[str] = "java-archive"
    path_pattern: ClassVar[str] = r"\.(?:[jwep]ar|[JWEP]AR)$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return path.lower().endswith(ARCHIVE_SUFFIXES)

    def analyze(self, content: FileContent) -> AnalysisResult:
        budget = ArchiveBudget(inflated=MAX_INFLATED, archives=MAX_NESTED_ARCHIVES)
        file_name = content.info.path.rpartition("/")[2]
        with content.open() as handle:
            try:
                packages = read_archive(handle, content.info.size, file_name, 0, budget)
            except ArchiveError as exc:
                raise AnalyzerParseError(str(exc)) from None
        notes = [
            Note(kind=NoteKind.UNKNOWN, path=content.info.path, layer=content.info.layer, source=self.name, message=m)
            for m in budget.notes[:20]
        ]
        return AnalysisResult(packages=unique(packages), notes=notes)


def read_archive(
    handle: IO[bytes], size: int, file_name: str, depth: int, budget: ArchiveBudget, member: str = ""
) -> list[Package]:
    """Packages of one archive and of the archives inside it (raises :class:`ArchiveError`).

    ``member`` is where this archive sits inside the scanned file (``WEB-INF/lib/a.jar``, nested
    deeper ``lib/b.war:WEB-INF/lib/a.jar``); its packages carry it as their location, which the
    resolver appends to the file's path (``/srv/app.ear:lib/b.war:WEB-INF/lib/a.jar``).
    """
    with open_zip(handle, size) as archive:
        poms: list[tuple[str, str, str]] = []
        manifest: dict[str, str] = {}
        nested: list[zipfile.ZipInfo] = []
        for info in archive.infolist():
            name = info.filename
            if name.endswith("/pom.properties") and name.startswith("META-INF/maven/"):
                props = _properties(read_member(archive, info, MAX_METADATA_MEMBER, budget))
                gav = (props.get("groupId", ""), props.get("artifactId", ""), props.get("version", ""))
                if all(gav):
                    poms.append(gav)
            elif name.upper() == "META-INF/MANIFEST.MF":
                manifest = parse_manifest(read_member(archive, info, MAX_METADATA_MEMBER, budget))
            elif name.lower().endswith(ARCHIVE_SUFFIXES) and not info.is_dir():
                nested.append(info)
        packages = [_maven(f"{g}:{a}", v) for g, a, v in poms]
        if not poms:
            own = identify_without_pom(manifest, file_name)
            if own is not None:
                packages.append(own)
        if member:
            packages = [replace(p, locations=(Location(path=member),)) for p in packages]
        for info in nested:
            place = f"{member}{MEMBER_SEPARATOR}{info.filename}" if member else info.filename
            packages.extend(_nested(archive, info, depth, budget, place))
        return packages


def _nested(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, depth: int, budget: ArchiveBudget, member: str
) -> list[Package]:
    data = nested_archive(archive, info, depth, budget, (MAX_DEPTH, MAX_NESTED_ARCHIVES, MAX_NESTED_ARCHIVE))
    if data is None:
        return []
    try:
        return read_archive(io.BytesIO(data), len(data), info.filename.rpartition("/")[2], depth + 1, budget, member)
    except ArchiveError as exc:
        budget.notes.append(f"{info.filename}: {exc}")
        return []


def _properties(data: bytes) -> dict[str, str]:
    """A Java ``.properties`` file, as far as pom.properties uses it (``key=value`` lines, ``#`` comments)."""
    props = {}
    for raw in data.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        key, sep, value = line.partition("=")
        if sep:
            props[key.strip()] = value.strip()
    return props


def parse_manifest(data: bytes) -> dict[str, str]:
    """The main section of a ``MANIFEST.MF`` (continuation lines start with one space)."""
    fields: dict[str, str] = {}
    last = ""
    for raw in data.decode("utf-8", "replace").splitlines():
        if not raw.strip():
            break  # the main section ends at the first blank line
        if raw.startswith(" ") and last:
            fields[last] += raw[1:]
            continue
        key, sep, value = raw.partition(":")
        if sep:
            last = key.strip()
            fields[last] = value.strip()
    return fields


def identify_without_pom(manifest: dict[str, str], file_name: str) -> Package | None:
    """The archive itself when it has no pom.properties: MANIFEST.MF first, then its file name."""
    from_name = _FILE_NAME.match(file_name)
    stem = from_name.group("artifact") if from_name else file_name.rpartition(".")[0]
    version = next(
        (manifest[k] for k in ("Implementation-Version", "Bundle-Version", "Specification-Version") if manifest.get(k)),
        "",
    )
    if version and stem:
        group = manifest.get("Implementation-Vendor-Id", "")
        return _maven(f"{group}:{stem}" if group else stem, version)
    if from_name:
        return _maven(from_name.group("artifact"), from_name.group("version"))
    return None


def _maven(name: str, version: str) -> Package:
    return lang_package(name, version, PackageKind.MAVEN, JavaArchiveAnalyzer.name)
