"""Every item planted in a real image is found, with the layer that holds it; clean OS images stay clean.

The `planted` image (tests/fixtures/build-planted-image.sh) is Debian bookworm minbase (layer 0) + a real
`apt-get install openssh-server sudo` (layer 1) + planted content (layer 2) + a layer deleting one secret
file (layer 3) + a risky config; tests/fixtures/plant_content.py writes the list of what it planted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mamoru.model.finding import FindingKind
from mamoru.model.inventory import Inventory
from mamoru.scan.pipeline import ScanOptions, scan_image

pytestmark = [pytest.mark.images, pytest.mark.usefixtures("cache_dir")]
ALL = ScanOptions(scanners=frozenset(FindingKind))
PLANTED_LAYER = 2


@pytest.fixture(scope="module")
def planted_scan(planted: Path, tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    import os

    os.environ.setdefault("MAMORU_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    return scan_image(str(planted / "planted-docker.tar"), ALL)


def test_every_planted_file_item_is_found_in_its_layer(planted: Path, planted_scan: Inventory) -> None:
    expected = json.loads((planted / "planted-expected.json").read_text())
    assert len(expected) >= 80
    found = {(f.rule_id, f.location.path.rstrip("/"), f.location.layer.index, f.location.visible)
             for f in planted_scan.findings if f.location and f.location.path and f.location.layer}  # fmt: skip
    missing = [item for item in expected
               if (item["rule"], item["path"], PLANTED_LAYER, item["visible"]) not in found]  # fmt: skip
    assert missing == []


def test_config_history_and_package_findings(planted_scan: Inventory) -> None:
    rules = {f.rule_id for f in planted_scan.findings}
    assert {"IMG-001", "IMG-002", "IMG-003", "IMG-004", "IMG-006", "IMG-010", "IMG-012", "IMG-014", "SEC-100"} <= rules
    ssh = next(f for f in planted_scan.findings if f.rule_id == "PKG-001")
    assert ssh.package is not None and ssh.package.name == "openssh-server"
    assert ssh.package.layer is not None and ssh.package.layer.index == 1
    caches = {(f.location.path, f.location.layer.index) for f in planted_scan.findings
              if f.rule_id == "FILE-006" and f.location and f.location.layer}  # fmt: skip
    assert caches == {("var/lib/apt/lists", 1), ("var/cache/apt", 1)}  # apt-get without cleaning up


def test_every_finding_carries_compliance_references(planted_scan: Inventory) -> None:
    assert all(f.compliance for f in planted_scan.findings)
    assert all(ref.framework == "nist-sp-800-190" for f in planted_scan.findings for ref in f.compliance[:1])


@pytest.mark.parametrize("image", ["base-docker.tar", "alpine-docker.tar"])
def test_clean_os_images_have_no_secret_or_malware_findings(images: Path, image: str) -> None:
    content = ScanOptions(scanners=frozenset({FindingKind.SECRET, FindingKind.MALWARE}))
    assert scan_image(str(images / image), content).findings == []


@pytest.mark.images
@pytest.mark.usefixtures("cache_dir")
def test_a_deleted_file_is_said_to_be_deleted_once(images: Path) -> None:
    """The location carries "deleted in a later layer"; the finding's own message does not repeat it."""
    import io

    from rich.console import Console

    from mamoru.report.table import _findings_table

    inventory = scan_image(str(images / "app-docker.tar"), ScanOptions(scanners=frozenset({FindingKind.FILE})))
    out = io.StringIO()
    Console(file=out, width=400).print(_findings_table(inventory))
    rows = [line for line in out.getvalue().splitlines() if "FILE-004" in line and "/app/.env" in line]
    assert len(rows) == 1 and rows[0].count("deleted in a later layer") == 1, rows
