"""The package inventory of real images equals what dpkg, apk and Docker themselves say, layer by layer.

Ground truth comes from the package managers, never from mamoru's own parsers:
- Debian: ``dpkg-query --admindir`` on the dpkg database unpacked by GNU tar or by umoci;
- Alpine: the image's own ``apk list -I`` run in a chroot of its root filesystem;
- Docker: ``dpkg-query -W`` run inside the built image by the Docker engine (tests/fixtures/docker-image.sh).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mamoru.model.inventory import Inventory
from mamoru.scan.pipeline import ScanOptions, scan_filesystem, scan_image
from mamoru.targets.detect import is_image

pytestmark = [pytest.mark.images, pytest.mark.usefixtures("cache_dir")]

DPKG_FORMAT = "${Package} ${Version} ${source:Package} ${source:Version}\n"
Row = tuple[str, str, str, str]


def dpkg_truth(admindir: Path) -> set[Row]:
    out = subprocess.run(
        ["dpkg-query", f"--admindir={admindir}", "-W", "-f", DPKG_FORMAT], capture_output=True, text=True, check=True
    ).stdout
    return {tuple(line.split(" ")) for line in out.splitlines() if line}  # type: ignore[misc]


def dpkg_admindir_from_tar(rootfs_tar: Path, tmp: Path) -> Path:
    subprocess.run(["tar", "-xf", str(rootfs_tar), "-C", str(tmp), "./var/lib/dpkg/status"], check=True)
    return tmp / "var" / "lib" / "dpkg"


def rows(inventory: Inventory) -> set[Row]:
    """The dpkg packages (the ground truth here is dpkg's)."""
    return {(p.name, p.version, p.source_name, p.source_version) for p in inventory.packages if p.kind.value == "deb"}


def by_layer(inventory: Inventory) -> dict[int, set[str]]:
    layers: dict[int, set[str]] = {}
    for package in inventory.packages:
        if package.kind.value != "deb":
            continue
        assert package.layer is not None
        layers.setdefault(package.layer.index, set()).add(package.name)
    return layers


@pytest.fixture(scope="module")
def base_truth(images: Path, tmp_path_factory: pytest.TempPathFactory) -> set[Row]:
    return dpkg_truth(dpkg_admindir_from_tar(images / "rootfs" / "bookworm-minbase.tar", tmp_path_factory.mktemp("b")))


@pytest.fixture(scope="module")
def app_truth(images: Path, tmp_path_factory: pytest.TempPathFactory) -> set[Row]:
    bundle = tmp_path_factory.mktemp("umoci") / "bundle"
    subprocess.run(["umoci", "unpack", "--image", f"{images}/oci:app", str(bundle)], check=True, capture_output=True)
    return dpkg_truth(bundle / "rootfs" / "var" / "lib" / "dpkg")


def test_bookworm_base_equals_dpkg_query(images: Path, base_truth: set[Row]) -> None:
    inventory = scan_image(str(images / "base-docker.tar"), ScanOptions())
    assert len(base_truth) == 88
    assert rows(inventory) == base_truth
    assert {p.layer.index for p in inventory.packages if p.layer} == {0}
    assert inventory.os is not None and (inventory.os.family, inventory.os.codename) == ("debian", "bookworm")


def test_app_image_packages_and_layers(images: Path, base_truth: set[Row], app_truth: set[Row]) -> None:
    """Layer 1 is ``RUN apt-get install openssl python3-minimal``: exactly the packages it added."""
    for target in ("app-docker.tar", "oci:app"):
        inventory = scan_image(str(images / target), ScanOptions())
        assert rows(inventory) == app_truth
        added = {name for name, *_ in app_truth - base_truth}
        assert {"openssl", "python3-minimal", "python3.11-minimal"} <= added
        assert by_layer(inventory) == {0: {name for name, *_ in base_truth}, 1: added}
        layer = next(p.layer for p in inventory.packages if p.name == "openssl")
        assert layer is not None and layer.instruction.startswith("RUN apt-get update && apt-get install")
        requests = next(p for p in inventory.packages if p.name == "requests")  # dist-info in the COPY layer
        assert requests.layer is not None and requests.layer.index == 2 and requests.kind.value == "pypi"


def test_alpine_equals_apk_list(images: Path, tmp_path: Path) -> None:
    root = tmp_path / "alpine"
    root.mkdir()
    subprocess.run(["tar", "-xf", str(images / "rootfs" / "alpine-rootfs.tar"), "-C", str(root)], check=True)
    listing = subprocess.run(
        ["chroot", str(root), "/sbin/apk", "list", "-I"], capture_output=True, text=True, check=True
    ).stdout
    truth = set()
    for line in listing.splitlines():
        name_version, arch, origin, license_text = line.split(" ", 3)
        name, version, release = name_version.rsplit("-", 2)
        truth.add((name, f"{version}-{release}", arch, origin.strip("{}"), license_text[1 : license_text.index(") [")]))
    assert len(truth) == 59
    for inventory in (
        scan_image(str(images / "alpine-docker.tar"), ScanOptions()),
        scan_filesystem(str(root), ScanOptions()),
    ):
        found = {(p.name, p.version, p.arch, p.source_name, " ".join(p.licenses)) for p in inventory.packages}
        assert found == truth
        assert inventory.os is not None and (inventory.os.family, inventory.os.version) == ("alpine", "3.23.6")


def test_rootfs_tarball_and_directory(images: Path, base_truth: set[Row], tmp_path: Path) -> None:
    tarball = scan_filesystem(str(images / "rootfs" / "bookworm-minbase.tar"), ScanOptions())
    assert rows(tarball) == base_truth
    packed = tmp_path / "bookworm-minbase.tar.gz"  # a compressed root filesystem is one too, not an image
    with packed.open("wb") as out:
        subprocess.run(["gzip", "-1", "-c", str(images / "rootfs" / "bookworm-minbase.tar")], stdout=out, check=True)
    assert not is_image(str(packed)) and is_image(str(images / "app-docker.tar.gz"))
    assert rows(scan_filesystem(str(packed), ScanOptions())) == base_truth
    root = tmp_path / "root"
    root.mkdir()
    subprocess.run(
        [
            "tar",
            "-xf",
            str(images / "rootfs" / "bookworm-minbase.tar"),
            "-C",
            str(root),
            "./var/lib/dpkg",
            "./etc",
            "./usr/lib/os-release",
            "./dev",
        ],
        check=True,
    )
    directory = scan_filesystem(str(root), ScanOptions())
    assert rows(directory) == base_truth
    assert directory.os is not None and directory.os.version == "12.15"


@pytest.mark.docker
def test_image_saved_by_docker_20_10(docker_images: Path) -> None:
    truth = {tuple(line.split(" ")) for line in (docker_images / "docker-truth.txt").read_text().splitlines()}
    archive = scan_image(str(docker_images / "docker-save.tar"), ScanOptions())
    daemon = scan_image("mamoru/dockerbuilt:latest", ScanOptions())
    for inventory in (archive, daemon):
        assert rows(inventory) == truth
        less = next(p for p in inventory.packages if p.name == "less")
        assert (
            less.layer is not None and less.layer.instruction == "RUN dpkg -i /tmp/less_*.deb && rm -f /tmp/less_*.deb"
        )
        assert by_layer(inventory).keys() == {0, less.layer.index}
    assert archive.artifact.source == "docker-archive" and daemon.artifact.source == "docker-daemon"
    assert archive.artifact.image is not None and daemon.artifact.image is not None
    assert archive.artifact.image.image_id == daemon.artifact.image.image_id
    deleted = [(d.layer_index, d.path) for d in archive.deletions]
    assert any(path == "data/hello.txt" for _, path in deleted)
    hello = [f for f in archive.files if f.path == "data/hello.txt"]
    assert len(hello) == 1 and not hello[0].visible  # deleted later, still recorded in its layer
    suid = next(f for f in archive.files if f.path == "usr/local/bin/suid-find")
    assert suid.mode & 0o4000 and suid.visible


def test_whiteouts_and_opaque_dir_in_app_image(images: Path) -> None:
    inventory = scan_image(str(images / "app-docker.tar"), ScanOptions())
    records = {(f.path, f.layer_index): f for f in inventory.files}
    assert not records[("app/.env", 2)].visible and not records[("root/.ssh/id_rsa", 2)].visible
    assert records[("app/config.py", 2)].visible
    assert not records[("opt/data/old.txt", 2)].visible and records[("opt/data/new.txt", 4)].visible
    assert {(d.path, d.opaque) for d in inventory.deletions} >= {
        ("app/.env", False),
        ("root/.ssh/id_rsa", False),
        ("usr/share/doc/openssl", False),
        ("opt/data", True),
    }
    assert not any(f.visible for f in inventory.files if f.path.startswith("usr/share/doc/openssl/"))
