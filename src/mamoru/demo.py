"""``mamoru demo``: build a small, real-format image in the cache, with no network and no Docker.

The image is a docker-archive with three layers, written with :mod:`tarfile`: a Debian 12 base
(its dpkg status paragraphs are real bookworm package metadata), a ``RUN apt-get install openssl``
layer, and a ``RUN rm`` layer with a whiteout. Scanning it shows OS detection, packages with source
packages, and which layer (and Dockerfile instruction) introduced each package.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

from mamoru.cache import cache_dir

NOP = "/bin/sh -c #(nop) "
OS_RELEASE = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
"""
BASE_PACKAGES = """Package: base-files
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 341
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u15
Description: Debian base system miscellaneous files

Package: bash
Status: install ok installed
Priority: required
Section: shells
Installed-Size: 7164
Maintainer: Matthias Klose <doko@debian.org>
Architecture: amd64
Multi-Arch: foreign
Source: bash (5.2.15-2)
Version: 5.2.15-2+b13
Description: GNU Bourne Again SHell

Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 13001
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u14
Description: GNU C Library: Shared libraries

Package: zlib1g
Status: install ok installed
Priority: required
Section: libs
Installed-Size: 168
Maintainer: Mark Brown <broonie@debian.org>
Architecture: amd64
Multi-Arch: same
Source: zlib
Version: 1:1.2.13.dfsg-1
Description: compression library - runtime
"""
OPENSSL_PACKAGES = """
Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6030
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.20-1~deb12u2
Description: Secure Sockets Layer toolkit - shared libraries

Package: openssl
Status: install ok installed
Priority: optional
Section: utils
Installed-Size: 2310
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: foreign
Version: 3.0.20-1~deb12u2
Description: Secure Sockets Layer toolkit - cryptographic utility
"""

Layer = list[tuple[str, bytes | None, int]]  # (path, content or None for a directory, mode)


def _layers() -> list[tuple[str, Layer]]:
    base: Layer = [
        ("etc", None, 0o755),
        ("etc/debian_version", b"12.15\n", 0o644),
        ("usr", None, 0o755),
        ("usr/lib", None, 0o755),
        ("usr/lib/os-release", OS_RELEASE.encode(), 0o644),
        ("var", None, 0o755),
        ("var/lib", None, 0o755),
        ("var/lib/dpkg", None, 0o755),
        ("var/lib/dpkg/status", BASE_PACKAGES.encode(), 0o644),
        ("bin", None, 0o755),
        ("bin/bash", b"\x7fELF demo placeholder\n", 0o755),
    ]
    install: Layer = [
        ("var/lib/dpkg/status", (BASE_PACKAGES + OPENSSL_PACKAGES).encode(), 0o644),
        ("usr/bin", None, 0o755),
        ("usr/bin/openssl", b"\x7fELF demo placeholder\n", 0o755),
        ("var/cache/apt", None, 0o755),
        ("var/cache/apt/pkgcache.bin", b"cache\n", 0o644),
    ]
    cleanup: Layer = [("var/cache/apt/.wh.pkgcache.bin", b"", 0o644)]
    return [
        (f"{NOP}ADD file:demo-rootfs.tar in / ", base),
        ("/bin/sh -c apt-get update && apt-get install -y --no-install-recommends openssl", install),
        ("/bin/sh -c rm -f /var/cache/apt/pkgcache.bin", cleanup),
    ]


def _layer_tar(entries: Layer) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path, data, mode in entries:
            info = tarfile.TarInfo(path)
            info.mode, info.mtime = mode, 1_700_000_000
            if data is None:
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 1_700_000_000, 0o644
    archive.addfile(info, io.BytesIO(data))


def build_demo_image(directory: Path | None = None) -> Path:
    """Write the demo docker-archive (skopeo layout: ``<diffid>.tar`` files) and return its path."""
    target_dir = directory or cache_dir() / "demo"
    target_dir.mkdir(parents=True, exist_ok=True)
    path = target_dir / "mamoru-demo.tar"
    layers = [(created_by, _layer_tar(entries)) for created_by, entries in _layers()]
    diff_ids = ["sha256:" + hashlib.sha256(blob).hexdigest() for _, blob in layers]
    history: list[dict[str, object]] = [
        {"created": "2026-01-01T00:00:00Z", "created_by": created_by} for created_by, _ in layers
    ]
    history.insert(1, {"created": "2026-01-01T00:00:00Z", "created_by": f'{NOP} CMD ["bash"]', "empty_layer": True})
    history.append({"created": "2026-01-01T00:00:00Z", "created_by": f"{NOP} USER app", "empty_layer": True})
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "2026-01-01T00:00:00Z",
            "config": {
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                "Cmd": ["bash"],
                "User": "app",
            },
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        },
        sort_keys=True,
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    layer_names = [d.split(":", 1)[1] + ".tar" for d in diff_ids]
    manifest = json.dumps([{"Config": config_name, "RepoTags": ["mamoru-demo:latest"], "Layers": layer_names}]).encode()
    partial = path.with_suffix(".tar.partial")
    with tarfile.open(partial, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, (_, blob) in zip(layer_names, layers, strict=True):
            _add(archive, name, blob)
        _add(archive, config_name, config)
        _add(archive, "manifest.json", manifest)
    partial.replace(path)
    return path
