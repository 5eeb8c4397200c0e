"""Go: the build information the Go linker embeds in every binary, and ``go.mod`` files.

(Executables are offered to :mod:`.executable`, which reads their tables once for Go and Rust.)

A Go binary (1.13+) carries a ``.go.buildinfo`` block: a 16-byte header (``\\xff Go buildinf:``,
pointer size, flags), then the Go version and the module information that ``go version -m``
prints (``path``, ``mod``, ``dep``, ``=>`` replacements, ``build`` settings). Since Go 1.18 both
strings follow the header (varint length prefixed); before, the header holds two pointers to Go
string headers in the binary's data. The format is documented by Go's ``debug/buildinfo``; no
maintained Python library reads it, so it is decoded here, bounded, on top of :mod:`.binfile`'s
readers (ELF, PE and Mach-O: the block is found where ``debug/buildinfo`` looks in each).

Packages: each ``dep`` (after its replacement), the main module (its version from ``mod``, or
from a ``-X …version=…`` linker flag when ``mod`` says ``(devel)``; unknown stays empty), and the
Go standard library as ``stdlib`` at the toolchain version. Binaries built in GOPATH mode (as
Debian builds its Go packages) record only ``path``: they yield ``stdlib`` alone.
"""

from __future__ import annotations

import re
import struct
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from mamoru.analyzers.base import AnalysisResult, FileContent
from mamoru.analyzers.lang._common import lang_package, read_text, unique
from mamoru.analyzers.lang.binfile import BinaryFormatError, ExecutableFile
from mamoru.model.package import Package, PackageKind

if TYPE_CHECKING:
    from mamoru.walk.walker import AnalyzedFile

MAGIC = b"\xff Go buildinf:"
GO_BINARY = "go-binary"  # found_by of packages from Go build info (read by lang.executable)
MAX_MODINFO = 4 * 1024 * 1024
SEARCH_WINDOW = 1024 * 1024  # bytes of the data searched for the block when it is not at its start
_VERSION_FLAG = re.compile(r"-X[= ]'?\"?([\w./-]+?\.(?:[Vv]ersion|[Vv]er|VERSION))=([^\s'\"]+)")
_GO_VERSION = re.compile(r"^go(\d+(?:\.\d+){0,2})((?:rc|beta)\d+)?(?:\s|$|-|\+)")


def read_buildinfo(binary: ExecutableFile) -> tuple[str, str] | None:
    """The Go version and module information of an executable (ELF, PE or Mach-O), or None for a non-Go one."""
    region = binary.data_start()
    if region is None:
        return None
    data = binary.read_at(region[0], min(region[1], SEARCH_WINDOW))
    at = 0 if data[:14] == MAGIC else _aligned_find(data)
    if at < 0:
        return None
    header = data[at : at + 32]
    if len(header) < 32:
        raise BinaryFormatError("truncated Go build info header")
    pointer_size, flags = header[14], header[15]
    if flags & 2:  # Go 1.18+: the strings follow the header
        version, rest = _varint_string(data, at + 32)
        modinfo, _ = _varint_string(data, rest)
    else:
        if pointer_size not in (4, 8):
            raise BinaryFormatError(f"Go build info with pointer size {pointer_size}")
        big = flags & 1
        version = _go_string(binary, header, 16, pointer_size, big)
        modinfo = _go_string(binary, header, 16 + pointer_size, pointer_size, big)
    if len(modinfo) >= 33 and modinfo[-17] == "\n":
        modinfo = modinfo[16:-16]  # sentinels around the module information
    return version, modinfo


def _aligned_find(data: bytes) -> int:
    at = data.find(MAGIC)
    while at >= 0 and at % 16:
        at = data.find(MAGIC, at + 1)
    return at


def _varint_string(data: bytes, at: int) -> tuple[str, int]:
    length = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise BinaryFormatError("truncated Go build info string")
        byte = data[at]
        at += 1
        length |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            break
    if length > MAX_MODINFO or at + length > len(data):
        raise BinaryFormatError("Go build info string runs past its section")
    return data[at : at + length].decode("utf-8", "replace"), at + length


