"""OCI image layouts (a directory or an oci-archive tar): ``index.json`` → manifest → config + layers.

Handles image indexes and Docker manifest lists (multi-arch, picked by platform), nested indexes,
selection by tag (``org.opencontainers.image.ref.name``) or by digest, and verifies every blob
it reads against its descriptor.
"""

from __future__ import annotations

import hashlib
import platform as host_platform
from dataclasses import dataclass
from typing import Any

from mamoru.errors import TargetError
from mamoru.targets.source import LayerBlob, StoredImage, build_image_artifact
from mamoru.targets.stores import BlobStore, as_dict, as_list, parse_json, read_small
from mamoru.walk.layer_stream import BlobExpectation
from mamoru.walk.limits import Limits
from mamoru.walk.streams import hasher_for

INDEX_TYPES = frozenset(
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    }
)
MANIFEST_TYPES = frozenset(
    {
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    }
)
CONFIG_TYPES = frozenset(
    {
        "application/vnd.oci.image.config.v1+json",
        "application/vnd.docker.container.image.v1+json",
    }
)
REF_NAME = "org.opencontainers.image.ref.name"
CONTAINERD_NAME = "io.containerd.image.name"
MAX_INDEX_DEPTH = 4


@dataclass(frozen=True, slots=True)
class Descriptor:
    """An OCI content descriptor, validated."""

    media_type: str
    digest: str
    size: int
    annotations: dict[str, str]
    platform: dict[str, str]

    @classmethod
    def parse(cls, raw: Any, what: str) -> Descriptor:
        if not isinstance(raw, dict):
            raise TargetError(f"{what}: descriptor is not an object")
        digest = str(raw.get("digest") or "")
        hasher_for(digest, what)
        size = raw.get("size")
        if not isinstance(size, int) or size < 0:
            raise TargetError(f"{what}: descriptor {digest} has no valid size")
        return cls(
            str(raw.get("mediaType") or ""),
            digest,
            size,
            {str(k): str(v) for k, v in as_dict(raw.get("annotations")).items()},
            {str(k): v for k, v in as_dict(raw.get("platform")).items() if isinstance(v, str)},
        )

    @property
    def blob_path(self) -> str:
        algorithm, _, hexpart = self.digest.partition(":")
        return f"blobs/{algorithm}/{hexpart}"

    @property
    def platform_name(self) -> str:
        parts = [self.platform.get("os", ""), self.platform.get("architecture", ""), self.platform.get("variant", "")]
        return "/".join(p for p in parts if p)

    @property
    def ref_names(self) -> list[str]:
        names = [self.annotations[k] for k in (REF_NAME, CONTAINERD_NAME) if self.annotations.get(k)]
        return names


def read_blob(store: BlobStore, descriptor: Descriptor, limits: Limits, what: str) -> bytes:
    """Read a metadata blob and check it against its descriptor (size and digest)."""
    data = read_small(store, descriptor.blob_path, limits, what)
    if len(data) != descriptor.size:
        raise TargetError(f"{what}: size mismatch (descriptor says {descriptor.size}, blob has {len(data)})")
    algorithm, _, expected = descriptor.digest.partition(":")
    actual = hashlib.new(algorithm, data).hexdigest()
    if actual != expected:
        raise TargetError(f"{what}: digest mismatch (expected {descriptor.digest}, content is {algorithm}:{actual})")
    return data


def default_platform() -> str:
    """The platform of this machine in OCI terms (``linux/amd64``)."""
    machine = host_platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"linux/{arch}"


