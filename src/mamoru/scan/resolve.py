"""Turn a walk's raw results into an inventory: the OS, packages with the layer that introduced them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from mamoru.analyzers.base import OSFact
from mamoru.model.artifact import Artifact, Layer
from mamoru.model.finding import Finding, FindingKind
from mamoru.model.inventory import FileKind, FileRecord, Inventory, Note, NoteKind, OSRelease
from mamoru.model.package import MEMBER_SEPARATOR, Location, Package, PackageKind
from mamoru.scan.purl import purl_for
from mamoru.walk.walker import AnalyzedFile, WalkResult

DPKG_STATUS = "var/lib/dpkg/status"
DPKG_STATUS_D = "var/lib/dpkg/status.d/"


def resolve_inventory(artifact: Artifact, walk: WalkResult, notes: Iterable[Note] = ()) -> Inventory:
    """Merge per-file results into the inventory of what ``docker run`` would see."""
    visible = [a for a in walk.analyzed if a.record.visible]
    distroless = _is_distroless(walk.files)
    os = resolve_os([(fact, a) for a in visible for fact in a.result.os_facts], distroless)
    inventory = Inventory(
        artifact=artifact,
        os=os,
        files=walk.files,
        deletions=walk.deletions,
        layer_file_counts=walk.layer_file_counts,
        files_truncated=walk.files_truncated,
    )
    inventory.notes.extend(notes)
    inventory.notes.extend(walk.notes)
    for analyzed in walk.analyzed:
        inventory.notes.extend(analyzed.result.notes)
    owned = owned_paths(walk.analyzed, walk.files)
    inventory.packages = _with_licenses(resolve_packages(walk.analyzed, os, owned), walk.analyzed)
    inventory.findings = resolve_findings(walk.analyzed)
    if inventory.packages and os is None and any(p.kind.is_os for p in inventory.packages):
        inventory.notes.append(Note(kind=NoteKind.WARNING, message="OS packages found but no OS release file"))
    if walk.files_truncated:
        inventory.notes.append(
            Note(
                kind=NoteKind.LIMIT,
                message=(
                    f"more files than the limit of {len(walk.files)}: the file list is incomplete "
                    "(packages and analysed files are complete)"
                ),
            )
        )
    return inventory


def resolve_os(facts: list[tuple[OSFact, AnalyzedFile]], distroless: bool) -> OSRelease | None:
    """Merge release-file facts: os-release names the family, the most precise file gives the version."""
    if not facts:
        return None
    primary, where = next(
        ((f, a) for f, a in facts if f.source == "os-release"), max(facts, key=lambda fa: fa[0].precision)
    )
    same = [f for f, _ in facts if f.family == primary.family]
    versions = [f for f in same if f.version]
    version = max(versions, key=lambda f: (f.precision, len(f.version))).version if versions else ""
    codename = next((f.codename for f in same if f.codename), "")
    name = primary.name or next((f.name for f in same if f.name), "")
    return OSRelease(
        family=primary.family,
        version=version,
        name=name,
        codename=codename,
        id_like=primary.id_like,
        distroless=distroless,
        location=Location(path=where.record.path, layer=where.layer),
    )


def resolve_findings(analyzed: list[AnalyzedFile]) -> list[Finding]:
    """Findings analyzers made about files, located in their layer (deleted files marked not visible)."""
    findings = []
    for file in analyzed:
        for finding in file.result.findings:
            if finding.kind is FindingKind.FILE and not file.record.visible:
                continue  # file checks (accounts …) are about what a container sees; secrets and malware are not
            line = finding.location.line if finding.location is not None else None
            path = file.record.path
            if finding.location is not None and finding.location.path.startswith(f"{path}{MEMBER_SEPARATOR}"):
                path = finding.location.path  # a member of the archive at that path: app.jar:config.yml
            location = Location(path=path, layer=file.layer, line=line, visible=file.record.visible)
            findings.append(replace(finding, location=location))
    return findings


def resolve_packages(
    analyzed: list[AnalyzedFile], os: OSRelease | None, owned: frozenset[str] = frozenset()
) -> list[Package]:
    """Packages recorded by visible files, each attributed to the layer that introduced that version.

    A package database file is rewritten by every layer that installs something. Following the
    chain of versions of the same path back, a package belongs to the earliest layer from which
    every later version of the file still lists it with the same name, version and architecture.

    Language packages recorded in a file an OS package installed (``owned``: Debian's ``python3-*``
    egg-info, a jar of a ``lib*-java`` package, a Go binary of a ``.deb``) are that OS package and
    are left out. A package declared in a lock or requirements file that is also installed is one
    package (the lockfile is one more location); the rest stay marked ``declared``.
    """
    by_record = {(a.analyzer, id(a.record)): a for a in analyzed}
    identities: dict[int, set[tuple[str, str, str, str]]] = {}

    def listed(file: AnalyzedFile) -> set[tuple[str, str, str, str]]:
        key = id(file)
        if key not in identities:
            identities[key] = {p.identity for p in file.result.packages}
        return identities[key]

    merged: dict[tuple[str, str, str, str], Package] = {}
    declared: dict[tuple[str, str, str, str], Package] = {}
    for file in analyzed:
        if not file.record.visible:
            continue
        for package in file.result.packages:
            if not package.kind.is_os and file.record.path in owned:
                continue
            introduced = _introducing_layer(file, package, by_record, listed)
            location = Location(path=_member_path(file.record.path, package), layer=file.layer)
            into = declared if package.declared else merged
            key = _merge_key(package)
            existing = into.get(key)
            if existing is not None:
                into[key] = replace(existing, locations=(*existing.locations, location))
                continue
            into[key] = replace(
                package, layer=introduced, locations=(location,), purl=package.purl or purl_for(package, os)
            )
    for key, package in declared.items():
        installed = merged.get(key)
        if installed is None:
            merged[key] = package
        else:
            merged[key] = replace(installed, locations=(*installed.locations, *package.locations))
    return sorted(merged.values(), key=lambda p: (p.kind.value, p.name, p.version, p.arch))


def _merge_key(package: Package) -> tuple[str, str, str, str]:
    """Identity with the name as its ecosystem compares it (PyPI: PEP 503 normalised)."""
    if package.kind is PackageKind.PYPI:
        return (package.kind.value, re.sub(r"[-_.]+", "-", package.name).lower(), package.version, package.arch)
    return package.identity


def owned_paths(analyzed: list[AnalyzedFile], files: list[FileRecord]) -> frozenset[str]:
    """Files the visible OS package databases say their packages installed, as paths in the image.

    Package databases list paths as the package shipped them (``/bin/busybox``); on a merged-/usr
    image the file is at ``usr/bin/busybox`` behind the ``bin -> usr/bin`` symlink, so a first path
    component that is a top-level symlink is followed.
    """
    listed = [path for a in analyzed if a.record.visible for path in a.result.owned_files]
    if not listed:
        return frozenset()
    links = {
        record.path: record.linkname.strip("/")
        for record in files
        if record.visible and record.kind is FileKind.SYMLINK and "/" not in record.path and record.linkname
    }
    owned = set()
    for listed_path in listed:
        path = listed_path.strip("/")
        owned.add(path)
        top, sep, rest = path.partition("/")
        target = links.get(top)
        if sep and target and ".." not in target.split("/"):
            owned.add(f"{target}/{rest}")
    return frozenset(owned)


Identity = tuple[str, str, str, str]


def _member_path(path: str, package: Package) -> str:
    """The file's path, and where inside it the analyzer found the package (a nested archive), if it said."""
    inner = package.locations[0].path if package.locations else ""
    return f"{path}{MEMBER_SEPARATOR}{inner}" if inner else path


