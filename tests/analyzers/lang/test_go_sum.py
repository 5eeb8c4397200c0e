"""go.sum: the indirect modules of Go < 1.17 modules (real module sources from Debian), nothing otherwise."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.conftest import which

from mamoru.model.package import PackageKind
from mamoru.scan.pipeline import ScanOptions, scan_filesystem

pytestmark = pytest.mark.usefixtures("cache_dir")


def go_mod_requires(module: Path) -> set[tuple[str, str]]:
    """What go.mod requires, read by the Go tool itself (``go mod edit -json``, offline)."""
    edit = subprocess.run([which("go"), "mod", "edit", "-json"], cwd=module, capture_output=True, text=True, check=True)
    return {(r["Path"], r["Version"]) for r in json.loads(edit.stdout)["Require"] or []}


def go_sum_extras(module: Path, required: set[tuple[str, str]], own_path: str) -> set[tuple[str, str]]:
    """go.sum's modules that go.mod does not list, at the last version recorded (Trivy's rule)."""
    versions: dict[str, str] = {}
    for line in (module / "go.sum").read_text().splitlines():
        path, version, _hash = line.split()
        versions[path] = version.removesuffix("/go.mod")
    listed = {path for path, _ in required} | {own_path}
    return {(path, version) for path, version in versions.items() if path not in listed}


def golang(directory: Path) -> set[tuple[str, str]]:
    inventory = scan_filesystem(str(directory), ScanOptions())
    return {(p.name, p.version) for p in inventory.packages if p.kind is PackageKind.GOLANG}


@pytest.mark.parametrize(
    ("module", "own_path"), [("cobra", "github.com/spf13/cobra"), ("testify", "github.com/stretchr/testify")]
)
def test_a_module_older_than_go_1_17_adds_its_go_sum(go_modules: Path, module: str, own_path: str) -> None:
    directory = go_modules / module
    required = go_mod_requires(directory)
    extras = go_sum_extras(directory, required, own_path)
    assert extras, "these modules' go.sum lists modules their go.mod does not"
    assert golang(directory) == required | extras


def test_from_go_1_17_go_mod_alone_counts(go_modules: Path, tmp_path: Path) -> None:
    directory = tmp_path / "cobra"
    shutil.copytree(go_modules / "cobra", directory)
    subprocess.run([which("go"), "mod", "edit", "-go=1.17"], cwd=directory, check=True)
    assert golang(directory) == go_mod_requires(directory)


def test_a_go_sum_alone_gives_nothing(go_modules: Path, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    shutil.copy(go_modules / "cobra" / "go.sum", tmp_path / "src" / "go.sum")
    assert golang(tmp_path) == set()


def test_in_an_image_the_visible_go_mod_decides(go_modules: Path, tmp_path: Path) -> None:
    """A later layer that moves the module to Go 1.17 (go.mod rewritten) drops go.sum's extras."""
    from tests.helpers import ImageSpec, docker_archive, files, layer_tar

    from mamoru.scan.pipeline import scan_image

    cobra = go_modules / "cobra"
    upgraded = tmp_path / "cobra"
    shutil.copytree(cobra, upgraded)
    subprocess.run([which("go"), "mod", "edit", "-go=1.17"], cwd=upgraded, check=True)
    first = layer_tar(files(("src/cobra/go.mod", (cobra / "go.mod").read_bytes()),
                            ("src/cobra/go.sum", (cobra / "go.sum").read_bytes())))  # fmt: skip
    second = layer_tar(files(("src/cobra/go.mod", (upgraded / "go.mod").read_bytes())))

    def golang_in(layers: list[bytes], name: str) -> set[tuple[str, str]]:
        image = docker_archive(tmp_path / name, ImageSpec(layers=layers))
        inventory = scan_image(str(image), ScanOptions())
        return {(p.name, p.version) for p in inventory.packages if p.kind is PackageKind.GOLANG}

    required = go_mod_requires(cobra)
    assert golang_in([first], "old.tar") == required | go_sum_extras(cobra, required, "github.com/spf13/cobra")
    assert golang_in([first, second], "upgraded.tar") == go_mod_requires(upgraded)
