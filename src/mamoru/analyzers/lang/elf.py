"""A small, bounded ELF reader: the header, section and program header tables, one section's bytes.

Why not pyelftools: measured here, importing it costs 50 ms and finding one section in a Go binary
1.1 ms, and the binary analyzers look at every executable of an image (about 500 in a Debian base
image), so it would double the scan time of a small image. This reader decodes the three tables
with ``struct`` (about 30 µs per binary), checks every offset and size against the file and bounds
the counts, and reads only the bytes asked for from a seekable handle.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import IO

from mamoru.analyzers.lang.binfile import ELF_MAGIC, MAX_SECTION_READ, BinaryFormatError, FileReader, Section

MAX_SECTIONS = 8192
MAX_SEGMENTS = 1024
PT_LOAD = 1
PF_W = 2
SHT_NOBITS = 8  # a section that takes no space in the file (.bss)


class ElfError(BinaryFormatError):
    """A malformed or truncated ELF file; the message is one line."""


@dataclass(frozen=True, slots=True)
class Segment:
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int


class ElfFile(FileReader):
    """The tables of an ELF file read from ``handle`` (``size`` bytes long)."""

    format_name = "ELF"

    def __init__(self, handle: IO[bytes], size: int) -> None:
        super().__init__(handle, size)
        handle.seek(0)
        ident = handle.read(64)
        if len(ident) < 52 or ident[:4] != ELF_MAGIC:
            raise ElfError("not an ELF file" if ident[:4] != ELF_MAGIC else "truncated ELF header")
        if ident[4] not in (1, 2) or ident[5] not in (1, 2):
            raise ElfError(f"unknown ELF class {ident[4]} or data encoding {ident[5]}")
        self.is64 = ident[4] == 2
        self.endian = "<" if ident[5] == 1 else ">"
        if self.is64:
            if len(ident) < 64:
                raise ElfError("truncated ELF header")
            phoff, shoff = struct.unpack_from(self.endian + "QQ", ident, 32)
            phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from(self.endian + "HHHHH", ident, 54)
        else:
            phoff, shoff = struct.unpack_from(self.endian + "II", ident, 28)
            phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from(self.endian + "HHHHH", ident, 42)
        self.ptr_size = 8 if self.is64 else 4
        self.segments = self._segments(phoff, phentsize, phnum)
        self._raw: list[tuple[int, ...]] = []
        self._names = b""
        self._section_table(shoff, shentsize, shnum, shstrndx)

    def _table(self, offset: int, entsize: int, count: int, limit: int, what: str) -> bytes:
        if count == 0 or offset == 0:
            return b""
        if count > limit:
            raise ElfError(f"{count} {what} entries, more than the {limit} limit")
        if offset + entsize * count > self.size:
            raise ElfError(f"truncated ELF file: the {what} table ends past the end of the file")
        self._handle.seek(offset)
        data = self._handle.read(entsize * count)
        if len(data) < entsize * count:
            raise ElfError(f"truncated ELF file: short {what} table")
        return data

    def _segments(self, offset: int, entsize: int, count: int) -> tuple[Segment, ...]:
        fmt, need = (self.endian + "IIQQQQ", 40) if self.is64 else (self.endian + "IIIIII", 24)
        if count and entsize < need:
            raise ElfError(f"program header entries of {entsize} bytes are too small")
        data = self._table(offset, entsize, count, MAX_SEGMENTS, "program header")
        segments = []
        for index in range(len(data) // entsize if entsize else 0):
            fields = struct.unpack_from(fmt, data, index * entsize)
            if self.is64:
                p_type, p_flags, p_offset, p_vaddr, _paddr, p_filesz = fields
            else:
                p_type, p_offset, p_vaddr, _paddr, p_filesz, _memsz = fields
                p_flags = struct.unpack_from(self.endian + "I", data, index * entsize + 24)[0]
            segments.append(Segment(p_type, p_flags, p_offset, p_vaddr, p_filesz))
        return tuple(segments)

    def _section_table(self, offset: int, entsize: int, count: int, names_index: int) -> None:
        fmt, need = (self.endian + "IIQQQQ", 40) if self.is64 else (self.endian + "IIIIII", 24)
        if count and entsize < need:
            raise ElfError(f"section header entries of {entsize} bytes are too small")
        data = self._table(offset, entsize, count, MAX_SECTIONS, "section header")
        if not data:
            return
        if entsize != need:  # padded entries: keep the fields we use
            data = b"".join(data[i : i + need] for i in range(0, len(data), entsize))
        self._raw = list(struct.iter_unpack(fmt, data))
        if names_index >= len(self._raw):
            raise ElfError("section name table index is out of range")
        names_offset, names_size = self._raw[names_index][4], self._raw[names_index][5]
        self._names = self._read(names_offset, min(names_size, 1 << 20), "section name table")

    @property
    def sections(self) -> tuple[Section, ...]:
        """Every section, named."""
        names = self._names
        sections = []
        for name_at, sh_type, _flags, addr, sh_offset, sh_size in self._raw:
            end = names.find(b"\0", name_at) if name_at < len(names) else -1
            name = names[name_at:end].decode("ascii", "replace") if end >= 0 else ""
            sections.append(Section(name, sh_type, addr, sh_offset, sh_size))
        return tuple(sections)

    def section(self, name: str) -> Section | None:
        """The first section called ``name`` (compared in place in the name table: no objects per section)."""
        wanted = name.encode() + b"\0"
        names = self._names
        for name_at, sh_type, _flags, addr, sh_offset, sh_size in self._raw:
            if names.startswith(wanted, name_at):
                return Section(name, sh_type, addr, sh_offset, sh_size)
        return None

    def section_data(self, section: Section, limit: int = MAX_SECTION_READ) -> bytes:
        """The first ``limit`` bytes of a section (SHT_NOBITS sections have none in the file)."""
        if section.type == SHT_NOBITS:
            return b""
        return self._read(section.offset, min(section.size, limit), f"section {section.name}")

    def data_start(self) -> tuple[int, int] | None:
        """The ``.go.buildinfo`` section, else the first writable loaded segment (as ``debug/buildinfo``)."""
        section = self.section(".go.buildinfo")
        if section is not None and section.type != SHT_NOBITS:
            return section.offset, section.size
        for segment in self.segments:
            if segment.type == PT_LOAD and segment.flags & PF_W:
                return segment.offset, segment.filesz
        return None

    def read_virtual(self, address: int, size: int) -> bytes:
        """Bytes at a virtual address of a loaded segment (for pointers inside the image)."""
        for segment in self.segments:
            if segment.type == PT_LOAD and segment.vaddr <= address < segment.vaddr + segment.filesz:
                available = segment.vaddr + segment.filesz - address
                return self._read(segment.offset + address - segment.vaddr, min(size, available), "segment data")
        raise ElfError(f"address {address:#x} is in no loaded segment")
