"""The inventory of an artifact: its OS, packages, files and what could not be read."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from mamoru.model.artifact import Artifact, Layer
from mamoru.model.finding import Finding
from mamoru.model.package import Location, Package


@dataclass(frozen=True, slots=True, kw_only=True)
class OSRelease:
    """The operating system of an image or root filesystem.

    ``family`` is the normalised distribution id (``debian``, ``ubuntu``, ``alpine``, ``rhel``,
    ``centos``, ``rocky``, ``almalinux``, ``oracle``, ``amazon``, ``sles``, ``opensuse-leap``,
    ``photon``, ``wolfi``, ``chainguard``, ``azurelinux`` …), ``version`` the release (``12.15``,
    ``3.23.6``), ``codename`` where known (``bookworm``). ``distroless`` marks Google's distroless
    images (dpkg ``status.d`` without a dpkg binary).
    """

    family: str
    version: str = ""
    name: str = ""
    codename: str = ""
    id_like: tuple[str, ...] = ()
    distroless: bool = False
    location: Location | None = None

    @property
    def major_version(self) -> str:
        return self.version.split(".", 1)[0]

    def __str__(self) -> str:
        text = f"{self.family} {self.version}".strip()
        if self.codename:
            text += f" ({self.codename})"
        return text + (" distroless" if self.distroless else "")


class FileKind(StrEnum):
    """Tar entry types, as mamoru records them."""

    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    CHAR_DEVICE = "char"
    BLOCK_DEVICE = "block"
    FIFO = "fifo"
    OTHER = "other"


@dataclass(slots=True, kw_only=True)
class FileRecord:
    """One file entry of one layer (mutable only for ``visible``, set once after the walk)."""

    path: str
    layer_index: int
    kind: FileKind
    mode: int
    uid: int
    gid: int
    size: int
    linkname: str = ""
    visible: bool = True


@dataclass(frozen=True, slots=True)
class Deletion:
    """A whiteout (``.wh.name``) or opaque marker: ``path`` deleted, or emptied, by layer ``layer_index``."""

    layer_index: int
    path: str
    opaque: bool


class NoteKind(StrEnum):
    """Why something was not (fully) analysed."""

    UNKNOWN = "unknown"  # a file an analyzer could not parse
    SKIPPED = "skipped"  # a file or member deliberately not read (size bound, non-regular, unsafe name)
    LIMIT = "limit"  # a safety bound cut the result short
    WARNING = "warning"  # anything else the user should know


@dataclass(frozen=True, slots=True, kw_only=True)
class Note:
    """A recorded problem that did not stop the scan."""

    kind: NoteKind
    message: str
    path: str = ""
    layer: Layer | None = None
    source: str = ""
    path_as_named: bool = False  # a file the user named (config files), not a path inside an image

    @property
    def shown_path(self) -> str:
        """The path as reports show it: ``/etc/passwd`` in an image, ``k8s/pod.yaml`` as the user named it."""
        if not self.path:
            return ""
        return self.path if self.path_as_named else "/" + self.path.lstrip("/")

    def __str__(self) -> str:
        where = f"{self.shown_path}: " if self.path else ""
        layer = f" (layer {self.layer.index})" if self.layer is not None else ""
        return f"{self.kind.value}: {where}{self.message}{layer}"


@dataclass(slots=True, kw_only=True)
class Inventory:
    """Everything the walk and the analyzers learned about an artifact."""

    artifact: Artifact
    os: OSRelease | None = None
    packages: list[Package] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[FileRecord] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    layer_file_counts: dict[int, int] = field(default_factory=dict)
    files_truncated: bool = False

    def packages_by_layer(self) -> dict[int | None, list[Package]]:
        grouped: dict[int | None, list[Package]] = {}
        for package in self.packages:
            key = package.layer.index if package.layer is not None else None
            grouped.setdefault(key, []).append(package)
        return grouped
