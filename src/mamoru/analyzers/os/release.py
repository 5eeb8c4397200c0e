"""OS detection from release files: os-release, alpine-release, debian_version, redhat-release …"""

from __future__ import annotations

import re
import shlex
from typing import ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent, OSFact

# os-release ID → mamoru's family name (the namespace advisories use)
FAMILIES = {
    "debian": "debian",
    "ubuntu": "ubuntu",
    "alpine": "alpine",
    "rhel": "rhel",
    "centos": "centos",
    "rocky": "rocky",
    "almalinux": "almalinux",
    "ol": "oracle",
    "amzn": "amazon",
    "sles": "sles",
    "sled": "sles",
    "sle-micro": "sles",
    "opensuse-leap": "opensuse-leap",
    "opensuse": "opensuse-leap",
    "opensuse-tumbleweed": "opensuse-tumbleweed",
    "photon": "photon",
    "wolfi": "wolfi",
    "chainguard": "chainguard",
    "mariner": "cbl-mariner",
    "azurelinux": "azurelinux",
    "fedora": "fedora",
    "arch": "arch",
    "raspbian": "debian",
    "linuxmint": "ubuntu",
    "echo": "echo",
    "minimos": "minimos",
    "bottlerocket": "bottlerocket",
    "distroless": "debian",
}

# /etc/<file> → (family, regex for the version); the order of the names in redhat-like files matters
_REDHAT_LIKE = (
    ("centos-release", "centos"),
    ("rocky-release", "rocky"),
    ("almalinux-release", "almalinux"),
    ("oracle-release", "oracle"),
    ("fedora-release", "fedora"),
    ("system-release", ""),
    ("redhat-release", ""),
)
_RELEASE_NAMES = (
    ("Red Hat Enterprise Linux", "rhel"),
    ("CentOS", "centos"),
    ("Rocky Linux", "rocky"),
    ("AlmaLinux", "almalinux"),
    ("Oracle Linux", "oracle"),
    ("Amazon Linux", "amazon"),
    ("Fedora", "fedora"),
)
_VERSION = re.compile(r"release\s+(\d+(?:\.[\w.]+)?)")
MAX_RELEASE_FILE = 64 * 1024


class OSReleaseAnalyzer:
    """Reads every release file the distributions ship; the resolver merges what they say."""

    name: ClassVar[str] = "os-release"
    path_pattern: ClassVar[str] = r"^(?:etc|usr/lib)/[^/]*(?:release|_version)$"
    PATHS: ClassVar[frozenset[str]] = frozenset(
        {
            "etc/os-release",
            "usr/lib/os-release",
            "etc/alpine-release",
            "etc/debian_version",
            "etc/lsb-release",
            "etc/SuSE-release",
            *(f"etc/{name}" for name, _ in _REDHAT_LIKE),
        }
    )

    def required(self, path: str, mode: int, size: int) -> bool:
        return path in self.PATHS and size <= MAX_RELEASE_FILE

    def analyze(self, content: FileContent) -> AnalysisResult:
        text = content.read().decode("utf-8", "replace")
        path = content.info.path
        fact: OSFact | None
        if path.endswith("os-release"):
            fact = parse_os_release(text)
        elif path == "etc/alpine-release":
            fact = OSFact(
                family="alpine",
                version=text.strip().split()[0] if text.strip() else "",
                source="alpine-release",
                precision=2,
            )
        elif path == "etc/debian_version":
            fact = _debian_version(text)
        elif path == "etc/lsb-release":
            fact = _lsb_release(text)
        elif path == "etc/SuSE-release":
            fact = _suse_release(text)
        else:
            fact = _redhat_like(path.removeprefix("etc/"), text)
        return AnalysisResult(os_facts=[fact] if fact else [])


def parse_key_values(text: str) -> dict[str, str]:
    """Parse ``KEY=value`` lines with shell quoting (os-release(5), lsb-release)."""
    values: dict[str, str] = {}
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, raw = line.partition("=")
        try:
            parts = shlex.split(raw, comments=False, posix=True)
        except ValueError:
            parts = [raw.strip("\"'")]
        values[key.strip()] = " ".join(parts)
    return values


def parse_os_release(text: str) -> OSFact:
    """An :class:`OSFact` from os-release content."""
    values = parse_key_values(text)
    os_id = values.get("ID", "").lower()
    if not os_id:
        raise AnalyzerParseError("os-release has no ID")
    family = FAMILIES.get(os_id, os_id)
    return OSFact(
        family=family,
        version=values.get("VERSION_ID", ""),
        name=values.get("PRETTY_NAME") or values.get("NAME", ""),
        codename=values.get("VERSION_CODENAME", "") or values.get("UBUNTU_CODENAME", ""),
        id_like=tuple(values.get("ID_LIKE", "").split()),
        source="os-release",
        precision=1,
    )


def _debian_version(text: str) -> OSFact | None:
    version = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not version:
        return None
    if not version[0].isdigit():  # testing/unstable say "trixie/sid"
        return OSFact(family="debian", codename=version.split("/")[0], source="debian_version", precision=0)
    return OSFact(family="debian", version=version, source="debian_version", precision=2)


def _lsb_release(text: str) -> OSFact | None:
    values = parse_key_values(text)
    distrib = values.get("DISTRIB_ID", "").lower()
    if not distrib:
        return None
    return OSFact(
        family=FAMILIES.get(distrib, distrib),
        version=values.get("DISTRIB_RELEASE", ""),
        codename=values.get("DISTRIB_CODENAME", ""),
        name=values.get("DISTRIB_DESCRIPTION", ""),
        source="lsb-release",
        precision=1,
    )


def _suse_release(text: str) -> OSFact | None:
    values = {k.strip(): v.strip() for k, _, v in (line.partition("=") for line in text.splitlines()) if v}
    version = values.get("VERSION", "")
    if values.get("PATCHLEVEL"):
        version = f"{version}.{values['PATCHLEVEL']}"
    family = "opensuse-leap" if "opensuse" in text.lower() else "sles"
    return (
        OSFact(
            family=family,
            version=version,
            name=text.splitlines()[0] if text else "",
            source="SuSE-release",
            precision=1,
        )
        if version
        else None
    )


def _redhat_like(filename: str, text: str) -> OSFact | None:
    line = text.strip().splitlines()[0] if text.strip() else ""
    family = dict(_REDHAT_LIKE).get(filename, "")
    for label, named in _RELEASE_NAMES:
        if line.startswith(label):
            family = named
            break
    match = _VERSION.search(line)
    if not family or not match:
        return None
    return OSFact(family=family, version=match.group(1), name=line, source=filename, precision=2)
