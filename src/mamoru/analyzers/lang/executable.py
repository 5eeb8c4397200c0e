"""Executables: Go build information and cargo-auditable dependency data, from one read of their tables.

Any file with an execute bit may be a Go or Rust program (they have no telltale names), so this
analyzer's pattern matches every path and ``required`` keeps executables of a plausible size. A
file that is not an ELF, PE or Mach-O executable costs one 4-byte read; an executable costs one
decode of its section table (:mod:`.elf`, :mod:`.pe`, :mod:`.macho`; about 35 µs), shared by the
Go (:mod:`.golang`) and Rust (:mod:`.rust`) readers. Windows and macOS programs turn up in images
that ship tools for several platforms, and in ``mamoru fs`` of a build output or a Mac's home.
"""

from __future__ import annotations

from typing import ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.analyzers.lang._common import unique
from mamoru.analyzers.lang.binfile import BinaryFormatError, is_executable, open_executable
from mamoru.analyzers.lang.golang import GO_BINARY, packages_from_modinfo, read_buildinfo
from mamoru.analyzers.lang.rust import MAX_COMPRESSED, RUST_BINARY, auditable_packages

MIN_BINARY = 16 * 1024  # smaller executables are scripts or tiny C programs


class ExecutableAnalyzer:
    """Modules compiled into Go executables and crates into cargo-auditable Rust executables."""

    name: ClassVar[str] = "executable"
    path_pattern: ClassVar[str] = ""  # any file: required() checks the mode

    def required(self, path: str, mode: int, size: int) -> bool:
        return bool(mode & 0o111) and size >= MIN_BINARY

    def analyze(self, content: FileContent) -> AnalysisResult:
        head = content.head(4)
        if not is_executable(head):  # scripts and data: the content is not loaded
            return AnalysisResult()
        with content.open() as handle:
            try:
                binary = open_executable(head, handle, handle.seek(0, 2))
                if binary is None:
                    return AnalysisResult()
                go = read_buildinfo(binary)
                section = binary.section(".dep-v0")
                compressed = binary.section_data(section, MAX_COMPRESSED + 1) if section is not None else b""
            except BinaryFormatError as exc:
                raise AnalyzerParseError(str(exc)) from None
        packages = packages_from_modinfo(go[0], go[1], GO_BINARY) if go is not None else []
        if compressed:
            packages.extend(auditable_packages(compressed, RUST_BINARY))
        return AnalysisResult(packages=unique(packages))
