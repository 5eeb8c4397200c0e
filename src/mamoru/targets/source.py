"""Image sources: an artifact plus a way to open each of its layers as a stream of entries."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from mamoru.model.artifact import Artifact, ArtifactKind, ImageMetadata, Layer
from mamoru.model.inventory import Note, NoteKind
from mamoru.targets.history import history_for_layers, parse_history
from mamoru.targets.stores import BlobStore, as_dict, as_list
from mamoru.walk.entries import LayerReader
from mamoru.walk.layer_stream import BlobExpectation, open_layer_stream
from mamoru.walk.limits import Limits


class OpenLayer(Protocol):
    """A layer being read: its entries and how many of its bytes were consumed so far."""

    @property
    def reader(self) -> LayerReader: ...

    @property
    def bytes_read(self) -> int: ...


class ImageSource(Protocol):
    """What the walker needs from a target."""

    artifact: Artifact
    notes: list[Note]

    def open_layer(self, layer: Layer) -> AbstractContextManager[OpenLayer]: ...

    # Sources may also say ``parallel_layers = True``: two processes may open different layers at
    # the same time (the walk then forks a worker, see mamoru.walk.layer_worker).

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class LayerBlob:
    """Where a layer's bytes live in the store and what they must hash to."""

    path: str
    expect: BlobExpectation
    media_type: str = ""


@dataclass(slots=True)
class StoredImage:
    """An image whose layers are blobs in a :class:`BlobStore` (all archive and layout formats)."""

    artifact: Artifact
    store: BlobStore
    blobs: list[LayerBlob]
    limits: Limits
    notes: list[Note] = field(default_factory=list)
    cleanup: Callable[[], None] | None = None
    # each open_layer opens its blob anew (a file, a window read with pread, an HTTP request)
    parallel_layers: bool = True

    @contextmanager
    def open_layer(self, layer: Layer) -> Iterator[OpenLayer]:
        blob = self.blobs[layer.index]
        handle, _size = self.store.open(blob.path)
        what = f"layer {layer.index} ({layer.digest or layer.diff_id or blob.path})"
        with open_layer_stream(handle, blob.expect, self.limits, what) as stream:
            yield stream

    def close(self) -> None:
        self.store.close()
        if self.cleanup is not None:
            self.cleanup()


def build_image_artifact(
    *,
    name: str,
    source: str,
    config: dict[str, Any],
    config_bytes: bytes,
    blobs: list[LayerBlob],
    manifest_digest: str = "",
    repo_tags: tuple[str, ...] = (),
    repo_digests: tuple[str, ...] = (),
) -> tuple[Artifact, list[Note]]:
    """Assemble the :class:`Artifact` of an image from its config and layer blobs."""
    notes: list[Note] = []
    history, mapping, warning = parse_history(config.get("history"), len(blobs))
    if warning:
        notes.append(Note(kind=NoteKind.WARNING, message=warning))
    per_layer = history_for_layers(history, mapping)
    diff_ids = _diff_ids(config)
    layers = tuple(
        Layer(
            index=i,
            digest=blob.expect.digest,
            diff_id=blob.expect.diff_id or (diff_ids[i] if i < len(diff_ids) else ""),
            size=blob.expect.size or 0,
            media_type=blob.media_type,
            created_by=entry.created_by if entry else "",
            instruction=entry.instruction if entry else "",
        )
        for i, (blob, entry) in enumerate(zip(blobs, per_layer, strict=True))
    )
    inner = config.get("config")
    image = ImageMetadata(
        image_id="sha256:" + hashlib.sha256(config_bytes).hexdigest(),
        manifest_digest=manifest_digest,
        repo_tags=repo_tags,
        repo_digests=repo_digests,
        os=str(config.get("os") or ""),
        architecture=str(config.get("architecture") or ""),
        variant=str(config.get("variant") or ""),
        created=str(config.get("created") or ""),
        author=str(config.get("author") or ""),
        config=inner if isinstance(inner, dict) else {},
        history=history,
    )
    return Artifact(name=name, kind=ArtifactKind.CONTAINER_IMAGE, source=source, layers=layers, image=image), notes


def _diff_ids(config: dict[str, Any]) -> list[str]:
    return [str(d) for d in as_list(as_dict(config.get("rootfs")).get("diff_ids"))]
