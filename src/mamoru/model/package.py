"""Packages and where they were found."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mamoru.model.artifact import Layer


class PackageKind(StrEnum):
    """The package ecosystem; values are the purl types."""

    DEB = "deb"
    APK = "apk"
    RPM = "rpm"
    PYPI = "pypi"
    NPM = "npm"
    MAVEN = "maven"
    GOLANG = "golang"
    CARGO = "cargo"
    GEM = "gem"
    COMPOSER = "composer"
    NUGET = "nuget"
    GENERIC = "generic"

    @property
    def is_os(self) -> bool:
        return self in (PackageKind.DEB, PackageKind.APK, PackageKind.RPM)


# a place inside an archive: the archive's path, then each member after a colon, as package locations
# have it (``srv/app.ear:web.war:WEB-INF/lib/a.jar``)
MEMBER_SEPARATOR = ":"


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """A file in a layer. ``visible`` is False when a later layer deleted or replaced it."""

    path: str
    layer: Layer | None = None
    line: int | None = None
    visible: bool = True

    def __str__(self) -> str:
        where = f"/{self.path}"
        if self.line is not None:
            where += f":{self.line}"
        if self.layer is not None and self.layer.digest + self.layer.diff_id:
            where += f" (layer {self.layer.index} {self.layer.short_id})"
        return where


@dataclass(frozen=True, slots=True, kw_only=True)
class Package:
    """An installed (or declared) package.

    ``version`` is the full version the package manager uses for comparison (dpkg
    ``[epoch:]upstream-revision``, apk ``1.2.3-r4``, rpm ``[epoch:]version-release``).
    ``source_name``/``source_version`` name the source package (Debian ``Source:``, Alpine origin,
    the rpm ``SOURCERPM``); advisories are written against those.
    ``layer`` is the layer that introduced this exact name and version; ``locations`` are the files
    that record it (the package database entry).
    ``declared`` marks a package only listed in a lock or requirements file (``poetry.lock``,
    ``package-lock.json`` …) and not seen installed; ``found_by`` names the analyzer (lockfile parsers
    and binary classifiers have their own names, e.g. ``python-lockfile``, ``binary-classifier``).
    """

    name: str
    version: str
    kind: PackageKind
    purl: str = ""
    arch: str = ""
    epoch: int | None = None
    release: str = ""
    source_name: str = ""
    source_version: str = ""
    licenses: tuple[str, ...] = ()
    maintainer: str = ""
    description: str = ""
    found_by: str = ""
    layer: Layer | None = None
    locations: tuple[Location, ...] = ()
    declared: bool = False

    @property
    def identity(self) -> tuple[str, str, str, str]:
        """What makes two records the same package: ecosystem, name, version and architecture."""
        return (self.kind.value, self.name, self.version, self.arch)
