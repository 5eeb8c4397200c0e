"""A small, bounded Mach-O (macOS executable) reader: the header and the segment and section load commands.

Why not macholib or LIEF: the binary analyzers need a section by name and the first read-write
segment; a full Mach-O parser per executable would cost more than reading the block itself. The
layout follows Apple's ``<mach-o/loader.h>``; Go's ``debug/macho`` reads the same fields. Of a
universal ("fat") file, :func:`~.binfile.open_executable` opens the first slice, as Go's tools do.
"""

from __future__ import annotations

import struct
from typing import IO

from mamoru.analyzers.lang.binfile import MAX_SECTION_READ, BinaryFormatError, Section, SectionListReader

# the magic as the first four bytes: byte order and whether the file is 64-bit
_LAYOUTS = {
    b"\xce\xfa\xed\xfe": ("<", False),
    b"\xcf\xfa\xed\xfe": ("<", True),
    b"\xfe\xed\xfa\xce": (">", False),
    b"\xfe\xed\xfa\xcf": (">", True),
}
MAX_COMMANDS = 4096
MAX_COMMANDS_BYTES = 16 * 1024 * 1024
MAX_SECTIONS = 8192
LC_SEGMENT, LC_SEGMENT_64 = 0x1, 0x19
S_ZEROFILL_TYPES = {0x1, 0xC, 0x12}  # zerofill, gb_zerofill, thread-local zerofill: no bytes in the file
_READ_WRITE = 3


class MachOFile(SectionListReader):
    """The segments and sections of a Mach-O file read from ``handle`` (``size`` bytes from ``base``)."""

    format_name = "Mach-O"

    def __init__(self, handle: IO[bytes], size: int, base: int = 0) -> None:
        super().__init__(handle, size, base)
        head = self._read(0, 32, "Mach-O header")
        if head[:4] not in _LAYOUTS:
            raise BinaryFormatError("not a Mach-O file")
        order, is64 = _LAYOUTS[head[:4]]
        self.ptr_size = 8 if is64 else 4
        count, commands_size = struct.unpack_from(order + "II", head, 16)
        if count > MAX_COMMANDS or commands_size > MAX_COMMANDS_BYTES:
            raise BinaryFormatError(f"{count} Mach-O load commands of {commands_size} bytes, past the limits")
        commands = self._read(32 if is64 else 28, commands_size, "Mach-O load commands")
        # segments: (vmaddr, fileoff, filesize, maxprot, initprot); sections with their flags
        self._segments: list[tuple[int, int, int, int, int]] = []
        at = 0
        for _ in range(count):
            if at + 8 > len(commands):
                raise BinaryFormatError("truncated Mach-O file: a load command ends past the commands")
            command, command_size = struct.unpack_from(order + "II", commands, at)
            if command_size < 8 or at + command_size > len(commands):
                raise BinaryFormatError(f"Mach-O load command of {command_size} bytes does not fit")
            if command in (LC_SEGMENT, LC_SEGMENT_64):
                self._segment(commands[at : at + command_size], order, command == LC_SEGMENT_64)
            at += command_size

    def _segment(self, data: bytes, order: str, is64: bool) -> None:
        # segment: vmaddr, vmsize, fileoff, filesize, maxprot, initprot, nsects; section: sectname,
        # segname, addr, size, offset, then (after align, reloff, nreloc) flags
        head, section_format = (order + "8x16xQQQQiiI", order + "16s16sQQI12xI") if is64 else (
            order + "8x16xIIIIiiI", order + "16s16sIII12xI")  # fmt: skip
        head_size, entry = (72, 80) if is64 else (56, 68)
        if len(data) < head_size:
            raise BinaryFormatError("truncated Mach-O segment command")
        vmaddr, _vmsize, fileoff, filesize, maxprot, initprot, nsects = struct.unpack_from(head, data)
        self._segments.append((vmaddr, fileoff, filesize, maxprot, initprot))
        if len(self._sections) + nsects > MAX_SECTIONS or head_size + nsects * entry > len(data):
            raise BinaryFormatError(f"Mach-O segment with {nsects} sections that do not fit")
        for index in range(nsects):
            fields = struct.unpack_from(section_format, data, head_size + index * entry)
            name, _segment, addr, size, offset, flags = fields
            text = name.rstrip(b"\0").decode("ascii", "replace")
            self._sections.append((Section(text, flags & 0xFF, addr, offset, size), flags))

    def section_data(self, section: Section, limit: int = MAX_SECTION_READ) -> bytes:
        if section.type in S_ZEROFILL_TYPES:
            return b""
        return self._read(section.offset, min(section.size, limit), f"section {section.name}")

    def data_start(self) -> tuple[int, int] | None:
        """``__go_buildinfo``, else the first read-write segment with file data (as ``debug/buildinfo``)."""
        section = self.section("__go_buildinfo")
        if section is not None and section.type not in S_ZEROFILL_TYPES:
            return section.offset, section.size
        for vmaddr, fileoff, filesize, maxprot, initprot in self._segments:
            if vmaddr and filesize and maxprot == _READ_WRITE and initprot == _READ_WRITE:
                return fileoff, filesize
        return None

    def read_virtual(self, address: int, size: int) -> bytes:
        for vmaddr, fileoff, filesize, _maxprot, _initprot in self._segments:
            if vmaddr <= address < vmaddr + filesize:
                available = vmaddr + filesize - address
                return self._read(fileoff + address - vmaddr, min(size, available), "segment data")
        raise BinaryFormatError(f"address {address:#x} is in no Mach-O segment")
