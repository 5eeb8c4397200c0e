"""Container platform components (dockerd, containerd, runc, crun, kubelet, kubectl, etcd, CoreDNS, Calico,
Flannel, the kernel): where they are, which version, and which known escape CVEs they carry.

Versions come from the Go build information of the binaries (module version, or the ``-X …version=``
linker flag), from the package that installed them (dpkg file lists and status), and from the
Engine's ``docker version``. A binary a distribution package installed is judged by the
distribution's fixed version (Debian DSA/DLA data in :mod:`mamoru.host.escapes`): a Debian-patched
runc is not vulnerable just because its upstream version is old. Without distribution data for a
CVE, such a binary gets a note, not a finding — the distribution's advisories decide (the ``vuln``
scanner matches the host packages against them). Upstream builds (static binaries, Docker's and
Kubernetes' own package repositories) are matched by their upstream version.

The version comparison is written here because these upstream versions mix semver pre-releases
(``1.3.0-rc.1``), runc's ``1.0.0-rc93``, Go pseudo-versions and Docker's ``18.06.1-ce``.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mamoru.host.escapes import ESCAPE_CVES, EscapeCVE
from mamoru.host.hostroot import HostRoot
from mamoru.model.finding import ComplianceRef, Finding, FindingKind, FixStatus, VulnerabilityDetail
from mamoru.model.inventory import Note, NoteKind
from mamoru.model.package import Location, Package, PackageKind

COMPLIANCE = (ComplianceRef("nist-sp-800-190", "4.4.1"), ComplianceRef("nist-sp-800-190", "4.5.3"),
              ComplianceRef("cis-docker-1.6.0", "1.2.2"))  # fmt: skip
SOURCE = "mamoru container-escape table"
BIN_DIRS = ("usr/bin", "usr/sbin", "usr/local/bin", "usr/local/sbin", "bin", "sbin", "usr/libexec/docker",
            "opt/bin", "opt/cni/bin")  # fmt: skip
# component → binary names
BINARIES = {
    "docker": ("dockerd",), "containerd": ("containerd", "docker-containerd"), "runc": ("runc", "docker-runc"),
    "crun": ("crun",), "buildkit": ("buildkitd",), "crio": ("crio",), "kubelet": ("kubelet",),
    "kubectl": ("kubectl",), "kube-apiserver": ("kube-apiserver",), "etcd": ("etcd",), "coredns": ("coredns",),
    "calico": ("calico-node", "calicoctl"), "flannel": ("flanneld",),
}  # fmt: skip
# Go main package path prefix → component (the build info's ``path`` line)
GO_PATHS = (("github.com/docker/docker/cmd/dockerd", "docker"), ("github.com/moby/moby/cmd/dockerd", "docker"),
            ("github.com/containerd/containerd", "containerd"), ("github.com/opencontainers/runc", "runc"),
            ("github.com/moby/buildkit", "buildkit"), ("github.com/cri-o/cri-o", "crio"),
            ("k8s.io/kubernetes/cmd/kubelet", "kubelet"), ("k8s.io/kubernetes/cmd/kube-apiserver", "kube-apiserver"),
            ("k8s.io/kubectl", "kubectl"), ("k8s.io/kubernetes/cmd/kubectl", "kubectl"),
            ("go.etcd.io/etcd", "etcd"), ("github.com/coredns/coredns", "coredns"),
            ("github.com/projectcalico", "calico"), ("github.com/flannel-io/flannel", "flannel"),
            ("github.com/coreos/flannel", "flannel"))  # fmt: skip
# distribution packages (their maintainers backport fixes) → component
DISTRO_PACKAGES = {"runc": "runc", "containerd": "containerd", "docker.io": "docker", "crun": "crun",
                   "kubernetes-client": "kubectl", "etcd-server": "etcd", "cri-o": "crio", "moby-engine": "docker",
                   "moby-runc": "runc", "moby-containerd": "containerd", "docker": "docker",
                   "docker-engine": "docker"}  # fmt: skip
# upstream vendors' own packages (no backports: the upstream version decides)
UPSTREAM_PACKAGES = {"docker-ce": "docker", "containerd.io": "containerd", "kubelet": "kubelet", "kubectl": "kubectl",
                     "kubeadm": "kubeadm", "cri-o-runc": "runc"}  # fmt: skip
MAX_BINARY = 256 * 1024 * 1024
_LDFLAG_VERSIONS = re.compile(r"-X[= ]'?\"?([\w./-]+\.(?:[Vv]ersion|gitVersion))=([^\s'\"]+)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    """One platform component found on the host."""

    name: str
    version: str  # upstream version ("" when unknown)
    origin: str  # where the version came from: "go build info", "dpkg", "docker version" …
    path: str = ""  # the binary, relative to the root
    package: str = ""  # the distribution or vendor package that installed it
    package_version: str = ""
    distro: str = ""  # "debian:12" when a distribution package installed it, else ""

    def as_package(self) -> Package:
        kind = PackageKind.DEB if self.distro.startswith("debian") and self.package else PackageKind.GENERIC
        name = self.package or self.name
        version = self.package_version or self.version
        purl = f"pkg:{kind.value}/{'debian/' if kind is PackageKind.DEB else ''}{name}@{version}"
        return Package(name=name, version=version, kind=kind, purl=purl, found_by=f"platform:{self.origin}",
                       locations=(Location(path=self.path),) if self.path else ())  # fmt: skip


# ---- versions -------------------------------------------------------------------------------------


def _identifiers(text: str) -> tuple[tuple[int, int | str], ...]:
    out: list[tuple[int, int | str]] = []
    for piece in re.split(r"[.\-]", text):
        for token in re.findall(r"\d+|[A-Za-z]+", piece):
            out.append((0, int(token)) if token.isdigit() else (1, token.lower()))
    return tuple(out)


def version_key(version: str) -> tuple[tuple[int, ...], int, tuple[tuple[int, int | str], ...]]:
    """A sort key for upstream versions: ``v1.0.0-rc93`` < ``1.0.0``; ``18.06.1-ce`` is a release."""
    text = version.strip().removeprefix("v").split("+", 1)[0].replace("~", "-")
    release, _, pre = text.partition("-")
    numbers = tuple(int(n) for n in re.findall(r"\d+", release)[:4])
    numbers = numbers + (0,) * (3 - len(numbers)) if len(numbers) < 3 else numbers
    if re.fullmatch(r"(ce|ee)(-\d+)?", pre):
        pre = ""  # Docker CE/EE editions are releases
    return (numbers, 1 if not pre else 0, _identifiers(pre))


def in_ranges(version: str, ranges: Iterable[tuple[str, str]]) -> str | None:
    """The fixed version of the range ``version`` falls in, or None."""
    key = version_key(version)
    for introduced, fixed in ranges:
        if (not introduced or version_key(introduced) <= key) and key < version_key(fixed):
            return fixed
    return None


def upstream_of(package_version: str) -> str:
    """The upstream version in a package version: ``1:1.1.5+ds1-1+deb12u1`` → ``1.1.5``,
    ``1.0.0~rc93+ds1-5`` → ``1.0.0-rc93``, ``5:24.0.7-1~debian.12~bookworm`` → ``24.0.7``."""
    text = package_version.split(":", 1)[-1]  # the epoch
    if "-" in text:
        head, tail = text.rsplit("-", 1)
        if not tail.lower().startswith(("rc", "alpha", "beta")):
            text = head  # the distribution's revision (Debian, rpm release, apk -rN)
    text = re.sub(r"[+~](dfsg|ds)\d*.*$", "", text)  # Debian repack suffixes
    return text.replace("~", "-")


def debian_compare(a: str, b: str) -> int:
    from debian.debian_support import version_compare

    return int(version_compare(a, b))


# ---- discovery ------------------------------------------------------------------------------------


def find_components(host: HostRoot, packages: list[Package], release: tuple[str, str],
                    engine_version: dict[str, Any] | None = None) -> tuple[list[Component], list[Note]]:  # fmt: skip
    """Every platform component on the host; ``release`` is the host OS (``("debian", "12")``)."""
    notes: list[Note] = []
    if not any(p.kind is PackageKind.DEB for p in packages):
        packages = [*packages, *_dpkg_status(host)]  # the software scan was skipped: read the platform packages
    owners = _dpkg_owners(host, packages)
    installed = {p.name: p for p in packages if p.kind in (PackageKind.DEB, PackageKind.APK, PackageKind.RPM)}
    components: list[Component] = []
    seen_paths: set[str] = set()
    for name, binaries in BINARIES.items():
        for directory in BIN_DIRS:
            for binary in binaries:
                relative = host.resolve(f"{directory}/{binary}")
                if relative is None or relative in seen_paths:
                    continue
                info = host.info(relative)
                if info is None or not info.is_file:
                    continue
                seen_paths.add(relative)
                components.append(_from_binary(host, name, relative, owners, installed, release, notes))
    for package in installed.values():
        component = DISTRO_PACKAGES.get(package.name) or UPSTREAM_PACKAGES.get(package.name)
        if component and not any(c.package == package.name for c in components):
            components.append(_from_package(component, package, release, path=""))
    if engine_version:
        components.extend(c for c in engine_components(engine_version, release) if not _known(c, components))
    return components, notes


def _known(candidate: Component, components: list[Component]) -> bool:
    return any(c.name == candidate.name and (c.version == candidate.version or c.package_version
                                             == candidate.package_version != "") for c in components)  # fmt: skip


def _distro(package: Package, release: tuple[str, str]) -> str:
    """``debian:12`` for a distribution's own package of a component, else ``""`` (an upstream build)."""
    if package.name not in DISTRO_PACKAGES:
        return ""
    family = release[0] or {"deb": "debian", "apk": "alpine"}.get(package.kind.value, "rpm")
    return f"{family}:{release[1]}"


