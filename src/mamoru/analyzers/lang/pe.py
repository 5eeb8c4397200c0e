"""A small, bounded PE (Windows executable) reader: the COFF header, the image base and the section table.

Why not pefile: it parses every directory of the file (imports, resources, relocations) when it
opens one, for the two things read here, a section by name and the first writable data section.
The layout follows Microsoft's PE format specification; Go's ``debug/pe`` reads the same fields.
"""

from __future__ import annotations

import struct
from typing import IO

from mamoru.analyzers.lang.binfile import (
    MAX_SECTION_READ,
    PE_MAGIC,
    BinaryFormatError,
    NotAnExecutable,
    Section,
    SectionListReader,
)

MAX_SECTIONS = 96  # the PE specification's limit
MAX_HEADER_OFFSET = 1024 * 1024  # e_lfanew of real files is a few hundred bytes
SECTION_ENTRY = 40
# the characteristics of the section Go's debug/buildinfo searches: initialised, readable, writable data
_DATA_SECTION = 0x00000040 | 0x40000000 | 0x80000000
_ALIGN_32_BYTES = 0x00600000


class PeFile(SectionListReader):
    """The section table of a PE file read from ``handle`` (``size`` bytes long)."""

    format_name = "PE"

    def __init__(self, handle: IO[bytes], size: int) -> None:
        super().__init__(handle, size)
        dos = self._read(0, 64, "DOS header")
        if dos[:2] != PE_MAGIC:
            raise BinaryFormatError("not a PE file")
        (pe_at,) = struct.unpack_from("<I", dos, 0x3C)
        if pe_at > MAX_HEADER_OFFSET:
            raise BinaryFormatError(f"PE header offset {pe_at} is past the {MAX_HEADER_OFFSET} limit")
        coff = self._read(pe_at, 24, "PE header")
        if coff[:4] != b"PE\0\0":
            raise NotAnExecutable("MZ file without a PE signature")
        count, optional_size = struct.unpack_from("<H12xH", coff, 6)
        if count > MAX_SECTIONS:
            raise BinaryFormatError(f"{count} PE sections, more than the {MAX_SECTIONS} limit")
        optional = self._read(pe_at + 24, optional_size, "PE optional header")
        magic = struct.unpack_from("<H", optional)[0] if optional_size >= 2 else 0
        if magic == 0x20B and optional_size >= 32:  # PE32+
            self.ptr_size, self.image_base = 8, struct.unpack_from("<Q", optional, 24)[0]
        elif magic == 0x10B and optional_size >= 32:  # PE32
            self.ptr_size, self.image_base = 4, struct.unpack_from("<I", optional, 28)[0]
        else:
            raise BinaryFormatError(f"unknown PE optional header (magic {magic:#x}, {optional_size} bytes)")
        table = self._read(pe_at + 24 + optional_size, count * SECTION_ENTRY, "PE section table")
        for name, _virtual_size, address, raw_size, raw_at, characteristics in struct.iter_unpack("<8sIIII12xI", table):
            # names of more than 8 bytes ("/4") live in the COFF string table, which images rarely keep
            text = name.rstrip(b"\0").decode("ascii", "replace")
            self._sections.append((Section(text, 0, address, raw_at, raw_size), characteristics))

    def section_data(self, section: Section, limit: int = MAX_SECTION_READ) -> bytes:
        return self._read(section.offset, min(section.size, limit), f"section {section.name}")

    def data_start(self) -> tuple[int, int] | None:
        """The first section of initialised, readable and writable data (where Go's linker puts the block)."""
        for section, characteristics in self._sections:
            if section.addr and section.size and characteristics & ~_ALIGN_32_BYTES == _DATA_SECTION:
                return section.offset, section.size
        return None

    def read_virtual(self, address: int, size: int) -> bytes:
        relative = address - self.image_base
        for section, _ in self._sections:
            if section.addr <= relative < section.addr + section.size:
                available = section.addr + section.size - relative
                return self._read(section.offset + relative - section.addr, min(size, available), "section data")
        raise BinaryFormatError(f"address {address:#x} is in no PE section")
