"""Auto-detect what a target is: an image archive, an OCI layout, a daemon image, or a root filesystem."""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from mamoru.cache import scratch_dir
from mamoru.errors import TargetError
from mamoru.targets.docker_archive import open_docker_archive
from mamoru.targets.oci import open_oci_layout
from mamoru.targets.rootfs import RootfsSource, first_block, open_rootfs
from mamoru.targets.source import ImageSource, StoredImage
from mamoru.targets.stores import BlobStore, DirectoryStore, TarStore
from mamoru.walk.layer_stream import CorruptStreamError, DecodedBytes
from mamoru.walk.limits import DEFAULT_LIMITS, Limits
from mamoru.walk.streams import CHUNK, DigestReader, compression_of, decompressing
from mamoru.walk.tar_layer import starts_a_tar


def split_reference(target: str) -> tuple[str, str | None]:
    """Split ``PATH:TAG``, ``PATH@DIGEST`` (or ``ARCHIVE:repo:tag``) where PATH exists; else return it whole."""
    if os.path.exists(target):
        return target, None
    at = target.rfind("@")
    if at > 0 and os.path.exists(target[:at]):
        return target[:at], target[at + 1 :]
    start = 0
    while (colon := target.find(":", start)) > 0:
        if os.path.exists(target[:colon]):
            return target[:colon], target[colon + 1 :] or None
        start = colon + 1
    return target, None


def open_image(target: str, limits: Limits, platform: str | None = None, docker_host: str | None = None) -> ImageSource:
    """Open an image target: archive, layout, ``registry://`` reference, or (no path) an image in the Docker daemon."""
    if not target:
        raise TargetError("the image target is empty: give an archive, a layout directory or an image name")
    if target.startswith("registry://"):
        from mamoru.targets.registry import open_registry_image

        return _checked_platform(open_registry_image(target, limits, platform), platform)
    path, ref = split_reference(target)
    if os.path.isdir(path):
        layout = _open_store(DirectoryStore(path), target, ref, platform, limits, "directory")
        return _checked_platform(layout, platform)
    if os.path.isfile(path):
        return _checked_platform(_open_archive(path, target, ref, platform, limits), platform)
    if os.path.exists(path):
        raise TargetError(f"{path}: not a regular file or directory")
    from mamoru.targets.daemon import open_daemon_image

    return open_daemon_image(target, limits, docker_host)


def _checked_platform(source: StoredImage, platform: str | None) -> StoredImage:
    """Refuse an image whose config names another platform than ``--platform`` asked for.

    An index is searched by platform; a single image (a docker-archive, a layout without an index)
    is what it is, and scanning it as another platform would report the wrong packages' advisories.
    """
    image = source.artifact.image
    if platform and image is not None:
        have = (image.os, image.architecture, image.variant)
        if any(want and got and want != got for want, got in zip(platform.split("/"), have, strict=False)):
            source.close()
            raise TargetError(f"{source.artifact.name} is a {image.platform} image, not {platform} (--platform)")
    return source


def open_filesystem(target: str, limits: Limits) -> RootfsSource:
    """Open a root filesystem directory or tarball (an image archive or layout is refused with a hint)."""
    if os.path.exists(target) and is_image(target):
        raise TargetError(f"{target} is a container image, not a root filesystem; scan it with `mamoru image {target}`")
    return open_rootfs(target, limits)


def _open_archive(path: str, target: str, ref: str | None, platform: str | None, limits: Limits) -> StoredImage:
    with open(path, "rb") as handle:
        head = handle.read(8)
    cleanup: Callable[[], None] | None = None
    tar_path = path
    if compression_of(head) != "none":
        tar_path = _decompress_to_scratch(path, limits)
        cleanup = lambda: os.unlink(tar_path)  # noqa: E731
    try:
        source = _open_store(TarStore(tar_path, limits, display_name=path), target, ref, platform, limits, "archive")
    except BaseException:
        if cleanup is not None:
            cleanup()
        raise
    source.cleanup = cleanup
    return source


def _open_store(
    store: BlobStore, target: str, ref: str | None, platform: str | None, limits: Limits, form: str
) -> StoredImage:
    try:
        if store.exists("manifest.json") and not (ref and ref.startswith(("sha256:", "sha512:"))):
            return open_docker_archive(store, target, ref, limits)
        if store.exists("index.json"):
            source = "oci-layout" if form == "directory" else "oci-archive"
            return open_oci_layout(store, target, ref, platform, limits, source)
    except BaseException:
        store.close()
        raise
    store.close()
    hint = "`mamoru fs`" if form == "directory" else "`mamoru fs` for a root filesystem tarball"
    raise TargetError(f"{store.name}: not a container image (no manifest.json or index.json); use {hint}")


def _decompress_to_scratch(path: str, limits: Limits) -> str:
    """Decompress a gzip/zstd image archive (``docker save | gzip``) into the cache to read it in place."""
    out = os.path.join(scratch_dir(), f"archive-{os.getpid()}-{os.path.basename(path)}.tar")
    try:
        with open(path, "rb") as handle, open(out, "wb") as sink:
            raw = DigestReader(handle)
            decoded, compression = decompressing(raw)
            data = DecodedBytes(decoded, compression, raw, None, limits, path, max_bytes=limits.max_archive_bytes)
            while chunk := data.read(CHUNK):
                sink.write(chunk)
    except (CorruptStreamError, OSError) as exc:
        os.unlink(out)
        raise TargetError(f"{path}: cannot decompress: {exc}") from None
    except BaseException:
        os.unlink(out)
        raise
    return out


def is_image(target: str) -> bool:
    """Whether ``target`` names an image (archive, layout, daemon name) rather than a root filesystem."""
    path, _ref = split_reference(target)
    if os.path.isdir(path):
        return any(os.path.isfile(os.path.join(path, name)) for name in ("index.json", "manifest.json"))
    if os.path.isfile(path):
        if not _is_plain_tar(path):  # compressed (`docker save | gzip`, rootfs.tar.gz): its first member says
            return _starts_like_an_image(path)
        try:
            store = TarStore(path, DEFAULT_LIMITS)
        except TargetError:  # unreadable: an image archive by its first member gets the image's clear error
            return _starts_like_an_image(path)
        try:
            return store.exists("manifest.json") or store.exists("index.json")
        finally:
            store.close()
    return not os.path.exists(path)


# the first member of a `docker save`, skopeo or OCI archive (a layer tar or config json at the top, a
# digest directory, the OCI files); a root filesystem starts with a directory or a file of one
_IMAGE_MEMBER = re.compile(r"^(?:\./)?(?:[^/]+\.(?:tar|json)$|[0-9a-f]{64}/|oci-layout$|blobs/|repositories$)")


def _starts_like_an_image(path: str) -> bool:
    """Whether the tar in ``path`` (compressed or not) begins with a member image archives begin with.

    A file that is no tar at all, or does not decompress, is not an image: the root filesystem reader
    then says what is wrong with it.
    """
    try:
        first, _compression = first_block(path)
    except TargetError:
        return False
    if not starts_a_tar(first):
        return False
    return _IMAGE_MEMBER.match(first[:100].split(b"\x00", 1)[0].decode("utf-8", "replace")) is not None


def _is_plain_tar(path: str) -> bool:
    with open(path, "rb") as handle:
        return compression_of(handle.read(8)) == "none"