def _from_package(name: str, package: Package, release: tuple[str, str], path: str) -> Component:
    return Component(name=name, version=upstream_of(package.version), origin=f"{package.kind.value} package",
                     path=path, package=package.name, package_version=package.version,
                     distro=_distro(package, release))  # fmt: skip


def _from_binary(host: HostRoot, name: str, relative: str, owners: dict[str, str], installed: dict[str, Package],
                 release: tuple[str, str], notes: list[Note]) -> Component:  # fmt: skip
    owner = owners.get(relative)
    package = installed.get(owner) if owner else None
    if package is not None:
        return _from_package(name, package, release, relative)
    version, go_name = _go_version(host, relative, notes)
    return Component(name=go_name or name, version=version, origin="go build info" if version else "binary",
                     path=relative)  # fmt: skip


def _go_version(host: HostRoot, relative: str, notes: list[Note]) -> tuple[str, str]:
    """The component version and name a Go binary's build information records."""
    from mamoru.analyzers.lang.binfile import BinaryFormatError
    from mamoru.analyzers.lang.elf import ElfFile
    from mamoru.analyzers.lang.golang import read_buildinfo

    path = host.real(relative)
    try:
        size = os.path.getsize(path)
        if size > MAX_BINARY:
            return "", ""
        with open(path, "rb") as handle:
            data = handle.read(MAX_BINARY)
        found = read_buildinfo(ElfFile(io.BytesIO(data), len(data)))
    except (OSError, BinaryFormatError, ValueError) as exc:
        notes.append(Note(kind=NoteKind.UNKNOWN, path=relative, source="platform",
                          message=f"cannot read the build information: {exc}"))  # fmt: skip
        return "", ""
    if found is None:
        return "", ""
    _go, modinfo = found
    main_path = main_version = ldflags = ""
    for line in modinfo.splitlines():
        fields = line.split("\t")
        if fields[0] == "path" and len(fields) > 1:
            main_path = fields[1]
        elif fields[0] == "mod" and len(fields) > 2:
            main_version = fields[2]
        elif fields[0] == "build" and len(fields) > 1 and fields[1].startswith("-ldflags="):
            ldflags = fields[1]
    component = next((c for prefix, c in GO_PATHS if main_path.startswith(prefix)), "")
    if main_version in ("", "(devel)"):
        versions = [v for _k, v in _LDFLAG_VERSIONS.findall(ldflags) if re.match(r"v?\d", v)]
        main_version = versions[0] if versions else ""
    return main_version.removeprefix("v").removesuffix("+incompatible"), component


