"""Debian package licenses from copyright files."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamoru.analyzers.os.dpkg_copyright import licenses_in, spdx_name
from mamoru.scan.pipeline import ScanOptions, scan_image


@pytest.mark.parametrize(("name", "spdx"), [
    ("GPL-2", "GPL-2.0-only"), ("GPL-2+", "GPL-2.0-or-later"), ("LGPL-2.1+", "LGPL-2.1-or-later"),
    ("GPLv3+", "GPL-3.0-or-later"), ("AGPL-3", "AGPL-3.0-only"), ("Expat", "MIT"), ("BSD-3-clause", "BSD-3-Clause"),
    ("Apache-2", "Apache-2.0"), ("GFDL-NIV-1.3", "GFDL-1.3-no-invariants-only"), ("public-domain", "public-domain"),
])  # fmt: skip
def test_spdx_name(name: str, spdx: str) -> None:
    assert spdx_name(name) == spdx


def test_dep5_and_free_text() -> None:
    dep5 = "Format: https://example.invalid/dep5\n\nFiles: *\nLicense: GPL-2+ or Artistic\n\nLicense: GPL-2+\n text\n"
    assert licenses_in(dep5) == ("GPL-2.0-or-later", "Artistic-1.0-Perl")
    free = "See /usr/share/common-licenses/LGPL-2.1 and /usr/share/common-licenses/GPL-2.\n"
    assert licenses_in(free) == ("LGPL-2.1-only", "GPL-2.0-only")


@pytest.mark.images
@pytest.mark.usefixtures("cache_dir")
def test_real_debian_packages_have_their_licenses(images: Path) -> None:
    packages = {p.name: p for p in scan_image(str(images / "base-docker.tar"), ScanOptions()).packages}
    assert set(packages["libc6"].licenses) == {"LGPL-2.1-only", "GPL-2.0-only"}
    assert {"GPL-3.0-or-later", "GPL-2.0-or-later"} <= set(packages["bash"].licenses)
    assert sum(1 for p in packages.values() if p.licenses) >= 85
