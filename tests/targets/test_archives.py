"""Every real image format opens to the same image; malformed archives give one clear error."""

from __future__ import annotations

import gzip
import json
import tarfile
from pathlib import Path

import pytest
from tests.helpers import (
    DPKG_STATUS,
    OS_RELEASE,
    Entry,
    ImageSpec,
    docker_archive,
    files,
    layer_tar,
    multi_arch_layout,
    oci_layout,
    oci_manifest,
    sha256,
)

from mamoru.errors import LimitExceeded, TargetError
from mamoru.scan.pipeline import ScanOptions, scan_image
from mamoru.targets.detect import is_image, open_image, split_reference
from mamoru.walk.limits import Limits

pytestmark = pytest.mark.usefixtures("cache_dir")
REF = "org.opencontainers.image.ref.name"


def summary(target: str, platform: str | None = None) -> tuple[str, list[int], int]:
    inventory = scan_image(target, ScanOptions(platform=platform))
    introduced = [0] * len(inventory.artifact.layers)
    for package in inventory.packages:
        assert package.layer is not None
        introduced[package.layer.index] += 1
    return inventory.artifact.source, introduced, len(inventory.packages)


@pytest.mark.images
@pytest.mark.parametrize(
    ("target", "source"),
    [
        ("app-docker.tar", "docker-archive"),  # skopeo: <diffid>.tar + symlinked <id>/layer.tar
        ("docker25-app.tar", "docker-archive"),  # Docker >= 25 docker save: OCI-in-tar + manifest.json
        ("app-docker.tar.gz", "docker-archive"),  # docker save | gzip
        ("oci:app", "oci-layout"),  # umoci layout, gzip layers, selected by tag
        ("oci-zstd", "oci-layout"),  # zstd layers, single image
        ("app-oci-archive.tar", "oci-archive"),
    ],
)
def test_all_formats_of_the_app_image_agree(images: Path, target: str, source: str) -> None:
    # 94 debs; requests installed, and 3 PyPI + 2 npm packages only declared in lock files (COPY layer)
    assert summary(str(images / target)) == (source, [88, 6, 6, 0, 0], 100)


@pytest.mark.images
def test_oci_layout_by_digest_and_by_ambiguity(images: Path) -> None:
    index = json.loads((images / "oci" / "index.json").read_text())
    digest = next(m["digest"] for m in index["manifests"] if m.get("annotations", {}).get(REF) == "base")
    assert summary(f"{images}/oci@{digest}") == ("oci-layout", [88], 88)
    assert summary(f"{images}/oci@{digest[:19]}") == ("oci-layout", [88], 88)  # a unique digest prefix
    with pytest.raises(TargetError, match=r"holds 3 images.*base, app, alpine"):
        open_image(str(images / "oci"), Limits())
    with pytest.raises(TargetError, match="no image 'nope'"):
        open_image(f"{images}/oci:nope", Limits())


@pytest.mark.images
def test_multi_arch_index_is_resolved_by_platform(images: Path, tmp_path: Path) -> None:
    """An image index whose amd64 entry is the real app image and whose arm64 entry is the real alpine image."""
    layout = multi_arch_layout(images / "oci", tmp_path / "multi")
    assert summary(str(layout), "linux/amd64")[1:] == ([88, 6, 6, 0, 0], 100)
    assert summary(f"{layout}:multi", "linux/arm64")[1:] == ([59], 59)
    with pytest.raises(TargetError, match=r"no linux/s390x image \(available: linux/amd64, linux/arm64\)"):
        open_image(str(layout), Limits(), platform="linux/s390x")


@pytest.mark.images
def test_skopeo_legacy_symlinked_layer_paths(images: Path, tmp_path: Path) -> None:
    """skopeo also writes ``<id>/layer.tar`` symlinks to ``<diffid>.tar``; a manifest naming them reads the same."""
    source = images / "base-docker.tar"
    copy = tmp_path / "legacy.tar"
    with tarfile.open(source) as archive, tarfile.open(copy, "w") as out:
        links = [m for m in archive.getmembers() if m.name.endswith("/layer.tar")]
        assert links and all(m.issym() for m in links)
        for member in archive.getmembers():
            if member.name == "manifest.json":
                manifest = json.loads(archive.extractfile(member).read())  # type: ignore[union-attr]
                manifest[0]["Layers"] = [m.name for m in links]
                from tests.helpers import add_member

                add_member(out, "manifest.json", json.dumps(manifest).encode())
            else:
                out.addfile(member, archive.extractfile(member) if member.isreg() else None)
    assert summary(str(copy)) == ("docker-archive", [88], 88)


def test_split_reference(tmp_path: Path) -> None:
    (tmp_path / "oci").mkdir()
    archive = tmp_path / "img.tar"
    archive.write_bytes(b"")
    assert split_reference(f"{tmp_path}/oci:app") == (f"{tmp_path}/oci", "app")
    assert split_reference(f"{tmp_path}/oci@sha256:abc") == (f"{tmp_path}/oci", "sha256:abc")
    assert split_reference(f"{archive}:feas/app:latest") == (str(archive), "feas/app:latest")
    assert split_reference("alpine:3.20") == ("alpine:3.20", None)


def basic_spec() -> ImageSpec:
    return ImageSpec(
        layers=[gzip.compress(layer_tar(files(("etc/os-release", OS_RELEASE), ("var/lib/dpkg/status", DPKG_STATUS))))]
    )


