"""Namespaces: which ecosystem (and distribution release) an advisory entry is about, and its version scheme.

A namespace is ``family`` or ``family:release``: ``debian:12``, ``ubuntu:22.04``, ``alpine:3.21``,
``rhel:9``, ``almalinux:9``, ``rocky:9``, ``pypi``, ``npm``, ``go``, ``cargo``, ``maven``, ``gem``. Package
names are stored the way the matcher looks them up: PyPI names normalised (PEP 503), the others as
the ecosystem spells them.
"""

from __future__ import annotations

import re

# namespace family -> version scheme
FAMILY_SCHEMES = {
    "debian": "dpkg",
    "ubuntu": "dpkg",
    "ubuntu-pro": "dpkg",
    "alpine": "apk",
    "wolfi": "apk",
    "chainguard": "apk",
    "rhel": "rpm",
    "almalinux": "rpm",
    "rocky": "rpm",
    "pypi": "pep440",
    "npm": "npm",
    "go": "go",
    "cargo": "cargo",
    "maven": "maven",
    "gem": "gem",
}
# OSV ecosystems without a release part -> namespace
OSV_LANGUAGE_ECOSYSTEMS = {
    "PyPI": "pypi",
    "npm": "npm",
    "Go": "go",
    "crates.io": "cargo",
    "Maven": "maven",
    "RubyGems": "gem",
    "Wolfi": "wolfi",
    "Chainguard": "chainguard",
}
DEBIAN_CODENAMES = {
    "buzz": "1.1", "rex": "1.2", "bo": "1.3", "hamm": "2.0", "slink": "2.1", "potato": "2.2", "woody": "3.0",
    "sarge": "3.1", "etch": "4", "lenny": "5", "squeeze": "6", "wheezy": "7", "jessie": "8", "stretch": "9",
    "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14", "duke": "15",
    "sid": "sid",
}  # fmt: skip
_PEP503 = re.compile(r"[-_.]+")
_RELEASE = re.compile(r"^[0-9A-Za-z._-]{1,32}$")


def scheme_for(namespace: str) -> str | None:
    """The version scheme of a namespace (None for one mamoru cannot order)."""
    return FAMILY_SCHEMES.get(namespace.split(":", 1)[0])


def normalize_name(namespace: str, name: str) -> str:
    """The stored form of a package name in ``namespace``."""
    name = name.strip()
    if namespace == "pypi":
        return _PEP503.sub("-", name).lower()
    return name


def from_osv_ecosystem(ecosystem: str) -> str | None:
    """``Debian:12`` → ``debian:12``, ``Alpine:v3.21`` → ``alpine:3.21``, ``PyPI`` → ``pypi`` (None: unsupported)."""
    if ecosystem in OSV_LANGUAGE_ECOSYSTEMS:
        return OSV_LANGUAGE_ECOSYSTEMS[ecosystem]
    family, _, rest = ecosystem.partition(":")
    if not rest:
        return None
    if family == "Debian":
        return _release("debian", rest)
    if family == "Alpine":
        return _release("alpine", rest.removeprefix("v"))
    if family == "Ubuntu":
        parts = rest.split(":")
        if parts[0] == "Pro":  # Ubuntu Pro (ESM) fixes are not installed from the public archive
            return _release("ubuntu-pro", parts[1]) if len(parts) > 1 else None
        return _release("ubuntu", parts[0])
    if family == "AlmaLinux":
        return _release("almalinux", rest.split(".", 1)[0])
    if family == "Rocky Linux":
        return _release("rocky", rest.split(".", 1)[0])
    return None


def distro_namespace(family: str, release: str) -> str | None:
    """``alpine``, ``v3.21.3`` → ``alpine:3.21``; ``debian``, ``bookworm`` → ``debian:12``."""
    release = release.strip().lower().removeprefix("v")
    if family == "debian":
        release = DEBIAN_CODENAMES.get(release, release.split(".", 1)[0])
    elif family == "alpine":
        release = release if release == "edge" else ".".join(release.split(".")[:2])
    elif family in ("rhel", "almalinux", "rocky"):
        release = release.split(".", 1)[0]
    return _release(family, release)


def _release(family: str, release: str) -> str | None:
    return f"{family}:{release}" if release and _RELEASE.match(release) else None
