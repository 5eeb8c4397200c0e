"""Plain root filesystems: a directory or a (possibly compressed) tarball, scanned as one layer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from mamoru.errors import TargetError
from mamoru.model.artifact import Artifact, ArtifactKind, Layer
from mamoru.model.inventory import Note
from mamoru.targets.source import OpenLayer
from mamoru.walk.dir_layer import DirectoryLayerReader
from mamoru.walk.layer_stream import BlobExpectation, open_layer_stream
from mamoru.walk.limits import Limits
from mamoru.walk.streams import DECOMPRESSION_ERRORS, DigestReader, decompressing
from mamoru.walk.tar_layer import BLOCK, starts_a_tar


class _DirectoryLayer:
    def __init__(self, reader: DirectoryLayerReader) -> None:
        self.reader = reader

    @property
    def bytes_read(self) -> int:
        return 0


@dataclass(slots=True)
class RootfsSource:
    """A root filesystem as a single-layer source."""

    artifact: Artifact
    path: str
    limits: Limits
    notes: list[Note] = field(default_factory=list)

    @contextmanager
    def open_layer(self, layer: Layer) -> Iterator[OpenLayer]:
        if os.path.isdir(self.path):
            yield _DirectoryLayer(DirectoryLayerReader(self.path))
            return
        try:
            handle = open(self.path, "rb")
        except OSError as exc:
            raise TargetError(f"{self.path}: cannot open: {exc.strerror}") from None
        with open_layer_stream(handle, BlobExpectation(), self.limits, self.path) as stream:
            yield stream

    def close(self) -> None:
        pass


def first_block(path: str) -> tuple[bytes, str]:
    """The first 512 bytes of a file as a tar reader sees them (decompressed by magic), and its compression."""
    try:
        with open(path, "rb") as handle:
            decoded, compression = decompressing(DigestReader(handle))
            first = b""
            while len(first) < BLOCK and (more := decoded.read(BLOCK - len(first))):
                first += more
    except DECOMPRESSION_ERRORS as exc:
        raise TargetError(f"{path}: cannot decompress: {exc}") from None
    return first, compression


def _check_tarball(path: str) -> None:
    """Refuse a file that is not a tar (compressed or not) before it is scanned as an empty filesystem."""
    first, compression = first_block(path)
    if not starts_a_tar(first):
        what = "the file" if compression == "none" else f"the {compression} data in it"
        raise TargetError(f"{path}: not a directory or a root filesystem tarball ({what} is not a tar archive)")


def open_rootfs(path: str, limits: Limits) -> RootfsSource:
    """A directory or tarball holding a root filesystem (``mamoru fs``)."""
    if not os.path.exists(path):
        raise TargetError(f"{path}: no such file or directory")
    if not (os.path.isdir(path) or os.path.isfile(path)):
        raise TargetError(f"{path}: not a directory or a regular file")
    size = os.path.getsize(path) if os.path.isfile(path) else 0
    if size:
        _check_tarball(path)
    artifact = Artifact(
        name=path,
        kind=ArtifactKind.FILESYSTEM,
        source="directory" if os.path.isdir(path) else "tarball",
        layers=(Layer(index=0, size=size),),
    )
    return RootfsSource(artifact=artifact, path=path, limits=limits)