def test_docker_archive_with_several_images_needs_a_tag(tmp_path: Path) -> None:
    spec = basic_spec()
    path = docker_archive(tmp_path / "two.tar", spec)
    with tarfile.open(path) as archive:
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    manifest.append({**manifest[0], "RepoTags": ["other/image:1"]})
    two = docker_archive(tmp_path / "two.tar", spec, manifest=json.dumps(manifest).encode())
    with pytest.raises(TargetError, match=r"holds 2 images.*test/image:latest, other/image:1"):
        open_image(str(two), Limits())
    source = open_image(f"{two}:other/image:1", Limits())
    assert source.artifact.image is not None and source.artifact.image.repo_tags == ("other/image:1",)
    source.close()


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (b"{not json", "manifest.json is not valid JSON"),
        (b'{"a": 1}', "manifest.json is not a JSON array"),
        (b"[]", "lists no images"),
        (b'[{"Config": "../../etc/passwd", "Layers": []}]', "leaves the archive"),
        (b'[{"Config": "missing.json", "Layers": []}]', "missing.json is missing"),
    ],
)
def test_malformed_docker_manifest(tmp_path: Path, manifest: bytes, message: str) -> None:
    path = docker_archive(tmp_path / "bad.tar", basic_spec(), manifest=manifest)
    with pytest.raises(TargetError, match=message):
        open_image(str(path), Limits())


def test_layer_digest_mismatch_is_an_error(tmp_path: Path) -> None:
    spec = basic_spec()
    spec.diff_ids = [sha256(b"not this layer")]
    path = docker_archive(tmp_path / "bad.tar", spec)
    with pytest.raises(TargetError, match=r"layer 0 .*digest mismatch"):
        scan_image(str(path), ScanOptions())


def test_oci_blob_tampering_is_detected(tmp_path: Path) -> None:
    layout = tmp_path / "oci"
    descriptor = oci_manifest(layout, basic_spec())
    oci_layout(layout, [descriptor])
    assert scan_image(str(layout), ScanOptions()).packages
    manifest = json.loads((layout / "blobs" / "sha256" / descriptor["digest"].split(":")[1]).read_text())
    layer_blob = layout / "blobs" / "sha256" / manifest["layers"][0]["digest"].split(":")[1]
    data = bytearray(layer_blob.read_bytes())
    data[-9] ^= 0x01  # flip one bit of the gzip trailer
    layer_blob.write_bytes(bytes(data))
    with pytest.raises(TargetError, match="digest mismatch"):
        scan_image(str(layout), ScanOptions())
    (layout / "blobs" / "sha256" / descriptor["digest"].split(":")[1]).write_text("{}")
    with pytest.raises(TargetError, match="size mismatch|digest mismatch"):
        open_image(str(layout), Limits())


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ("nope", "index.json is not valid JSON"),
        ('{"manifests": []}', "lists no manifests"),
        ('{"manifests": [{"digest": "sha256:../../../etc/passwd", "size": 1}]}', "malformed digest"),
        ('{"manifests": [{"digest": "md5:abc", "size": 1}]}', "unsupported or malformed digest"),
    ],
)
def test_malformed_oci_index(tmp_path: Path, index: str, message: str) -> None:
    layout = tmp_path / "oci"
    layout.mkdir()
    (layout / "index.json").write_text(index)
    with pytest.raises(TargetError, match=message):
        open_image(str(layout), Limits())


def test_metadata_size_is_bounded(tmp_path: Path) -> None:
    path = docker_archive(tmp_path / "big.tar", basic_spec(), manifest=b"[" + b" " * 5000 + b"]")
    with pytest.raises(LimitExceeded, match="manifest.json is 5002 bytes"):
        open_image(str(path), Limits(max_metadata_bytes=4096))


def test_not_an_image(tmp_path: Path) -> None:
    rootfs = tmp_path / "rootfs"
    (rootfs / "etc").mkdir(parents=True)
    with pytest.raises(TargetError, match="not a container image.*mamoru fs"):
        open_image(str(rootfs), Limits())
    plain = tmp_path / "rootfs.tar"
    plain.write_bytes(layer_tar([Entry("etc/os-release", OS_RELEASE.encode())]))
    with pytest.raises(TargetError, match="not a container image"):
        open_image(str(plain), Limits())
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(TargetError, match="not a readable tar archive|not a container image"):
        open_image(str(junk), Limits())
    assert not is_image(str(rootfs)) and not is_image(str(plain))


def test_symlink_loops_and_escapes_inside_archives(tmp_path: Path) -> None:
    spec = basic_spec()
    path = tmp_path / "links.tar"
    config = spec.config()
    with tarfile.open(path, "w") as archive:
        for name, target in (("loop1", "loop2"), ("loop2", "loop1"), ("escape.tar", "../../../etc/passwd")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
        from tests.helpers import add_member

        add_member(archive, "c.json", config)
        add_member(archive, "manifest.json", json.dumps([{"Config": "c.json", "Layers": ["loop1"]}]).encode())
    with pytest.raises(TargetError, match="too many levels of links"):
        open_image(str(path), Limits())
    with tarfile.open(path, "a") as archive:
        add_member(archive, "manifest.json", json.dumps([{"Config": "c.json", "Layers": ["escape.tar"]}]).encode())
    with pytest.raises(TargetError, match="links outside the archive"):
        open_image(str(path), Limits())