def _go_string(binary: ExecutableFile, header: bytes, at: int, pointer_size: int, big: int) -> str:
    """A Go string whose header (pointer, length) is at the address stored at ``header[at:]``."""
    order = ">" if big else "<"
    code = order + ("Q" if pointer_size == 8 else "I")
    (address,) = struct.unpack(code, header[at : at + pointer_size])
    string_header = binary.read_virtual(address, 2 * pointer_size)
    if len(string_header) < 2 * pointer_size:
        raise BinaryFormatError("truncated Go string header")
    data_address, length = struct.unpack(order + ("QQ" if pointer_size == 8 else "II"), string_header)
    if length > MAX_MODINFO:
        raise BinaryFormatError("Go build info string is too long")
    return binary.read_virtual(data_address, length).decode("utf-8", "replace") if length else ""


def packages_from_modinfo(go_version: str, modinfo: str, found_by: str) -> list[Package]:
    """Packages of ``go version -m`` output: dependencies (replacements applied), main module, stdlib."""
    main_path = main_version = ""
    settings: dict[str, str] = {}
    deps: list[list[str]] = []
    for line in modinfo.splitlines():
        fields = line.split("\t")
        kind = fields[0]
        if kind == "mod" and len(fields) >= 3:
            main_path, main_version = fields[1], fields[2]
        elif kind == "dep" and len(fields) >= 3:
            deps.append([fields[1], fields[2]])
        elif kind == "=>" and len(fields) >= 3 and deps:
            deps[-1] = [fields[1], fields[2]]  # the module that replaced the dependency above
        elif kind == "build" and len(fields) >= 2:
            key, _, value = fields[1].partition("=")
            settings[key] = value
    packages = [_go(path, version, found_by) for path, version in deps if path and version]
    if main_path:
        if main_version in ("", "(devel)"):
            main_version = version_from_ldflags(settings.get("-ldflags", ""), main_path)
        packages.insert(0, _go(main_path, main_version, found_by))
    stdlib = stdlib_version(go_version)
    if stdlib:
        packages.append(_go("stdlib", stdlib, found_by))
    return packages


def version_from_ldflags(ldflags: str, main_path: str) -> str:
    """A version set with ``-X pkg.Version=v1.2.3`` (the main package's first, then any), else ``""``."""
    found = [(key, value) for key, value in _VERSION_FLAG.findall(ldflags) if re.match(r"v?\d", value)]
    for key, value in found:
        if key.startswith((f"{main_path}/", "main.")):
            return value if value.startswith("v") else f"v{value}"
    return (found[0][1] if found[0][1].startswith("v") else f"v{found[0][1]}") if found else ""


def stdlib_version(go_version: str) -> str:
    """``go1.19.8`` → ``v1.19.8`` (the form module versions and the Go vulnerability database use)."""
    match = _GO_VERSION.match(go_version.strip())
    if not match:
        return ""
    number, pre = match.group(1), match.group(2) or ""
    if number.count(".") == 1:
        number += ".0"  # go1.21 is 1.21.0, go1.21rc2 is 1.21.0-rc2
    return f"v{number}{'-' + pre if pre else ''}"


def _go(path: str, version: str, found_by: str, declared: bool = False) -> Package:
    return lang_package(path, version, PackageKind.GOLANG, found_by, declared=declared)


