"""docker-archive: ``docker save`` tars (legacy ``<id>/layer.tar`` and Docker ≥25 OCI-in-tar) and skopeo's.

All of them carry ``manifest.json``: a list of images, each with ``Config``, ``RepoTags`` and
``Layers`` (paths inside the archive, which may be symlinks to ``<diffid>.tar`` or ``blobs/sha256/…``).
"""

from __future__ import annotations

from typing import Any

from mamoru.errors import TargetError
from mamoru.targets.source import LayerBlob, StoredImage, build_image_artifact
from mamoru.targets.stores import BlobStore, as_dict, parse_json, read_small, safe_relative
from mamoru.walk.layer_stream import BlobExpectation
from mamoru.walk.limits import Limits


def open_docker_archive(store: BlobStore, name: str, ref: str | None, limits: Limits) -> StoredImage:
    """Open the image in a docker-archive store, picking it by ``ref`` (a RepoTag) when there are several."""
    manifest = parse_json(read_small(store, "manifest.json", limits, "manifest.json"), "manifest.json", list)
    entry = _select(manifest, ref, store.name)
    config_path = safe_relative(str(entry.get("Config") or ""), "manifest.json Config")
    config_bytes = read_small(store, config_path, limits, f"image config {config_path}")
    config = parse_json(config_bytes, f"image config {config_path}")
    layer_paths = entry.get("Layers")
    if not isinstance(layer_paths, list) or not all(isinstance(p, str) for p in layer_paths):
        raise TargetError("manifest.json: Layers must be a list of paths")
    diff_ids = as_dict(config.get("rootfs")).get("diff_ids")
    if not isinstance(diff_ids, list) or len(diff_ids) != len(layer_paths):
        raise TargetError(
            f"image config has {len(diff_ids) if isinstance(diff_ids, list) else 'no'} diff_ids "
            f"for {len(layer_paths)} layers in manifest.json"
        )
    blobs = []
    for path, diff_id in zip(layer_paths, diff_ids, strict=True):
        clean = safe_relative(path, "manifest.json Layers")
        digest = _digest_from_blob_path(clean)
        size = store.size(clean)
        blobs.append(LayerBlob(path=clean, expect=BlobExpectation(digest=digest, size=size, diff_id=str(diff_id))))
    tags = tuple(str(t) for t in entry.get("RepoTags") or () if isinstance(t, str))
    artifact, notes = build_image_artifact(
        name=name, source="docker-archive", config=config, config_bytes=config_bytes, blobs=blobs, repo_tags=tags
    )
    return StoredImage(artifact=artifact, store=store, blobs=blobs, limits=limits, notes=notes)


def _select(manifest: list[Any], ref: str | None, archive: str) -> dict[str, Any]:
    images = [m for m in manifest if isinstance(m, dict)]
    if not images:
        raise TargetError(f"{archive}: manifest.json lists no images")
    if ref:
        for image in images:
            tags = [str(t) for t in image.get("RepoTags") or ()]
            if ref in tags or any(t.endswith("/" + ref) for t in tags):
                return image
        raise TargetError(f"{archive}: no image tagged {ref!r} (tags: {', '.join(_all_tags(images)) or 'none'})")
    if len(images) > 1:
        raise TargetError(
            f"{archive} holds {len(images)} images; name one as ARCHIVE:TAG "
            f"(tags: {', '.join(_all_tags(images)) or 'none'})"
        )
    return images[0]


def _all_tags(images: list[dict[str, Any]]) -> list[str]:
    return [str(t) for image in images for t in image.get("RepoTags") or ()]


def _digest_from_blob_path(path: str) -> str:
    """``blobs/sha256/<hex>`` (Docker ≥25) names its own digest; legacy paths name none."""
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "blobs" and parts[1] in ("sha256", "sha512"):
        return f"{parts[1]}:{parts[2]}"
    return ""
