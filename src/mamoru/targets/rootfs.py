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


def open_rootfs(path: str, limits: Limits) -> RootfsSource:
    """A directory or tarball holding a root filesystem (``mamoru fs``)."""
    if not os.path.exists(path):
        raise TargetError(f"{path}: no such file or directory")
    if not (os.path.isdir(path) or os.path.isfile(path)):
        raise TargetError(f"{path}: not a directory or a regular file")
    size = os.path.getsize(path) if os.path.isfile(path) else 0
    artifact = Artifact(
        name=path,
        kind=ArtifactKind.FILESYSTEM,
        source="directory" if os.path.isdir(path) else "tarball",
        layers=(Layer(index=0, size=size),),
    )
    return RootfsSource(artifact=artifact, path=path, limits=limits)
