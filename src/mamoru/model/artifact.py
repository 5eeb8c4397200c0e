"""What a target is: an image (layers, config, history) or a plain filesystem."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ArtifactKind(StrEnum):
    """The kind of thing that was scanned."""

    CONTAINER_IMAGE = "container_image"
    FILESYSTEM = "filesystem"
    CONFIG = "config"  # Dockerfiles, Compose files and Kubernetes manifests (``mamoru config``)
    CONTAINER = "container"  # containers of a Docker Engine (``mamoru runtime``)
    HOST = "host"  # a container host: daemon configuration, files, OS packages (``mamoru host``)


@dataclass(frozen=True, slots=True, kw_only=True)
class Layer:
    """One layer of an image, in order from the base (index 0) up.

    ``digest`` is the blob digest from the manifest (compressed), ``diff_id`` the digest of the
    uncompressed tar from the image config. A filesystem target has a single layer with empty digests.
    ``created_by`` is the history line that made the layer and ``instruction`` the Dockerfile
    instruction recovered from it (``RUN apt-get …``, ``COPY …``).
    """

    index: int
    digest: str = ""
    diff_id: str = ""
    size: int = 0
    media_type: str = ""
    created_by: str = ""
    instruction: str = ""

    @property
    def short_id(self) -> str:
        """A 12-hex-digit id for tables (diff_id, else digest, else the layer number)."""
        ident = self.diff_id or self.digest
        return ident.split(":", 1)[-1][:12] if ident else f"layer {self.index}"


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEntry:
    """One entry of the image config's history, including the ones that made no layer."""

    created_by: str = ""
    instruction: str = ""
    created: str = ""
    comment: str = ""
    empty_layer: bool = False
    layer_index: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageMetadata:
    """What the manifest and image config say about an image."""

    image_id: str = ""
    manifest_digest: str = ""
    repo_tags: tuple[str, ...] = ()
    repo_digests: tuple[str, ...] = ()
    os: str = ""
    architecture: str = ""
    variant: str = ""
    created: str = ""
    author: str = ""
    config: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    history: tuple[HistoryEntry, ...] = ()

    @property
    def platform(self) -> str:
        parts = [p for p in (self.os, self.architecture, self.variant) if p]
        return "/".join(parts)

    @property
    def labels(self) -> dict[str, str]:
        labels = self.config.get("Labels") or {}
        return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


@dataclass(frozen=True, slots=True, kw_only=True)
class Artifact:
    """A scanned target: its name as the user gave it, its kind, its layers and image metadata."""

    name: str
    kind: ArtifactKind
    source: str
    layers: tuple[Layer, ...] = ()
    image: ImageMetadata | None = None