def _dpkg_owners(host: HostRoot, packages: list[Package]) -> dict[str, str]:
    """Binary path (resolved, relative) → the dpkg package whose file list holds it (platform packages only)."""
    owners: dict[str, str] = {}
    names = [p.name for p in packages if p.kind is PackageKind.DEB and
             (p.name in DISTRO_PACKAGES or p.name in UPSTREAM_PACKAGES)]  # fmt: skip
    for name in names:
        for list_name in (f"{name}.list", *(f"{name}:{a}.list" for a in ("amd64", "arm64", "armhf", "i386"))):
            text = host.text(f"var/lib/dpkg/info/{list_name}", 4 * 1024 * 1024)
            for line in (text or "").splitlines():
                if line.startswith("/") and line.rsplit("/", 1)[-1] in _ALL_BINARIES:
                    resolved = host.resolve(line)
                    if resolved:
                        owners[resolved] = name
    return owners


_ALL_BINARIES = frozenset(b for names in BINARIES.values() for b in names)


def _dpkg_status(host: HostRoot) -> list[Package]:
    """The platform packages of dpkg's status file (installed ones only)."""
    text = host.text("var/lib/dpkg/status", 64 * 1024 * 1024) or ""
    found = []
    for stanza in text.split("\n\n"):
        fields = dict(re.findall(r"^(Package|Version|Status): *(.*)$", stanza, re.MULTILINE))
        name = fields.get("Package", "")
        if (name in DISTRO_PACKAGES or name in UPSTREAM_PACKAGES) and fields.get("Status", "").endswith(" installed"):
            found.append(Package(name=name, version=fields.get("Version", ""), kind=PackageKind.DEB))
    return found