class GoModAnalyzer:
    """Modules required by a ``go.mod`` file, and for Go < 1.17 modules the rest of ``go.sum`` (declared).

    Since Go 1.17 a module's go.mod lists every module its build needs, indirect ones included;
    before, it lists the direct ones only, and the others are in go.sum, together with modules no
    build needs. As Trivy does, go.sum is read for a go.mod whose ``go`` directive is older than
    1.17 (or missing), for the modules go.mod does not list (nor the module itself), at the last
    (highest) version go.sum records for each; a go.sum without a go.mod beside it gives nothing.
    (Declared: the build may select other versions.)
    """

    name: ClassVar[str] = "go-mod"
    path_pattern: ClassVar[str] = r"(?:^|/)go\.(?:mod|sum)$"

    def required(self, path: str, mode: int, size: int) -> bool:
        return "/pkg/mod/" not in f"/{path}"  # the module cache holds other modules' go.mod files

    def analyze(self, content: FileContent) -> AnalysisResult:
        if content.info.path.endswith(".sum"):
            return AnalysisResult(packages=go_sum(read_text(content, what="go.sum"), self.name))
        parsed = go_mod(read_text(content, what="go.mod"), self.name)
        return AnalysisResult(packages=unique(parsed.packages), properties={"go": parsed.go, "module": parsed.module})

    def post_analyze(self, files: list[AnalyzedFile]) -> None:
        """Keep a go.sum's modules only beside a visible go.mod older than Go 1.17, and only those it lacks."""
        modules = {
            file.record.path.rpartition("/")[0]: file
            for file in files
            if file.record.visible and file.record.path.endswith(".mod")
        }
        for file in files:
            if not file.record.path.endswith(".sum"):
                continue
            module = modules.get(file.record.path.rpartition("/")[0])
            if module is None or not _before_go_1_17(module.result.properties.get("go", "")):
                file.result.packages = []
                continue
            listed = {package.name for package in module.result.packages} | {module.result.properties.get("module")}
            file.result.packages = [package for package in file.result.packages if package.name not in listed]


def _before_go_1_17(version: str) -> bool:
    """Whether a go.mod's ``go`` directive (``1.15``, ``1.21.3``; empty when missing) is older than 1.17."""
    if not version:
        return True
    parts = [int(part) for part in version.split(".")[:2]] + [0]
    return (parts[0], parts[1]) < (1, 17)


def go_sum(text: str, found_by: str) -> list[Package]:
    """Modules of a go.sum (``path version[/go.mod] hash`` lines), each at the last version recorded."""
    versions: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 3 and fields[2].startswith("h1:"):
            versions[fields[0]] = fields[1].removesuffix("/go.mod")
    return [_go(path, version, found_by, declared=True) for path, version in versions.items()]


class GoMod(NamedTuple):
    """What a go.mod says: its requirements as packages, its ``go`` version and its module path."""

    packages: list[Package]
    go: str
    module: str


def go_mod(text: str, found_by: str) -> GoMod:
    """``require`` directives (single and block form), with ``replace`` directives applied; ``go``, ``module``."""
    directives = {"go": "", "module": ""}
    requires: dict[str, str] = {}
    replaces: dict[tuple[str, str], tuple[str, str]] = {}
    block = ""
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if block:
            if line == ")":
                block = ""
                continue
            _directive(block, line, requires, replaces)
            continue
        verb, _, rest = line.partition(" ")
        if rest.strip() == "(":
            block = verb
        elif verb in ("require", "replace"):
            _directive(verb, rest.strip(), requires, replaces)
        elif verb in directives:
            directives[verb] = rest.strip().strip('"')
    packages = []
    for required_path, required_version in requires.items():
        path, version = (
            replaces.get((required_path, required_version))
            or replaces.get((required_path, ""))
            or (required_path, required_version)
        )
        if version:  # a replacement by a local directory has no module version
            packages.append(_go(path, version, found_by, declared=True))
    return GoMod(packages, directives["go"], directives["module"])


def _directive(
    verb: str, line: str, requires: dict[str, str], replaces: dict[tuple[str, str], tuple[str, str]]
) -> None:
    if verb == "require":
        fields = line.split()
        if len(fields) >= 2:
            requires[fields[0].strip('"')] = fields[1]
    elif verb == "replace" and "=>" in line:
        old, new = (side.split() for side in line.split("=>", 1))
        if old and new:
            replaces[(old[0].strip('"'), old[1] if len(old) > 1 else "")] = (
                new[0].strip('"'),
                new[1] if len(new) > 1 else "",
            )
