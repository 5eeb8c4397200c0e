"""Rust: crates compiled into binaries built with cargo-auditable, and ``Cargo.lock`` files.

(Executables are offered to :mod:`.executable`, which reads the ELF tables once for Go and Rust.)

cargo-auditable stores the dependency tree in an ELF section ``.dep-v0``: zlib-compressed JSON
``{"packages": [{"name", "version", "source", "kind", "dependencies", "root"}]}``. It is inflated
with a bound (``zlib.decompressobj`` with ``max_length``); build-time dependencies (``kind: build``)
are not in the binary and are left out. ``Cargo.lock`` packages are declared, and crates without a
``source`` (the workspace's own) are left out.
"""

from __future__ import annotations

import json
import zlib
from typing import Any, ClassVar

from mamoru.analyzers.base import AnalysisResult, AnalyzerParseError, FileContent
from mamoru.analyzers.lang._common import MiB, lang_package, load_toml, text_field, unique
from mamoru.model.package import Package, PackageKind

RUST_BINARY = "rust-binary"  # found_by of packages from cargo-auditable data (read by lang.executable)
MAX_COMPRESSED = 4 * MiB
MAX_INFLATED = 16 * MiB


def auditable_packages(compressed: bytes, found_by: str) -> list[Package]:
    """Runtime crates of a cargo-auditable ``.dep-v0`` payload."""
    if len(compressed) > MAX_COMPRESSED:
        raise AnalyzerParseError(f".dep-v0 section is larger than {MAX_COMPRESSED} bytes")
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(compressed, MAX_INFLATED)
    except zlib.error as exc:
        raise AnalyzerParseError(f"corrupt .dep-v0 section: {exc}") from None
    if inflater.unconsumed_tail:
        raise AnalyzerParseError(f".dep-v0 section inflates past {MAX_INFLATED} bytes")
    try:
        document: Any = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise AnalyzerParseError(f"malformed .dep-v0 JSON: {exc}") from None
    entries = document.get("packages") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise AnalyzerParseError(".dep-v0 JSON has no 'packages' list")
    packages = []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("kind") == "build":
            continue
        name, version = text_field(entry.get("name")), text_field(entry.get("version"))
        if name and version:
            packages.append(lang_package(name, version, PackageKind.CARGO, found_by))
    return packages


class CargoLockAnalyzer:
    """Crates pinned by a ``Cargo.lock`` (declared)."""

    name: ClassVar[str] = "cargo-lock"
    path_pattern: ClassVar[str] = r"(?:^|/)Cargo\.lock$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return "/.cargo/registry/" not in f"/{path}"  # crates' own lock files in cargo's download cache

    def analyze(self, content: FileContent) -> AnalysisResult:
        document = load_toml(content, what="Cargo.lock")
        entries = document.get("package", [])
        if not isinstance(entries, list):
            raise AnalyzerParseError("Cargo.lock 'package' is not an array of tables")
        packages = []
        for entry in entries:
            if isinstance(entry, dict) and entry.get("source"):  # no source: a workspace member
                name, version = text_field(entry.get("name")), text_field(entry.get("version"))
                if name and version:
                    packages.append(lang_package(name, version, PackageKind.CARGO, self.name, declared=True))
        return AnalysisResult(packages=unique(packages))
