"""What the Go and Rust readers need of an executable, whatever its format: ELF, PE or Mach-O.

:func:`open_executable` picks the reader by the file's first bytes. Each reader decodes only its
headers and section table (bounded, every offset checked against the file) and reads the bytes it
is asked for from a seekable handle. Go's ``debug/buildinfo`` and cargo-auditable look in the same
places in each format; :meth:`ExecutableFile.data_start` is where Go's reader searches for the
build information block.
"""

from __future__ import annotations

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
    """Bounded reads from a seekable handle of a known size, with errors naming the format."""

    format_name = "executable"

    def __init__(self, handle: IO[bytes], size: int) -> None:
        self._handle = handle
        self.size = size

    def _read(self, offset: int, size: int, what: str) -> bytes:
        if offset < 0 or size < 0 or offset + size > self.size:
            raise BinaryFormatError(f"truncated {self.format_name} file: {what} ends past the end of the file")
        self._handle.seek(offset)
        data = self._handle.read(size)
        if len(data) < size:
            raise BinaryFormatError(f"truncated {self.format_name} file: short {what}")
        return data

    def read_at(self, offset: int, size: int) -> bytes:
        return self._read(offset, min(size, max(self.size - offset, 0)), "data")


class SectionListReader(FileReader):
    """A reader that keeps its sections in a list, each with its format's flags (PE, Mach-O)."""

    def __init__(self, handle: IO[bytes], size: int) -> None:
        super().__init__(handle, size)
        self._sections: list[tuple[Section, int]] = []

    def section(self, name: str) -> Section | None:
        for section, _ in self._sections:
            if section.name == name:
                return section
        return None


ELF_MAGIC = b"\x7fELF"
PE_MAGIC = b"MZ"
MACHO_MAGICS = frozenset({b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf"})


def is_executable(head: bytes) -> bool:
    """Whether a file starting with ``head`` (its first 4 bytes) is an ELF, PE or thin Mach-O file."""
    return head == ELF_MAGIC or head.startswith(PE_MAGIC) or head in MACHO_MAGICS


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
    return None
