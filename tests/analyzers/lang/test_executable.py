"""Executables: Go build info and cargo-auditable data of real binaries, and truncated or hostile ELF files."""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import pytest
from tests.conftest import which

from mamoru.analyzers.base import AnalyzerParseError
from mamoru.analyzers.lang.rust import auditable_packages
from mamoru.scan.pipeline import ScanOptions, scan_filesystem

pytestmark = pytest.mark.usefixtures("cache_dir")


def test_truncated_go_binary_is_an_unknown(tmp_path: Path) -> None:
    go = Path(which("go")).resolve()  # a real Go binary (Debian's golang-go)
    (tmp_path / "usr/local/bin").mkdir(parents=True)
    data = go.read_bytes()
    (tmp_path / "usr/local/bin/cut").write_bytes(data[: len(data) // 2])
    shutil.copy(go, tmp_path / "usr/local/bin/go")
    (tmp_path / "usr/local/bin/cut").chmod(0o755)
    (tmp_path / "usr/local/bin/script").write_text("#!/bin/sh\n" + "echo hi\n" * 5000)
    (tmp_path / "usr/local/bin/script").chmod(0o755)
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert {(p.name, p.version[:3]) for p in inventory.packages} == {("stdlib", "v1.")}
    notes = [n for n in inventory.notes if n.path == "usr/local/bin/cut"]
    assert len(notes) == 1 and "truncated ELF file" in notes[0].message


def elf_header(shoff: int, shnum: int) -> bytes:
    ident = b"\x7fELF\x02\x01\x01" + b"\0" * 9
    return ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64, shnum, 0)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (elf_header(64, 60000) + b"\0" * 20000, "60000 section header entries, more than"),
        (elf_header(1 << 40, 3) + b"\0" * 20000, "section header table ends past the end of the file"),
        (b"\x7fELF\x09\x01" + b"\0" * 20000, "unknown ELF class"),
    ],
)
def test_hostile_elf_headers(tmp_path: Path, data: bytes, reason: str) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin/x").write_bytes(data)
    (tmp_path / "bin/x").chmod(0o755)
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert not inventory.packages
    assert any(reason in n.message for n in inventory.notes), inventory.notes


def test_auditable_payload_bounds() -> None:
    payload = (
        b'{"packages": [{"name": "serde", "version": "1.0.0", "kind": "runtime"},'
        b' {"name": "cc", "version": "1.0.0", "kind": "build"},'
        b' {"name": "app", "version": "0.1.0", "root": true}]}'
    )
    assert {(p.name, p.version) for p in auditable_packages(zlib.compress(payload), "rust-binary")} == {
        ("serde", "1.0.0"),
        ("app", "0.1.0"),
    }
    with pytest.raises(AnalyzerParseError, match="inflates past"):
        auditable_packages(zlib.compress(b" " * (20 << 20)), "rust-binary")
    with pytest.raises(AnalyzerParseError, match="corrupt"):
        auditable_packages(b"not zlib", "rust-binary")
