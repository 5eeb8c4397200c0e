"""apk installed database parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamoru.scan.pipeline import ScanOptions, scan_filesystem

pytestmark = pytest.mark.usefixtures("cache_dir")

INSTALLED = """C:Q1abc=
P:musl
V:1.2.5-r0
A:x86_64
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
T:the musl c library
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1xyz=

P:libcrypto3
V:3.3.2-r0
A:x86_64
L:Apache-2.0
o:openssl
F:usr/lib
R:libcrypto.so.3

P:only-name
"""


def write(tmp_path: Path, text: str | bytes) -> None:
    db = tmp_path / "lib" / "apk" / "db" / "installed"
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(text if isinstance(text, bytes) else text.encode())
    (tmp_path / "etc").mkdir(exist_ok=True)
    (tmp_path / "etc" / "alpine-release").write_text("3.20.3\n")


def test_records_with_origin_license_and_purl(tmp_path: Path) -> None:
    write(tmp_path, INSTALLED)
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert [(p.name, p.version, p.source_name, p.licenses) for p in inventory.packages] == [
        ("libcrypto3", "3.3.2-r0", "openssl", ("Apache-2.0",)),
        ("musl", "1.2.5-r0", "musl", ("MIT",)),
    ]
    assert inventory.packages[0].purl == "pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&distro=alpine-3.20.3"


def test_garbage_database_is_an_unknown_note(tmp_path: Path) -> None:
    write(tmp_path, "this is\nnot an apk\ndatabase at all\n")
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert inventory.packages == []
    assert any(n.source == "apk" or "apk" in n.message for n in inventory.notes)