def _introducing_layer(
    file: AnalyzedFile,
    package: Package,
    by_record: dict[tuple[str, int], AnalyzedFile],
    listed: Callable[[AnalyzedFile], set[Identity]],
) -> Layer:
    introduced = file.layer
    previous = file.previous
    while previous is not None:
        earlier = by_record.get((file.analyzer, id(previous)))
        if earlier is None or package.identity not in listed(earlier):
            break
        introduced = earlier.layer
        previous = earlier.previous
    return introduced


def _with_licenses(packages: list[Package], analyzed: list[AnalyzedFile]) -> list[Package]:
    """Fill in licenses found beside the package database (Debian's copyright files).

    A copyright file deleted by a later layer (``rm -rf /usr/share/doc``) still names the license
    of a package that stays installed, so deleted files count too; visible ones win.
    """
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for file in sorted(analyzed, key=lambda a: a.record.visible):
        found.update(file.result.package_licenses)
    if not found:
        return packages
    return [
        replace(p, licenses=found[(p.kind.value, p.name)])
        if not p.licenses and found.get((p.kind.value, p.name))
        else p
        for p in packages
    ]


def _is_distroless(files: list[FileRecord]) -> bool:
    """Google distroless: dpkg ``status.d`` entries but no dpkg status file (and no dpkg)."""
    has_status_d = has_status = False
    for record in files:
        if not record.visible or record.kind is not FileKind.FILE:
            continue
        if record.path == DPKG_STATUS:
            has_status = True
        elif record.path.startswith(DPKG_STATUS_D):
            has_status_d = True
    return has_status_d and not has_status
