"""Windows (PE) and macOS (Mach-O) executables: Go build info and cargo-auditable data of real binaries, bad headers."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from tests.analyzers.lang.conftest import go_version_m

from mamoru.model.inventory import Inventory
from mamoru.model.package import PackageKind
from mamoru.scan.pipeline import ScanOptions, scan_filesystem

pytestmark = pytest.mark.usefixtures("cache_dir")


@pytest.fixture(scope="module")
def scanned(foreign_binaries: Path) -> Inventory:
    """``mamoru fs`` of a build output holding esbuild for four platforms and uv's uvx for macOS."""
    return scan_filesystem(str(foreign_binaries / "dist"), ScanOptions())


def found_at(inventory: Inventory, path: str, kind: PackageKind) -> set[tuple[str, str]]:
    return {
        (p.name, p.version)
        for p in inventory.packages
        if p.kind is kind and path in {place.path for place in p.locations}
    }


@pytest.mark.parametrize(
    "binary",
    ["win32-x64/esbuild.exe", "win32-ia32/esbuild.exe", "darwin-x64/esbuild", "darwin-arm64/esbuild"],
)
def test_go_binaries_for_windows_and_macos_equal_go_version_m(
    scanned: Inventory, foreign_binaries: Path, binary: str
) -> None:
    truth = go_version_m(foreign_binaries / "dist" / binary)
    assert ("stdlib", "v1.20.4") in truth
    assert found_at(scanned, binary, PackageKind.GOLANG) == truth
    if binary.startswith("darwin"):
        assert ("golang.org/x/sys", "v0.0.0-20220715151400-c0bba94af5f8") in truth


def test_rust_crates_of_a_macos_binary_are_in_uvs_own_sbom(scanned: Inventory, foreign_binaries: Path) -> None:
    sbom = json.loads((foreign_binaries / "uv-macos.cyclonedx.json").read_text())
    theirs = {(c["name"], c["version"]) for c in [sbom["metadata"]["component"], *sbom["components"]]}
    ours = found_at(scanned, "darwin-arm64/uvx", PackageKind.CARGO)
    assert len(ours) > 400
    assert ours - theirs == set()


def test_nothing_else_is_noted(scanned: Inventory) -> None:
    assert [str(note) for note in scanned.notes if note.kind.value == "unknown"] == []


def pe(sections: int = 1, optional_magic: int = 0x20B, pe_at: int = 0x80, signature: bytes = b"PE\0\0") -> bytes:
    """A PE file's headers: DOS stub, COFF header, optional header, one .data section table entry."""
    dos = b"MZ" + b"\0" * 58 + struct.pack("<I", pe_at) + b"\0" * (pe_at - 64)
    coff = signature + struct.pack("<HHIIIHH", 0x8664, sections, 0, 0, 0, 240, 0x22)
    optional = struct.pack("<H", optional_magic) + b"\0" * 22 + struct.pack("<Q", 0x140000000) + b"\0" * 208
    table = b".data\0\0\0" + struct.pack("<IIII12xI", 0x100, 0x1000, 0x10000, 0x400, 0xC0000040)
    return dos + coff + optional + table


def macho(commands: int = 1, nsects: int = 1, commands_size: int = 152, segment_size: int = 152) -> bytes:
    """A 64-bit Mach-O file's headers: one __DATA segment with one section."""
    header = struct.pack("<IiiIIIII", 0xFEEDFACF, 0x1000007, 3, 2, commands, commands_size, 0, 0)
    segment = struct.pack(
        "<II16sQQQQiiII", 0x19, segment_size, b"__DATA", 0x1000, 0x1000, 0x400, 0x100, 3, 3, nsects, 0
    )
    section = struct.pack("<16s16sQQIIIIIIII", b"__data", b"__DATA", 0x1000, 0x100, 0x400, 0, 0, 0, 0, 0, 0, 0)
    return header + segment + section