def open_oci_layout(
    store: BlobStore, name: str, ref: str | None, platform: str | None, limits: Limits, source: str
) -> StoredImage:
    """Open one image of an OCI layout, chosen by ``ref`` (tag or digest) and ``platform``."""
    if not store.exists("index.json"):
        raise TargetError(f"{store.name}: index.json is missing: not an OCI image layout")
    index = parse_json(read_small(store, "index.json", limits, "index.json"), "index.json")
    manifests = _manifests(index, "index.json")
    chosen = _select_top(manifests, ref, platform, store.name)
    manifest_desc = _resolve_platform(store, chosen, platform, limits, depth=0)
    manifest = parse_json(
        read_blob(store, manifest_desc, limits, f"manifest {manifest_desc.digest}"), f"manifest {manifest_desc.digest}"
    )
    if manifest.get("mediaType") in INDEX_TYPES or "manifests" in manifest:
        raise TargetError(f"{manifest_desc.digest} is an image index; choose a platform with --platform")
    config_desc = Descriptor.parse(manifest.get("config"), f"manifest {manifest_desc.digest} config")
    if config_desc.media_type and config_desc.media_type not in CONFIG_TYPES:
        raise TargetError(f"{manifest_desc.digest} is not a container image (config type {config_desc.media_type})")
    config_bytes = read_blob(store, config_desc, limits, f"image config {config_desc.digest}")
    config = parse_json(config_bytes, f"image config {config_desc.digest}")
    raw_layers = manifest.get("layers")
    if not isinstance(raw_layers, list):
        raise TargetError(f"manifest {manifest_desc.digest} has no layers list")
    diff_ids = as_list(as_dict(config.get("rootfs")).get("diff_ids"))
    if len(diff_ids) != len(raw_layers):
        raise TargetError(f"image config has {len(diff_ids)} diff_ids for {len(raw_layers)} manifest layers")
    blobs = []
    for position, raw in enumerate(raw_layers):
        desc = Descriptor.parse(raw, f"layer {position}")
        blobs.append(
            LayerBlob(
                path=desc.blob_path,
                media_type=desc.media_type,
                expect=BlobExpectation(digest=desc.digest, size=desc.size, diff_id=str(diff_ids[position])),
            )
        )
    tags = tuple(chosen.ref_names)
    artifact, notes = build_image_artifact(
        name=name,
        source=source,
        config=config,
        config_bytes=config_bytes,
        blobs=blobs,
        manifest_digest=manifest_desc.digest,
        repo_tags=tags,
    )
    return StoredImage(artifact=artifact, store=store, blobs=blobs, limits=limits, notes=notes)


def _manifests(index: dict[str, Any], what: str) -> list[Descriptor]:
    raw = index.get("manifests")
    if not isinstance(raw, list) or not raw:
        raise TargetError(f"{what} lists no manifests")
    return [Descriptor.parse(item, f"{what} manifests[{i}]") for i, item in enumerate(raw)]


def _select_top(manifests: list[Descriptor], ref: str | None, platform: str | None, layout: str) -> Descriptor:
    if ref:
        if ref.startswith(("sha256:", "sha512:")):
            matches = [m for m in manifests if m.digest == ref or m.digest.startswith(ref)]
        else:
            matches = [m for m in manifests if ref in m.ref_names or any(n.endswith(":" + ref) for n in m.ref_names)]
        if not matches:
            raise TargetError(f"{layout}: no image {ref!r} (available: {_describe(manifests)})")
        if len(matches) == 1 or not all(m.platform for m in matches):
            return matches[0]
        return _choose_by_platform(matches, platform, f"{layout}:{ref}")
    images = [m for m in manifests if not _is_attestation(m)]
    if len(images) == 1:
        return images[0]
    if images and all(m.platform for m in images) and len({m.platform_name for m in images}) == len(images):
        return _choose_by_platform(images, platform, layout)  # one image, listed flat per platform
    raise TargetError(
        f"{layout} holds {len(manifests)} images; name one as DIR:TAG or DIR@DIGEST (available: {_describe(manifests)})"
    )


def _choose_by_platform(candidates: list[Descriptor], platform: str | None, what: str) -> Descriptor:
    wanted = platform or default_platform()
    matching = [m for m in candidates if _platform_matches(m, wanted)]
    if not matching and platform is None and len(candidates) == 1:
        matching = candidates
    if not matching:
        available = ", ".join(m.platform_name or "unknown" for m in candidates)
        raise TargetError(f"{what} has no {wanted} image (available: {available}); use --platform")
    return matching[0]


def _describe(manifests: list[Descriptor]) -> str:
    return ", ".join(", ".join(m.ref_names) or m.digest[:19] for m in manifests)


def _is_attestation(desc: Descriptor) -> bool:
    return desc.platform.get("os") == "unknown" or "vnd.docker.reference.type" in desc.annotations


def _resolve_platform(
    store: BlobStore, desc: Descriptor, platform: str | None, limits: Limits, depth: int
) -> Descriptor:
    """Follow image indexes down to one manifest, choosing by platform."""
    if desc.media_type in MANIFEST_TYPES:
        return desc
    if depth >= MAX_INDEX_DEPTH:
        raise TargetError(f"image indexes nested deeper than {MAX_INDEX_DEPTH} levels")
    data = read_blob(store, desc, limits, f"index {desc.digest}")
    document = parse_json(data, f"index {desc.digest}")
    if desc.media_type not in INDEX_TYPES and "manifests" not in document:
        return desc  # a manifest with a missing or unusual media type: the caller checks it
    candidates = [m for m in _manifests(document, f"index {desc.digest}") if not _is_attestation(m)]
    chosen = _choose_by_platform(candidates, platform, f"image index {desc.digest[:19]}")
    return _resolve_platform(store, chosen, platform, limits, depth + 1)


def _platform_matches(desc: Descriptor, wanted: str) -> bool:
    want = wanted.split("/")
    have = [desc.platform.get("os", ""), desc.platform.get("architecture", ""), desc.platform.get("variant", "")]
    return all(w == h for w, h in zip(want, have, strict=False) if w)
