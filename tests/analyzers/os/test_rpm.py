"""The rpm analyzer on real rpm databases placed where distributions keep them, against the rpm CLI."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mamoru.scan.pipeline import ScanOptions, scan_filesystem

pytestmark = pytest.mark.usefixtures("cache_dir")
DATA = Path(__file__).parents[2] / "data" / "rpmdb"
QUERY = "%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\\n"


def rpm_truth(db_dir: Path, backend: str, tmp_path: Path) -> set[tuple[str, ...]]:
    copy = tmp_path / "rpm-truth"
    shutil.copytree(db_dir, copy)
    out = subprocess.run(
        ["rpm", "--define", f"_db_backend {backend}", "--dbpath", str(copy), "-qa", "--qf", QUERY],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    truth = set()
    for line in out.splitlines():
        name, evr, arch, source = line.split(" ")
        epoch, _, version = evr.partition(":")
        truth.add((name, version if epoch == "0" else evr, arch, source))
    return truth


@pytest.mark.parametrize(
    ("db", "target", "backend", "os_release", "family"),
    [
        (
            "cbl-mariner-2.0/rpmdb.sqlite",
            "var/lib/rpm/rpmdb.sqlite",
            "sqlite",
            'ID=mariner\nVERSION_ID="2.0"\n',
            "cbl-mariner",
        ),
        ("libuuid/Packages", "var/lib/rpm/Packages", "bdb_ro", 'ID="rhel"\nVERSION_ID="8.8"\n', "rhel"),
    ],
)
def test_rpm_database_equals_rpm_cli(
    db: str, target: str, backend: str, os_release: str, family: str, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    (root / target).parent.mkdir(parents=True)
    shutil.copy(DATA / db, root / target)
    (root / "etc").mkdir()
    (root / "etc" / "os-release").write_text(os_release)
    inventory = scan_filesystem(str(root), ScanOptions())
    truth = rpm_truth((DATA / db).parent, backend, tmp_path)
    # mamoru keeps epoch 0 when the header has one; rpm prints EPOCHNUM 0 for "no epoch" too
    found = {
        (
            p.name,
            p.version.removeprefix("0:"),
            p.arch,
            f"{p.source_name}-{p.source_version}.src.rpm" if p.source_name else "(none)",
        )
        for p in inventory.packages
    }
    assert found == truth
    assert inventory.os is not None and inventory.os.family == family
    sample = inventory.packages[0]
    assert sample.purl.startswith("pkg:rpm/") and "distro=" in sample.purl


def test_suse_ndb_database(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "usr/lib/sysimage/rpm").mkdir(parents=True)
    shutil.copy(DATA / "sle15-bci" / "Packages.db", root / "usr/lib/sysimage/rpm/Packages.db")
    inventory = scan_filesystem(str(root), ScanOptions())
    names = {p.name for p in inventory.packages}
    assert len(inventory.packages) == 35 and {"glibc", "bash", "libzstd1"} <= names


def test_corrupt_rpm_database_is_an_unknown(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "var/lib/rpm").mkdir(parents=True)
    (root / "var/lib/rpm/Packages").write_bytes(b"\x00" * 12 + b"\x61\x15\x06\x00" + b"\xff" * 8000)
    inventory = scan_filesystem(str(root), ScanOptions())
    assert inventory.packages == []
    assert any(n.source == "rpm" or "rpm" in n.message for n in inventory.notes)