SIZE = 20000  # the analyzer reads executables of 16 KiB and more
PE_AT_THE_END = (b"MZ" + b"\0" * 58 + struct.pack("<I", SIZE - 10)).ljust(SIZE, b"\0")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (pe(sections=500), "500 PE sections, more than the 96 limit"),
        (pe(optional_magic=0x999), "unknown PE optional header"),
        (pe(pe_at=1 << 30), "PE header offset 1073741824 is past"),
        (PE_AT_THE_END, "truncated PE file: PE header ends past the end of the file"),
        (macho(commands=100000), "100000 Mach-O load commands"),
        (macho(nsects=70000), "Mach-O segment with 70000 sections that do not fit"),
        (macho(segment_size=4), "Mach-O load command of 4 bytes does not fit"),
        (macho(commands=2), "truncated Mach-O file: a load command ends past the commands"),
        (macho(commands_size=30000), "truncated Mach-O file: Mach-O load commands ends past the end of the file"),
    ],
)
def test_hostile_pe_and_macho_headers_are_notes(tmp_path: Path, data: bytes, reason: str) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin/tool").write_bytes(data.ljust(SIZE, b"\0"))
    (tmp_path / "bin/tool").chmod(0o755)
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert not inventory.packages
    assert any(reason in note.message for note in inventory.notes), [str(n) for n in inventory.notes]


def test_an_ms_dos_program_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin/old.exe").write_bytes(pe(signature=b"NE\0\0").ljust(SIZE, b"\0"))
    (tmp_path / "bin/old.exe").chmod(0o755)
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert not inventory.packages and not inventory.notes


def universal(*slices: tuple[int, bytes]) -> bytes:
    """A universal ("fat") Mach-O file around ``(cputype, slice)`` pairs, slices aligned to 16 KiB as lipo does."""
    align = 14
    offsets, at = [], 8 + 20 * len(slices)
    for _, data in slices:
        at = (at + (1 << align) - 1) & ~((1 << align) - 1)
        offsets.append(at)
        at += len(data)
    table = b"".join(
        struct.pack(">iiIII", cpu, 0, offset, len(data), align)
        for (cpu, data), offset in zip(slices, offsets, strict=True)
    )
    out = bytearray(struct.pack(">II", 0xCAFEBABE, len(slices)) + table)
    for offset, (_, data) in zip(offsets, slices, strict=True):
        out += b"\0" * (offset - len(out)) + data
    return bytes(out)


def test_a_universal_macos_binary_is_read_by_its_first_slice(foreign_binaries: Path, tmp_path: Path) -> None:
    """What Go's tools and Trivy read of a lipo'd file: the first slice (here the real x86-64 esbuild)."""
    x64 = (foreign_binaries / "dist/darwin-x64/esbuild").read_bytes()
    arm64 = (foreign_binaries / "dist/darwin-arm64/esbuild").read_bytes()
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin/esbuild").write_bytes(universal((0x01000007, x64), (0x0100000C, arm64)))
    (tmp_path / "bin/esbuild").chmod(0o755)
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert found_at(inventory, "bin/esbuild", PackageKind.GOLANG) == go_version_m(
        foreign_binaries / "dist/darwin-x64/esbuild"
    )
    assert not inventory.notes


def test_a_java_class_file_is_not_taken_for_a_universal_binary(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    # CAFEBABE, minor 0, major 52 (Java 8): where a universal file counts its slices
    (tmp_path / "bin/Main.class").write_bytes((b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\x01" * 100).ljust(SIZE, b"\0"))
    (tmp_path / "bin/Main.class").chmod(0o755)
    broken = struct.pack(">II", 0xCAFEBABE, 1) + struct.pack(">iiIII", 0x01000007, 3, 10 * SIZE, 4096, 14)
    (tmp_path / "bin/broken").write_bytes(broken.ljust(SIZE, b"\0"))  # its one slice lies past the end
    (tmp_path / "bin/broken").chmod(0o755)
    inventory = scan_filesystem(str(tmp_path), ScanOptions())
    assert not inventory.packages
    assert [(n.path, n.message) for n in inventory.notes] == [
        ("bin/broken", "executable: universal Mach-O slice ends past the end of the file")
    ]
