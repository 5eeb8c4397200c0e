"""Licenses of Debian packages, from ``usr/share/doc/<package>/copyright``.

The dpkg database records no license; Debian keeps it in each package's copyright file, either in
the machine-readable DEP-5 format (``License:`` fields) or as free text that points at
``/usr/share/common-licenses/<NAME>``. Short names are mapped to SPDX identifiers where one
exists (``GPL-2+`` → ``GPL-2.0-or-later``); others (``public-domain``) are kept as written.
"""

from __future__ import annotations

import re
from typing import ClassVar

from mamoru.analyzers.base import AnalysisResult, FileContent
from mamoru.model.package import PackageKind

DOC_DIR = "usr/share/doc/"
MAX_COPYRIGHT = 4 * 1024 * 1024
_LICENSE_FIELD = re.compile(r"^License:[ \t]*(\S.*?)\s*$", re.MULTILINE)
_COMMON_LICENSES = re.compile(r"/usr/share/common-licenses/([A-Za-z0-9][A-Za-z0-9.+-]*[A-Za-z0-9+])")
_SPLIT = re.compile(r"\s+and/or\s+|\s+or\s+|\s+and\s+|\s*,\s*", re.IGNORECASE)

_SPDX = {
    "apache-2": "Apache-2.0", "apache-2.0": "Apache-2.0", "artistic": "Artistic-1.0-Perl",
    "artistic-2.0": "Artistic-2.0", "bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause",
    "bsd-4-clause": "BSD-4-Clause", "bsd": "BSD-3-Clause", "cc0-1.0": "CC0-1.0", "expat": "MIT", "mit": "MIT",
    "isc": "ISC", "zlib": "Zlib", "mpl-1.1": "MPL-1.1", "mpl-2.0": "MPL-2.0", "x11": "X11", "psf-2": "PSF-2.0",
    "openssl": "OpenSSL", "ssleay": "SSLeay", "fsfullr": "FSFULLR", "fsfap": "FSFAP", "fsful": "FSFUL",
    "latex2e": "Latex2e", "unicode": "Unicode-DFS-2016", "beerware": "Beerware", "curl": "curl",
    "gpl": "GPL-1.0-or-later", "lgpl": "LGPL-2.0-or-later", "gfdl-niv-1.3": "GFDL-1.3-no-invariants-only",
    "gfdl-niv-1.3+": "GFDL-1.3-no-invariants-or-later", "gfdl-niv-1.2+": "GFDL-1.2-no-invariants-or-later",
}  # fmt: skip
_FAMILY = re.compile(r"^(A?GPL|LGPL|GFDL)(?:v|-)?(\d(?:\.\d)?)(\+|-or-later|-only)?$", re.IGNORECASE)


def spdx_name(name: str) -> str:
    """``GPL-2+`` → ``GPL-2.0-or-later``, ``LGPL-2.1`` → ``LGPL-2.1-only``, ``Expat`` → ``MIT``."""
    clean = name.strip().rstrip(".")
    known = _SPDX.get(clean.lower())
    if known:
        return known
    family = _FAMILY.match(clean)
    if family:
        base, version, suffix = family.group(1).upper(), family.group(2), family.group(3) or ""
        version = version if "." in version else f"{version}.0"
        return f"{base}-{version}-{'or-later' if suffix in ('+', '-or-later') else 'only'}"
    return clean


class DpkgCopyrightAnalyzer:
    """Finds the licenses each Debian package's copyright file declares."""

    name: ClassVar[str] = "dpkg-copyright"
    path_pattern: ClassVar[str] = r"^usr/share/doc/[^/]+/copyright$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return (
            path.startswith(DOC_DIR) and path.endswith("/copyright") and path.count("/") == 4 and size <= MAX_COPYRIGHT
        )

    def analyze(self, content: FileContent) -> AnalysisResult:
        package = content.info.path.split("/")[3]
        text = content.read().decode("utf-8", "replace")
        return AnalysisResult(package_licenses={(PackageKind.DEB.value, package): licenses_in(text)})


def licenses_in(text: str) -> tuple[str, ...]:
    """The license names of a copyright file, in order of first mention, without duplicates."""
    names: list[str] = []
    if text.startswith("Format:"):  # License fields only mean something in DEP-5 files
        for match in _LICENSE_FIELD.finditer(text):
            names.extend(part for part in _SPLIT.split(match.group(1)) if part)
    names.extend(_COMMON_LICENSES.findall(text))
    seen: dict[str, None] = {}
    for name in names:
        normalized = spdx_name(name)
        if normalized and normalized.lower() not in ("none", "unknown"):
            seen.setdefault(normalized, None)
    return tuple(seen)
