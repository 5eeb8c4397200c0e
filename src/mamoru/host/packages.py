"""The host's own software through the image pipeline: the host root as a one-layer filesystem target.

This is :func:`mamoru.scan.pipeline.scan_filesystem` with one difference: the walk does not descend
into the container engines' data roots (``/var/lib/docker``, ``/var/lib/containerd`` …, whose image
layers are not host software and are scanned as images), nor into kernel pseudo file systems,
``/run`` and ``/tmp``. Everything else — OS package databases, language packages, binaries — is read
by the same analyzers and matched by the same detectors as any ``mamoru fs`` target.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from mamoru.model.artifact import Artifact, ArtifactKind, Layer
from mamoru.model.inventory import Inventory, Note
from mamoru.scan.pipeline import ScanOptions, scan_source
from mamoru.targets.source import OpenLayer
from mamoru.walk.dir_layer import DirectoryLayerReader
from mamoru.walk.walker import Progress

SKIPPED = ("proc", "sys", "dev", "run", "tmp", "var/tmp", "var/lib/docker", "var/lib/containerd",
           "var/lib/containers", "var/lib/kubelet/pods", "var/lib/rancher", "var/lib/lxc", "var/lib/lxd",
           "var/log", "var/cache", "lost+found")  # fmt: skip


class _Layer:
    def __init__(self, reader: DirectoryLayerReader) -> None:
        self.reader = reader

    @property
    def bytes_read(self) -> int:
        return 0


@dataclass(slots=True)
class HostSource:
    """The host root as a single-layer source for the walker."""

    artifact: Artifact
    root: str
    skipped: frozenset[str]
    notes: list[Note] = field(default_factory=list)

    @contextmanager
    def open_layer(self, layer: Layer) -> Iterator[OpenLayer]:
        yield _Layer(DirectoryLayerReader(self.root, self.skipped))

    def close(self) -> None:
        pass


def scan_host_software(root: str, data_roots: list[str], options: ScanOptions,
                       progress: Progress | None = None) -> Inventory:  # fmt: skip
    """Inventory (and findings of ``options.scanners``) of the host's own software."""
    skipped = frozenset({*SKIPPED, *(d.strip("/") for d in data_roots if d.strip("/"))})
    artifact = Artifact(name=root, kind=ArtifactKind.HOST, source="host-root", layers=(Layer(index=0),))
    source = HostSource(artifact=artifact, root=root, skipped=skipped)
    return scan_source(source, options, progress)
