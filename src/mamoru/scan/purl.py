"""Package URLs (purl) for inventory packages, built with packageurl-python."""

from __future__ import annotations

import re

from packageurl import PackageURL

from mamoru.model.artifact import ImageMetadata
from mamoru.model.inventory import OSRelease
from mamoru.model.package import Package, PackageKind

# purl namespaces of OS packages: the distribution that built them
RPM_NAMESPACES = {
    "rhel": "redhat",
    "centos": "centos",
    "rocky": "rocky-linux",
    "almalinux": "almalinux",
    "oracle": "oracle",
    "amazon": "amazon",
    "fedora": "fedora",
    "sles": "suse",
    "opensuse-leap": "opensuse",
    "opensuse-tumbleweed": "opensuse",
    "photon": "photon",
    "cbl-mariner": "cbl-mariner",
    "azurelinux": "azurelinux",
}


# ecosystems whose package names carry a purl namespace: maven "group:artifact", npm "@scope/name",
# golang "host/path/name", composer "vendor/name"
_NAMESPACED = frozenset({PackageKind.MAVEN, PackageKind.NPM, PackageKind.GOLANG, PackageKind.COMPOSER})


def split_namespace(kind: PackageKind, name: str) -> tuple[str | None, str]:
    """The purl namespace and name of a language package name (``None`` when it has no namespace)."""
    if kind is PackageKind.MAVEN:
        group, sep, artifact = name.partition(":")
        return (group, artifact) if sep and group and artifact else (None, name)
    if kind is PackageKind.NPM and not name.startswith("@"):
        return None, name
    namespace, sep, last = name.rpartition("/")
    return (namespace, last) if sep and namespace and last else (None, name)


def distro_qualifier(os: OSRelease | None) -> str:
    """``debian-12.15``: the distro qualifier Trivy and Syft both use."""
    if os is None:
        return ""
    return f"{os.family}-{os.version}" if os.version else os.family


def purl_for(package: Package, os: OSRelease | None) -> str:
    """The purl of a package; OS packages carry arch, distro and (rpm) epoch qualifiers.

    Per the purl spec a deb version keeps its epoch (``1:2.38.1-5``) while rpm moves it to the
    ``epoch`` qualifier.
    """
    qualifiers: dict[str, str] = {}
    namespace: str | None = None
    version = package.version
    if package.kind is PackageKind.DEB:
        namespace = os.family if os and os.family in ("debian", "ubuntu") else "debian"
        if package.source_name and package.source_name != package.name:
            qualifiers["upstream"] = package.source_name
    elif package.kind is PackageKind.APK:
        namespace = os.family if os and os.family in ("alpine", "wolfi", "chainguard") else "alpine"
    elif package.kind is PackageKind.RPM:
        namespace = RPM_NAMESPACES.get(os.family, os.family) if os else "redhat"
        version = package.version.split(":", 1)[1] if ":" in package.version else package.version
        if package.epoch:
            qualifiers["epoch"] = str(package.epoch)
        if package.source_name:
            qualifiers["upstream"] = package.source_name
    if package.kind.is_os:
        if package.arch:
            qualifiers["arch"] = package.arch
        distro = distro_qualifier(os)
        if distro:
            qualifiers["distro"] = distro
    name = package.name
    if package.kind is PackageKind.PYPI:
        name = re.sub(r"[-_.]+", "-", name).lower()  # PEP 503 normalisation, as the purl spec asks
    elif package.kind in _NAMESPACED:
        namespace, name = split_namespace(package.kind, name)
    return PackageURL(
        type=package.kind.value, namespace=namespace, name=name, version=version, qualifiers=qualifiers or None
    ).to_string()


def image_purl(image: ImageMetadata | None) -> str | None:
    """``pkg:oci/NAME@DIGEST?repository_url=…&arch=…&tag=…`` for an image known by a repository digest.

    The purl specification's ``oci`` type names an image by its manifest (or index) digest; an image
    read from an archive has no repository digest and gets no purl.
    """
    if image is None or not image.repo_digests:
        return None
    repository, _, digest = image.repo_digests[0].partition("@")
    if not repository or not digest:
        return None
    qualifiers = {"repository_url": repository}
    if image.architecture:
        qualifiers["arch"] = image.architecture
    tags = [tag.rsplit(":", 1)[1] for tag in image.repo_tags if tag.startswith(repository + ":")]
    if tags:
        qualifiers["tag"] = tags[0]
    name = repository.rsplit("/", 1)[-1].lower()
    return PackageURL(type="oci", name=name, version=digest, qualifiers=qualifiers).to_string()
