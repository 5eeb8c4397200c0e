"""rpm: the RPM database in any of its three formats (sqlite, Berkeley DB hash, SUSE ndb)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.model.inventory import Note, NoteKind
from mamoru.model.package import Package, PackageKind

if TYPE_CHECKING:
    from mamoru.analyzers.os.rpmdb import RpmPackageRecord

RPMDB_PATHS = frozenset(
    f"{directory}/{name}"
    for directory in ("var/lib/rpm", "usr/lib/sysimage/rpm")
    for name in ("Packages", "Packages.db", "rpmdb.sqlite")
)
MAX_RPMDB = 1024 * 1024 * 1024


class RpmAnalyzer:
    """Installed rpm packages (RHEL and derivatives, Amazon Linux, SUSE, Photon, Mariner)."""

    name: ClassVar[str] = "rpm"
    path_pattern: ClassVar[str] = r"/rpm/(?:Packages|Packages\.db|rpmdb\.sqlite)$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return path in RPMDB_PATHS and size <= MAX_RPMDB

    def analyze(self, content: FileContent) -> AnalysisResult:
        from mamoru.analyzers.os.rpmdb import RpmDbError, read_rpmdb  # loaded only for rpm-based images

        try:
            with content.as_path() as path:
                records, problems = read_rpmdb(str(path))
        except RpmDbError as exc:
            raise AnalyzerParseError(str(exc)) from None
        notes = [
            Note(
                kind=NoteKind.UNKNOWN,
                path=content.info.path,
                layer=content.info.layer,
                source=self.name,
                message=problem,
            )
            for problem in problems
        ]
        owned = {path.strip("/") for record in records for path in record.files}
        return AnalysisResult(packages=[package_from_record(r) for r in records], notes=notes, owned_files=owned)


def split_source_rpm(source_rpm: str) -> tuple[str, str]:
    """``bash-4.4.20-4.el8_6.src.rpm`` → (``bash``, ``4.4.20-4.el8_6``)."""
    base = source_rpm.removesuffix(".rpm")
    for suffix in (".src", ".nosrc"):
        base = base.removesuffix(suffix)
    parts = base.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        return "", ""
    return parts[0], f"{parts[1]}-{parts[2]}"


def package_from_record(record: RpmPackageRecord) -> Package:
    """A :class:`Package` whose version is the full EVR (``[epoch:]version-release``)."""
    evr = f"{record.version}-{record.release}" if record.release else record.version
    if record.epoch is not None:
        evr = f"{record.epoch}:{evr}"
    source_name, source_version = split_source_rpm(record.source_rpm)
    return Package(
        name=record.name,
        version=evr,
        kind=PackageKind.RPM,
        arch=record.arch,
        epoch=record.epoch,
        release=record.release,
        source_name=source_name,
        source_version=source_version,
        licenses=(record.license,) if record.license else (),
        maintainer=record.vendor or record.packager,
        description=record.summary,
        found_by=RpmAnalyzer.name,
    )
