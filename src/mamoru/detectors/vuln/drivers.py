"""Drivers: which advisories apply to which inventory package, and how to say the fix.

OS packages are matched only against their own distribution's advisories, for the image's release,
by the name advisories use: Debian and Ubuntu by **source** package and source version (binNMUs and
binary epochs do not confuse the match), Alpine by **origin**, the RHEL family by source rpm. Language
packages are matched against their ecosystem (PyPI names normalised). Language packages an OS package
installed (Debian's ``python3-*``) are already left out of the inventory by the resolver, so an
upstream advisory is never applied to a distribution's patched build.
"""

from __future__ import annotations

from dataclasses import dataclass

from mamoru.model.inventory import OSRelease
from mamoru.model.package import Package, PackageKind
from mamoru.vulndb.namespaces import distro_namespace, normalize_name, scheme_for

# OS family (os-release ID, as mamoru normalises it) -> advisory namespace family
DPKG_FAMILIES = {"debian": "debian", "ubuntu": "ubuntu"}
APK_FAMILIES = {"alpine": "alpine", "wolfi": "wolfi", "chainguard": "chainguard"}
RPM_FAMILIES = {"rhel": "rhel", "centos": "rhel", "almalinux": "almalinux", "rocky": "rocky"}
LANGUAGE_NAMESPACES = {
    PackageKind.PYPI: "pypi",
    PackageKind.NPM: "npm",
    PackageKind.GOLANG: "go",
    PackageKind.CARGO: "cargo",
    PackageKind.MAVEN: "maven",
    PackageKind.GEM: "gem",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Query:
    """One package to look up: where, under which name, at which version, and how to word the fix."""

    package: Package
    namespace: str
    name: str
    version: str  # the version advisories are compared with (Debian: the source version)
    scheme: str
    release: str = ""  # "debian:12" for the remediation text


def os_namespace(os: OSRelease | None) -> str | None:
    """The advisory namespace of the image's distribution release (None: not one mamoru has data for)."""
    if os is None or (os.distroless and not os.version):
        return None
    family = os.family
    if family in DPKG_FAMILIES:
        return distro_namespace(DPKG_FAMILIES[family], os.version or os.codename)
    if family in ("wolfi", "chainguard"):
        return family
    if family == "alpine":
        version = os.version.lower()
        if "_alpha" in version or "_pre" in version or version in ("edge", ""):
            return "alpine:edge"
        return distro_namespace("alpine", version)
    if family in RPM_FAMILIES:
        return distro_namespace(RPM_FAMILIES[family], os.version)
    return None


def query_for(package: Package, os_ns: str | None) -> Query | None:
    """The lookup for one inventory package (None when no advisory data can apply)."""
    kind = package.kind
    if kind.is_os:
        if os_ns is None or scheme_for(os_ns) is None:
            return None
        family = os_ns.split(":", 1)[0]
        expected = {"dpkg": PackageKind.DEB, "apk": PackageKind.APK, "rpm": PackageKind.RPM}[scheme_for(os_ns) or ""]
        if kind is not expected:
            return None  # e.g. an rpm database inside a Debian image: not the distribution's own packages
        name, version = package.name, package.version
        if kind is PackageKind.DEB and package.source_name:
            name = package.source_name
            version = package.source_version or package.version
        elif kind in (PackageKind.APK, PackageKind.RPM) and package.source_name:
            name = package.source_name  # apk origin, source rpm name; the version is the package's own EVR
        return Query(package=package, namespace=os_ns, name=name, version=version, scheme=scheme_for(os_ns) or "",
                     release=os_ns if family not in ("wolfi", "chainguard") else family)  # fmt: skip
    namespace = LANGUAGE_NAMESPACES.get(kind)
    if namespace is None or not package.version:
        return None
    version = package.version
    if kind is PackageKind.GOLANG and package.name in ("stdlib", "toolchain"):
        version = version.removeprefix("go")
    return Query(package=package, namespace=namespace, name=normalize_name(namespace, package.name),
                 version=version, scheme=scheme_for(namespace) or "")  # fmt: skip


def remediation(query: Query, fixed: str) -> str:
    """A one-line fix hint."""
    package = query.package
    name = package.name
    if not fixed:
        where = f" in {_release_text(query.release)}" if query.release else ""
        return f"no fixed version of {name}{where} yet: remove the package if it is not needed, or mitigate"
    if package.kind.is_os:
        base = _release_text(query.release)
        in_base = package.layer is None or package.layer.index == 0
        how = (
            f"rebuild on a current {base} base" if in_base else f"rebuild so that the layer installing it gets {fixed}"
        )
        return f"upgrade {name} to {fixed} or later ({how})"
    bare = fixed.removeprefix("v")
    hints = {
        PackageKind.PYPI: f"pin {name}>={fixed}",
        PackageKind.NPM: f"upgrade {name} to {fixed} or later (npm install {name}@^{fixed})",
        PackageKind.GOLANG: f"require {name} v{bare} or later (go get {name}@v{bare})",
        PackageKind.CARGO: f"update {name} to {fixed} or later (cargo update -p {name})",
        PackageKind.MAVEN: f"use {name} {fixed} or later",
        PackageKind.GEM: f"update {name} to {fixed} or later (bundle update {name})",
    }
    return hints.get(package.kind, f"upgrade {name} to {fixed} or later")


def _release_text(release: str) -> str:
    """``debian:12`` → ``debian:12`` (a Docker Hub-like base name), ``rhel:9`` → ``rhel:9``."""
    return release
