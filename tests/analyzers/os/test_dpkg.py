"""dpkg status parsing: states, source packages, epochs, malformed data."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamoru.scan.pipeline import ScanOptions, scan_filesystem

pytestmark = pytest.mark.usefixtures("cache_dir")

STATUS = """Package: removed-but-configured
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: login
Status: install ok installed
Architecture: amd64
Source: shadow (1:4.13+dfsg1-1)
Version: 1:4.13+dfsg1-1+deb12u1
Description: system login tools
 a continuation line that must not leak into the summary

Package: held
Status: hold ok installed
Architecture: all
Version: 2.0
Source: heldsrc

Package: half
Status: install ok unpacked
Architecture: amd64
Version: 3.0-1

Package: no-version
Status: install ok installed
"""


def scan_status(tmp_path: Path, text: str | bytes):
    status = tmp_path / "var" / "lib" / "dpkg" / "status"
    status.parent.mkdir(parents=True, exist_ok=True)
    status.write_bytes(text if isinstance(text, bytes) else text.encode())
    return scan_filesystem(str(tmp_path), ScanOptions())


def test_states_sources_and_epochs(tmp_path: Path) -> None:
    inventory = scan_status(tmp_path, STATUS)
    found = {p.name: p for p in inventory.packages}
    assert sorted(found) == ["half", "held", "login"]
    login = found["login"]
    assert (login.version, login.epoch, login.source_name, login.source_version) == (
        "1:4.13+dfsg1-1+deb12u1",
        1,
        "shadow",
        "1:4.13+dfsg1-1",
    )
    assert login.description == "system login tools"
    assert (found["held"].source_name, found["held"].source_version) == ("heldsrc", "2.0")
    assert login.purl == "pkg:deb/debian/login@1:4.13%2Bdfsg1-1%2Bdeb12u1?arch=amd64&upstream=shadow"


def test_binary_garbage_status_is_survivable(tmp_path: Path) -> None:
    inventory = scan_status(tmp_path, bytes(range(256)) * 64)
    assert inventory.packages == []


def test_status_parser_agrees_with_python_debian(images: Path) -> None:
    """The hand-written status parser reads the real bookworm status file exactly as Deb822 does."""
    import tarfile

    from debian.deb822 import Deb822

    from mamoru.analyzers.os.dpkg import status_paragraphs

    with tarfile.open(images / "rootfs" / "bookworm-minbase.tar") as rootfs:
        member = next(m for m in rootfs if m.name.lstrip("./") == "var/lib/dpkg/status")
        handle = rootfs.extractfile(member)
        assert handle is not None
        text = handle.read().decode()
    ours = list(status_paragraphs(text + "\n\n" + STATUS))
    theirs = [dict(p) for p in Deb822.iter_paragraphs((text + "\n\n" + STATUS).splitlines(), use_apt_pkg=False)]
    assert len(ours) == len(theirs) > 80
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine.keys() == reference.keys()
        for field, value in reference.items():  # Deb822 keeps continuation lines' indentation
            assert mine[field].splitlines() == [line.strip() for line in value.strip().splitlines()], field
