"""What the Go and Rust readers need of an executable, whatever its format: ELF, PE or Mach-O.

:func:`open_executable` picks the reader by the file's first bytes. Each reader decodes only its
headers and section table (bounded, every offset checked against the file) and reads the bytes it
is asked for from a seekable handle. Go's ``debug/buildinfo`` and cargo-auditable look in the same
places in each format; :meth:`ExecutableFile.data_start` is where Go's reader searches for the
build information block.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import IO, Protocol

MAX_SECTION_READ = 16 * 1024 * 1024


class BinaryFormatError(Exception):
    """A malformed or truncated executable; the message is one line."""


class NotAnExecutable(BinaryFormatError):
    """The file only starts like an executable (an MS-DOS program without a PE header)."""


@dataclass(frozen=True, slots=True)
class Section:
    """A named section: its virtual address and where its bytes are in the file (``size`` 0: none there)."""

    name: str
    type: int
    addr: int
    offset: int
    size: int


class ExecutableFile(Protocol):
    """The parts of an executable the binary analyzers read."""

    ptr_size: int

    def section(self, name: str) -> Section | None:
        """The first section called ``name``."""
        ...

    def section_data(self, section: Section, limit: int = MAX_SECTION_READ) -> bytes:
        """The first ``limit`` bytes of a section."""
        ...

    def data_start(self) -> tuple[int, int] | None:
        """File offset and size of the data Go's ``debug/buildinfo`` searches for its block, if any."""
        ...

    def read_at(self, offset: int, size: int) -> bytes:
        """``size`` bytes of the file at ``offset`` (bounded by the file's end)."""
        ...

    def read_virtual(self, address: int, size: int) -> bytes:
        """Bytes at a virtual address of the loaded image (for pointers inside it)."""
        ...


class FileReader:
    """Bounded reads from a seekable handle of a known size, with errors naming the format.

    ``base`` is where the executable starts in the handle (a slice of a universal Mach-O file).
    """

    format_name = "executable"

    def __init__(self, handle: IO[bytes], size: int, base: int = 0) -> None:
        self._handle = handle
        self.size = size
        self._base = base

    def _read(self, offset: int, size: int, what: str) -> bytes:
        if offset < 0 or size < 0 or offset + size > self.size:
            raise BinaryFormatError(f"truncated {self.format_name} file: {what} ends past the end of the file")
        self._handle.seek(self._base + offset)
        data = self._handle.read(size)
        if len(data) < size:
            raise BinaryFormatError(f"truncated {self.format_name} file: short {what}")
        return data

    def read_at(self, offset: int, size: int) -> bytes:
        return self._read(offset, min(size, max(self.size - offset, 0)), "data")


class SectionListReader(FileReader):
    """A reader that keeps its sections in a list, each with its format's flags (PE, Mach-O)."""

    def __init__(self, handle: IO[bytes], size: int, base: int = 0) -> None:
        super().__init__(handle, size, base)
        self._sections: list[tuple[Section, int]] = []

    def section(self, name: str) -> Section | None:
        for section, _ in self._sections:
            if section.name == name:
                return section
        return None


ELF_MAGIC = b"\x7fELF"
PE_MAGIC = b"MZ"
MACHO_MAGICS = frozenset({b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf"})
# universal ("fat") Mach-O files: a table of per-architecture slices (32- or 64-bit offsets); the
# first magic is also a Java class file's
FAT_MAGICS = {b"\xca\xfe\xba\xbe": (">iiIII", 20), b"\xca\xfe\xba\xbf": (">iiQQII", 32)}
MAX_FAT_ARCHES = 20  # a class file has its major version (45 and up) where a fat file counts its slices


def is_executable(head: bytes) -> bool:
    """Whether a file starting with ``head`` (its first 4 bytes) may be an ELF, PE or Mach-O file."""
    return head == ELF_MAGIC or head.startswith(PE_MAGIC) or head in MACHO_MAGICS or head in FAT_MAGICS


def open_executable(head: bytes, handle: IO[bytes], size: int) -> ExecutableFile | None:
    """The reader for an executable starting with ``head`` (its first 4 bytes), or None for other files."""
    from mamoru.analyzers.lang.elf import ElfFile
    from mamoru.analyzers.lang.macho import MachOFile
    from mamoru.analyzers.lang.pe import PeFile

    if head == ELF_MAGIC:
        return ElfFile(handle, size)
    if head.startswith(PE_MAGIC):
        try:
            return PeFile(handle, size)
        except NotAnExecutable:
            return None
    if head in MACHO_MAGICS:
        return MachOFile(handle, size)
    if head in FAT_MAGICS:
        first = _first_slice(head, handle, size)
        return MachOFile(handle, first[1], base=first[0]) if first is not None else None
    return None


def _first_slice(head: bytes, handle: IO[bytes], size: int) -> tuple[int, int] | None:
    """Offset and size of a universal Mach-O file's first slice (the one Go's tools read), or None
    when the file is no universal file (a Java class file)."""
    entry_format, entry_size = FAT_MAGICS[head]
    handle.seek(4)
    count_bytes = handle.read(4)
    count = int.from_bytes(count_bytes, "big") if len(count_bytes) == 4 else 0
    if not 0 < count <= MAX_FAT_ARCHES:
        return None
    entry = handle.read(entry_size)
    if len(entry) < entry_size:
        raise BinaryFormatError("truncated universal Mach-O file: short slice table")
    offset, slice_size = struct.unpack(entry_format, entry)[2:4]
    if offset + slice_size > size or slice_size < 32:
        raise BinaryFormatError("universal Mach-O slice ends past the end of the file")
    return offset, slice_size
