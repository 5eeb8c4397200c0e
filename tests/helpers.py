"""Builders for small handmade images (edge cases and malformed data; real images come from fixtures/)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Entry:
    """One tar member for a handmade layer."""

    name: str
    data: bytes | None = b""
    type: bytes = tarfile.REGTYPE
    mode: int = 0o644
    linkname: str = ""
    size: int | None = None  # lie about the size when set


def layer_tar(entries: Iterable[Entry], end_marker: bool = True) -> bytes:
    buffer = io.BytesIO()
    archive = tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT)
    for entry in entries:
        info = tarfile.TarInfo(entry.name)
        info.type, info.mode, info.linkname = entry.type, entry.mode, entry.linkname
        if entry.type in (tarfile.REGTYPE, tarfile.AREGTYPE) and entry.data is not None:
            info.size = len(entry.data)
            archive.addfile(info, io.BytesIO(entry.data))
        else:
            archive.addfile(info)
    if end_marker:
        archive.close()
    else:
        archive.fileobj.close = lambda: None  # type: ignore[method-assign]
        archive.closed = True
    return buffer.getvalue()


def files(*pairs: tuple[str, str | bytes]) -> list[Entry]:
    return [Entry(name, data.encode() if isinstance(data, str) else data) for name, data in pairs]


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class ImageSpec:
    """A handmade image: layer blobs (as stored) and the config that describes them."""

    layers: Sequence[bytes]
    history: list[dict[str, Any]] | None = None
    config_extra: dict[str, Any] = field(default_factory=dict)
    diff_ids: list[str] | None = None
    architecture: str = "amd64"

    def config(self) -> bytes:
        diff_ids = self.diff_ids or [sha256(_uncompressed(blob)) for blob in self.layers]
        history = (
            self.history
            if self.history is not None
            else [{"created_by": f"/bin/sh -c #(nop) ADD file:layer{i} in / "} for i in range(len(self.layers))]
        )
        config = {
            "architecture": self.architecture,
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
            "config": {"Env": ["PATH=/usr/bin"]},
            **self.config_extra,
        }
        return json.dumps(config).encode()


def _uncompressed(blob: bytes) -> bytes:
    return gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob


def add_member(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def docker_archive(path: Path, spec: ImageSpec, tag: str = "test/image:latest", manifest: bytes | None = None) -> Path:
    """Write a skopeo-style docker-archive (``<diffid>.tar`` layers)."""
    config = spec.config()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    names = [f"layer{i}.tar" for i in range(len(spec.layers))]
    if manifest is None:
        manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": names}]).encode()
    with tarfile.open(path, "w") as archive:
        for name, blob in zip(names, spec.layers, strict=True):
            add_member(archive, name, blob)
        add_member(archive, config_name, config)
        add_member(archive, "manifest.json", manifest)
    return path


def write_blob(layout: Path, data: bytes) -> dict[str, Any]:
    digest = sha256(data)
    blob = layout / "blobs" / "sha256" / digest.split(":", 1)[1]
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(data)
    return {"digest": digest, "size": len(data)}


def oci_manifest(
    layout: Path, spec: ImageSpec, layer_type: str = "application/vnd.oci.image.layer.v1.tar+gzip"
) -> dict[str, Any]:
    """Write the config, layers and manifest of ``spec`` as blobs; return the manifest descriptor."""
    config = write_blob(layout, spec.config())
    layers = [{"mediaType": layer_type, **write_blob(layout, blob)} for blob in spec.layers]
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
        "layers": layers,
    }
    return {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        **write_blob(layout, json.dumps(manifest).encode()),
    }


def oci_layout(layout: Path, manifests: list[dict[str, Any]]) -> Path:
    layout.mkdir(parents=True, exist_ok=True)
    (layout / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": manifests}))
    return layout


DPKG_STATUS = """Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u14
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Description: GNU C Library: Shared libraries

Package: bash
Status: install ok installed
Architecture: amd64
Source: bash (5.2.15-2)
Version: 5.2.15-2+b13
Description: GNU Bourne Again SHell
"""
OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'


def multi_arch_layout(source_layout: Path, layout: Path, attestation: bool = True) -> Path:
    """An OCI layout whose index ``multi`` lists the real app image as linux/amd64 and the real alpine
    image as linux/arm64 (their configs say so), plus an attestation manifest as BuildKit adds one."""
    ref_name = "org.opencontainers.image.ref.name"
    source = json.loads((source_layout / "index.json").read_text())["manifests"]
    blobs = source_layout / "blobs" / "sha256"
    entries = []
    for ref, arch in (("app", "amd64"), ("alpine", "arm64")):
        desc = next(m for m in source if m.get("annotations", {}).get(ref_name) == ref)
        manifest = json.loads((blobs / desc["digest"].split(":")[1]).read_bytes())
        config = json.loads((blobs / manifest["config"]["digest"].split(":")[1]).read_bytes())
        config["architecture"] = arch
        manifest["config"].update(write_blob(layout, json.dumps(config).encode()))
        for layer in manifest["layers"]:
            write_blob(layout, (blobs / layer["digest"].split(":")[1]).read_bytes())
        entries.append({"mediaType": desc["mediaType"], **write_blob(layout, json.dumps(manifest).encode()),
                        "platform": {"os": "linux", "architecture": arch}})  # fmt: skip
    if attestation:
        entries.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", **write_blob(layout, b"{}"),
                        "platform": {"os": "unknown", "architecture": "unknown"}})  # fmt: skip
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}
    top = {"mediaType": "application/vnd.oci.image.index.v1+json", **write_blob(layout, json.dumps(index).encode()),
           "annotations": {ref_name: "multi"}}  # fmt: skip
    return oci_layout(layout, [top])


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip archive (deflated) holding ``files``, as Python's zipfile writes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