def engine_components(version: dict[str, Any], release: tuple[str, str]) -> list[Component]:
    """Components of ``docker version``: Debian builds put the package version in ``GitCommit``."""
    found = []
    for item in version.get("Components") or []:
        if not isinstance(item, dict):
            continue
        label, number = str(item.get("Name", "")), str(item.get("Version", ""))
        commit = str((item.get("Details") or {}).get("GitCommit", ""))
        if label == "docker-init" or not number:
            continue
        name = {"Engine": "docker", "containerd": "containerd", "crun": "crun"}.get(label, "runc")
        debian = commit.startswith(number) and re.search(r"-[\w.+~]+$", commit[len(number) :]) is not None
        distro = f"{release[0]}:{release[1]}" if debian and release[0] else ""
        found.append(Component(name=name, version=upstream_of(number), origin="docker version",
                               package_version=commit if debian else "", distro=distro,
                               package=name if debian else ""))  # fmt: skip
    return found


# ---- matching -------------------------------------------------------------------------------------


def match_components(components: list[Component]) -> tuple[list[Finding], list[Note]]:
    """Findings for components with a known escape CVE; notes where the distribution decides."""
    findings: list[Finding] = []
    notes: list[Note] = []
    for component in components:
        if not component.version:
            notes.append(Note(kind=NoteKind.WARNING, source="platform", path=component.path,
                              message=f"{component.name}: version unknown, not checked for escape CVEs"))  # fmt: skip
            continue
        for cve in ESCAPE_CVES:
            if cve.component != component.name:
                continue
            result = _judge(component, cve)
            if isinstance(result, Note):
                notes.append(result)
            elif result is not None:
                findings.append(result)
    return findings, notes


def _judge(component: Component, cve: EscapeCVE) -> Finding | Note | None:
    family, _, release = component.distro.partition(":")
    if component.distro and component.package_version:
        debian = cve.debian.get(release) if family == "debian" else None
        if debian is not None:
            _package, fixed, announcement = debian
            if debian_compare(component.package_version, fixed) < 0:
                return _finding(component, cve, fixed, f"debian ({announcement})")
            return None
        if in_ranges(component.version, cve.ranges) is None:
            return None
        return Note(kind=NoteKind.WARNING, source="platform", path=component.path,
                    message=f"{component.name} {component.package_version} ({family} package): upstream "
                            f"{component.version} is in the range of {cve.id}, but the distribution may have "
                            "backported the fix; its advisories decide (vuln scanner)")  # fmt: skip
    fixed_version = in_ranges(component.version, cve.ranges)
    if fixed_version is None:
        return None
    return _finding(component, cve, fixed_version, SOURCE)


def _finding(component: Component, cve: EscapeCVE, fixed: str, source: str) -> Finding:
    installed = component.package_version or component.version
    where = f"/{component.path}" if component.path else component.origin
    return Finding(
        rule_id=cve.id, kind=FindingKind.VULNERABILITY, severity=cve.severity,
        title=f"{component.name}: {cve.title}",
        message=f"{component.name} {installed} ({where}) is affected by {cve.id}; fixed in {fixed}",
        location=Location(path=component.path) if component.path else None,
        package=component.as_package(),
        vulnerability=VulnerabilityDetail(id=cve.id, aliases=cve.aliases, installed_version=installed,
                                          fixed_version=fixed, status=FixStatus.FIXED, source=source,
                                          references=cve.references),
        remediation=f"Upgrade {component.package or component.name} to {fixed} or later.",
        compliance=COMPLIANCE,
    )  # fmt: skip
