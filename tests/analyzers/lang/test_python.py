"""Installed Python distributions (dist-info and egg-info)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mamoru.scan.pipeline import ScanOptions, scan_filesystem

pytestmark = pytest.mark.usefixtures("cache_dir")


def write(root: Path, path: str, text: str) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)


def test_dist_info_egg_info_and_licenses(tmp_path: Path) -> None:
    site = "usr/local/lib/python3.11/site-packages"
    write(
        tmp_path,
        f"{site}/requests-2.19.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\nLicense: Apache 2.0\n",
    )
    write(
        tmp_path,
        f"{site}/Flask-0.12.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: Flask\nVersion: 0.12\nClassifier: License :: OSI Approved :: BSD License\n",
    )
    write(
        tmp_path,
        f"{site}/attrs-24.2.0.dist-info/METADATA",
        "Metadata-Version: 2.4\nName: attrs\nVersion: 24.2.0\nLicense-Expression: MIT\n",
    )
    write(
        tmp_path, f"{site}/six-1.10.0-py3.11.egg-info/PKG-INFO", "Metadata-Version: 1.1\nName: six\nVersion: 1.10.0\n"
    )
    write(tmp_path, f"{site}/old_pkg-0.1.egg-info", "Metadata-Version: 1.0\nName: old_pkg\nVersion: 0.1\n")
    write(tmp_path, "opt/target/broken-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nSummary: no name here\n")
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    found = {(p.name, p.version, p.licenses, p.purl) for p in inventory.packages}
    assert found == {
        ("requests", "2.19.0", ("Apache 2.0",), "pkg:pypi/requests@2.19.0"),
        ("Flask", "0.12", ("BSD License",), "pkg:pypi/flask@0.12"),
        ("attrs", "24.2.0", ("MIT",), "pkg:pypi/attrs@24.2.0"),
        ("six", "1.10.0", (), "pkg:pypi/six@1.10.0"),
        ("old_pkg", "0.1", (), "pkg:pypi/old-pkg@0.1"),
    }
    assert any("without Name or Version" in n.message for n in inventory.notes)


def build_egg(work: Path, name: str, version: str) -> Path:
    """A real egg, built by setuptools' bdist_egg from a one-module project."""
    project = work / f"src-{name}"
    (project / "pkg_mod").mkdir(parents=True)
    (project / "pkg_mod" / "__init__.py").write_text("")
    setup = f"setup(name={name!r}, version={version!r}, packages=['pkg_mod'], license='MIT')"
    (project / "setup.py").write_text(f"from setuptools import setup\n{setup}\n")
    subprocess.run([sys.executable, "setup.py", "-q", "bdist_egg"], cwd=project, check=True, capture_output=True)
    return next((project / "dist").glob("*.egg"))


def test_eggs_zipped_and_unpacked(tmp_path: Path) -> None:
    site = tmp_path / "root" / "usr/lib/python3/dist-packages"
    site.mkdir(parents=True)
    zipped = build_egg(tmp_path, "zipped-egg", "1.4.2")
    shutil.copy(zipped, site / zipped.name)
    unpacked = build_egg(tmp_path, "unpacked-egg", "0.9")
    with zipfile.ZipFile(unpacked) as egg:  # what easy_install does with a zip-unsafe egg
        egg.extractall(site / unpacked.name)
    (site / "broken-1.0-py3.11.egg").write_bytes(b"PK\x03\x04 not really a zip")
    inventory = scan_filesystem(str(tmp_path / "root"), ScanOptions())
    found = {(p.name, p.version, p.licenses) for p in inventory.packages}
    assert found == {("zipped-egg", "1.4.2", ("MIT",)), ("unpacked-egg", "0.9", ("MIT",))}
    paths = sorted(loc.path for p in inventory.packages for loc in p.locations)
    assert paths == [
        f"usr/lib/python3/dist-packages/{unpacked.name}/EGG-INFO/PKG-INFO",
        f"usr/lib/python3/dist-packages/{zipped.name}",
    ]
    assert [n.message for n in inventory.notes if n.path.endswith("broken-1.0-py3.11.egg")] == [
        "python-dist-info: unreadable egg: not a zip archive (no end of central directory record)"
    ]
