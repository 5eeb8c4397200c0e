"""OS detection from the release files of each distribution family."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamoru.scan.pipeline import ScanOptions, scan_filesystem

pytestmark = pytest.mark.usefixtures("cache_dir")

CASES = {
    "debian-12": (
        {"etc/os-release": 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n', "etc/debian_version": "12.15\n"},
        ("debian", "12.15", "bookworm"),
    ),
    "debian-testing": (
        {"etc/os-release": "ID=debian\nVERSION_CODENAME=trixie\n", "etc/debian_version": "trixie/sid\n"},
        ("debian", "", "trixie"),
    ),
    "ubuntu-22.04": (
        {
            "etc/os-release": 'ID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\n',
            "etc/debian_version": "bookworm/sid\n",
            "etc/lsb-release": "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n",
        },
        ("ubuntu", "22.04", "jammy"),
    ),
    "alpine": (
        {"etc/alpine-release": "3.20.3\n", "usr/lib/os-release": "ID=alpine\nVERSION_ID=3.20.3\n"},
        ("alpine", "3.20.3", ""),
    ),
    "centos-7": (
        {
            "etc/os-release": 'ID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n',
            "etc/centos-release": "CentOS Linux release 7.9.2009 (Core)\n",
            "etc/redhat-release": "CentOS Linux release 7.9.2009 (Core)\n",
        },
        ("centos", "7.9.2009", ""),
    ),
    "ubi-8": (
        {
            "etc/os-release": 'ID="rhel"\nVERSION_ID="8.9"\n',
            "etc/redhat-release": "Red Hat Enterprise Linux release 8.9 (Ootpa)\n",
        },
        ("rhel", "8.9", ""),
    ),
    "rocky-9": (
        {
            "etc/os-release": 'ID="rocky"\nVERSION_ID="9.3"\n',
            "etc/rocky-release": "Rocky Linux release 9.3 (Blue Onyx)\n",
        },
        ("rocky", "9.3", ""),
    ),
    "alma-9": (
        {
            "etc/os-release": 'ID="almalinux"\nVERSION_ID="9.4"\n',
            "etc/almalinux-release": "AlmaLinux release 9.4 (Seafoam Ocelot)\n",
        },
        ("almalinux", "9.4", ""),
    ),
    "oracle-8": (
        {"etc/os-release": 'ID="ol"\nVERSION_ID="8.10"\n', "etc/oracle-release": "Oracle Linux Server release 8.10\n"},
        ("oracle", "8.10", ""),
    ),
    "amazon-2": (
        {"etc/os-release": 'ID="amzn"\nVERSION_ID="2"\n', "etc/system-release": "Amazon Linux release 2 (Karoo)\n"},
        ("amazon", "2", ""),
    ),
    "amazon-2023": (
        {
            "etc/os-release": 'ID="amzn"\nVERSION_ID="2023"\n',
            "etc/system-release": "Amazon Linux release 2023.5.20240708 (Amazon Linux)\n",
        },
        ("amazon", "2023.5.20240708", ""),
    ),
    "sles-15": ({"etc/os-release": 'NAME="SLES"\nID="sles"\nVERSION_ID="15.5"\n'}, ("sles", "15.5", "")),
    "opensuse-leap": ({"etc/os-release": 'ID="opensuse-leap"\nVERSION_ID="15.6"\n'}, ("opensuse-leap", "15.6", "")),
    "photon": ({"etc/os-release": 'NAME="VMware Photon OS"\nID=photon\nVERSION_ID=5.0\n'}, ("photon", "5.0", "")),
    "wolfi": ({"etc/os-release": 'ID=wolfi\nNAME="Wolfi"\nVERSION_ID=20230201\n'}, ("wolfi", "20230201", "")),
    "chainguard": ({"etc/os-release": "ID=chainguard\nVERSION_ID=20230214\n"}, ("chainguard", "20230214", "")),
    "mariner": ({"etc/os-release": 'ID=mariner\nVERSION_ID="2.0"\n'}, ("cbl-mariner", "2.0", "")),
    "azurelinux": ({"etc/os-release": 'ID=azurelinux\nVERSION_ID="3.0"\n'}, ("azurelinux", "3.0", "")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_os_detection(case: str, tmp_path: Path) -> None:
    contents, expected = CASES[case]
    for path, text in contents.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert inventory.os is not None
    assert (inventory.os.family, inventory.os.version, inventory.os.codename) == expected


def test_distroless_is_recognised(tmp_path: Path) -> None:
    status_d = tmp_path / "var" / "lib" / "dpkg" / "status.d"
    status_d.mkdir(parents=True)
    (status_d / "libc6").write_text("Package: libc6\nVersion: 2.36-9+deb12u7\nArchitecture: amd64\nSource: glibc\n")
    (status_d / "libc6.md5sums").write_text("d41d8cd98f00b204e9800998ecf8427e  lib/x86_64-linux-gnu/libc.so.6\n")
    (status_d / "tzdata").write_text("Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_text('PRETTY_NAME="Distroless"\nID=debian\nVERSION_ID="12"\n')
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert inventory.os is not None and inventory.os.distroless and inventory.os.name == "Distroless"
    assert [(p.name, p.source_name) for p in inventory.packages] == [("libc6", "glibc"), ("tzdata", "tzdata")]


def test_broken_release_files_are_notes_not_failures(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_bytes(b"\xff\xfe garbage without an id\n")
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert inventory.os is None
    assert any("os-release has no ID" in n.message for n in inventory.notes)
